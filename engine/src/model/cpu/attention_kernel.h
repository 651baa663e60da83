// Fused scaled dot-product attention on the CPU (fp32, AVX2 + FMA), forward only:
// softmax(q k^T / sqrt(D) + bias) v one (batch, key/value head) group at a time, with no
// [B, H, T, S] score tensor passed between operators and no per-head GEMM calls. Plain C++ over
// strided float arrays (no LibTorch here: the file is compiled with -mavx2 -mfma);
// model/fused_ops.h wraps it (fusedAttention) and model/attention.cpp decides when it runs.
#pragma once
#include <cstdint>

namespace adamix::cpu {

/// A [B, heads, rows, D] float array whose last dimension is contiguous; strides in elements.
struct HeadsView {
  float* data = nullptr;
  int64_t sb = 0, sh = 0, st = 0;
  float* row(int64_t b, int64_t h, int64_t t) const { return data + b * sb + h * sh + t * st; }
};

/// One attention call. q [B, H, T, D]; k, v [B, KV, S, D] with H a multiple of KV (query head h
/// reads key/value head h / (H / KV), as HF repeat_kv); bias element (b, t, s) at
/// bias[b * bias_sb + t * bias_st + s] (stride 0 where broadcast).
struct AttentionProblem {
  int64_t B = 0, H = 0, KV = 0, T = 0, S = 0, D = 0;
  HeadsView q, k, v;
  const float* bias = nullptr;
  int64_t bias_sb = 0, bias_st = 0;
  /// [B, T, 2] (maskedKeyRanges): the keys [begin, end) of query row (b, t) outside which the bias
  /// masks every key (causal and padding masks: half the keys of a causal row), so that they are
  /// skipped; their probabilities are exactly 0 either way.
  const int32_t* key_range = nullptr;
};

/// The key_range of AttentionProblem from its bias: per (b, t), the first and one past the last
/// key whose bias is above -1e29 (attentionBias writes -1e30); a fully masked row keeps all keys
/// (its softmax is uniform, as the composite's). `out` holds B * T * 2 ints.
void maskedKeyRanges(const AttentionProblem& p, int32_t* out);

/// Floats of scratch one call of attentionForwardGroup needs.
int64_t attentionScratchFloats(const AttentionProblem& p);

/// Forward for the query heads of key/value head j of batch row b: out rows (b, h, t). Scores are
/// (q·k) / sqrt(D) + bias over the row's key_range; softmax as ATen's (max-shifted exp,
/// multiplied by the reciprocal of the sum).
void attentionForwardGroup(const AttentionProblem& p, int64_t b, int64_t j, const HeadsView& out, float* scratch);

}  // namespace adamix::cpu
