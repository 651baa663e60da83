#include "model/fused_ops.h"

#include <ATen/Parallel.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <string>
#include <vector>

#include "runtime/cpu_runtime.h"

#ifdef ADAMIX_HAVE_FUSED_CPU
#include "model/cpu/attention_kernel.h"
#include "model/cpu/llama_kernels.h"
#endif

namespace adamix {

namespace {
/// Off unless ADAMIX_FUSED_CPU_KERNELS=1: the kernels sum in another order than ATen, so turning
/// them on changes results at fp32 rounding (the demo table moved by up to 1.3 points); the
/// default keeps every result bit for bit.
bool enabledByEnvironment() {
  const char* v = std::getenv("ADAMIX_FUSED_CPU_KERNELS");
  return v && std::string(v) == "1";
}
std::atomic<bool>& enabledFlag() {
  static std::atomic<bool> flag{enabledByEnvironment()};
  return flag;
}

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

bool atenAvx2KernelAgrees(bool (*probe)()) {
  return fusedCpuKernelsAvailable() && atenCpuCapability() == "AVX2" && probe();
}

void setFusedCpuKernels(bool enabled) { enabledFlag() = enabled; }

bool fusedCpuKernelsApply(std::initializer_list<torch::Tensor> tensors) {
  if (!enabledFlag() || !fusedCpuKernelsAvailable()) return false;
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

namespace {

constexpr int64_t kRowBlock = 64;  ///< rows per task of the row kernels (fixed: thread-count independent sums)

class RmsNormFunction : public torch::autograd::Function<RmsNormFunction> {
 public:
  static torch::Tensor forward(torch::autograd::AutogradContext* ctx, const torch::Tensor& x, const torch::Tensor& w,
                               double eps) {
    const auto xc = x.contiguous(), wc = w.contiguous();
    const int64_t N = xc.size(-1), rows = N ? xc.numel() / N : 0;
    TORCH_CHECK(wc.dim() == 1 && wc.size(0) == N, "RMSNorm weight ", wc.sizes(), " for rows of ", N);
    auto y = torch::empty_like(xc);
    auto rstd = torch::empty({rows}, xc.options());
    const float *xp = xc.data_ptr<float>(), *wp = wc.data_ptr<float>();
    float *yp = y.data_ptr<float>(), *rp = rstd.data_ptr<float>();
    at::parallel_for(0, rows, kRowBlock, [&](int64_t lo, int64_t hi) {
      cpu::rmsNormForward(xp + lo * N, wp, yp + lo * N, rp + lo, hi - lo, N, static_cast<float>(eps));
    });
    ctx->save_for_backward({xc, wc, rstd});
    return y;
  }

  static torch::autograd::tensor_list backward(torch::autograd::AutogradContext* ctx,
                                               torch::autograd::tensor_list grads) {
    const auto saved = ctx->get_saved_variables();
    const auto& x = saved[0];
    const auto& w = saved[1];
    const auto& rstd = saved[2];
    const auto dy = grads[0].contiguous();
    const int64_t N = x.size(-1), rows = N ? x.numel() / N : 0;
    auto dx = torch::empty_like(x);
    const bool want_dw = ctx->needs_input_grad(1);
    const int64_t blocks = (rows + kRowBlock - 1) / kRowBlock;
    // one partial weight gradient per block of rows, summed in block order
    auto partial = want_dw ? torch::zeros({blocks, N}, x.options()) : torch::Tensor();
    const float *dyp = dy.data_ptr<float>(), *xp = x.data_ptr<float>(), *wp = w.data_ptr<float>(),
                *rp = rstd.data_ptr<float>();
    float* dxp = dx.data_ptr<float>();
    float* pp = want_dw ? partial.data_ptr<float>() : nullptr;
    at::parallel_for(0, blocks, 1, [&](int64_t b0, int64_t b1) {
      for (int64_t b = b0; b < b1; ++b) {
        const int64_t lo = b * kRowBlock, n = std::min(kRowBlock, rows - lo);
        cpu::rmsNormBackward(dyp + lo * N, xp + lo * N, wp, rp + lo, dxp + lo * N, pp ? pp + b * N : nullptr, n, N);
      }
    });
    torch::Tensor dw;
    if (want_dw) {
      dw = partial[0].clone();
      for (int64_t b = 1; b < blocks; ++b) dw.add_(partial[b]);
    }
    return {dx, dw, torch::Tensor()};
  }
};

class SwiGluFunction : public torch::autograd::Function<SwiGluFunction> {
 public:
  static torch::Tensor forward(torch::autograd::AutogradContext* ctx, const torch::Tensor& gate,
                               const torch::Tensor& up) {
    TORCH_CHECK(gate.sizes() == up.sizes(), "SwiGLU: gate ", gate.sizes(), " and up ", up.sizes(), " differ");
    const auto g = gate.contiguous(), u = up.contiguous();
    auto y = torch::empty_like(g);
    const float *gp = g.data_ptr<float>(), *up_ = u.data_ptr<float>();
    float* yp = y.data_ptr<float>();
    at::parallel_for(0, g.numel(), 4096, [&](int64_t lo, int64_t hi) {
      cpu::swigluForward(gp + lo, up_ + lo, yp + lo, hi - lo);
    });
    ctx->save_for_backward({g, u});
    return y;
  }

  static torch::autograd::tensor_list backward(torch::autograd::AutogradContext* ctx,
                                               torch::autograd::tensor_list grads) {
    const auto saved = ctx->get_saved_variables();
    const auto& g = saved[0];
    const auto& u = saved[1];
    const auto dy = grads[0].contiguous();
    const bool want_g = ctx->needs_input_grad(0), want_u = ctx->needs_input_grad(1);
    auto dg = want_g ? torch::empty_like(g) : torch::Tensor();
    auto du = want_u ? torch::empty_like(u) : torch::Tensor();
    const float *dyp = dy.data_ptr<float>(), *gp = g.data_ptr<float>(), *up_ = u.data_ptr<float>();
    float* dgp = want_g ? dg.data_ptr<float>() : nullptr;
    float* dup = want_u ? du.data_ptr<float>() : nullptr;
    at::parallel_for(0, g.numel(), 4096, [&](int64_t lo, int64_t hi) {
      cpu::swigluBackward(dyp + lo, gp + lo, up_ + lo, dgp ? dgp + lo : nullptr, dup ? dup + lo : nullptr, hi - lo);
    });
    return {dg, du};
  }
};

}  // namespace

torch::Tensor fusedRmsNorm(const torch::Tensor& x, const torch::Tensor& weight, double eps) {
  return RmsNormFunction::apply(x, weight, eps);
}

torch::Tensor fusedSwiGlu(const torch::Tensor& gate, const torch::Tensor& up) { return SwiGluFunction::apply(gate, up); }

#else  // built without SLEEF: fusedCpuKernelsApply is always false, nothing calls these

torch::Tensor fusedAttention(const torch::Tensor&, const torch::Tensor&, const torch::Tensor&, const torch::Tensor&) {
  TORCH_CHECK(false, "fused CPU kernels are not in this build (SLEEF not found)");
}

torch::Tensor fusedRmsNorm(const torch::Tensor&, const torch::Tensor&, double) {
  TORCH_CHECK(false, "fused CPU kernels are not in this build (SLEEF not found)");
}

torch::Tensor fusedSwiGlu(const torch::Tensor&, const torch::Tensor&) {
  TORCH_CHECK(false, "fused CPU kernels are not in this build (SLEEF not found)");
}

#endif

}  // namespace adamix
