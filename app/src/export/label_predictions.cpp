// Side-by-side predicted labels of classification / regression runs, one table per dev file.
#include "export/label_predictions.h"

#include "analysis/example_predictions.h"
#include "config/run_config.h"
#include "export/dev_examples.h"
#include "export/result_set.h"
#include "io/untrusted_input.h"

#include <QDir>
#include <QFileInfo>

#include <algorithm>
#include <cmath>
#include <map>
#include <optional>
#include <tuple>

namespace adamix::app {

namespace {

/// Runs sharing one dev file.
struct Group {
  QString devFile, task, split, source;
  std::vector<std::size_t> runs;  ///< indices into the caller's runs
};

/// The runs' dev files, in order of first appearance; runs whose config does not name one are
/// reported in `problems`.
std::vector<Group> groupByDevFile(const std::vector<LabelRun>& runs, QStringList& problems) {
  std::vector<Group> groups;
  for (std::size_t i = 0; i < runs.size(); ++i) {
    QString file, task;
    try {
      file = devFileOf(runs[i].config, runs[i].split);
      task = QString::fromStdString(parseRunConfig(runs[i].config).task.name);
    } catch (const std::exception& e) {
      problems << QStringLiteral("%1: its config names no dev file: %2").arg(runs[i].label, QString::fromUtf8(e.what()));
      continue;
    }
    const QString& source = runs[i].source;
    auto it = std::find_if(groups.begin(), groups.end(),
                           [&](const Group& g) { return g.devFile == file && g.source == source; });
    if (it == groups.end()) it = groups.insert(groups.end(), Group{file, task, runs[i].split, source, {}});
    it->runs.push_back(i);
  }
  return groups;
}

/// The dev examples of a group; on a bad dev file no texts (the problem noted), the label names
/// still taken from the config.
DevExamples devExamplesOf(const Group& g, const nlohmann::json& config, QStringList& problems) {
  // a FIFO or /dev/zero would block or be read forever, a huge file fill the memory: never opened
  if (const QString why = displayFileProblem(g.devFile); !why.isEmpty())
    problems << QStringLiteral("input texts not shown: %1").arg(why);
  else
    try {
      return readDevExamples(config, g.split);
    } catch (const std::exception& e) {
      problems << QStringLiteral("input texts not shown: %1").arg(QString::fromUtf8(e.what()));
    }
  DevExamples d;
  d.task = g.task;
  d.split = g.split;
  d.path = g.devFile;
  try {
    d.labelNames = labelDisplayNames(config);
    d.regression = d.labelNames.isEmpty();
  } catch (const std::exception&) {
    // the config parsed for the grouping; only an own task's unreadable train file lands here
  }
  return d;
}

/// Why predicted class `p` is not shown as a label ("" when it is): not an integer, or not one of
/// the task's `classes` (0 = unknown: any integer).
QString badClass(double p, qsizetype classes) {
  if (p != std::floor(p)) return QStringLiteral("predicted class %1 is not an integer").arg(p);
  if (p < 0 || (classes > 0 && p >= double(classes)))
    return QStringLiteral("predicted class %1 is not one of the task's %2 labels").arg(p).arg(classes);
  return {};
}

/// Two gold labels of one example agree (a regression score as float in the dev file, written
/// with fewer digits in the predictions file).
bool sameLabel(double a, double b, bool regression) {
  return regression ? std::fabs(a - b) <= 1e-4 * std::max(1.0, std::fabs(b)) : a == b;
}

PredictionTable tableOf(const Group& g, const std::vector<LabelRun>& runs, int limit) {
  PredictionTable t;
  t.kind = PredictionKind::Labels;
  for (std::size_t r : g.runs) t.problems += runs[r].problems;
  const DevExamples dev = devExamplesOf(g, runs[g.runs.front()].config, t.problems);
  const bool devRead = !dev.textByIndex.empty();
  t.title = QStringLiteral("%1 \u00B7 %2").arg(g.task, QFileInfo(g.devFile).fileName());
  if (!g.source.isEmpty()) t.title += QStringLiteral(" \u00B7 eval %1").arg(g.source);
  // example index -> (gold label, prediction per column)
  struct Example {
    double gold = 0;
    std::vector<std::optional<double>> predicted;
  };
  std::map<long long, Example> examples;
  long long pastTheEnd = -1;  // an index at or past the dev file's end: it has fewer examples now
  for (std::size_t c = 0; c < g.runs.size(); ++c) {
    const LabelRun& run = runs[g.runs[c]];
    t.columns << run.label;
    analysis::ExamplePredictions p;
    if (const QString why = displayFileProblem(run.predictions); !why.isEmpty()) {
      t.problems << why;
      continue;
    }
    try {
      p = analysis::readPredictionsTsv(run.predictions);
    } catch (const std::exception& e) {
      t.problems << QString::fromUtf8(e.what());
      continue;
    }
    bool outsideReported = false, goldReported = false, classReported = false, repeatReported = false;
    std::map<long long, std::size_t> rowOf;  // example index -> its first row in this file
    for (std::size_t i = 0; i < p.index.size(); ++i) {
      const long long idx = p.index[i];
      // the engine writes no blank lines: row i is on line i + 2 (after the header)
      const QString where = run.predictions + u':' + QString::number(i + 2);
      if (idx < 0 || (devRead && !dev.textByIndex.count(idx))) {
        if (!outsideReported) {
          t.problems << (devRead ? QStringLiteral("%1: example %2 is not in %3 (%4 examples)")
                                       .arg(where)
                                       .arg(idx)
                                       .arg(dev.path)
                                       .arg(dev.textByIndex.size())
                                 : QStringLiteral("%1: example %2 is not an example index").arg(where).arg(idx));
          outsideReported = true;
        }
        if (devRead && idx >= 0 && pastTheEnd < 0) pastTheEnd = idx;
        continue;  // no row for it
      }
      if (const auto [first, isNew] = rowOf.try_emplace(idx, i); !isNew) {  // the engine writes each once
        if (!repeatReported)
          t.problems << QStringLiteral("%1: example %2 again (first on line %3); its first row is shown")
                            .arg(where)
                            .arg(idx)
                            .arg(first->second + 2);
        repeatReported = true;
        continue;
      }
      auto [it, fresh] = examples.try_emplace(idx);
      if (fresh)
        it->second.gold = p.label[i];
      else if (it->second.gold != p.label[i] && !goldReported) {
        t.problems << QStringLiteral("%1: example %2 has gold label %3, another run's predictions %4")
                          .arg(where)
                          .arg(idx)
                          .arg(labelText(p.label[i], dev.regression, dev.labelNames),
                               labelText(it->second.gold, dev.regression, dev.labelNames));
        goldReported = true;
      }
      it->second.predicted.resize(g.runs.size());
      if (!dev.regression) {
        if (const QString why = badClass(p.prediction[i], dev.labelNames.size()); !why.isEmpty()) {
          if (!classReported) t.problems << where + QStringLiteral(": ") + why;
          classReported = true;
          continue;  // not shown as a label
        }
      }
      it->second.predicted[c] = p.prediction[i];
    }
  }
  // The gold labels come from the predictions files; the texts from today's dev file. A file edited
  // since the runs (rows added or removed) would show each text beside another example's labels.
  bool showInputs = devRead;
  if (devRead && !examples.empty()) {
    QString changed;
    for (const auto& [idx, ex] : examples) {
      auto it = dev.labelByIndex.find(idx);
      if (it == dev.labelByIndex.end() || sameLabel(it->second, ex.gold, dev.regression)) continue;
      changed = QStringLiteral("example %1's label is %2, the runs' predictions say %3")
                    .arg(idx)
                    .arg(labelText(it->second, dev.regression, dev.labelNames),
                         labelText(ex.gold, dev.regression, dev.labelNames));
      break;
    }
    const long long predicted = static_cast<long long>(examples.size());
    const long long inFile = static_cast<long long>(dev.textByIndex.size());
    if (changed.isEmpty() && pastTheEnd >= 0)
      changed = QStringLiteral("%1 examples, the runs' predictions name example %2").arg(inFile).arg(pastTheEnd);
    // every run predicts the whole dev split unless max_dev_examples subsamples it
    if (changed.isEmpty() && !dev.subsampled && predicted < inFile)
      changed = QStringLiteral("%1 examples, the runs' predictions %2").arg(inFile).arg(predicted);
    if (!changed.isEmpty()) {
      t.problems << QStringLiteral("%1: %2: the file changed since the runs; input texts not shown").arg(dev.path, changed);
      showInputs = false;
    }
  }
  for (const auto& [idx, ex] : examples) {
    if (limit > 0 && static_cast<int>(t.rows.size()) >= limit) break;
    PredictionRow row;
    row.index = idx;
    if (auto it = dev.textByIndex.find(idx); showInputs && it != dev.textByIndex.end()) row.input = it->second;
    row.references << labelText(ex.gold, dev.regression, dev.labelNames);
    for (std::size_t c = 0; c < g.runs.size(); ++c) {
      const std::optional<double> p = c < ex.predicted.size() ? ex.predicted[c] : std::nullopt;
      row.outputs.push_back(p ? labelText(*p, dev.regression, dev.labelNames) : QString());
      if (!p || dev.regression)
        row.verdicts.push_back(Verdict::Unknown);
      else
        row.verdicts.push_back(std::llround(*p) == std::llround(ex.gold) ? Verdict::Right : Verdict::Wrong);
    }
    t.rows.push_back(std::move(row));
  }
  if (dev.regression && !examples.empty()) {  // a tenth of the gold labels' range, over every example
    const auto [lo, hi] = std::minmax_element(examples.begin(), examples.end(),
                                              [](const auto& a, const auto& b) { return a.second.gold < b.second.gold; });
    t.agreementTolerance = 0.1 * (hi->second.gold - lo->second.gold);
    // all gold labels equal (one example, a constant subset): no range to take a tenth of; a
    // tenth of their size (at least 0.1) keeps scores from agreeing only when printed alike
    if (!(t.agreementTolerance > 0)) t.agreementTolerance = 0.1 * std::max(1.0, std::abs(lo->second.gold));
  }
  return t;
}

/// The config the engine ran: the run directory's config.json, else the store's copy; a
/// config.json that is not a regular file (a FIFO would block the read) is not opened and named in
/// `problems`.
nlohmann::json runConfigOf(const RunRecord& r, QStringList& problems) {
  const QString resolved = QDir(r.runDir).filePath(QStringLiteral("config.json"));
  if (!r.runDir.isEmpty() && QFileInfo::exists(resolved)) {
    if (!QFileInfo(resolved).isFile()) {
      problems << QStringLiteral("%1: not a regular file").arg(resolved);
      return r.config;
    }
    try {
      return adamix::readJsonFileBounded(resolved.toStdString(), adamix::kMaxConfigFileBytes, adamix::ErrorKind::Data,
                                         "run config");
    } catch (const std::exception&) {
      // an unreadable copy: the store's config names the same task
    }
  }
  return r.config;
}

}  // namespace

std::vector<PredictionTable> loadLabelPredictionTables(const std::vector<LabelRun>& runs, int limit) {
  QStringList configProblems;
  const std::vector<Group> groups = groupByDevFile(runs, configProblems);
  std::vector<PredictionTable> tables;
  for (const Group& g : groups) tables.push_back(tableOf(g, runs, limit));
  if (!configProblems.isEmpty() && !tables.empty()) tables.front().problems += configProblems;
  return tables;
}

std::vector<PredictionTable> labelPredictionsFromStore(Store& store, std::optional<qint64> studyId, int limit) {
  const std::vector<RunRecord> records = studyRuns(store, studyId);
  return labelPredictionTablesOf(store, records, describeRuns(store, records), limit);
}

std::vector<PredictionTable> labelPredictionTablesOf(Store& store, const std::vector<RunRecord>& records,
                                                     const std::vector<RunResult>& described, int limit) {
  std::vector<LabelRun> runs;
  std::vector<const RunResult*> results;
  std::vector<QString> devFiles;
  for (std::size_t i = 0; i < records.size() && i < described.size(); ++i) {
    const RunRecord& rec = records[i];
    const RunResult& r = described[i];
    // the latest stored evaluation with predictions per (split, inference)
    std::map<std::pair<QString, QString>, QString> evaluated;
    for (const Evaluation& e : store.evaluations(rec.id))
      if (!e.split.isEmpty() && !e.predictions.isEmpty() && !e.outDir.isEmpty())
        evaluated[{e.split, e.inference}] = QDir(e.outDir).filePath(e.predictions);
    const bool own = !rec.runDir.isEmpty() && QFileInfo::exists(QDir(rec.runDir).filePath(QStringLiteral("predictions")));
    if (!own && evaluated.empty()) continue;
    QStringList problems;
    const nlohmann::json config = runConfigOf(rec, problems);
    QStringList splits;
    try {
      if (isGenerationTask(parseRunConfig(config).task)) continue;
      splits = devSplitsOf(config);
    } catch (const std::exception&) {
      // a config that does not parse: its dev.tsv is kept, loadLabelPredictionTables names the problem
      splits = QStringList{QStringLiteral("dev")};
    }
    const QString label = r.variant.isEmpty() ? QStringLiteral("run %1").arg(r.runId) : r.variant;
    auto add = [&](const QString& predictions, const QString& split, const QString& source) {
      QString devFile;
      try {
        devFile = devFileOf(config, split);
      } catch (const std::exception&) {
        // kept: loadLabelPredictionTables names the config's problem
      }
      runs.push_back(LabelRun{label, predictions, config, split, problems, source});
      results.push_back(&r);
      devFiles.push_back(devFile);
    };
    // a finished run wrote every dev split's file: one that is gone keeps its column, empty, and
    // its table says so (as a stored evaluation whose folder was removed) rather than dropping it
    const bool finished = rec.status == RunState::Finished;
    for (const QString& split : splits)
      if (const QString predictions = QDir(rec.runDir).filePath(QStringLiteral("predictions/%1.tsv").arg(split));
          own && (finished || QFileInfo::exists(predictions)))
        add(predictions, split, {});
    for (const auto& [key, predictions] : evaluated)  // dev splits only: the others have no gold labels
      if (splits.contains(key.first)) add(predictions, key.first, key.second);
  }
  // a variant with several runs in one table (one dev file and source): each of its columns says its seed
  std::map<std::tuple<QString, QString, QString>, int> perVariant;
  const auto tableKey = [&](std::size_t i) { return std::tuple{devFiles[i], runs[i].source, results[i]->variant}; };
  for (std::size_t i = 0; i < runs.size(); ++i) perVariant[tableKey(i)] += 1;
  for (std::size_t i = 0; i < runs.size(); ++i)
    if (perVariant[tableKey(i)] > 1) runs[i].label += QStringLiteral(" (seed %1)").arg(results[i]->seed);
  return loadLabelPredictionTables(runs, limit);
}

}  // namespace adamix::app
