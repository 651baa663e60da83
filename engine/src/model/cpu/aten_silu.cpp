#include "model/cpu/aten_silu.h"

#include <immintrin.h>
#include <sleef.h>

#include <cmath>

namespace adamix::cpu {

namespace {

/// ATen's Vectorized<float>::exp for AVX2: SLEEF's dispatching entry point, as ATen calls it.
inline __m256 expNeg(__m256 x) { return Sleef_expf8_u10(_mm256_xor_ps(x, _mm256_set1_ps(-0.0f))); }

/// ATen's vectorized_loop steps two vectors at a time while 16 elements remain.
constexpr int64_t kStep = 16;

}  // namespace

void atenSiluMulForward(const float* g, const float* u, float* y, int64_t n) {
  const __m256 one = _mm256_set1_ps(1.0f);
  int64_t i = 0;
  for (; i + kStep <= n; i += kStep) {
    for (int64_t k = 0; k < kStep; k += 8) {
      const __m256 vg = _mm256_loadu_ps(g + i + k);
      const __m256 a = _mm256_div_ps(vg, _mm256_add_ps(one, expNeg(vg)));  // x / (1 + exp(-x))
      _mm256_storeu_ps(y + i + k, _mm256_mul_ps(a, _mm256_loadu_ps(u + i + k)));
    }
  }
  for (; i < n; ++i) {  // basic_loop: the scalar formula
    const float a = g[i] / (1.0f + std::exp(-g[i]));
    y[i] = a * u[i];
  }
}

void atenSiluMulBackward(const float* dy, const float* g, const float* u, float* dg, float* du, int64_t n) {
  const __m256 one = _mm256_set1_ps(1.0f);
  int64_t i = 0;
  for (; i + kStep <= n; i += kStep) {
    for (int64_t k = 0; k < kStep; k += 8) {
      const __m256 vg = _mm256_loadu_ps(g + i + k), vdy = _mm256_loadu_ps(dy + i + k);
      const __m256 d = _mm256_add_ps(one, expNeg(vg));
      if (du) _mm256_storeu_ps(du + i + k, _mm256_mul_ps(vdy, _mm256_div_ps(vg, d)));
      if (dg) {
        const __m256 ga = _mm256_mul_ps(vdy, _mm256_loadu_ps(u + i + k));  // dy * up
        const __m256 s = _mm256_div_ps(one, d);                             // sigmoid
        const __m256 f = _mm256_fmadd_ps(vg, _mm256_sub_ps(one, s), one);   // 1 + x * (1 - s)
        _mm256_storeu_ps(dg + i + k, _mm256_mul_ps(_mm256_mul_ps(ga, s), f));
      }
    }
  }
  for (; i < n; ++i) {
    const float e = std::exp(-g[i]);
    if (du) du[i] = dy[i] * (g[i] / (1.0f + e));
    if (dg) {
      const float s = 1.0f / (1.0f + e);
      dg[i] = ((dy[i] * u[i]) * s) * std::fma(g[i], 1.0f - s, 1.0f);
    }
  }
}

}  // namespace adamix::cpu
