// Batches of encoded examples (dynamic right padding) and the per-epoch example order.
#pragma once
#include <torch/torch.h>

#include <cstddef>
#include <cstdint>
#include <vector>

#include "data/glue.h"

namespace adamix {

/// One padded batch.
struct Batch {
  torch::Tensor input_ids;       ///< [B, T] int64, right-padded with pad_id, T = longest row
  torch::Tensor attention_mask;  ///< [B, T] int64, 1 = real token, 0 = padding
  torch::Tensor labels;          ///< [B] int64 class ids, or [B] float32 scores (regression)
  std::vector<int64_t> indices;  ///< example index of each row (Example::index)
  int64_t num_tokens = 0;        ///< number of real (non-pad) tokens = attention_mask.sum()
};

/// Pads `ids` to the longest row (right padding with `pad_id`) and stacks int64 `labels`.
/// `indices` (optional, else 0..B-1) fills Batch::indices. Throws EngineError(Internal) when
/// `ids` is empty, a row is empty, or labels/indices sizes differ from ids.
Batch collate(const std::vector<std::vector<int64_t>>& ids, const std::vector<int64_t>& labels, int64_t pad_id,
              const std::vector<int64_t>& indices = {});

/// As collate, with float32 regression targets.
Batch collateScores(const std::vector<std::vector<int64_t>>& ids, const std::vector<float>& scores, int64_t pad_id,
                    const std::vector<int64_t>& indices = {});

/// Gathers rows `positions` of `encoded`/`examples` (encoded[i] belongs to examples[i]) into a
/// batch: labels from Example::label, or Example::score when `regression`; indices from
/// Example::index. Throws EngineError(Internal) on out-of-range positions or size mismatch.
Batch makeBatch(const std::vector<std::vector<int64_t>>& encoded, const std::vector<Example>& examples,
                const std::vector<size_t>& positions, bool regression, int64_t pad_id);

/// SplitMix64 finaliser (Steele et al.): z += 0x9E3779B97F4A7C15;
/// z = (z ^ z>>30) * 0xBF58476D1CE4E5B9; z = (z ^ z>>27) * 0x94D049BB133111EB; return z ^ z>>31.
uint64_t splitmix64(uint64_t x);

/// Seed of one epoch's shuffle: splitmix64(seed ^ splitmix64(uint64_t(epoch))).
uint64_t epochSeed(uint64_t seed, int64_t epoch);

/// Batches of positions 0..n-1 for one epoch. shuffle: order = seededPermutation(n,
/// epochSeed(seed, epoch)) (a pure function of seed and epoch, so a resumed run reproduces it);
/// else 0..n-1. Consecutive chunks of batch_size; the last, shorter one is dropped when drop_last.
/// Throws EngineError(Config, ..., "/train/batch_size") when batch_size == 0.
std::vector<std::vector<size_t>> epochOrder(size_t n, size_t batch_size, uint64_t seed, int64_t epoch, bool shuffle,
                                            bool drop_last = false);

}  // namespace adamix
