// HF apply_rotary_pos_emb (x * cos + rotate_half(x) * sin) as one pass forward and one backward.
// The composite is 7 operators forward (two narrows, neg, cat, two muls, add) and as many autograd
// nodes, two of which (the narrows' backward) allocate and fill a zero tensor of x's size; one
// pass each way saves about 1 % of a stories260K full fine-tuning step (docs/performance.md,
// item 12). Every element is computed with the composite's own roundings (a product, a product,
// their sum; no reduction, no fused multiply-add), so values and gradients equal the composite's,
// and the output has the composite's layout (x's strides).
#pragma once
#include <torch/torch.h>

namespace adamix {

/// x * cos + rotateHalf(x) * sin for x [B, H, T, D] (D even) and cos/sin broadcastable to x
/// ([T, D], [B, 1, T, D], ...), with autograd for x (cos and sin are constants). On CPU float32,
/// x dense with a contiguous last dimension and cos/sin with a full contiguous last dimension, it
/// runs the single-pass kernels, equal bit for bit to the composite (values and gradient) and laid
/// out as x; otherwise, or when cos/sin need a gradient, it is the composite. Not twice
/// differentiable on the kernel path (nothing in the engine differentiates a gradient).
torch::Tensor applyRotaryEmbedding(const torch::Tensor& x, const torch::Tensor& cos, const torch::Tensor& sin);

/// HF rotate_half: x [..., D] -> cat(-x[..., D/2:], x[..., :D/2]).
torch::Tensor rotateHalf(const torch::Tensor& x);

/// The composite itself: x * cos + rotateHalf(x) * sin (the reference of the test).
torch::Tensor applyRotaryComposite(const torch::Tensor& x, const torch::Tensor& cos, const torch::Tensor& sin);

}  // namespace adamix
