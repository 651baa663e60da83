// GLUE tasks: task table (labels, metrics), loaders for the distributed TSV layouts, few-shot and
// subsampling. Labels follow the Hugging Face GLUE processors (e.g. mnli: contradiction=0,
// entailment=1, neutral=2; rte/qnli: entailment=0, not_entailment=1).
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "data/field_text.h"

namespace adamix {

/// One labelled sentence (pair).
struct Example {
  std::string text_a, text_b;  ///< text_b empty for single-sentence tasks (cola, sst2)
  int64_t label = -1;          ///< class id; -1 for regression tasks
  float score = 0;             ///< regression target (stsb); 0 for classification
  int64_t index = 0;           ///< 0-based position in the loaded split (kept by fewShot/subsample)
  int line = 0;                ///< 1-based line in the source file
};

/// Static description of a GLUE task.
struct TaskSpec {
  std::string name;    ///< "rte", ...
  int num_labels = 0;  ///< 1 for regression
  bool regression = false;
  std::vector<std::string> label_names;  ///< label text in the file -> index in this vector
  std::vector<std::string> metrics;      ///< HF GLUE metric names, e.g. {"accuracy", "f1"}
  std::string primary_metric;            ///< the one used for model selection / tables
  std::vector<std::string> dev_splits;   ///< {"dev"} or {"dev_matched", "dev_mismatched"}
  bool pair = true;                      ///< false for cola and sst2
  /// What each class means where the file writes only 0/1: the GLUE datasets' class names
  /// (Hugging Face `datasets` glue ClassLabel, e.g. sst2 negative/positive), for display; empty
  /// where label_names already say it (mnli, qnli, rte) and for regression.
  std::vector<std::string> class_names = {};
};

/// exampleTextProblem (data/field_text.h) of `e`'s text_a, then text_b ("text_a is N bytes, more
/// than the limit …", "text_b is not valid UTF-8 …"), else "". A bad row of every loader of
/// Examples (recordBadRow).
std::string exampleTextProblem(const Example& e);

/// What to do with a malformed row.
enum class BadRowsPolicy { Fail, Skip };

/// "fail" | "skip" -> policy; throws EngineError(Config, ..., "/task/bad_rows") otherwise.
BadRowsPolicy parseBadRowsPolicy(const std::string& s);

/// The nine GLUE task names in canonical order (cola, sst2, mrpc, stsb, qqp, mnli, qnli, rte, wnli).
const std::vector<std::string>& glueTaskNames();

/// Spec of a task (lower-case name). Throws EngineError(Config, "unknown task", "/task/name").
const TaskSpec& taskSpec(const std::string& name);

/// Result of loading one split.
struct LoadedSplit {
  std::string path;                   ///< file that was read
  std::vector<Example> examples;      ///< in file order; examples[i].index == i
  int64_t skipped = 0;                ///< malformed rows skipped (policy Skip)
  std::vector<std::string> messages;  ///< first few skip messages ("path:line: what")
};

/// One malformed row of `path` under `policy`: Fail -> throws EngineError(Data, what, "path:line");
/// Skip -> counted in `split.skipped`, its "path:line: what" kept among the first 5 messages. The
/// one bad-row rule of every loader (GLUE, GLUE test layout, own datasets).
void recordBadRow(LoadedSplit& split, BadRowsPolicy policy, const std::string& path, int line, const std::string& what);

/// File name of a split: "train" -> train.tsv, "dev" -> dev.tsv (mnli: dev_matched.tsv),
/// "dev_matched"/"dev_mismatched" -> same-named .tsv (mnli only).
/// Throws EngineError(Config, ..., "/task/name") for a split the task does not have.
std::string glueSplitFile(const TaskSpec& spec, const std::string& split);

/// Loads `dataDir/<split file>` of task `taskName` in its distributed GLUE layout (header columns
/// are looked up by name). Malformed rows (wrong column count, unknown label, unparsable score, a
/// text exampleTextProblem refuses, an empty sentence — `empty text in column "sentence2"`, CoLA
/// `empty text in column 4`; texts are taken as written, so only a field of zero bytes is empty,
/// and none of the shared GLUE train/dev/test files has one):
/// Fail -> EngineError(Data, what, "file:line"); Skip -> skipped, counted, first 5 messages kept.
/// Missing file -> EngineError(Data, "cannot open data file", path). A header lacking a required
/// column -> EngineError(Data, ..., "file:1") under either policy.
LoadedSplit loadSplit(const std::string& taskName, const std::string& dataDir, const std::string& split,
                      BadRowsPolicy policy = BadRowsPolicy::Fail);

/// Same as loadSplit for an explicit file path.
LoadedSplit loadGlueFile(const TaskSpec& spec, const std::string& path, BadRowsPolicy policy = BadRowsPolicy::Fail);

/// A permutation of 0..n-1 that depends only on `seed`: std::mt19937_64(seed), then Fisher-Yates
/// from the back (for i = n-1 .. 1: j = uniform[0, i] by rejection on raw 64-bit draws; swap i, j).
std::vector<size_t> seededPermutation(size_t n, uint64_t seed);

/// K examples per class, deterministic in `seed`. Classes are the distinct labels present, in
/// ascending order; for class c (its j-th in that order) the class's examples in file order are
/// permuted with seededPermutation(count, seed + j) and the first K kept. The result is in original
/// (index) order. Throws EngineError(Config, ..., "/task/few_shot_k") when k <= 0, an example has
/// no class label (regression), or a class has fewer than k examples.
std::vector<Example> fewShot(const std::vector<Example>& examples, int64_t k, uint64_t seed);

/// The first n examples of seededPermutation(size, seed), returned in original order; all
/// examples (unchanged) when n <= 0 or n >= size.
std::vector<Example> subsample(const std::vector<Example>& examples, int64_t n, uint64_t seed);

}  // namespace adamix
