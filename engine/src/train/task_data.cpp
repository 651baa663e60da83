#include "train/task_data.h"

#include "data/own_task.h"
#include "io/errors.h"
#include "io/interrupt.h"

namespace adamix {

std::vector<int64_t> encodeExample(const Example& e, bool pair, const Tokenizer& tokenizer, int64_t max_len) {
  const auto a = tokenizer.encode(e.text_a);
  if (!pair) return encodePair(a, nullptr, tokenizer.pairTemplate(), max_len);
  const auto b = tokenizer.encode(e.text_b);
  return encodePair(a, &b, tokenizer.pairTemplate(), max_len);
}

EncodedSplit encodeSplit(std::string name, LoadedSplit loaded, const TaskSpec& spec, const Tokenizer& tok,
                         int64_t max_len) {
  EncodedSplit s;
  s.name = std::move(name);
  s.skipped_rows = loaded.skipped;
  s.skipped_messages = std::move(loaded.messages);
  s.source = loaded.path;
  s.examples = std::move(loaded.examples);
  s.encoded.reserve(s.examples.size());
  for (size_t i = 0; i < s.examples.size(); ++i) {
    if (i % 1024 == 0) throwIfInterrupted("tokenizing the " + s.name + " split", s.source);  // SIGTERM while loading
    s.encoded.push_back(encodeExample(s.examples[i], spec.pair, tok, max_len));
  }
  return s;
}

std::vector<Example> devSubset(std::vector<Example> examples, const TaskConfig& task) {
  if (task.max_dev_examples <= 0) return examples;
  return subsample(examples, task.max_dev_examples, task.split_seed);
}

LoadedSplit loadTrainExamples(const RunConfig& cfg) {
  auto train = loadTaskSplit(cfg.task, "train", cfg.task.bad_rows);
  if (cfg.task.few_shot_k > 0)
    train.examples = fewShot(train.examples, cfg.task.few_shot_k, cfg.seed);
  else if (cfg.task.max_train_examples > 0)
    train.examples = subsample(train.examples, cfg.task.max_train_examples, cfg.seed);
  if (train.examples.empty()) throw EngineError(ErrorKind::Data, "the training split has no examples", train.path);
  return train;
}

TaskData loadTaskData(const RunConfig& cfg, const Tokenizer& tokenizer) {
  const TaskSpec spec = taskSpecOf(cfg.task);
  TaskData d;
  d.train = encodeSplit("train", loadTrainExamples(cfg), spec, tokenizer, cfg.task.max_seq_length);
  for (const auto& split : spec.dev_splits) {
    auto dev = loadTaskSplit(cfg.task, split, cfg.task.bad_rows);
    dev.examples = devSubset(std::move(dev.examples), cfg.task);
    if (dev.examples.empty()) throw EngineError(ErrorKind::Data, "the dev split has no examples", dev.path);
    d.dev.push_back(encodeSplit(split, std::move(dev), spec, tokenizer, cfg.task.max_seq_length));
  }
  return d;
}

}  // namespace adamix
