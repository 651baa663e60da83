// Scaled dot-product attention shared by the BERT/RoBERTa, GPT-2 and Llama modules.
#pragma once
#include <torch/torch.h>

namespace adamix {

/// Additive attention bias [B or 1, 1, T, S] float32 from `allowed` (bool, true = the query may
/// attend to the key): 0 where allowed, -1e30 where not — a large finite negative, so fully
/// masked rows (padding queries) stay finite (HF's additive mask). Adding it gives the same
/// softmax, bit for bit, as setting masked scores to -1e30 (allowed scores + 0 are unchanged,
/// masked ones round to exactly -1e30 and exp underflows to 0), at about a seventh of
/// masked_fill's CPU cost; compute it once per forward and share it across layers.
torch::Tensor attentionBias(const torch::Tensor& allowed);

/// Query rows up to which scaledDotProductAttention runs the fused CPU kernel (decoding steps).
constexpr int64_t kFusedAttentionMaxQueryRows = 4;

/// dropout(softmax(q k^T / sqrt(D) + attn_bias)) v, softmax in fp32; dropout with probability
/// `dropout_p` on the attention probabilities only when `training`.
/// q [B, H, T, D], k/v [B, KV, S, D] with H a multiple of KV (grouped-query attention: query head
/// h reads key/value head h / (H / KV), as HF repeat_kv, without materialising the repeat),
/// attn_bias [B or 1, 1, T, S] (attentionBias) -> [B, T, H*D]. Throws c10::Error for a head count
/// that is no multiple. Without dropout, with at most kFusedAttentionMaxQueryRows query rows and
/// no gradient, it runs the fused CPU kernel where one applies (model/fused_ops.h; equal up to
/// fp32 rounding).
torch::Tensor scaledDotProductAttention(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v,
                                        const torch::Tensor& attn_bias, double dropout_p = 0.0, bool training = false);

/// [B, T, H*D] -> [B, H, T, D].
torch::Tensor splitHeads(const torch::Tensor& x, int64_t num_heads);

}  // namespace adamix
