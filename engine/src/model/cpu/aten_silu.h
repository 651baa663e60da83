// SwiGLU's activation, silu(gate) * up, with the exact roundings of LibTorch 1.13's CPU kernels for
// the AVX2 CPU capability: ATen's `silu` and `silu_backward` (aten/src/ATen/native/cpu/Activation.cpp,
// run by cpu_kernel_vec's vectorized_loop: two 8-lane vectors per step, SLEEF's Sleef_expf8_u10,
// then the last n % 16 elements through the scalar formula with std::exp; GCC contracts the
// backward's `1 + x * (1 - s)` into one fused multiply-add in both) and the products of
// MulBackward. Plain C++ over float arrays (no LibTorch: compiled with -mavx2 -mfma);
// model/swiglu.h checks that the running LibTorch agrees and splits tensors as ATen does.
#pragma once
#include <cstdint>

namespace adamix::cpu {

/// One ATen loop over n elements: y = silu(g) * u with silu(g) = g / (1 + exp(-g)), each step
/// rounded as ATen's `torch::silu(g) * u`.
void atenSiluMulForward(const float* g, const float* u, float* y, int64_t n);

/// One ATen loop over n elements of the composite's backward from dy: du = dy * silu(g)
/// (MulBackward), dg = silu_backward(dy * u, g) = ((dy * u) * s) * fma(g, 1 - s, 1) with
/// s = 1 / (1 + exp(-g)) (SiluBackward). Either output may be null (not needed).
void atenSiluMulBackward(const float* dy, const float* g, const float* u, float* dg, float* du, int64_t n);

}  // namespace adamix::cpu
