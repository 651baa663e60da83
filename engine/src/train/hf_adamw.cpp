#include "train/hf_adamw.h"

#include <cmath>

#include "model/aten_chunks.h"
#include "model/fused_ops.h"

#ifdef ADAMIX_HAVE_FUSED_CPU
#include "train/cpu/aten_adamw.h"
#endif

namespace adamix {

namespace {

/// The update as transformers 4.4.2 writes it, one ATen operator at a time (the reference the
/// one-pass kernel reproduces, and the path wherever the kernel does not apply).
/// `decay`: the weight decay's factor lr · weight_decay, applied when `decays` (weight_decay > 0).
void compositeUpdate(torch::Tensor& p, const torch::Tensor& g, torch::Tensor& m, torch::Tensor& v, double b1, double b2,
                     double eps, double step_size, bool decays, double decay) {
  m.mul_(b1).add_(g, 1.0 - b1);
  v.mul_(b2).addcmul_(g, g, 1.0 - b2);
  auto denom = v.sqrt().add_(eps);
  p.addcdiv_(m, denom, -step_size);
  // Decoupled weight decay, after the Adam step and on the updated parameter.
  if (decays) p.add_(p, -decay);
}

#ifdef ADAMIX_HAVE_FUSED_CPU

/// compositeUpdate() in one pass (cpu::atenAdamWUpdate over ATen's chunks).
void kernelUpdate(torch::Tensor& p, const torch::Tensor& g, torch::Tensor& m, torch::Tensor& v, double b1, double b2,
                  double eps, double step_size, bool decays, double decay) {
  // each constant as ATen's kernels take a double Scalar: static_cast<float>
  const cpu::AdamWScalars s{static_cast<float>(b1),         static_cast<float>(1.0 - b1), static_cast<float>(b2),
                            static_cast<float>(1.0 - b2),   static_cast<float>(eps),      static_cast<float>(-step_size),
                            static_cast<float>(-decay),     decays};
  float *pp = p.data_ptr<float>(), *mp = m.data_ptr<float>(), *vp = v.data_ptr<float>();
  const float* gp = g.data_ptr<float>();
  atenChunks(p.numel(), [&](int64_t b, int64_t e) { cpu::atenAdamWUpdate(pp + b, gp + b, mp + b, vp + b, e - b, s); });
  // Written through their data pointers: count the change as ATen's in-place operators do, for
  // whoever watches the version (MixtureLinear's merged-weight cache, autograd's saved tensors).
  for (auto* t : {&p, &m, &v}) torch::autograd::impl::bump_version(*t);
}

/// The one-time check that this process's ATen computes the operator sequence as the kernel does:
/// deterministic values (gradients with zeros of both signs and a wide range of magnitudes), every
/// tail length, two steps, with and without decay.
bool probeAgrees() {
  torch::NoGradGuard no_grad;
  for (int64_t n : {1, 15, 16, 17, 31, 100, 4111}) {
    const auto i = torch::arange(n, torch::kFloat32);
    const auto p0 = i.mul(0.731).sin(), g0 = i.mul(0.377).cos().mul(i.mul(0.37).sin().mul(20.0).exp2()).mul(1e-3);
    g0.slice(0, 0, n, 7).zero_();
    g0.slice(0, 3, n, 11).fill_(-0.0);
    for (bool decays : {false, true}) {
      auto p1 = p0.clone(), p2 = p0.clone();
      auto m1 = torch::zeros_like(p0), m2 = torch::zeros_like(p0), v1 = torch::zeros_like(p0), v2 = torch::zeros_like(p0);
      for (double step : {1e-3, 3.7e-4}) {
        kernelUpdate(p1, g0, m1, v1, 0.9, 0.999, 1e-8, step, decays, 1e-4);
        compositeUpdate(p2, g0, m2, v2, 0.9, 0.999, 1e-8, step, decays, 1e-4);
      }
      if (!torch::equal(p1, p2) || !torch::equal(m1, m2) || !torch::equal(v1, v2)) return false;
    }
  }
  return true;
}

#endif

/// Whether the one-pass kernel computes this parameter's update: float32 CPU tensors of one size,
/// contiguous, no two sharing memory, on a process where atenAdamWKernelActive().
bool kernelApplies(const torch::Tensor& p, const torch::Tensor& g, const torch::Tensor& m, const torch::Tensor& v) {
  for (const auto* t : {&p, &g, &m, &v})
    if (!t->device().is_cpu() || t->scalar_type() != torch::kFloat32 || !t->is_contiguous() ||
        t->sizes() != p.sizes())
      return false;
  if (p.numel() == 0 || p.is_alias_of(g) || p.is_alias_of(m) || p.is_alias_of(v) || g.is_alias_of(m) ||
      g.is_alias_of(v) || m.is_alias_of(v))
    return false;
  return atenAdamWKernelActive();
}

}  // namespace

bool atenAdamWKernelActive() {
#ifdef ADAMIX_HAVE_FUSED_CPU
  static const bool agrees = atenAvx2KernelAgrees(probeAgrees);
  return agrees;
#else
  return false;
#endif
}

HfAdamW::HfAdamW(std::vector<Group> groups, Options options) : groups_(std::move(groups)), options_(options) {}

void HfAdamW::step() {
  torch::NoGradGuard no_grad;
  const double b1 = options_.beta1, b2 = options_.beta2;
  for (auto& group : groups_) {
    for (auto& p : group.params) {
      const auto& g = p.grad();
      if (!g.defined()) continue;
      auto& s = state_[p.unsafeGetTensorImpl()];
      if (!s.exp_avg.defined()) {
        s.exp_avg = torch::zeros_like(p, torch::MemoryFormat::Preserve);
        s.exp_avg_sq = torch::zeros_like(p, torch::MemoryFormat::Preserve);
      }
      s.step += 1;
      double step_size = options_.lr;
      if (options_.correct_bias) {
        const double bc1 = 1.0 - std::pow(b1, static_cast<double>(s.step));
        const double bc2 = 1.0 - std::pow(b2, static_cast<double>(s.step));
        step_size = step_size * std::sqrt(bc2) / bc1;
      }
      const bool decays = group.weight_decay > 0.0;
      const double decay = options_.lr * group.weight_decay;
#ifdef ADAMIX_HAVE_FUSED_CPU
      if (kernelApplies(p, g, s.exp_avg, s.exp_avg_sq)) {
        kernelUpdate(p, g, s.exp_avg, s.exp_avg_sq, b1, b2, options_.eps, step_size, decays, decay);
        continue;
      }
#endif
      compositeUpdate(p, g, s.exp_avg, s.exp_avg_sq, b1, b2, options_.eps, step_size, decays, decay);
    }
  }
}

void HfAdamW::zeroGrad() {
  for (auto& group : groups_)
    for (auto& p : group.params) {
      auto& g = p.mutable_grad();
      if (!g.defined()) continue;
      g = g.detach();
      g.zero_();
    }
}

const HfAdamW::ParamState* HfAdamW::state(const torch::Tensor& p) const {
  auto it = state_.find(p.unsafeGetTensorImpl());
  return it == state_.end() ? nullptr : &it->second;
}

void HfAdamW::setState(const torch::Tensor& p, ParamState s) { state_[p.unsafeGetTensorImpl()] = std::move(s); }

}  // namespace adamix
