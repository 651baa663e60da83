#include "train/nlg_task.h"

#include <algorithm>
#include <filesystem>

#include "data/glue.h"
#include "data/own_task.h"
#include "io/errors.h"

namespace adamix {

std::vector<int64_t> nlgContext(const std::string& input, const Tokenizer& tok, int64_t max_len) {
  std::vector<int64_t> ids;
  if (tok.bosId() >= 0 && tok.bosId() != tok.eosId()) ids.push_back(tok.bosId());
  const size_t separator = tok.eosId() >= 0 ? 1 : 0;
  auto body = tok.encode(input);
  const auto room = static_cast<size_t>(
      std::max<int64_t>(1, max_len - 1 - static_cast<int64_t>(ids.size()) - static_cast<int64_t>(separator)));
  if (body.size() > room) body.resize(room);
  ids.insert(ids.end(), body.begin(), body.end());
  if (separator) ids.push_back(tok.eosId());
  return ids;
}

LmExample nlgExample(const std::string& input, const std::string& reference, const Tokenizer& tok, int64_t max_len) {
  LmExample e;
  e.context = nlgContext(input, tok, max_len);
  e.completion = tok.encode(" " + reference);
  const auto room = static_cast<size_t>(std::max<int64_t>(0, max_len - static_cast<int64_t>(e.context.size()) - 1));
  if (e.completion.size() > room) e.completion.resize(room);
  e.completion.push_back(tok.eosId() >= 0 ? tok.eosId() : tok.padId());
  return e;
}

std::set<int64_t> nlgStopIds(const Tokenizer& tok) {
  std::set<int64_t> ids;
  if (tok.eosId() >= 0) ids.insert(tok.eosId());
  const auto nn = tok.encode("\n\n");
  if (nn.size() == 1) ids.insert(nn.front());
  return ids;
}

NlgTaskData loadNlgTaskData(const RunConfig& cfg, const Tokenizer& tok) {
  const auto& t = cfg.task;
  const auto dir = std::filesystem::path(t.data_dir);
  NlgTaskData d;
  std::vector<NlgItem> train_items, dev_items;
  const auto dev_path = (dir / t.dev_file).string();
  const auto train_path = (dir / t.train_file).string();
  // train first: a bad column name is reported on the training file, as for classification
  if (t.dev_items <= 0) train_items = groupByInput(loadGenerationFile(t, train_path).pairs);
  auto dev_set = loadGenerationFile(t, dev_path);
  auto grouped = groupByInput(dev_set.pairs);
  if (t.dev_items > 0) {
    auto split = splitByInput(grouped, t.dev_items, t.split_seed);
    train_items = std::move(split.train);
    dev_items = std::move(split.dev);
    d.source = dev_path + " split by distinct input (seed " + std::to_string(t.split_seed) +
               "): " + std::to_string(train_items.size()) + " train / " + std::to_string(dev_items.size()) +
               " dev inputs";
  } else {
    dev_items = std::move(grouped);
    d.source = (dir / t.train_file).string() + " / " + dev_path;
  }
  // Training pairs: every (input, reference) of the training inputs.
  std::vector<std::pair<size_t, size_t>> pairs;
  for (size_t i = 0; i < train_items.size(); ++i)
    for (size_t r = 0; r < train_items[i].references.size(); ++r) pairs.push_back({i, r});
  if (t.max_train_examples > 0 && t.max_train_examples < static_cast<int64_t>(pairs.size())) {
    const auto perm = seededPermutation(pairs.size(), cfg.seed);
    std::vector<size_t> keep(perm.begin(), perm.begin() + t.max_train_examples);
    std::sort(keep.begin(), keep.end());
    std::vector<std::pair<size_t, size_t>> sub;
    for (size_t k : keep) sub.push_back(pairs[k]);
    pairs = std::move(sub);
  }
  if (pairs.empty())
    throw EngineError(ErrorKind::Data, "the training split has no examples", t.dev_items > 0 ? dev_path : train_path);
  const int64_t max_len = t.max_seq_length;
  for (const auto& [i, r] : pairs) {
    d.train.push_back(nlgExample(train_items[i].input, train_items[i].references[r], tok, max_len));
  }
  if (t.max_dev_examples > 0 && t.max_dev_examples < static_cast<int64_t>(dev_items.size())) {
    // A fixed subset independent of the run seed (split_seed), so every run scores the same inputs.
    const auto perm = seededPermutation(dev_items.size(), t.split_seed + 1);
    std::vector<size_t> keep(perm.begin(), perm.begin() + t.max_dev_examples);
    std::sort(keep.begin(), keep.end());
    std::vector<NlgItem> sub;
    for (size_t k : keep) sub.push_back(dev_items[k]);
    dev_items = std::move(sub);
  }
  if (dev_items.empty()) throw EngineError(ErrorKind::Data, "the dev split has no examples", dev_path);
  d.dev = std::move(dev_items);
  for (const auto& item : d.dev) d.prompts.push_back(nlgContext(item.input, tok, max_len));
  return d;
}

LmBatch makeLmBatch(const std::vector<LmExample>& examples, const std::vector<size_t>& positions, int64_t pad_id) {
  if (positions.empty()) throw EngineError(ErrorKind::Internal, "makeLmBatch: empty batch");
  size_t T = 0;
  for (size_t p : positions) {
    if (p >= examples.size()) throw EngineError(ErrorKind::Internal, "makeLmBatch: position out of range");
    T = std::max(T, examples[p].context.size() + examples[p].completion.size());
  }
  const auto B = static_cast<int64_t>(positions.size());
  std::vector<int64_t> ids(positions.size() * T, pad_id), mask(positions.size() * T, 0),
      labels(positions.size() * T, kIgnoreLabel);
  LmBatch b;
  for (size_t r = 0; r < positions.size(); ++r) {
    const auto& e = examples[positions[r]];
    size_t k = r * T;
    for (int64_t id : e.context) {
      ids[k] = id;
      mask[k++] = 1;
    }
    for (int64_t id : e.completion) {
      ids[k] = id;
      labels[k] = id;
      mask[k++] = 1;
    }
    b.num_tokens += static_cast<int64_t>(e.context.size() + e.completion.size());
  }
  const auto opts = torch::TensorOptions().dtype(torch::kInt64);
  b.input_ids = torch::tensor(ids, opts).view({B, static_cast<int64_t>(T)});
  b.attention_mask = torch::tensor(mask, opts).view({B, static_cast<int64_t>(T)});
  b.labels = torch::tensor(labels, opts).view({B, static_cast<int64_t>(T)});
  return b;
}

torch::Tensor completionLoss(const torch::Tensor& logits, const torch::Tensor& labels, double label_smoothing) {
  const int64_t V = logits.size(-1);
  auto l = logits.narrow(1, 0, logits.size(1) - 1).to(torch::kFloat32).reshape({-1, V});
  auto y = labels.narrow(1, 1, labels.size(1) - 1).reshape({-1}).to(l.device());
  namespace F = torch::nn::functional;
  return F::cross_entropy(l, y,
                          F::CrossEntropyFuncOptions().ignore_index(kIgnoreLabel).label_smoothing(label_smoothing));
}

torch::Tensor completionMask(const torch::Tensor& labels) {
  return labels.narrow(1, 1, labels.size(1) - 1).reshape({-1}).ne(kIgnoreLabel).to(torch::kFloat32);
}

}  // namespace adamix
