#include "model/cpu/aten_softmax.h"

#include "model/cpu/vec_avx2.h"

namespace adamix::cpu {

namespace {

// Vectorized<float>::loadu(p, m) and store(p, m) are avx2::loadTail and avx2::storeTail.

/// Vectorized<float>::set(a, b, m): b's first m lanes, a's above.
inline __m256 setPartial(__m256 a, __m256 b, int64_t m) {
  alignas(32) float ta[8], tb[8];
  _mm256_store_ps(ta, a);
  _mm256_store_ps(tb, b);
  for (int64_t i = 0; i < m; ++i) ta[i] = tb[i];
  return _mm256_load_ps(ta);
}

/// vec::reduce_all(op, data, n) for AVX2 floats: lane-wise accumulation, the tail set in, then the
/// shuffle tree; below 8 elements, lane 0 combined with lanes 1..n-1 in order.
template <class Op>
inline float reduceAll(const Op& op, const float* data, int64_t n) {
  if (n < 8) {
    alignas(32) float t[8];
    _mm256_store_ps(t, avx2::loadTail(data, n));
    __m256 acc = _mm256_load_ps(t);
    for (int64_t i = 1; i < n; ++i) acc = op(acc, _mm256_setr_ps(t[i], 0, 0, 0, 0, 0, 0, 0));
    return _mm256_cvtss_f32(acc);
  }
  __m256 acc = _mm256_loadu_ps(data);
  int64_t d = 8;
  for (; d < n - (n % 8); d += 8) acc = op(acc, _mm256_loadu_ps(data + d));
  if (n - d > 0) acc = setPartial(acc, op(acc, avx2::loadTail(data + d, n - d)), n - d);
  acc = op(acc, _mm256_permute2f128_ps(acc, acc, 0x1));
  acc = op(acc, _mm256_shuffle_ps(acc, acc, 0x4E));
  acc = op(acc, _mm256_shuffle_ps(acc, acc, 0xB1));
  return _mm256_cvtss_f32(acc);
}

/// vec::maximum for AVX2 floats: _mm256_max_ps with NaN propagated.
inline __m256 maximum(__m256 a, __m256 b) {
  const __m256 m = _mm256_max_ps(a, b);
  const __m256 isnan = _mm256_cmp_ps(a, b, _CMP_UNORD_Q);
  return _mm256_or_ps(m, isnan);
}

}  // namespace

void atenSoftmaxOfScaledRow(const float* scores, const float* bias, int64_t bias_stride, float divisor, float* out,
                            int64_t n) {
  // `scores / divisor + bias`: two roundings per element (IEEE, the same in vector lanes).
  int64_t j = 0;
  if (bias_stride == 1 || bias_stride == 0) {
    const __m256 vd = _mm256_set1_ps(divisor), vb0 = _mm256_set1_ps(bias[0]);
    for (; j + 8 <= n; j += 8) {
      const __m256 b = bias_stride == 1 ? _mm256_loadu_ps(bias + j) : vb0;
      _mm256_storeu_ps(out + j, _mm256_add_ps(_mm256_div_ps(_mm256_loadu_ps(scores + j), vd), b));
    }
  }
  for (; j < n; ++j) {
    const float q = scores[j] / divisor;
    out[j] = q + bias[j * bias_stride];
  }
  const float max_input = reduceAll(maximum, out, n);
  const __m256 vmax = _mm256_set1_ps(max_input), below = _mm256_set1_ps(-104.0f);
  int64_t d = 0;
  for (; d < n - (n % 8); d += 8) {
    const __m256 x = _mm256_sub_ps(_mm256_loadu_ps(out + d), vmax);
    // All lanes below SLEEF's underflow bound: its exp is exactly +0 there.
    if (_mm256_movemask_ps(_mm256_cmp_ps(x, below, _CMP_LT_OQ)) == 0xFF)
      _mm256_storeu_ps(out + d, _mm256_setzero_ps());
    else
      _mm256_storeu_ps(out + d, Sleef_expf8_u10(x));
  }
  if (n - d > 0) avx2::storeTail(out + d, Sleef_expf8_u10(_mm256_sub_ps(avx2::loadTail(out + d, n - d), vmax)), n - d);
  const float sum = reduceAll([](__m256 a, __m256 b) { return _mm256_add_ps(a, b); }, out, n);
  const __m256 vinv = _mm256_set1_ps(1 / sum);
  d = 0;
  for (; d < n - (n % 8); d += 8) _mm256_storeu_ps(out + d, _mm256_mul_ps(_mm256_loadu_ps(out + d), vinv));
  if (n - d > 0) avx2::storeTail(out + d, _mm256_mul_ps(avx2::loadTail(out + d, n - d), vinv), n - d);
}

}  // namespace adamix::cpu
