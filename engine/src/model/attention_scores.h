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
/// that needs a gradient or one whose shape would broadcast scores: the composite itself; so are
/// scores of at least ATen's grain size (32,768) with more than one thread where the engine was
/// built without OpenMP (ATen would run its passes in parallel, this loop serially).
torch::Tensor scaleAndAddBias(const torch::Tensor& scores, double divisor, const torch::Tensor& bias);

/// Whether scaleAndAddBias's kernel splits its rows across ATen's threads (this file compiled with
/// OpenMP), and so also takes large score tensors with more than one thread.
bool scaleAndAddBiasIsParallel();

/// torch::softmax(scores / divisor + bias, -1, float32), bit for bit, values and the gradient of
/// the scores (SoftmaxBackward's `_softmax_backward_data`, then DivBackward's `grad / divisor`,
/// both ATen's own operators), without the intermediate tensor: one pass per row computes the
/// biased scores and ATen's AVX2 softmax of them (model/cpu/aten_softmax.h), skipping the exp of
/// masked keys (exactly 0 there). Profile finding (the wider Llama): the softmax was the largest
/// operator outside the matrix products, and half of its exps were of masked keys. Same shapes
/// as scaleAndAddBias; applies where it would (at any thread count: rows are independent) and where
/// the engine was built with the CPU kernels, ATen runs its AVX2 kernels and a one-time probe
/// agrees with the composite in this process. Anything else is the composite of scaleAndAddBias
/// and torch::softmax.
torch::Tensor softmaxOfScores(const torch::Tensor& scores, double divisor, const torch::Tensor& bias);

/// Whether softmaxOfScores's kernel runs in this process (built in, AVX2 capability, probe agreed).
bool atenSoftmaxKernelActive();

}  // namespace adamix
