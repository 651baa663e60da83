#include "train/cpu/aten_adamw.h"

#include <immintrin.h>

#include <cmath>

namespace adamix::cpu {

namespace {
/// ATen's vectorized_loop steps two vectors at a time while 16 elements remain.
constexpr int64_t kStep = 16;
}  // namespace

void atenAdamWUpdate(float* p, const float* g, float* m, float* v, int64_t n, const AdamWScalars& s) {
  const __m256 b1 = _mm256_set1_ps(s.beta1), a1 = _mm256_set1_ps(s.one_minus_beta1);
  const __m256 b2 = _mm256_set1_ps(s.beta2), c2 = _mm256_set1_ps(s.one_minus_beta2);
  const __m256 eps = _mm256_set1_ps(s.eps), step = _mm256_set1_ps(s.neg_step_size), wd = _mm256_set1_ps(s.neg_decay);
  int64_t i = 0;
  for (; i + kStep <= n; i += kStep) {
    for (int64_t k = i; k < i + kStep; k += 8) {
      const __m256 vg = _mm256_loadu_ps(g + k);
      const __m256 vm = _mm256_fmadd_ps(vg, a1, _mm256_mul_ps(_mm256_loadu_ps(m + k), b1));
      // `self + (c * g) * g` on Vectorized<float>: GCC's intrinsics are plain vector arithmetic, and
      // ATen's AVX2 file contracts this one into a fused multiply-add too
      const __m256 vv = _mm256_fmadd_ps(_mm256_mul_ps(c2, vg), vg, _mm256_mul_ps(_mm256_loadu_ps(v + k), b2));
      const __m256 d = _mm256_add_ps(_mm256_sqrt_ps(vv), eps);
      __m256 vp = _mm256_add_ps(_mm256_loadu_ps(p + k), _mm256_div_ps(_mm256_mul_ps(step, vm), d));
      if (s.decay) vp = _mm256_fmadd_ps(vp, wd, vp);
      _mm256_storeu_ps(m + k, vm);
      _mm256_storeu_ps(v + k, vv);
      _mm256_storeu_ps(p + k, vp);
    }
  }
  for (; i < n; ++i) {  // basic_loop: the scalar lambdas
    const float mi = std::fma(s.one_minus_beta1, g[i], m[i] * s.beta1);
    const float vi = std::fma(s.one_minus_beta2 * g[i], g[i], v[i] * s.beta2);
    const float d = std::sqrt(vi) + s.eps;
    float pi = p[i] + s.neg_step_size * mi / d;
    if (s.decay) pi = std::fma(s.neg_decay, pi, pi);
    m[i] = mi;
    v[i] = vi;
    p[i] = pi;
  }
}

}  // namespace adamix::cpu
