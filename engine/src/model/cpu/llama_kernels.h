// Fused CPU kernels (fp32, AVX2 + FMA) for the elementwise chains of a Llama block, forward and
// backward: RMSNorm (HF LlamaRMSNorm) and SwiGLU (silu(gate) * up, HF LlamaMLP). ATen runs each as
// 4-7 operators that each write a full activation tensor, and their backwards as as many again;
// here each is one pass over rows. Plain C++ over contiguous float rows (no LibTorch: this file is
// compiled with -mavx2 -mfma); model/fused_ops.h wraps them as autograd functions.
#pragma once
#include <cstdint>

namespace adamix::cpu {

/// RMSNorm of `rows` rows of N: rstd[r] = 1 / sqrt(mean(x[r]^2) + eps), y = w * (x * rstd[r]).
void rmsNormForward(const float* x, const float* w, float* y, float* rstd, int64_t rows, int64_t N, float eps);

/// Backward of rmsNormForward from dy: dx (rows x N); when dw is not null, adds
/// Σ_r dy[r] * x[r] * rstd[r] to dw (N floats).
void rmsNormBackward(const float* dy, const float* x, const float* w, const float* rstd, float* dx, float* dw,
                     int64_t rows, int64_t N);

/// y = silu(g) * u = g / (1 + exp(-g)) * u over n elements (SLEEF expf, ATen's silu formula).
void swigluForward(const float* g, const float* u, float* y, int64_t n);

/// Backward of swigluForward: with s = 1 / (1 + exp(-g)), dg = dy * u * s * (1 + g * (1 - s)),
/// du = dy * g * s. Either output may be null (not needed).
void swigluBackward(const float* dy, const float* g, const float* u, float* dg, float* du, int64_t n);

}  // namespace adamix::cpu
