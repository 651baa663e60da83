// Scaled dot-product attention shared by the BERT/RoBERTa and GPT-2 modules.
#pragma once
#include <torch/torch.h>

namespace adamix {

/// softmax(q k^T / sqrt(D) masked by `allowed`) v, softmax in fp32.
/// q [B, H, T, D], k/v [B, H, S, D], allowed [B or 1, 1, T, S] bool (true = may attend) ->
/// [B, T, H*D]. Masked scores get a large finite negative so fully masked rows stay finite.
torch::Tensor scaledDotProductAttention(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v,
                                        const torch::Tensor& allowed);

/// [B, T, H*D] -> [B, H, T, D].
torch::Tensor splitHeads(const torch::Tensor& x, int64_t num_heads);

}  // namespace adamix
