// Attention scores before the softmax: q k^T / sqrt(D) + bias in one pass, with the composite's
// own two roundings. Profile finding (stories260K, full fine-tuning): the composite's division and
// addition each made a pass over, and an allocation of, the [B, H, T, S] score tensor.
#pragma once
#include <torch/torch.h>

namespace adamix {

/// scores / divisor + bias, bit for bit as ATen's `scores / divisor + bias` (float32: the quotient
/// by (float) divisor rounded, then the sum rounded), in one pass over a new contiguous tensor of
/// the broadcast shape. scores: float32 CPU, contiguous, e.g. [B, H, T, S]; bias: float32 CPU,
/// broadcastable to scores' shape (e.g. [B, 1, T, S]), no gradient. Differentiable in scores
/// (the gradient is grad / divisor, as DivBackward's). Other dtypes, devices, layouts, a bias
/// that needs a gradient or one whose shape would broadcast scores, and scores of at least ATen's
/// grain size (32,768) with more than one thread (ATen runs its passes in parallel, this loop is
/// serial): the composite itself.
torch::Tensor scaleAndAddBias(const torch::Tensor& scores, double divisor, const torch::Tensor& bias);

}  // namespace adamix
