// Plain data that the exporters read (no database): per-run results and metric curves, and the
// functions that build them from a Store.
#pragma once

#include "export/run_setup.h"
#include "store/store.h"

#include <nlohmann/json.hpp>

#include <QString>

#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace adamix::app {

/// A run's parameter counts: the engine's `params` object (docs/protocol.md), numbers of scalars.
struct RunParams {
  qint64 total = 0, trainable = 0, trainablePeft = 0, inferencePeft = 0, head = 0;
  qint64 base = 0;  ///< the pretrained backbone alone (no PEFT modules, no head); 0 when unknown
};

/// The run's weights under one inference mode or merge strategy on one split: an evaluation of
/// its saved weights (end-of-run `evaluation` events, `adamix run eval`, `adamix run merge`).
struct InferenceResult {
  QString inference;  ///< merged | random | module:K | ensemble | greedy-soup | learned | uniform
  QString split;      ///< "dev", "test", … (the evaluated file's stem for --data)
  std::vector<std::pair<QString, double>> metrics;
  QString predictions;  ///< absolute path of its predictions.tsv ("" unknown)
  QString label;        ///< evaluationLabel(): the split of its values in RunResult::values
  bool endOfRun = false;  ///< one of the modes an AdaMix run evaluates as it ends (`evaluation` events)
  double wallS = 0;       ///< what it cost, seconds (0: not stored)
};

/// One run's results as the pivot needs them.
struct RunResult {
  qint64 runId = 0;
  QString task;
  int seed = 0;
  QString variant;                                ///< full variant label (all axes)
  std::vector<std::pair<QString, QString>> axes;  ///< axis name → value label, in axis order
  std::vector<ResultValue> values;                ///< split, metric, value, kind ("final"/"best"/"eval")
  /// What the run was trained with: trainingSetup() of its config (null when unknown). Tables
  /// keep runs whose setups differ outside their axes in separate rows (run_setup.h).
  nlohmann::json setup;
  std::set<std::string> axisPaths;  ///< JSON pointers its study's axes set (RunSetup::axisPaths)
  bool axisPathsKnown = true;       ///< false: a variant axis whose study no longer parses
  std::optional<RunParams> params;  ///< unset for runs stored without them
  /// What computed it: computeLabel() of RunRecord::compute ("CPU, OpenBLAS Haswell"); "" unknown.
  QString compute;
  /// The latest evaluation per (inference, split), in order of first appearance.
  std::vector<InferenceResult> inference;
  /// Per dev split the run predicted, the absolute path of its predictions/<split>.tsv: "dev", or
  /// MNLI's "dev_matched" and "dev_mismatched" (docs/protocol.md); none when unknown.
  std::map<QString, QString> predictions;
};

/// Kind of the ResultValues that come from evaluations of a run's saved weights (`adamix run
/// eval`); their split is evaluationLabel(), so they never merge with the run's own dev numbers.
inline const QString kEvalKind = QStringLiteral("eval");

/// The split label of an evaluation's values: "eval <split or file name> (<inference>)",
/// e.g. "eval dev (ensemble)".
QString evaluationLabel(const Evaluation& evaluation);

/// Results of a study (or any set of runs), in run order.
struct ResultSet {
  std::vector<RunResult> runs;
};

/// One point of a curve, with the run's identity.
struct CurvePoint {
  QString run;  ///< the run id (config run_id, else the database id)
  QString variant, task;
  int seed = 0;
  QString status;  ///< the run's state as the store names it (runStateName(): finished, failed, …)
  qint64 step = 0;
  double epoch = 0;
  QString split, name;
  double value = 0;
};

/// Metric points of several runs.
struct CurveSet {
  std::vector<CurvePoint> points;
};

/// The runs of a study (all studies when unset) in the store's order, the finished ones only
/// unless `finishedOnly` is false: the runs resultSetFromStore() and the Outputs tables describe.
std::vector<RunRecord> studyRuns(Store& store, std::optional<qint64> studyId, bool finishedOnly = true);

/// Finished runs of a study (all studies when unset) with their results, plus the metrics of their
/// evaluations (kind kEvalKind; the latest evaluation per label). Axis labels, order and the
/// pointers the axes set come from the stored study file when it parses, else from the run's axes
/// JSON. Setups are taken relative to the default asset cache (AssetCache::defaultCacheDir()).
ResultSet resultSetFromStore(Store& store, std::optional<qint64> studyId, bool finishedOnly = true);

/// The runs as tables identify them, without result values: axis labels (as in
/// resultSetFromStore()), setups and axis pointers, in the given order.
std::vector<RunResult> describeRuns(Store& store, const std::vector<RunRecord>& runs);

/// The RunSetup of each run (labels "axis=label", or the variant label without axes), for
/// untrackedSettings().
std::vector<RunSetup> runSetupsOf(const std::vector<RunResult>& runs);

/// What tells a set of runs apart beyond their labels: for lists and groups that must not show
/// unlike runs under one name (the workspace tree, the Monitor, Compare's groups).
struct DistinguishingSettings {
  std::vector<std::string> settings;  ///< untrackedSettings() of the runs (JSON pointers)
  std::map<qint64, QString> text;     ///< run id → "train/epochs=2, …" ("" when settings is empty)
};
DistinguishingSettings distinguishingSettings(Store& store, const std::vector<RunRecord>& runs);

/// Calls `fn` for each metric point of a study's runs (all when unset, whatever their state),
/// run by run in listRuns() order, each run's points by split, name, step; read with a cursor,
/// nothing collected. Empty split/name filters match everything.
void forEachCurvePoint(Store& store, std::optional<qint64> studyId, const QString& split, const QString& name,
                       const std::function<void(const CurvePoint&)>& fn);

/// Metric points of a study's runs (all when unset); empty split/name filters match everything.
CurveSet curvesFromStore(Store& store, std::optional<qint64> studyId, const QString& split = {},
                         const QString& name = {});

}  // namespace adamix::app
