#include "peft/adapter_mixture.h"

namespace F = torch::nn::functional;

namespace adamix {

AdapterMixtureImpl::AdapterMixtureImpl(int64_t d, const AdapterOptions& a, const AdaMixOptions& m,
                                       std::shared_ptr<RouteContext> routes) {
  const auto [m_down, m_up] = modulesPerProjection(m);
  down = register_module("down", MixtureLinear(d, a.bottleneck, m_down, true, routes));
  up = register_module("up", MixtureLinear(a.bottleneck, d, m_up, true, routes));
  torch::NoGradGuard no_grad;
  for (int64_t k = 0; k < down->numModules(); ++k) down->weight(k).normal_(0.0, a.init_std);
  for (int64_t k = 0; k < up->numModules(); ++k) {
    if (a.zero_init_up)
      up->weight(k).zero_();
    else
      up->weight(k).normal_(0.0, a.init_std);
  }
}

torch::Tensor AdapterMixtureImpl::forward(const torch::Tensor& h) {
  // Exact (erf) GELU as in the reference adapter code.
  return up->forward(F::gelu(down->forward(h)));
}

}  // namespace adamix
