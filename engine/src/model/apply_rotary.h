// HF apply_rotary_pos_emb (x * cos + rotate_half(x) * sin) as one pass forward and one backward.
// The composite is 7 operators forward (two narrows, neg, cat, two muls, add) and as many autograd
// nodes, two of which (the narrows' backward) allocate and fill a zero tensor of x's size: on
// stories260K about a tenth of a full fine-tuning step (docs/performance.md, item 12). Every
// element is computed with the composite's own roundings (a product, a product, their sum; no
// reduction, no fused multiply-add), so values and gradients equal the composite's.
#pragma once
#include <torch/torch.h>

namespace adamix {

/// x * cos + rotateHalf(x) * sin for x [B, H, T, D] (D even) and cos/sin broadcastable to x
/// ([T, D], [B, 1, T, D], ...), with autograd for x (cos and sin are constants). On CPU float32
/// with contiguous last dimensions it runs the single-pass kernels, equal element for element to
/// the composite (torch::equal, values and gradient); otherwise, or when cos/sin need a gradient,
/// it is the composite.
torch::Tensor applyRotaryEmbedding(const torch::Tensor& x, const torch::Tensor& cos, const torch::Tensor& sin);

/// The composite itself: x * cos + rotateHalf(x) * sin (the reference of the test).
torch::Tensor applyRotaryComposite(const torch::Tensor& x, const torch::Tensor& cos, const torch::Tensor& sin);

}  // namespace adamix
