// RMSNorm's variance, mean(x^2) over the last dimension, with a one-pass backward. Profile finding
// (issue 19; the wider Llama, adapter step): the composite's backward, MeanBackward then
// PowBackward, expanded the [.., 1] gradient to x's shape and divided it (a broadcast division that
// ran about 8x slower than a plain elementwise pass), copied x (`x.pow(1)`), doubled it and
// multiplied: four passes and four allocations of an activation-sized tensor per norm.
#pragma once
#include <torch/torch.h>

namespace adamix {

/// x.pow(2).mean(-1, /*keepdim=*/true), bit for bit: x [..., N] -> [..., 1]. The forward is ATen's
/// own two operators. The gradient of x is MeanBackward's and PowBackward's, element for element
/// with their roundings: (grad / N) * (2 * x), the quotient rounded once per row (ATen's division
/// of the [..., 1] gradient, the value the composite repeats over the row), then the product.
/// It reaches x as one gradient, from one node created where PowBackward was, so the autograd
/// engine adds it into x's other gradients (RMSNorm's `x * rsqrt(..)` path, the residual stream)
/// in the same order as before. Applies to contiguous float32 CPU tensors; anything else (other
/// dtypes, devices, layouts, an empty tensor) is the composite itself.
torch::Tensor meanOfSquares(const torch::Tensor& x);

}  // namespace adamix
