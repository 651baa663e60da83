// Side-by-side predictions of generation runs; the tables of a study; Markdown.
#include "export/predictions.h"

#include "config/run_config.h"
#include "exec/line_excerpt.h"
#include "export/dev_examples.h"
#include "export/label_predictions.h"
#include "io/untrusted_input.h"
#include "export/pivot.h"
#include "export/result_set.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>

#include <algorithm>
#include <cmath>
#include <map>
#include <nlohmann/json.hpp>

namespace adamix::app {

namespace {

struct RunFile {
  std::map<QString, QString> outputByInput;
  std::vector<std::pair<QString, QStringList>> order;  ///< input, references in file order
  QStringList problems;                                ///< "path: why", "path:line: why"
};

RunFile readJsonl(const QString& path) {
  RunFile f;
  // a FIFO would block the read, /dev/zero or a huge file fill the memory: never opened
  if (const QString why = displayFileProblem(path); !why.isEmpty()) {
    f.problems << why;
    return f;
  }
  QFile in(path);
  if (!in.open(QIODevice::ReadOnly)) {
    f.problems << QStringLiteral("%1: cannot be read (%2)").arg(path, in.errorString());
    return f;
  }
  int lineNo = 0;
  while (!in.atEnd()) {
    const QByteArray line = in.readLine().trimmed();
    ++lineNo;
    if (line.isEmpty()) continue;
    try {
      const auto j = nlohmann::json::parse(line.toStdString(), adamix::jsonDepthGuard());
      const QString input = QString::fromStdString(j.at("input").get<std::string>());
      QStringList refs;
      for (const auto& r : j.at("references")) refs << QString::fromStdString(r.get<std::string>());
      f.outputByInput[input] = QString::fromStdString(j.at("prediction").get<std::string>());
      f.order.push_back({input, refs});
    } catch (const std::exception& e) {
      if (f.problems.isEmpty())  // the first bad line of the file; the others are skipped alike
        f.problems << QStringLiteral("%1:%2: not a prediction line (input, references, prediction): %3; skipped")
                          .arg(path)
                          .arg(lineNo)
                          .arg(escapedExcerpt(QByteArray(e.what()), 120));
    }
  }
  return f;
}

}  // namespace

PredictionTable loadPredictionTable(const std::vector<std::pair<QString, QString>>& runs, int limit) {
  PredictionTable t;
  std::vector<RunFile> files;
  for (const auto& [label, path] : runs) {
    t.columns << label;
    files.push_back(readJsonl(path));
    t.problems += files.back().problems;
  }
  const RunFile* first = nullptr;
  for (const auto& f : files)
    if (!f.order.empty()) {
      first = &f;
      break;
    }
  if (!first) return t;
  for (const auto& [input, refs] : first->order) {
    if (limit > 0 && static_cast<int>(t.rows.size()) >= limit) break;
    PredictionRow row;
    row.input = input;
    row.references = refs;
    for (const auto& f : files) {
      auto it = f.outputByInput.find(input);
      row.outputs.push_back(it != f.outputByInput.end() ? it->second : QString());
    }
    t.rows.push_back(std::move(row));
  }
  return t;
}

namespace {

/// True for a run of a generation task (its stored config's); false when it cannot tell.
bool isGenerationRun(Store& store, qint64 runId) {
  try {
    const auto rec = store.run(runId);
    return rec && isGenerationTask(parseRunConfig(rec->config).task);
  } catch (const std::exception&) {
    return false;
  }
}

/// The generation table of `runs` (describeRuns of a study's finished runs): each run's
/// predictions/dev.jsonl beside its `predictions` artifact.
PredictionTable generationTableOf(Store& store, const std::vector<RunResult>& runs, int limit) {
  std::map<QString, int> seedsPerVariant;
  for (const RunResult& r : runs) seedsPerVariant[r.variant] += 1;
  std::vector<std::pair<QString, QString>> files;
  for (const RunResult& r : runs) {
    for (const Artifact& a : store.artifacts(r.runId)) {
      if (a.kind != QLatin1String("predictions")) continue;
      const QString jsonl = QFileInfo(a.path).dir().filePath(QStringLiteral("dev.jsonl"));
      // a finished generation run writes it: one that is gone keeps an empty column, named; a
      // classification run has none
      if (!QFileInfo::exists(jsonl) && !QFileInfo(jsonl).isSymLink() && !isGenerationRun(store, r.runId)) continue;
      QString label = r.variant.isEmpty() ? QStringLiteral("run %1").arg(r.runId) : r.variant;
      if (seedsPerVariant[r.variant] > 1) label += QStringLiteral(" (seed %1)").arg(r.seed);
      files.push_back({label, jsonl});
    }
  }
  return loadPredictionTable(files, limit);
}

}  // namespace

PredictionTable predictionsFromStore(Store& store, std::optional<qint64> studyId, int limit) {
  return generationTableOf(store, describeRuns(store, studyRuns(store, studyId)), limit);
}

bool predictionsDisagree(const PredictionRow& row, double tolerance) {
  if (tolerance > 0) {
    std::optional<double> lo, hi;
    int scores = 0;
    bool nonFinite = false;  // a diverged run's "nan" or "inf" agrees with nothing
    for (const QString& o : row.outputs) {
      bool ok = false;
      const double v = o.toDouble(&ok);
      if (!ok) continue;
      ++scores;
      if (!std::isfinite(v)) {
        nonFinite = true;
        continue;
      }
      lo = lo ? std::min(*lo, v) : v;
      hi = hi ? std::max(*hi, v) : v;
    }
    return scores >= 2 && (nonFinite || *hi - *lo > tolerance);
  }
  const QString* first = nullptr;
  for (const QString& o : row.outputs) {
    if (o.isEmpty()) continue;
    if (first && *first != o) return true;
    if (!first) first = &o;
  }
  return false;
}

std::vector<PredictionTable> predictionTablesFromStore(Store& store, std::optional<qint64> studyId, int limit) {
  // the study's runs are read once for both kinds of table
  const std::vector<RunRecord> records = studyRuns(store, studyId);
  const std::vector<RunResult> runs = describeRuns(store, records);
  std::vector<PredictionTable> tables;
  if (PredictionTable g = generationTableOf(store, runs, limit); !g.columns.isEmpty()) tables.push_back(std::move(g));
  for (PredictionTable& t : labelPredictionTablesOf(store, records, runs, limit)) tables.push_back(std::move(t));
  return tables;
}

QString predictionsToMarkdown(const PredictionTable& t) {
  const bool labels = t.kind == PredictionKind::Labels;
  QString s = labels ? QStringLiteral("| # | Input | Gold label |") : QStringLiteral("| Input | References |");
  QString rule = labels ? QStringLiteral("|---|---|---|") : QStringLiteral("|---|---|");
  for (const QString& c : t.columns) {
    s += u' ' + markdownEscape(c) + QStringLiteral(" |");
    rule += QStringLiteral("---|");
  }
  s += u'\n' + rule + u'\n';
  for (const PredictionRow& r : t.rows) {
    QStringList refs;
    for (const QString& x : r.references) refs << markdownEscape(x);
    if (labels) s += QStringLiteral("| %1 ").arg(r.index);
    s += QStringLiteral("| ") + markdownEscape(r.input) + QStringLiteral(" | ") + refs.join(QStringLiteral("<br>")) +
         QStringLiteral(" |");
    for (std::size_t c = 0; c < r.outputs.size(); ++c) {
      const bool wrong = c < r.verdicts.size() && r.verdicts[c] == Verdict::Wrong;
      s += u' ' + markdownEscape(r.outputs[c]) + (wrong ? u' ' + kWrongMark : QString()) + QStringLiteral(" |");
    }
    s += u'\n';
  }
  return s;
}

}  // namespace adamix::app
