// HF LlamaRMSNorm's two halves for float32 CPU tensors, each one autograd node with the
// composite's own roundings, so that the norm costs fewer passes without changing a bit.
// Profile finding (issue 19; the wider Llama, adapter step): the composite's backward made ten
// passes over an activation-sized tensor per norm. MeanBackward then PowBackward expanded the
// [.., 1] gradient to x's shape and divided it (a broadcast division about 6x slower than a plain
// elementwise pass), copied x (`x.pow(1)`), doubled it and multiplied; the two products'
// backwards wrote `grad * weight` and then two more products of it.
//
// Order of gradients: x's gradient is the sum of the residual stream's, the `x * rsqrt(..)`
// path's and the variance's, added by the autograd engine in the order their nodes run. Each
// node here replaces composite nodes at the same place in the graph and hands x its own
// contribution as one gradient, so the engine adds the three in the order it did before.
// A backward that builds a graph (create_graph) runs the composite's own operators instead: its
// first derivatives are the composite's bit for bit, second derivatives only to rounding (the
// recorded graph recomputes x * rstd, so their contributions are added in another order).
#pragma once
#include <torch/torch.h>

namespace adamix {

/// x.pow(2).mean(-1, /*keepdim=*/true), bit for bit: x [..., N] -> [..., 1]. The forward is ATen's
/// own two operators. The gradient of x is MeanBackward's and PowBackward's, element for element
/// with their roundings: (grad / N) * (2 * x), the quotient rounded once per row (ATen's division
/// of the [..., 1] gradient: the value the composite repeats over the row), then the product.
/// Applies to contiguous float32 CPU tensors; anything else (other dtypes, devices, layouts, an
/// empty tensor) is the composite itself.
torch::Tensor meanOfSquares(const torch::Tensor& x);

/// weight * (x * rstd), bit for bit: x [..., N], rstd [..., 1] (one per row of x), weight [N] ->
/// x's shape, in one pass. Gradients as the two MulBackward nodes give them: x: (grad * weight) *
/// rstd; rstd: the sum over the row of (grad * weight) * x (ATen's sum_to, as the autograd engine
/// reduces a broadcast operand's gradient); weight: sum_to(grad * (x * rstd)) over the rows.
/// Applies to contiguous float32 CPU tensors of those shapes; anything else is the composite.
torch::Tensor scaleNormalized(const torch::Tensor& x, const torch::Tensor& rstd, const torch::Tensor& weight);

}  // namespace adamix
