#include "model/cpu/attention_kernel.h"

#include "model/cpu/vec_avx2.h"

namespace adamix::cpu {

using namespace avx2;

namespace {
float sqrtOf(int64_t d) { return static_cast<float>(__builtin_sqrt(static_cast<double>(d))); }

/// dst[d * S + s] = src row s, element d: a [S, D] head transposed so that a row of scores is
/// one contiguous run over s.
void transposeHead(const HeadsView& x, int64_t b, int64_t j, int64_t S, int64_t D, float* dst) {
  for (int64_t s = 0; s < S; ++s) {
    const float* r = x.row(b, j, s);
    for (int64_t d = 0; d < D; ++d) dst[d * S + s] = r[d];
  }
}
}  // namespace

void maskedKeyRanges(const AttentionProblem& p, int32_t* out) {
  for (int64_t b = 0; b < p.B; ++b)
    for (int64_t t = 0; t < p.T; ++t, out += 2) {
      const float* bias = p.bias + b * p.bias_sb + t * p.bias_st;
      int64_t lo = 0, hi = p.S;
      while (lo < hi && bias[lo] <= -1e29f) ++lo;
      while (hi > lo && bias[hi - 1] <= -1e29f) --hi;
      if (lo == hi) lo = 0, hi = p.S;
      out[0] = static_cast<int32_t>(lo);
      out[1] = static_cast<int32_t>(hi);
    }
}

int64_t attentionScratchFloats(const AttentionProblem& p) { return 2 * p.D * p.S + p.S + 8; }

// Both products run over s (the key index) in [D, S] transposed heads, so that each vector
// operation covers 8 keys and the accumulators stay independent: accumulating a query row over
// keys instead (o += p_s v_s for each s) made every step wait on the previous step's store, and
// ran at a third of this speed.

void attentionForwardGroup(const AttentionProblem& p, int64_t b, int64_t j, const HeadsView& out, float* scratch) {
  const int64_t S = p.S, D = p.D, T = p.T, rep = p.H / p.KV;
  const float sqrt_d = sqrtOf(D);
  float* kT = scratch;  // [D, S]
  float* vT = kT + D * S;
  float* row = vT + D * S;
  transposeHead(p.k, b, j, S, D, kT);
  transposeHead(p.v, b, j, S, D, vT);
  for (int64_t r = 0; r < rep; ++r) {
    const int64_t h = j * rep + r;
    for (int64_t t = 0; t < T; ++t) {
      const float* q = p.q.row(b, h, t);
      const int32_t* range = p.key_range + (b * T + t) * 2;  // [lo, hi)
      const int64_t lo = range[0], n = range[1] - range[0];
      float* sc = row;  // the probabilities of keys lo..hi-1; the others are 0
      for (int64_t s = 0; s < n; ++s) sc[s] = 0.f;
      for (int64_t d = 0; d < D; ++d) axpy(sc, kT + d * S + lo, q[d], n);
      const float* bias = p.bias + b * p.bias_sb + t * p.bias_st + lo;
      for (int64_t s = 0; s < n; ++s) sc[s] = sc[s] / sqrt_d + bias[s];
      const float sum = expShiftedSum(sc, rowMax(sc, n), n);
      scale(sc, 1.f / sum, n);
      float* o = out.row(b, h, t);
      for (int64_t d = 0; d < D; ++d) o[d] = dot(sc, vT + d * S + lo, n);
    }
  }
}

}  // namespace adamix::cpu
