// Study files: parsing, validation, grid expansion and config hashing.
// Format documented in docs/study-files.md.
#pragma once

#include "exec/executor_spec.h"
#include <QString>
#include <QStringList>

#include <nlohmann/json.hpp>

#include <cstdint>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace adamix::app {

using json = nlohmann::json;

/// A study-file error. `path()` is the JSON pointer of the field at fault (e.g. "/axes/1/path"),
/// or "" for whole-file problems; what() is "<path>: <message>" (prefixed with the file name by
/// loadStudyFile).
class StudyError : public std::runtime_error {
 public:
  StudyError(std::string path, const std::string& message, const std::string& file = {});
  const std::string& path() const { return path_; }
  const std::string& message() const { return message_; }
  const std::string& file() const { return file_; }

 private:
  std::string path_, message_, file_;
};

/// What the paper reports for a variant (study files: a value's optional "paper" object):
/// `params` its #Param as printed ("0.8M": inference, after merging, heads excluded), `result`
/// its score ("GLUE avg 89.9"), `source` where it comes from ("Table 1"). All empty when unset.
struct PaperNote {
  QString params, result, source;
  bool isEmpty() const { return params.isEmpty(); }
};

/// One value of an axis: a label and the config settings (JSON pointer → value) it applies.
struct AxisValue {
  QString label;
  PaperNote paper;  ///< variant (bundle) axes only
  std::vector<std::pair<std::string, json>> set;  ///< pointer → value, in file order
  json value;  ///< path axes: the raw value; variant axes: the label as a JSON string
};

/// An ablation axis: either a single config path with values, or a named "variant" axis whose
/// values are labelled bundles of settings.
struct Axis {
  QString name;      ///< "variant", a user name, or the path itself for path axes
  std::string path;  ///< JSON pointer for path axes; empty for bundle axes
  bool bundle = false;
  std::vector<AxisValue> values;
};

/// One task of a study: name, data directory, and per-task settings applied after the base.
struct StudyTask {
  QString name;
  QString dataDir;
  std::vector<std::pair<std::string, json>> set;  ///< pointer → value
};

/// A parsed and validated study file.
struct Study {
  QString name;
  QString description;
  json base = json::object();  ///< run config without run_id / seed / task.name / task.data_dir
  std::vector<StudyTask> tasks;
  std::vector<Axis> axes;
  std::vector<int> seeds;
  std::vector<json> exclude;  ///< objects: pointer-or-axis-name → value
  ExecutorSpec executor;      ///< the file's "executor" section (default: local)
  json raw;                   ///< the file's JSON as read
  /// Directory of the study file (loadStudyFile); a task's relative data_dir resolves against it
  /// when the study expands (own datasets next to their study). Empty: relative paths stay as written.
  QString baseDir;
};

/// One axis choice of an expanded run.
struct AxisChoice {
  QString axis;
  QString label;
  json value;
};

/// One run produced by expansion.
struct ExpandedRun {
  json config;      ///< full run config for `adamix-engine train` (assets resolved)
  QString runId;    ///< "<task>-<variant slug>-s<seed>-<hash8>"; also config["run_id"]
  QString variant;  ///< axis labels joined with ", " ("" when the study has no axes)
  std::vector<AxisChoice> axes;
  json axesJson;  ///< {axis name: label (bundle axes) or value (path axes)}
  QString task;
  int seed = 0;
  QString configHash;  ///< see configHash()
  PaperNote paper;     ///< of the first chosen axis value that has one; empty otherwise
};

/// How a variant label is shown: the label, or "base" for the runs of a study without axes (whose
/// label is empty). One name in every list, table, legend and dialog.
QString variantDisplayName(const QString& variant);

/// Options for expandStudy().
struct ExpandOptions {
  /// Directory that `asset:` references resolve against (`asset:glue/RTE` → ROOT/glue/RTE).
  /// Empty: references are left as written.
  QString assetRoot;
};

/// Most runs one study may expand to (tasks x axis values x seeds, before exclusions); larger
/// studies are rejected by parseStudy() with a StudyError at /axes before anything is expanded.
constexpr uint64_t kMaxStudyRuns = 100000;

/// Parses and validates a study document. Throws StudyError naming the JSON path at fault.
Study parseStudy(const json& doc);
/// Reads (comments allowed), parses and validates a study file. Throws StudyError.
Study loadStudyFile(const QString& path);

/// Cartesian product axes × tasks × seeds minus exclusions, in the order: tasks (outermost),
/// axes in file order, seeds (innermost). Throws StudyError for unresolvable assets.
std::vector<ExpandedRun> expandStudy(const Study& study, const ExpandOptions& options = {});

/// The axes JSON (as ExpandedRun::axesJson) of a run added to `study` from elsewhere under the
/// variant label `label`: the study's own axis values when `label` is one of its labels (the axes'
/// labels joined by ", "), else `label` as the value of the study's first axis, so the results
/// table shows the run under `label`. {} for a study without axes (its rows show the variant).
json axesForLabel(const Study& study, const QString& label);

/// All distinct `asset:` references named by the study (without the prefix), sorted.
QStringList studyAssets(const Study& study);

/// Canonical JSON: object keys sorted, no whitespace (nlohmann's compact dump).
std::string canonicalJson(const json& value);

/// Stable run identity: SHA-256 (hex) of canonicalJson() of the config merged onto the
/// task-independent defaults (runConfigDefaults()), without `run_id`. `asset:` references are hashed as written,
/// so the hash does not depend on where the asset cache lives. Settings added later (generation
/// tasks: /task/train_file, dev_file, dev_items, split_seed, /train/label_smoothing, /generation)
/// are left out while they equal their defaults, so older configs keep their hash.
QString configHash(const json& config);

/// Every run-config key with its default, for no particular task: the engine's run-config schema
/// (config/run_config.h, runConfigDefaultsJson("")), the one definition shared with the engine
/// and the designer. Task-dependent defaults (generation tasks): adamix::runConfigDefaultsJson(task).
const json& runConfigDefaults();

/// Deep merge: objects merge key by key, everything else in `patch` replaces `target`.
void mergeInto(json& target, const json& patch);

/// Resolves every string value starting with "asset:" against `assetRoot` (empty: unchanged).
json resolveAssets(const json& config, const QString& assetRoot);

}  // namespace adamix::app
