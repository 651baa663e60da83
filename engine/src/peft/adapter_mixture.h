// Mixture of adapters (AdaMix-adapter, Wang et al. 2022 §2; adapter of Houlsby et al. 2019 as in
// the reference code): delta(h) = up(GELU(down(h))), down d -> r and up r -> d with biases, each
// projection a MixtureLinear of M (or 1 when shared) modules.
#pragma once
#include "peft/mixture_linear.h"
#include "config/peft_config.h"

namespace adamix {

/// Children `down` and `up`. forward: h [B, T, d] -> delta [B, T, d] (the site adds h).
class AdapterMixtureImpl : public torch::nn::Module {
 public:
  AdapterMixtureImpl(int64_t hidden_size, const AdapterOptions& a, const AdaMixOptions& m,
                     std::shared_ptr<RouteContext> routes);
  torch::Tensor forward(const torch::Tensor& h);
  MixtureLinear down{nullptr}, up{nullptr};
};
TORCH_MODULE(AdapterMixture);

}  // namespace adamix
