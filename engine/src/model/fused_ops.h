// LibTorch operators backed by the fused CPU kernels in model/cpu/ (fp32, AVX2 + FMA, SLEEF exp):
// one pass over the data where ATen's composite of the same formula runs a chain of operators,
// each with its own dispatch, allocation and (for attention) one small GEMM call per head.
// Results equal the composite up to fp32 rounding (sums in another order), checked against it in
// tests/engine/test_fused_ops.cpp; bench/kernel_bench measures both in the same run.
#pragma once
#include <torch/torch.h>

namespace adamix {

/// Whether this build and this CPU can run the fused kernels (built with SLEEF; AVX2 and FMA).
bool fusedCpuKernelsAvailable();

/// Whether a kernel that reproduces ATen's exact roundings may run (silu·up, softmax of scores,
/// AdamW): fusedCpuKernelsAvailable(), ATen on its AVX2 kernels, and `probe` — the kernel's
/// one-time bit-for-bit comparison with ATen's operators in this process — agreeing. Callers
/// keep the answer in a function-local static.
bool atenAvx2KernelAgrees(bool (*probe)());

/// Turns the fused kernels on or off for this process. Default off: on only when the environment
/// has ADAMIX_FUSED_CPU_KERNELS=1 (the kernels change results at fp32 rounding, so a run with them
/// is not bit-identical to one without; docs/performance.md). Off, every caller runs ATen's
/// composite: the before/after benchmark and the tests compare the two.
void setFusedCpuKernels(bool enabled);

/// True when the kernels are available and turned on, and every tensor is a float32 CPU tensor.
/// Throws nothing.
bool fusedCpuKernelsApply(std::initializer_list<torch::Tensor> tensors);

/// softmax(q k^T / sqrt(D) + attn_bias) v without dropout, as scaledDotProductAttention, for
/// inference: q [B, H, T, D], k/v [B, KV, S, D] (H a multiple of KV: grouped-query attention
/// without copies), attn_bias broadcastable to [B, 1, T, S] -> [B, T, H*D]. Keys the bias masks
/// at the start or end of a row (causal, padding) are skipped. Call only where
/// fusedCpuKernelsApply({q, k, v, attn_bias}); throws c10::Error when a gradient would be needed
/// (no backward) or the head counts do not divide.
torch::Tensor fusedAttention(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v,
                             const torch::Tensor& attn_bias);

/// HF LlamaRMSNorm for float32: weight * (x * rsqrt(mean(x^2, -1) + eps)); x [..., N], weight [N]
/// -> x's shape. Differentiable in x and weight (one pass forward, one backward; the weight's
/// gradient summed over fixed blocks of rows, so the same at any thread count).
/// Call only where fusedCpuKernelsApply({x, weight}).
torch::Tensor fusedRmsNorm(const torch::Tensor& x, const torch::Tensor& weight, double eps);

/// HF LlamaMLP's activation for float32: silu(gate) * up, gate and up of one shape -> that shape.
/// Differentiable in both. Call only where fusedCpuKernelsApply({gate, up}).
torch::Tensor fusedSwiGlu(const torch::Tensor& gate, const torch::Tensor& up);

}  // namespace adamix
