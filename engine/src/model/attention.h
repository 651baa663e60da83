// Scaled dot-product attention shared by the BERT/RoBERTa and GPT-2 modules.
#pragma once
#include <torch/torch.h>

namespace adamix {

/// dropout(softmax(q k^T / sqrt(D) masked by `allowed`)) v, softmax in fp32; dropout with
/// probability `dropout_p` on the attention probabilities only when `training`.
/// q [B, H, T, D], k/v [B, H, S, D], allowed [B or 1, 1, T, S] bool (true = may attend) ->
/// [B, T, H*D]. Masked scores get a large finite negative so fully masked rows stay finite.
torch::Tensor scaledDotProductAttention(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v,
                                        const torch::Tensor& allowed, double dropout_p = 0.0, bool training = false);

/// [B, T, H*D] -> [B, H, T, D].
torch::Tensor splitHeads(const torch::Tensor& x, int64_t num_heads);

}  // namespace adamix
