// Builds the exporters' plain data from the Store.
#include "export/result_set.h"

#include "study/task_catalog.h"

#include "assets/assets.h"
#include "exec/engine_events.h"
#include "export/run_setup.h"
#include "study/study.h"

#include <QDir>
#include <QFileInfo>

#include <algorithm>
#include <map>

namespace adamix::app {

namespace {

/// Axis order and value labels of a study: name → (raw value JSON text → label).
struct AxisInfo {
  std::vector<QString> order;
  std::map<QString, std::map<std::string, QString>> labels;
  std::set<std::string> paths;  ///< pointers the axes set
  bool parsed = false;
};

AxisInfo axisInfoFor(Store& store, std::optional<qint64> studyId, std::map<qint64, AxisInfo>& cache) {
  if (!studyId) return {};
  if (auto it = cache.find(*studyId); it != cache.end()) return it->second;
  AxisInfo info;
  if (auto rec = store.study(*studyId)) {
    try {
      const Study study = parseStudy(rec->json);
      for (const Axis& a : study.axes) {
        info.order.push_back(a.name);
        if (!a.bundle) info.paths.insert(a.path);
        for (const AxisValue& v : a.values) {
          info.labels[a.name][canonicalJson(v.value)] = v.label;
          for (const auto& [pointer, value] : v.set) info.paths.insert(pointer);
        }
      }
      info.parsed = true;
    } catch (const StudyError&) {
      // stored study no longer parses: fall back to the runs' own axes JSON
    }
  }
  cache[*studyId] = info;
  return info;
}

QString fallbackLabel(const QString& axis, const nlohmann::json& v) {
  if (v.is_string()) return QString::fromStdString(v.get<std::string>());
  const int slash = axis.lastIndexOf(u'/');
  return (slash >= 0 ? axis.mid(slash + 1) : axis) + u'=' + QString::fromStdString(v.dump());
}

}  // namespace

QString evaluationLabel(const Evaluation& e) {
  return QStringLiteral("eval %1 (%2)").arg(e.target(), e.inference);
}

namespace {

/// A run's identity as tables need it (no result values): labels, setup, axis pointers.
RunResult describe(Store& store, const RunRecord& r, std::map<qint64, AxisInfo>& cache, const QString& assetRoot,
                   const QStringList& assetNames) {
  RunResult rr;
  rr.runId = r.id;
  rr.task = r.task;
  rr.seed = r.seed;
  rr.variant = r.variant;
  const AxisInfo info = axisInfoFor(store, r.studyId, cache);
  std::vector<QString> order = info.order;
  if (order.empty() && r.axes.is_object())
    for (auto it = r.axes.begin(); it != r.axes.end(); ++it) order.push_back(QString::fromStdString(it.key()));
  for (const QString& axis : order) {
    auto v = r.axes.is_object() ? r.axes.find(axis.toStdString()) : r.axes.end();
    if (v == r.axes.end()) continue;
    QString label;
    if (auto l = info.labels.find(axis); l != info.labels.end())
      if (auto m = l->second.find(canonicalJson(*v)); m != l->second.end()) label = m->second;
    if (label.isNull()) label = fallbackLabel(axis, *v);
    rr.axes.emplace_back(axis, label);
  }
  rr.setup = trainingSetup(r.config, assetRoot, assetNames);
  rememberTaskConfig(r.config);
  if (r.params.is_object()) {
    const auto count = [&](const char* key) -> qint64 {
      auto it = r.params.find(key);
      return it != r.params.end() && it->is_number_integer() ? it->get<qint64>() : 0;
    };
    rr.params = RunParams{count("total"), count("trainable"), count("trainable_peft"), count("inference_peft"),
                          count("head"), count("base")};
  }
  rr.compute = computeLabel(r.compute);
  if (!r.runDir.isEmpty()) {
    // one file per dev split the engine predicted: <split>.tsv (classification and regression)
    const QDir dir(QDir(r.runDir).filePath(QStringLiteral("predictions")));
    for (const QFileInfo& f : dir.entryInfoList({QStringLiteral("*.tsv")}, QDir::Files))
      rr.predictions[f.completeBaseName()] = f.absoluteFilePath();
  }
  rr.axisPaths = info.paths;
  if (!info.parsed && r.axes.is_object())  // without the study: path axes name their pointer
    for (auto it = r.axes.begin(); it != r.axes.end(); ++it) {
      if (!it.key().empty() && it.key()[0] == '/') rr.axisPaths.insert(it.key());
      else rr.axisPathsKnown = false;
    }
  return rr;
}

}  // namespace

std::vector<RunResult> describeRuns(Store& store, const std::vector<RunRecord>& runs) {
  std::map<qint64, AxisInfo> cache;
  const QString assetRoot = AssetCache::defaultCacheDir();
  const QStringList assetNames = AssetManifest::builtin().names();  // imported runs: other machines' caches
  std::vector<RunResult> out;
  for (const RunRecord& r : runs) out.push_back(describe(store, r, cache, assetRoot, assetNames));
  return out;
}

std::vector<RunSetup> runSetupsOf(const std::vector<RunResult>& runs) {
  std::vector<RunSetup> setups;
  for (const RunResult& r : runs) {
    RunSetup s{r.task, {}, r.setup, r.axisPaths, r.axisPathsKnown};
    for (const auto& [axis, label] : r.axes) s.labels << axis + u'=' + label;
    if (r.axes.empty()) s.labels << r.variant;
    setups.push_back(std::move(s));
  }
  return setups;
}

DistinguishingSettings distinguishingSettings(Store& store, const std::vector<RunRecord>& runs) {
  const std::vector<RunResult> described = describeRuns(store, runs);
  DistinguishingSettings out;
  out.settings = untrackedSettings(runSetupsOf(described));
  for (const RunResult& r : described) {
    QStringList values;
    for (const std::string& p : out.settings) values << settingHeader(p) + u'=' + settingText(r.setup, p);
    out.text[r.runId] = values.join(QStringLiteral(", "));
  }
  return out;
}

std::vector<RunRecord> studyRuns(Store& store, std::optional<qint64> studyId, bool finishedOnly) {
  RunFilter filter;
  filter.studyId = studyId;
  if (finishedOnly) filter.statuses = {RunState::Finished};
  return store.listRuns(filter);
}

ResultSet resultSetFromStore(Store& store, std::optional<qint64> studyId, bool finishedOnly) {
  ResultSet set;
  set.runs = describeRuns(store, studyRuns(store, studyId, finishedOnly));
  for (RunResult& rr : set.runs) {
    rr.values = store.results(rr.runId);
    std::map<std::pair<QString, QString>, double> evalValues;  // (label, metric) → latest value
    for (const Evaluation& e : store.evaluations(rr.runId)) {
      InferenceResult i{e.inference, e.target(), e.metrics,
                        e.predictions.isEmpty() ? QString() : QDir(e.outDir).filePath(e.predictions), evaluationLabel(e)};
      const bool endOfRun = e.details.value("end_of_run", false);
      i.endOfRun = endOfRun;
      if (const auto w = e.details.find("wall_s"); w != e.details.end() && w->is_number()) i.wallS = w->get<double>();
      auto same = std::find_if(rr.inference.begin(), rr.inference.end(),
                               [&](const InferenceResult& x) { return x.label == i.label; });
      if (same != rr.inference.end()) *same = std::move(i);
      else rr.inference.push_back(std::move(i));
      // the end-of-run evaluation of every inference mode feeds the analyses, not the table's columns
      if (endOfRun) continue;
      for (const auto& [name, value] : e.metrics) evalValues[{evaluationLabel(e), name}] = value;
    }
    for (const auto& [key, value] : evalValues) rr.values.push_back({key.first, key.second, value, kEvalKind});
  }
  return set;
}

void forEachCurvePoint(Store& store, std::optional<qint64> studyId, const QString& split, const QString& name,
                       const std::function<void(const CurvePoint&)>& fn) {
  RunFilter filter;
  filter.studyId = studyId;
  for (const RunRecord& r : store.listRuns(filter)) {
    QString runName = QString::number(r.id);
    if (r.config.is_object())
      if (auto id = r.config.find("run_id"); id != r.config.end() && id->is_string() && !id->get<std::string>().empty())
        runName = QString::fromStdString(id->get<std::string>());
    CurvePoint c{runName, r.variant, r.task, r.seed, runStateName(r.status), 0, 0, {}, {}, 0};
    store.forEachMetricPoint(r.id, split, name, [&](const MetricPoint& p) {
      c.step = p.step;
      c.epoch = p.epoch;
      c.split = p.split;
      c.name = p.name;
      c.value = p.value;
      fn(c);
    });
  }
}

CurveSet curvesFromStore(Store& store, std::optional<qint64> studyId, const QString& split, const QString& name) {
  CurveSet out;
  forEachCurvePoint(store, studyId, split, name, [&](const CurvePoint& p) { out.points.push_back(p); });
  return out;
}

}  // namespace adamix::app
