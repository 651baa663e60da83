#include "peft/lora_mixture.h"

#include <cmath>

namespace adamix {

LoraMixtureImpl::LoraMixtureImpl(int64_t in, int64_t out, const LoraOptions& l, const AdaMixOptions& m,
                                 std::shared_ptr<RouteContext> routes, int64_t groups)
    : scaling(l.alpha / static_cast<double>(l.rank)), dropout(l.dropout) {
  const auto [m_a, m_b] = modulesPerProjection(m);
  lora_A = register_module("lora_A", MixtureLinear(in, l.rank * groups, m_a, false, routes));
  lora_B = register_module("lora_B", MixtureLinear(l.rank * groups, out, m_b, false, routes, groups));
  torch::NoGradGuard no_grad;
  // kaiming_uniform_(a=sqrt(5)) on [G·r, in]: bound = sqrt(6 / ((1 + a^2) * fan_in)) = 1/sqrt(in);
  // drawn once and copied into every A module (official deep copy).
  const double bound = 1.0 / std::sqrt(static_cast<double>(in));
  lora_A->weight(0).uniform_(-bound, bound);
  for (int64_t k = 1; k < lora_A->numModules(); ++k) lora_A->weight(k).copy_(lora_A->weight(0));
  for (int64_t k = 0; k < lora_B->numModules(); ++k) lora_B->weight(k).zero_();
}

torch::Tensor LoraMixtureImpl::forward(const torch::Tensor& x) {
  auto h = dropout > 0.0 ? torch::dropout(x, dropout, is_training()) : x;
  return lora_B->forward(lora_A->forward(h)) * scaling;
}

}  // namespace adamix
