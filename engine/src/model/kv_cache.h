// Key/value cache for incremental decoding, shared by the decoder architectures (Llama, GPT-2).
#pragma once
#include <torch/torch.h>

#include <utility>
#include <vector>

#include "model/task_model.h"

namespace adamix {

/// Per layer, keys/values [B, kv_heads, S, D] (Llama: before the GQA repeat). Empty until the
/// first forward. HF `past_key_values` in tensor form.
struct KVCache : DecodeState {
  std::vector<torch::Tensor> keys, values;
  int64_t length() const override { return keys.empty() || !keys[0].defined() ? 0 : keys[0].size(2); }
  void clear() {
    keys.clear();
    values.clear();
  }
  void selectRows(const torch::Tensor& rows) override {
    for (auto& k : keys)
      if (k.defined()) k = k.index_select(0, rows.to(k.device()));
    for (auto& v : values)
      if (v.defined()) v = v.index_select(0, rows.to(v.device()));
  }
  /// Appends the new keys/values k, v [B, H, T, D] of `layer` and returns the whole sequence
  /// [B, H, past + T, D] for attention.
  std::pair<torch::Tensor, torch::Tensor> append(size_t layer, torch::Tensor k, torch::Tensor v) {
    if (keys.size() <= layer) {
      keys.resize(layer + 1);
      values.resize(layer + 1);
    }
    if (keys[layer].defined()) {
      k = torch::cat({keys[layer], k}, 2);
      v = torch::cat({values[layer], v}, 2);
    }
    keys[layer] = k;
    values[layer] = v;
    return {k, v};
  }
};

/// Attention mask for a decoder step: `T` new queries at absolute indices past..past+T-1 over
/// S = past + T keys; key j is allowed for query i when j <= past + i (causal) and, with
/// `attention_mask` [B, S] defined (1 = token), when it is a token. Returns [B or 1, 1, T, S] bool.
inline torch::Tensor causalDecodeMask(int64_t past, int64_t T, const torch::Tensor& attention_mask,
                                      const torch::Device& device) {
  const int64_t S = past + T;
  const auto opts = torch::TensorOptions().dtype(torch::kInt64).device(device);
  auto allowed =
      torch::arange(0, S, opts).unsqueeze(0).le(torch::arange(past, S, opts).unsqueeze(1)).view({1, 1, T, S});
  if (attention_mask.defined()) {
    TORCH_CHECK(attention_mask.dim() == 2 && attention_mask.size(1) == S, "attention_mask must be [B, ", S,
                "] (past + new tokens), got ", attention_mask.sizes());
    allowed = allowed.logical_and(attention_mask.to(device).ne(0).view({attention_mask.size(0), 1, 1, S}));
  }
  return allowed;
}

}  // namespace adamix
