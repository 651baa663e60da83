// Own datasets: tasks defined by the user's files and columns instead of a built-in name
// (docs/run-config.md § Own datasets). Classification (class names or ids, label set given or
// inferred from train), regression (a numeric label column) and generation (JSONL: an input column
// and one or more reference columns, references grouped by identical input as E2E's). Also the
// one place that dispatches between built-in and own tasks for loading and specs. No LibTorch.
#pragma once
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "config/run_config.h"
#include "data/glue.h"
#include "data/nlg_data.h"
#include "data/table_file.h"

namespace adamix {

/// The TaskSpec of a classification / regression task: taskSpec(name) for a GLUE task; for an own
/// task its labels (must be resolved, see resolveOwnLabels), the metrics of its type (classification:
/// accuracy, macro_f1, micro_f1, matthews_correlation, + f1 when there are two labels; regression:
/// pearson, spearmanr), primary = task.metric, dev_splits {"dev"}, pair = text_pair_column set.
/// Throws EngineError(Config, ..., "/task/labels") for an own classification task whose labels are
/// not resolved, EngineError(Internal) for a generation task.
TaskSpec taskSpecOf(const TaskConfig& t);

/// Absolute-or-data_dir-relative path of an own task's split: "train", "dev", "test".
/// Throws EngineError(Config, ..., "/task/test_file") when "test" has no file, EngineError(Usage)
/// for another split name.
std::string ownSplitPath(const TaskConfig& t, const std::string& split);

/// Loads an own classification / regression file. Text from text_column (and text_pair_column),
/// the label from label_column: a class name must be one of spec.label_names (ids are compared as
/// written: label "1" is the class named "1"), a regression target must parse as a finite number.
/// `labelled` false: a file without the label column is read for prediction (labels -1, score 0);
/// true: the column must exist. Bad rows (wrong width, bad JSON line, missing/empty text, a label
/// outside the label set — "label \"x\" is not in the task's label set (...) from train" —, a bad
/// number): policy Fail -> EngineError(Data, what, "path:line"); Skip -> skipped and counted.
/// A missing column -> EngineError(Data, "no column \"x\" (columns: ...)", "path:1") under either policy.
LoadedSplit loadOwnFile(const TaskConfig& t, const TaskSpec& spec, const std::string& path, BadRowsPolicy policy,
                        bool labelled = true);

/// loadOwnFile of a file that may be unlabelled (a test file, `eval --data`), read once: labelled
/// when it has the label column with a value in some row (a column left empty in every row, as a
/// competition's test file, is no label); `*labelled` is set to which.
LoadedSplit loadOwnFileDetectingLabels(const TaskConfig& t, const TaskSpec& spec, const std::string& path,
                                       BadRowsPolicy policy, bool* labelled);

/// A split of any classification / regression task: loadSplit for GLUE, loadOwnFile of
/// ownSplitPath for own tasks. Throws as those.
LoadedSplit loadTaskSplit(const TaskConfig& t, const std::string& split, BadRowsPolicy policy);

/// The distinct label values of the train file's label column, sorted (byte order; as HF
/// run_glue.py's `label_list.sort()` for a custom dataset). Rows the bad-rows policy skips are left
/// out. Throws EngineError(Data) as loadOwnFile; EngineError(Data, ..., train path) when train has
/// fewer than two distinct labels.
std::vector<std::string> inferOwnLabels(const TaskConfig& t);

/// True for an own classification task with labels []: its label set is the train file's
/// (inferOwnLabels), so resolving it reads that file.
bool labelsInferredFromTrain(const TaskConfig& t);

/// `t` with its label set resolved: an own classification task with labels [] gets
/// inferOwnLabels(t); anything else is returned unchanged.
TaskConfig resolveOwnLabels(TaskConfig t);

/// Label distribution of a table's label column (the designer's preview and majority baseline).
struct LabelDistribution {
  std::vector<std::pair<std::string, int64_t>> counts;  ///< label -> rows, sorted by label (byte order)
  int64_t rows = 0;                                     ///< rows counted (malformed / missing labels excluded)
  int64_t skipped = 0;                                  ///< malformed rows or rows without a label
  std::string majority_label;                           ///< most frequent (first in label order on ties)
  double majority_fraction = 0;                         ///< its share of `rows` (the majority-class accuracy)
};

/// Counts the values of `label_column` over `table`'s rows. Throws EngineError(Data, ..., path:1)
/// when the column does not exist.
LabelDistribution labelDistribution(const TableFile& table, const std::string& label_column);

/// The accuracy of always predicting `label` on `dev`'s label column (the majority baseline of the
/// train distribution measured on dev); 0 for an empty dev.
double constantPredictionAccuracy(const TableFile& dev, const std::string& label_column, const std::string& label);

/// Loads an own generation task's JSONL file: input = input_column (a string), references = each
/// reference column's string, or every string of a JSON array there; pairs in file order (group
/// them with groupByInput). Bad rows (not an object, missing / non-string input, no reference, an
/// input or reference that breaks exampleTextProblem: `column "input" is 1048577 bytes, more than
/// the limit …`) -> EngineError(Data, what, "path:line") (policy Fail) or skipped (Skip).
NlgDataset loadOwnNlgFile(const TaskConfig& t, const std::string& path, BadRowsPolicy policy);

/// A generation task's dataset file: loadNlgDataset(name, path) for e2e / webnlg / dart,
/// loadOwnNlgFile for an own generation task.
NlgDataset loadGenerationFile(const TaskConfig& t, const std::string& path);

}  // namespace adamix
