#include "model/cpu/llama_kernels.h"

#include "model/cpu/vec_avx2.h"

namespace adamix::cpu {

using namespace avx2;

void rmsNormForward(const float* x, const float* w, float* y, float* rstd, int64_t rows, int64_t N, float eps) {
  for (int64_t r = 0; r < rows; ++r, x += N, y += N) {
    const float inv = 1.f / __builtin_sqrtf(dot(x, x, N) / static_cast<float>(N) + eps);
    rstd[r] = inv;
    const __m256 vi = _mm256_set1_ps(inv);
    int64_t i = 0;
    for (; i + 8 <= N; i += 8)
      _mm256_storeu_ps(y + i, _mm256_mul_ps(_mm256_loadu_ps(w + i), _mm256_mul_ps(_mm256_loadu_ps(x + i), vi)));
    for (; i < N; ++i) y[i] = w[i] * (x[i] * inv);
  }
}

void rmsNormBackward(const float* dy, const float* x, const float* w, const float* rstd, float* dx, float* dw,
                     int64_t rows, int64_t N) {
  for (int64_t r = 0; r < rows; ++r, dy += N, x += N, dx += N) {
    const float inv = rstd[r];
    const __m256 vi = _mm256_set1_ps(inv);
    // h = x * inv, dh = dy * w; dx = inv * (dh - h * mean(dh * h))
    __m256 acc = _mm256_setzero_ps();
    int64_t i = 0;
    for (; i + 8 <= N; i += 8) {
      const __m256 h = _mm256_mul_ps(_mm256_loadu_ps(x + i), vi);
      const __m256 g = _mm256_loadu_ps(dy + i);
      acc = _mm256_fmadd_ps(_mm256_mul_ps(g, _mm256_loadu_ps(w + i)), h, acc);
      if (dw) _mm256_storeu_ps(dw + i, _mm256_fmadd_ps(g, h, _mm256_loadu_ps(dw + i)));
    }
    float c = hsum(acc);
    for (; i < N; ++i) {
      const float h = x[i] * inv;
      c += dy[i] * w[i] * h;
      if (dw) dw[i] += dy[i] * h;
    }
    c /= static_cast<float>(N);
    const __m256 vc = _mm256_set1_ps(c);
    for (i = 0; i + 8 <= N; i += 8) {
      const __m256 h = _mm256_mul_ps(_mm256_loadu_ps(x + i), vi);
      const __m256 dh = _mm256_mul_ps(_mm256_loadu_ps(dy + i), _mm256_loadu_ps(w + i));
      _mm256_storeu_ps(dx + i, _mm256_mul_ps(vi, _mm256_fnmadd_ps(h, vc, dh)));
    }
    for (; i < N; ++i) dx[i] = inv * (dy[i] * w[i] - x[i] * inv * c);
  }
}

namespace {
/// 1 / (1 + exp(-g)) for 8 lanes.
inline __m256 sigmoid8(__m256 g) {
  const __m256 one = _mm256_set1_ps(1.f);
  return _mm256_div_ps(one, _mm256_add_ps(one, Sleef_expf8_u10avx2(_mm256_sub_ps(_mm256_setzero_ps(), g))));
}
}  // namespace

void swigluForward(const float* g, const float* u, float* y, int64_t n) {
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m256 vg = _mm256_loadu_ps(g + i);
    const __m256 silu = _mm256_mul_ps(vg, sigmoid8(vg));
    _mm256_storeu_ps(y + i, _mm256_mul_ps(silu, _mm256_loadu_ps(u + i)));
  }
  if (i < n) {
    const __m256 vg = loadTail(g + i, n - i);
    storeTail(y + i, _mm256_mul_ps(_mm256_mul_ps(vg, sigmoid8(vg)), loadTail(u + i, n - i)), n - i);
  }
}

void swigluBackward(const float* dy, const float* g, const float* u, float* dg, float* du, int64_t n) {
  const __m256 one = _mm256_set1_ps(1.f);
  auto lanes = [&](__m256 vdy, __m256 vg, __m256 vu, __m256& odg, __m256& odu) {
    const __m256 s = sigmoid8(vg);
    odu = _mm256_mul_ps(vdy, _mm256_mul_ps(vg, s));
    // dy * u * s * (1 + g * (1 - s))
    odg = _mm256_mul_ps(_mm256_mul_ps(vdy, vu), _mm256_mul_ps(s, _mm256_fmadd_ps(vg, _mm256_sub_ps(one, s), one)));
  };
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    __m256 a, b;
    lanes(_mm256_loadu_ps(dy + i), _mm256_loadu_ps(g + i), _mm256_loadu_ps(u + i), a, b);
    if (dg) _mm256_storeu_ps(dg + i, a);
    if (du) _mm256_storeu_ps(du + i, b);
  }
  if (i < n) {
    const int64_t m = n - i;
    __m256 a, b;
    lanes(loadTail(dy + i, m), loadTail(g + i, m), loadTail(u + i, m), a, b);
    if (dg) storeTail(dg + i, a, m);
    if (du) storeTail(du + i, b, m);
  }
}

}  // namespace adamix::cpu
