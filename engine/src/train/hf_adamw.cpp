#include "train/hf_adamw.h"

#include <cmath>

namespace adamix {

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
      s.exp_avg.mul_(b1).add_(g, 1.0 - b1);
      s.exp_avg_sq.mul_(b2).addcmul_(g, g, 1.0 - b2);
      auto denom = s.exp_avg_sq.sqrt().add_(options_.eps);
      double step_size = options_.lr;
      if (options_.correct_bias) {
        const double bc1 = 1.0 - std::pow(b1, static_cast<double>(s.step));
        const double bc2 = 1.0 - std::pow(b2, static_cast<double>(s.step));
        step_size = step_size * std::sqrt(bc2) / bc1;
      }
      p.addcdiv_(s.exp_avg, denom, -step_size);
      // Decoupled weight decay, after the Adam step and on the updated parameter.
      if (group.weight_decay > 0.0) p.add_(p, -options_.lr * group.weight_decay);
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
