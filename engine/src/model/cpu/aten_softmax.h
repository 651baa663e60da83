// Attention's softmax over scaled, biased scores with the exact roundings of LibTorch 1.13's CPU
// softmax for the AVX2 CPU capability (aten/src/ATen/native/cpu/SoftMaxKernel.cpp,
// _vec_softmax_lastdim: the row's maximum by vec::reduce_all, exp(x - max) by vec::map with
// SLEEF's Sleef_expf8_u10, the sum by vec::reduce_all — lane-wise over 8-float vectors, the tail
// blended in, then the 128/64/32-bit shuffle tree —, then x * (1 / sum)). Plain C++ over float
// arrays (no LibTorch: compiled with -mavx2 -mfma); model/attention_scores.h checks that the
// running LibTorch agrees.
#pragma once
#include <cstdint>

namespace adamix::cpu {

/// One row of n: x[j] = scores[j] / divisor + bias[j * bias_stride] (each step rounded, as ATen's
/// `scores / divisor + bias`), then out = softmax(x) as ATen's kernel computes it. Vectors of 8
/// whose every x - max is below -104 (masked keys: causal, padding) skip the exp: SLEEF returns
/// exactly +0 there, which is what is stored.
void atenSoftmaxOfScaledRow(const float* scores, const float* bias, int64_t bias_stride, float divisor, float* out,
                            int64_t n);

}  // namespace adamix::cpu
