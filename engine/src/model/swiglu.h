// HF LlamaMLP's activation, silu(gate) * up, in one pass each way with ATen's own roundings.
// Profile finding (issue 19; the wider Llama, adapter step): the composite writes silu(gate) as a
// tensor of its own, and its backward runs MulBackward (two products) and SiluBackward (exp again)
// as three passes over [B, T, intermediate_size] with three allocations.
#pragma once
#include <torch/torch.h>

namespace adamix {

/// torch::silu(gate) * up, bit for bit, values and gradients: gate and up [..., I] of one shape ->
/// that shape. One pass forward; one pass backward giving both gradients (the composite's
/// products and SiluBackward's formula, element for element). Applies where the engine was built
/// with the CPU kernels (SLEEF, x86-64), ATen runs its AVX2 kernels, a one-time probe agrees with
/// torch::silu and its backward in this process, and gate and up are contiguous float32 CPU
/// tensors of one shape that do not share storage; the work is cut into the chunks ATen's
/// TensorIterator would give it at the current thread count, because which elements take ATen's
/// scalar path depends on them. Anything else is the composite itself, and so is the backward
/// of a backward that builds a graph (create_graph).
torch::Tensor siluMul(const torch::Tensor& gate, const torch::Tensor& up);

/// Whether siluMul's kernel runs in this process (built in, AVX2 capability, probe agreed).
bool atenSiluKernelActive();

}  // namespace adamix
