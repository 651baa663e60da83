#include "data/batching.h"

#include <algorithm>
#include <string>

#include "io/errors.h"

namespace adamix {

namespace {

void checkRows(const std::vector<std::vector<int64_t>>& ids, size_t num_labels, const std::vector<int64_t>& indices) {
  if (ids.empty()) throw EngineError(ErrorKind::Internal, "collate: empty batch");
  if (num_labels != ids.size())
    throw EngineError(ErrorKind::Internal,
                      "collate: " + std::to_string(ids.size()) + " rows but " + std::to_string(num_labels) + " labels");
  if (!indices.empty() && indices.size() != ids.size())
    throw EngineError(ErrorKind::Internal, "collate: " + std::to_string(ids.size()) + " rows but " +
                                               std::to_string(indices.size()) + " indices");
  for (size_t i = 0; i < ids.size(); ++i)
    if (ids[i].empty()) throw EngineError(ErrorKind::Internal, "collate: row " + std::to_string(i) + " is empty");
}

Batch padRows(const std::vector<std::vector<int64_t>>& ids, int64_t pad_id, const std::vector<int64_t>& indices) {
  size_t T = 0;
  for (const auto& r : ids) T = std::max(T, r.size());
  const int64_t B = static_cast<int64_t>(ids.size());
  Batch b;
  b.input_ids = torch::full({B, static_cast<int64_t>(T)}, pad_id, torch::kInt64);
  b.attention_mask = torch::zeros({B, static_cast<int64_t>(T)}, torch::kInt64);
  auto ia = b.input_ids.accessor<int64_t, 2>();
  auto ma = b.attention_mask.accessor<int64_t, 2>();
  for (int64_t i = 0; i < B; ++i) {
    const auto& row = ids[static_cast<size_t>(i)];
    for (size_t t = 0; t < row.size(); ++t) {
      ia[i][static_cast<int64_t>(t)] = row[t];
      ma[i][static_cast<int64_t>(t)] = 1;
    }
    b.num_tokens += static_cast<int64_t>(row.size());
  }
  if (indices.empty()) {
    b.indices.resize(ids.size());
    for (size_t i = 0; i < ids.size(); ++i) b.indices[i] = static_cast<int64_t>(i);
  } else {
    b.indices = indices;
  }
  return b;
}

}  // namespace

Batch collate(const std::vector<std::vector<int64_t>>& ids, const std::vector<int64_t>& labels, int64_t pad_id,
              const std::vector<int64_t>& indices) {
  checkRows(ids, labels.size(), indices);
  Batch b = padRows(ids, pad_id, indices);
  b.labels = torch::tensor(labels, torch::kInt64);
  return b;
}

Batch collateScores(const std::vector<std::vector<int64_t>>& ids, const std::vector<float>& scores, int64_t pad_id,
                    const std::vector<int64_t>& indices) {
  checkRows(ids, scores.size(), indices);
  Batch b = padRows(ids, pad_id, indices);
  b.labels = torch::tensor(scores, torch::kFloat32);
  return b;
}

Batch makeBatch(const std::vector<std::vector<int64_t>>& encoded, const std::vector<Example>& examples,
                const std::vector<size_t>& positions, bool regression, int64_t pad_id) {
  if (encoded.size() != examples.size())
    throw EngineError(ErrorKind::Internal, "makeBatch: " + std::to_string(encoded.size()) + " encoded rows but " +
                                               std::to_string(examples.size()) + " examples");
  std::vector<std::vector<int64_t>> rows;
  std::vector<int64_t> labels, indices;
  std::vector<float> scores;
  rows.reserve(positions.size());
  for (size_t p : positions) {
    if (p >= examples.size())
      throw EngineError(ErrorKind::Internal, "makeBatch: position " + std::to_string(p) + " out of range " +
                                                 std::to_string(examples.size()));
    rows.push_back(encoded[p]);
    labels.push_back(examples[p].label);
    scores.push_back(examples[p].score);
    indices.push_back(examples[p].index);
  }
  return regression ? collateScores(rows, scores, pad_id, indices) : collate(rows, labels, pad_id, indices);
}

uint64_t splitmix64(uint64_t x) {
  uint64_t z = x + 0x9E3779B97F4A7C15ULL;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

uint64_t epochSeed(uint64_t seed, int64_t epoch) { return splitmix64(seed ^ splitmix64(static_cast<uint64_t>(epoch))); }

std::vector<std::vector<size_t>> epochOrder(size_t n, size_t batch_size, uint64_t seed, int64_t epoch, bool shuffle,
                                            bool drop_last) {
  if (batch_size == 0) throw EngineError(ErrorKind::Config, "batch_size must be > 0", "/train/batch_size");
  std::vector<size_t> order;
  if (shuffle) {
    order = seededPermutation(n, epochSeed(seed, epoch));
  } else {
    order.resize(n);
    for (size_t i = 0; i < n; ++i) order[i] = i;
  }
  std::vector<std::vector<size_t>> batches;
  for (size_t start = 0; start < n; start += batch_size) {
    const size_t end = std::min(n, start + batch_size);
    if (drop_last && end - start < batch_size) break;
    batches.emplace_back(order.begin() + static_cast<std::ptrdiff_t>(start),
                         order.begin() + static_cast<std::ptrdiff_t>(end));
  }
  return batches;
}

}  // namespace adamix
