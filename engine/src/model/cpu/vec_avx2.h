// Row primitives on float arrays with AVX2 + FMA intrinsics and SLEEF's vector exp, shared by the
// fused CPU kernels. Internal: include only from translation units compiled with -mavx2 -mfma
// (engine/CMakeLists.txt), never from a header other code includes — the functions here would
// otherwise be emitted with AVX2 instructions where a generic build expects none.
#pragma once
#include <immintrin.h>
#include <sleef.h>

#include <cstdint>

namespace adamix::cpu::avx2 {

/// Sum of the 8 lanes.
inline float hsum(__m256 v) {
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}

/// Largest of the 8 lanes.
inline float hmax(__m256 v) {
  __m128 s = _mm_max_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  s = _mm_max_ps(s, _mm_movehl_ps(s, s));
  s = _mm_max_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}

/// x[0..m) (m < 8) in the low lanes, zeros above: the tail of a row through one vector, so that
/// every element goes through the same vector code (the same exp).
inline __m256 loadTail(const float* x, int64_t m) {
  alignas(32) float t[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  for (int64_t k = 0; k < m; ++k) t[k] = x[k];
  return _mm256_load_ps(t);
}

/// The low m lanes of v (m < 8) to y[0..m).
inline void storeTail(float* y, __m256 v, int64_t m) {
  alignas(32) float t[8];
  _mm256_store_ps(t, v);
  for (int64_t k = 0; k < m; ++k) y[k] = t[k];
}

/// y[i] += a * x[i], i < n.
inline void axpy(float* y, const float* x, float a, int64_t n) {
  const __m256 va = _mm256_set1_ps(a);
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) _mm256_storeu_ps(y + i, _mm256_fmadd_ps(va, _mm256_loadu_ps(x + i), _mm256_loadu_ps(y + i)));
  for (; i < n; ++i) y[i] = __builtin_fmaf(a, x[i], y[i]);
}

/// Σ x[i] y[i], i < n.
inline float dot(const float* x, const float* y, int64_t n) {
  __m256 acc = _mm256_setzero_ps();
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) acc = _mm256_fmadd_ps(_mm256_loadu_ps(x + i), _mm256_loadu_ps(y + i), acc);
  float s = hsum(acc);
  for (; i < n; ++i) s = __builtin_fmaf(x[i], y[i], s);
  return s;
}

/// max_i x[i] (n >= 1).
inline float rowMax(const float* x, int64_t n) {
  int64_t i = 0;
  float m = x[0];
  if (n >= 8) {
    __m256 acc = _mm256_loadu_ps(x);
    for (i = 8; i + 8 <= n; i += 8) acc = _mm256_max_ps(acc, _mm256_loadu_ps(x + i));
    m = hmax(acc);
  }
  for (; i < n; ++i) m = x[i] > m ? x[i] : m;
  return m;
}

/// x[i] = exp(x[i] - shift) (SLEEF expf, 1.0 ulp: ATen's vectorised exp); returns Σ x[i].
inline float expShiftedSum(float* x, float shift, int64_t n) {
  const __m256 vs = _mm256_set1_ps(shift);
  __m256 acc = _mm256_setzero_ps();
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m256 e = Sleef_expf8_u10avx2(_mm256_sub_ps(_mm256_loadu_ps(x + i), vs));
    _mm256_storeu_ps(x + i, e);
    acc = _mm256_add_ps(acc, e);
  }
  float s = hsum(acc);
  if (i < n) {
    storeTail(x + i, Sleef_expf8_u10avx2(_mm256_sub_ps(loadTail(x + i, n - i), vs)), n - i);
    for (; i < n; ++i) s += x[i];
  }
  return s;
}

/// x[i] *= a.
inline void scale(float* x, float a, int64_t n) {
  const __m256 va = _mm256_set1_ps(a);
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) _mm256_storeu_ps(x + i, _mm256_mul_ps(_mm256_loadu_ps(x + i), va));
  for (; i < n; ++i) x[i] *= a;
}

}  // namespace adamix::cpu::avx2
