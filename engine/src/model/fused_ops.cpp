#include "model/fused_ops.h"

#include <ATen/Parallel.h>

#include <atomic>
#include <vector>

#ifdef ADAMIX_HAVE_FUSED_CPU
#include "model/cpu/attention_kernel.h"
#endif

namespace adamix {

namespace {
std::atomic<bool> g_enabled{true};

bool cpuHasAvx2Fma() {
#if defined(__x86_64__) || defined(__i386__)
  static const bool yes = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  return yes;
#else
  return false;
#endif
}
}  // namespace

bool fusedCpuKernelsAvailable() {
#ifdef ADAMIX_HAVE_FUSED_CPU
  return cpuHasAvx2Fma();
#else
  return false;
#endif
}

void setFusedCpuKernels(bool enabled) { g_enabled = enabled; }

bool fusedCpuKernelsApply(std::initializer_list<torch::Tensor> tensors) {
  if (!g_enabled || !fusedCpuKernelsAvailable()) return false;
  for (const auto& t : tensors)
    if (!t.defined() || !t.device().is_cpu() || t.scalar_type() != torch::kFloat32) return false;
  return true;
}

#ifdef ADAMIX_HAVE_FUSED_CPU
namespace {

/// `x` with a contiguous last dimension (a copy only when it is not).
torch::Tensor lastDimContiguous(const torch::Tensor& x) { return x.stride(-1) == 1 ? x : x.contiguous(); }

cpu::HeadsView headsView(const torch::Tensor& x) {  // [B, heads, rows, D], last dim contiguous
  return {x.data_ptr<float>(), x.stride(0), x.stride(1), x.stride(2)};
}

struct Prepared {
  torch::Tensor q, k, v, bias;
  std::vector<int32_t> key_range;
  cpu::AttentionProblem p;
};

Prepared prepare(const torch::Tensor& q_in, const torch::Tensor& k_in, const torch::Tensor& v_in,
                 const torch::Tensor& bias_in) {
  Prepared r;
  r.q = lastDimContiguous(q_in);
  r.k = lastDimContiguous(k_in);
  r.v = lastDimContiguous(v_in);
  auto& p = r.p;
  p.B = r.q.size(0), p.H = r.q.size(1), p.T = r.q.size(2), p.D = r.q.size(3);
  p.KV = r.k.size(1), p.S = r.k.size(2);
  TORCH_CHECK(p.KV > 0 && p.H % p.KV == 0 && r.v.size(1) == p.KV, "attention: ", p.H, " query heads over ", p.KV,
              " key/value heads");
  // [B or 1, 1, T or 1, S] -> element (b, t, s); the s dimension must be contiguous.
  r.bias = lastDimContiguous(bias_in).expand({p.B, 1, p.T, p.S});
  p.q = headsView(r.q), p.k = headsView(r.k), p.v = headsView(r.v);
  p.bias = r.bias.data_ptr<float>();
  p.bias_sb = r.bias.stride(0), p.bias_st = r.bias.stride(2);
  r.key_range.resize(static_cast<size_t>(p.B * p.T * 2));
  cpu::maskedKeyRanges(p, r.key_range.data());
  p.key_range = r.key_range.data();
  return r;
}

}  // namespace

torch::Tensor fusedAttention(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v,
                             const torch::Tensor& attn_bias) {
  TORCH_CHECK(!torch::GradMode::is_enabled() || !(q.requires_grad() || k.requires_grad() || v.requires_grad()),
              "fusedAttention has no backward: call it without gradients");
  const auto r = prepare(q, k, v, attn_bias);
  const auto& p = r.p;
  auto out = torch::empty({p.B, p.T, p.H * p.D}, r.q.options());
  const cpu::HeadsView ov{out.data_ptr<float>(), p.T * p.H * p.D, p.D, p.H * p.D};  // [B, T, H, D] as [B, H, T, D]
  const int64_t scratch = cpu::attentionScratchFloats(p);
  // groups spread over ATen's threads
  at::parallel_for(0, p.B * p.KV, 1, [&](int64_t lo, int64_t hi) {
    std::vector<float> buf(static_cast<size_t>(scratch));
    for (int64_t u = lo; u < hi; ++u) cpu::attentionForwardGroup(p, u / p.KV, u % p.KV, ov, buf.data());
  });
  return out;
}

#else  // built without SLEEF: fusedCpuKernelsApply is always false, nothing calls these

torch::Tensor fusedAttention(const torch::Tensor&, const torch::Tensor&, const torch::Tensor&, const torch::Tensor&) {
  TORCH_CHECK(false, "fused CPU kernels are not in this build (SLEEF not found)");
}

#endif

}  // namespace adamix
