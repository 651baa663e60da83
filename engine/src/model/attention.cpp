#include "model/attention.h"

#include <cmath>

#include "model/attention_scores.h"
#include "model/batched_matmul.h"
#include "model/fused_ops.h"

namespace adamix {

namespace {
bool needsGradient(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v) {
  return torch::GradMode::is_enabled() && (q.requires_grad() || k.requires_grad() || v.requires_grad());
}
}  // namespace

torch::Tensor attentionBias(const torch::Tensor& allowed) {
  return torch::zeros(allowed.sizes(), allowed.options().dtype(torch::kFloat32)).masked_fill(allowed.logical_not(), -1e30);
}

torch::Tensor scaledDotProductAttention(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v,
                                        const torch::Tensor& attn_bias, double dropout_p, bool training) {
  const int64_t B = q.size(0), H = q.size(1), T = q.size(2), D = q.size(3);
  const int64_t KV = k.size(1), S = k.size(2);
  TORCH_CHECK(KV > 0 && H % KV == 0 && v.size(1) == KV, "attention: ", H, " query heads over ", KV, " key/value heads");
  const int64_t rep = H / KV;
  // Decoding steps (a few query rows, no gradient) of a model without attention dropout (Llama)
  // run the fused CPU kernel (model/fused_ops.h): there the composite's time is operator
  // dispatch and a GEMM call per head, not arithmetic. For full sequences and for training the
  // composite is as fast or faster (docs/performance.md, bench/kernel_bench) and stays.
  if (dropout_p == 0.0 && T <= kFusedAttentionMaxQueryRows && !needsGradient(q, k, v) &&
      fusedCpuKernelsApply({q, k, v, attn_bias}))
    return fusedAttention(q, k, v, attn_bias);
  // Query heads h = j * rep + r share key/value head j (HF repeat_kv). Rather than copying k and v
  // rep times, the rep query heads of a group are stacked as rows: [B, KV, rep * T, D], one matrix
  // product per group with rep times the rows (the same dot products, without the copies).
  const auto qg = rep == 1 ? q : q.reshape({B, KV, rep * T, D});
  // batchedMatmul is torch::matmul, bit for bit, without ATen's per-matrix dispatch on CPU.
  // fp16/bf16 scores + the fp32 bias are promoted to fp32, which the fp32 softmax reads anyway.
  // softmax(scores / sqrt(D) + bias) in one pass per row, bit for bit the composite
  // (model/attention_scores.h).
  auto scores = batchedMatmul(qg, k.transpose(-2, -1));
  const double scale = std::sqrt(static_cast<double>(D));
  auto probs = (rep == 1 ? softmaxOfScores(scores, scale, attn_bias)
                         : softmaxOfScores(scores.view({B, KV, rep, T, S}), scale, attn_bias.unsqueeze(1)))
                   .to(q.scalar_type());
  if (training && dropout_p > 0) probs = torch::dropout(probs, dropout_p, true);
  auto out = batchedMatmul(rep == 1 ? probs : probs.view({B, KV, rep * T, S}), v);  // [B, KV, rep*T, D]
  return out.view({B, H, T, D}).transpose(1, 2).reshape({B, T, H * D});
}

torch::Tensor splitHeads(const torch::Tensor& x, int64_t num_heads) {
  const int64_t B = x.size(0), T = x.size(1);
  return x.view({B, T, num_heads, x.size(2) / num_heads}).transpose(1, 2);
}

}  // namespace adamix
