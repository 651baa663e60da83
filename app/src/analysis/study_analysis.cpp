#include "analysis/study_analysis.h"

#include "analysis/pareto.h"

#include <QLocale>

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>

namespace adamix::app::analysis {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

std::map<qint64, const RunResult*> byId(const ResultSet& results) {
  std::map<qint64, const RunResult*> out;
  for (const RunResult& r : results.runs) out[r.runId] = &r;
  return out;
}

QString rowLabel(const PivotTable& pivot, std::size_t row) { return pivot.rowLabels.at(row).join(QStringLiteral(", ")); }

/// The runs of a pivot row on one task, in run order.
std::vector<const RunResult*> rowRunsOn(const PivotTable& pivot, const std::map<qint64, const RunResult*>& runs,
                                        std::size_t row, const QString& task) {
  std::vector<const RunResult*> out;
  for (qint64 id : pivot.rowRuns.at(row)) {
    auto it = runs.find(id);
    if (it != runs.end() && it->second->task == task) out.push_back(it->second);
  }
  return out;
}

/// The pretrained backbone's size: `base` when the engine reported it, else what the engine's
/// protocol 1.x `params` (no `base`) implies: everything but the PEFT modules and the head, which
/// are all the parameters added to the backbone. 0 when unknown.
qint64 backboneOf(const RunParams& p) {
  if (p.base > 0) return p.base;
  const qint64 derived = p.total - p.trainablePeft - p.head;
  return derived > 0 ? derived : 0;
}

/// The first parameter counts among the runs of a row (any task: they do not depend on the head),
/// with `base` filled in (backboneOf()).
std::optional<RunParams> rowParams(const PivotTable& pivot, const std::map<qint64, const RunResult*>& runs,
                                   std::size_t row) {
  for (qint64 id : pivot.rowRuns.at(row)) {
    auto it = runs.find(id);
    if (it == runs.end() || !it->second->params || backboneOf(*it->second->params) <= 0) continue;
    RunParams p = *it->second->params;
    p.base = backboneOf(p);
    return p;
  }
  return std::nullopt;
}

double percentOf(qint64 part, qint64 whole) { return whole > 0 ? 100.0 * double(part) / double(whole) : kNaN; }

/// The predictions of the runs behind a table value: evaluation columns read that evaluation's
/// file, the run's own columns its predictions/<split>.tsv (MNLI-m: dev_matched.tsv). Empty path
/// when unknown.
QString predictionsFor(const RunResult& r, const PivotColumn& col) {
  if (!col.evaluation) {
    const auto it = r.predictions.find(col.split);
    return it != r.predictions.end() ? it->second : QString();
  }
  for (const InferenceResult& i : r.inference)
    if (i.label == col.split) return i.predictions;
  return {};
}

}  // namespace

std::vector<ScoreVsParams> scoreVsParams(const PivotTable& pivot, const ResultSet& results) {
  const auto runs = byId(results);
  std::vector<ScoreVsParams> out;
  std::vector<std::optional<RunParams>> params;  // per row: the same for every column
  for (std::size_t row = 0; row < pivot.rowRuns.size(); ++row) params.push_back(rowParams(pivot, runs, row));
  std::map<QString, bool> taskSeen;
  for (std::size_t c = 0; c < pivot.columns.size(); ++c) {
    const PivotColumn& col = pivot.columns[c];
    if (col.evaluation) continue;
    if (!col.average && taskSeen[col.task]) continue;  // each task's first own column is its primary
    if (!col.average) taskSeen[col.task] = true;
    ScoreVsParams s;
    s.task = col.average ? QString() : col.task;
    s.title = col.average ? QStringLiteral("Average over %1 tasks").arg(taskSeen.size())
                          : QStringLiteral("%1 — %2 %3").arg(taskDisplayName(col.task), col.split, col.metric);
    s.scoreLabel = col.average ? QStringLiteral("average score") : QStringLiteral("%1 %2").arg(col.split, col.metric);
    if (!col.average && metricScale(col.metric) != 1) s.scoreLabel += QStringLiteral(" (×100)");
    for (std::size_t row = 0; row < pivot.cells.size(); ++row) {
      const PivotCell& cell = pivot.cells[row][c];
      if (cell.n == 0) continue;
      ScorePoint p;
      p.row = int(row);
      p.variant = rowLabel(pivot, row);
      p.n = cell.n;
      p.mean = cell.mean;
      p.std = cell.std;
      const auto& counts = params[row];
      p.trainablePercent = counts ? percentOf(counts->trainablePeft, counts->base) : kNaN;
      p.inferencePercent = counts ? percentOf(counts->inferencePeft, counts->base) : kNaN;
      s.points.push_back(p);
    }
    std::vector<double> y, xt, xi;
    for (const ScorePoint& p : s.points) {
      y.push_back(p.mean);
      xt.push_back(p.trainablePercent);
      xi.push_back(p.inferencePercent);
    }
    for (std::size_t i : paretoFront(xt, y)) s.points[i].onTrainableFront = true;
    for (std::size_t i : paretoFront(xi, y)) s.points[i].onInferenceFront = true;
    out.push_back(std::move(s));
  }
  return out;
}

std::vector<ModeDistribution> modeDistributions(const PivotTable& pivot, const ResultSet& results) {
  const auto runs = byId(results);
  std::vector<ModeDistribution> out;
  std::vector<QString> tasks;
  for (const PivotColumn& col : pivot.columns)
    if (!col.average && !col.evaluation && std::find(tasks.begin(), tasks.end(), col.task) == tasks.end())
      tasks.push_back(col.task);
  for (std::size_t row = 0; row < pivot.rowRuns.size(); ++row) {
    for (const QString& task : tasks) {
      const PrimaryMetric primary = primaryMetricFor(task);
      ModeDistribution d;
      d.row = int(row);
      d.variant = rowLabel(pivot, row);
      d.task = task;
      d.metric = primary.name;
      const double scale = metricScale(primary.name);
      std::vector<std::pair<QString, std::vector<double>>> modes{{QStringLiteral("merged"), {}},
                                                                 {QStringLiteral("random"), {}},
                                                                 {QStringLiteral("ensemble"), {}}};
      auto slot = [&](const QString& name) -> std::vector<double>& {
        for (auto& m : modes)
          if (m.first == name) return m.second;
        modes.push_back({name, {}});
        return modes.back().second;
      };
      for (const RunResult* r : rowRunsOn(pivot, runs, row, task)) {
        double cost = 0;
        bool evaluatedAtEnd = false;
        for (const InferenceResult& i : r->inference)
          if (i.endOfRun) {
            evaluatedAtEnd = true;
            cost += i.wallS;
          }
        if (evaluatedAtEnd) d.endOfRunSeconds.push_back(cost);
        for (const ResultValue& v : r->values)
          if (v.kind == pivot.kind && v.split == primary.split && v.name == primary.name)
            slot(QStringLiteral("merged")).push_back(v.value * scale);
        for (const InferenceResult& i : r->inference) {
          if (i.split != primary.split && !(primary.split.startsWith(QLatin1String("dev")) && i.split == QLatin1String("dev")))
            continue;
          for (const auto& [name, value] : i.metrics) {
            if (name != primary.name) continue;
            if (i.inference.startsWith(QLatin1String("module:")))
              d.modules.push_back(value * scale);
            else if (i.inference != QLatin1String("merged"))
              slot(i.inference).push_back(value * scale);
          }
        }
      }
      if (d.modules.empty()) continue;
      for (auto& m : modes)
        if (!m.second.empty()) d.modes.push_back(std::move(m));
      out.push_back(std::move(d));
    }
  }
  return out;
}

bool CellSignificance::welchSignificant(double alpha) const { return welch.defined() && welch.p < alpha; }
bool CellSignificance::bootstrapSignificant(double alpha) const { return bootstrap && bootstrap->p < alpha; }

SignificanceTable significance(const PivotTable& pivot, const ResultSet& results, const SignificanceOptions& options) {
  if (options.baselineRow < 0 || std::size_t(options.baselineRow) >= pivot.rowRuns.size())
    throw std::invalid_argument("significance: baseline row " + std::to_string(options.baselineRow) +
                                " is not a row of the table");
  const auto runs = byId(results);
  SignificanceTable t;
  t.baselineRow = options.baselineRow;
  t.baselineLabel = rowLabel(pivot, std::size_t(options.baselineRow));
  t.options = options;
  t.cells.assign(pivot.cells.size(), std::vector<std::optional<CellSignificance>>(pivot.columns.size()));
  std::map<QString, std::optional<ExamplePredictions>> files;  // path → parsed (nullopt: unreadable)
  QString lastError;
  auto load = [&](const QString& path) -> const std::optional<ExamplePredictions>& {
    auto it = files.find(path);
    if (it != files.end()) return it->second;
    std::optional<ExamplePredictions> p;
    try {
      if (!path.isEmpty()) p = readPredictionsTsv(path);
    } catch (const PredictionsError& e) {
      lastError = QString::fromStdString(e.what());
    }
    return files.emplace(path, std::move(p)).first->second;
  };
  const auto base = std::size_t(options.baselineRow);
  for (std::size_t c = 0; c < pivot.columns.size(); ++c) {
    const PivotColumn& col = pivot.columns[c];
    if (col.average || col.evaluation) continue;
    const auto baseRuns = rowRunsOn(pivot, runs, base, col.task);
    std::vector<double> baseValues;
    for (const RunResult* r : baseRuns)
      if (auto v = pivotValue(*r, col, pivot.kind)) baseValues.push_back(*v);
    if (baseValues.empty()) continue;
    for (std::size_t row = 0; row < pivot.cells.size(); ++row) {
      if (row == base || pivot.cells[row][c].n == 0) continue;
      const auto rowRuns = rowRunsOn(pivot, runs, row, col.task);
      std::vector<double> values;
      for (const RunResult* r : rowRuns)
        if (auto v = pivotValue(*r, col, pivot.kind)) values.push_back(*v);
      CellSignificance s;
      s.welch = welchTTest(values, baseValues);
      if (!options.bootstrap) {
        s.bootstrapNote = QStringLiteral("not computed");
      } else if (!isExampleMetric(col.metric)) {
        s.bootstrapNote = QStringLiteral("%1 cannot be recomputed from predictions").arg(col.metric);
      } else if (!col.split.startsWith(QLatin1String("dev"))) {
        s.bootstrapNote = QStringLiteral("predictions are stored for dev only");
      } else {
        std::vector<ExamplePredictions> a, b;
        bool complete = true;
        lastError.clear();
        for (const RunResult* r : rowRuns) {
          const auto& p = load(predictionsFor(*r, col));
          if (p) a.push_back(*p); else complete = false;
        }
        for (const RunResult* r : baseRuns) {
          const auto& p = load(predictionsFor(*r, col));
          if (p) b.push_back(*p); else complete = false;
        }
        if (!complete) {
          s.bootstrapNote = lastError.isEmpty() ? QStringLiteral("predictions missing for some runs") : lastError;
        } else {
          try {
            BootstrapTest bt = pairedBootstrap(col.metric, a, b, options.resamples, options.seed);
            const double scale = metricScale(col.metric);
            bt.observed *= scale;
            bt.ciLow *= scale;
            bt.ciHigh *= scale;
            s.bootstrap = bt;
          } catch (const std::exception& e) {
            s.bootstrapNote = QString::fromStdString(e.what());
          }
        }
      }
      t.cells[row][c] = std::move(s);
    }
  }
  return t;
}

QString bootstrapSubsetNote(const BootstrapTest& b) {
  if (b.examples >= b.fewestPredicted) return {};
  return QStringLiteral("only the %1 examples all its runs share (a run predicted %2): they were scored on different "
                        "dev examples")
      .arg(b.examples)
      .arg(b.fewestPredicted);
}

QString significanceLegend(const SignificanceTable& table) {
  const QString alpha = QLocale::c().toString(table.options.alpha, 'g', 3);
  QString s = QStringLiteral("† p < %1 against %2, Welch's t-test over seeds").arg(alpha, table.baselineLabel);
  if (table.options.bootstrap)
    s += QStringLiteral("; ‡ p < %1, paired bootstrap over dev examples (%2 resamples, seed %3)")
             .arg(alpha, QLocale(QLocale::English).toString(table.options.resamples))
             .arg(table.options.seed);
  s += QLatin1Char('.');
  // Runs scored on different dev subsets leave the bootstrap only the examples they share: say so.
  const BootstrapTest* narrowest = nullptr;
  for (const auto& row : table.cells)
    for (const auto& cell : row)
      if (cell && cell->bootstrap && cell->bootstrap->examples < cell->bootstrap->fewestPredicted &&
          (!narrowest || cell->bootstrap->examples < narrowest->examples))
        narrowest = &*cell->bootstrap;
  if (narrowest)
    s += QStringLiteral(" The runs were scored on different dev examples: a bootstrap uses only those all its runs"
                        " share (as few as %1 of the %2 a run predicted).")
             .arg(narrowest->examples)
             .arg(narrowest->fewestPredicted);
  return s;
}

PivotMarks significanceMarks(const SignificanceTable& table) {
  PivotMarks marks;
  marks.legend = significanceLegend(table);
  marks.cells.resize(table.cells.size());
  for (std::size_t row = 0; row < table.cells.size(); ++row) {
    marks.cells[row].resize(table.cells[row].size());
    for (std::size_t c = 0; c < table.cells[row].size(); ++c) {
      const auto& cell = table.cells[row][c];
      if (!cell) continue;
      if (cell->welchSignificant(table.options.alpha)) marks.cells[row][c] += QChar(0x2020);
      if (cell->bootstrapSignificant(table.options.alpha)) marks.cells[row][c] += QChar(0x2021);
    }
  }
  return marks;
}

QString bootstrapPText(const BootstrapTest& b) {
  if (b.p > 0 || b.resamples < 1) return std::isfinite(b.p) ? QString::number(b.p, 'g', 10) : QString();
  return u'<' + QString::number(2.0 / double(b.resamples), 'g', 10);
}

QString significanceToCsv(const PivotTable& pivot, const SignificanceTable& table) {
  auto num = [](double v) { return std::isfinite(v) ? QString::number(v, 'g', 10) : QString(); };
  QStringList header;
  for (const QString& h : pivot.rowHeaders) header << csvField(h);
  header << QStringLiteral("column") << QStringLiteral("n") << QStringLiteral("mean") << QStringLiteral("baseline")
         << QStringLiteral("baseline n") << QStringLiteral("baseline mean") << QStringLiteral("welch diff")
         << QStringLiteral("welch t") << QStringLiteral("welch df") << QStringLiteral("welch p")
         << QStringLiteral("welch ci low") << QStringLiteral("welch ci high") << QStringLiteral("bootstrap diff")
         << QStringLiteral("bootstrap ci low") << QStringLiteral("bootstrap ci high") << QStringLiteral("bootstrap p")
         << QStringLiteral("bootstrap examples") << QStringLiteral("bootstrap resamples")
         << QStringLiteral("bootstrap seed") << QStringLiteral("note");
  QString out = header.join(u',') + u'\n';
  for (std::size_t row = 0; row < table.cells.size(); ++row)
    for (std::size_t c = 0; c < table.cells[row].size(); ++c) {
      const auto& cell = table.cells[row][c];
      if (!cell) continue;
      const WelchTest& w = cell->welch;
      QStringList f;
      for (const QString& l : pivot.rowLabels[row]) f << csvField(l);
      f << csvField(pivot.columns[c].header) << QString::number(w.nA) << num(w.meanA) << csvField(table.baselineLabel)
        << QString::number(w.nB) << num(w.meanB) << num(w.diff) << num(w.t) << num(w.df) << num(w.p) << num(w.ciLow)
        << num(w.ciHigh);
      if (const auto& b = cell->bootstrap)
        f << num(b->observed) << num(b->ciLow) << num(b->ciHigh) << bootstrapPText(*b) << QString::number(b->examples)
          << QString::number(b->resamples) << QString::number(b->seed) << csvField(bootstrapSubsetNote(*b));
      else
        f << QString() << QString() << QString() << QString() << QString() << QString() << QString()
          << csvField(cell->bootstrapNote);
      out += f.join(u',') + u'\n';
    }
  return out;
}

std::optional<int> findRow(const PivotTable& pivot, const QString& label) {
  for (std::size_t row = 0; row < pivot.rowLabels.size(); ++row)
    if (rowLabel(pivot, row).compare(label, Qt::CaseInsensitive) == 0) return int(row);
  return std::nullopt;
}

}  // namespace adamix::app::analysis
