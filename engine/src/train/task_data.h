// A GLUE task's splits, loaded, sampled (few-shot / subsets) and tokenised for one run.
#pragma once
#include <string>
#include <vector>

#include "data/glue.h"
#include "tokenizer/tokenizer.h"
#include "config/run_config.h"

namespace adamix {

/// One tokenised split: encoded[i] are the input ids of examples[i].
struct EncodedSplit {
  std::string name;  ///< "train", "dev", "dev_matched", ...
  std::vector<Example> examples;
  std::vector<std::vector<int64_t>> encoded;
  int64_t skipped_rows = 0;
  std::vector<std::string> skipped_messages;  ///< the first few "path:line: what" of skipped rows
  std::string source;                         ///< the file read
  bool labelled = true;  ///< false for a GLUE test layout (no metrics, no label column)
};

struct TaskData {
  EncodedSplit train;
  std::vector<EncodedSplit> dev;  ///< one per TaskSpec::dev_splits
};

/// Loads and encodes train and dev splits of `cfg.task` with the tokenizer's pair template and
/// longest-first truncation to max_seq_length. Sampling: few_shot_k > 0 -> K per class (seed);
/// else max_train_examples > 0 -> seeded subsample; dev: devSubset().
/// Throws EngineError(Data) for bad files/rows (per the bad_rows policy), EngineError(Config) for
/// impossible sampling requests.
TaskData loadTaskData(const RunConfig& cfg, const Tokenizer& tokenizer);

/// The run's dev examples of one dev split: with task.max_dev_examples > 0 the subsample drawn by
/// task.split_seed, not the run's seed, so every seed and every variant of a study is scored on the
/// same examples (means, standard deviations and the paired bootstrap compare like with like; the
/// generation tasks' dev subset does the same, train/nlg_task.cpp); else all of them.
std::vector<Example> devSubset(std::vector<Example> examples, const TaskConfig& task);

/// The run's training examples as loadTaskData trains on them (few-shot / max_train_examples
/// sampling with the run's seed), not yet encoded. Throws as loadTaskData.
LoadedSplit loadTrainExamples(const RunConfig& cfg);

/// Tokenises a loaded split as loadTaskData does (pair template, longest-first truncation to
/// `max_len`); keeps its examples and skipped-row count (labelled stays true: callers of an
/// unlabelled test file clear it).
EncodedSplit encodeSplit(std::string name, LoadedSplit loaded, const TaskSpec& spec, const Tokenizer& tokenizer,
                         int64_t max_len);

/// Encodes one example (text_a, text_b when the task is a pair task).
std::vector<int64_t> encodeExample(const Example& e, bool pair, const Tokenizer& tokenizer, int64_t max_len);

}  // namespace adamix
