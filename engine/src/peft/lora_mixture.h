// Mixture of LoRA modules (AdaMix-LoRA, Wang et al. 2022 §2; LoRA of Hu et al. 2021):
// delta(x) = (alpha / r) * B(A(dropout(x))), A: in -> r (kaiming-uniform a = sqrt(5)), B: r -> out
// (zeros), no biases; A and B are MixtureLinear of M (or 1 when shared) modules.
#pragma once
#include "peft/mixture_linear.h"
#include "config/peft_config.h"

namespace adamix {

/// Children `lora_A` and `lora_B` (PEFT library names). forward: x [B, T, in] -> [B, T, out].
class LoraMixtureImpl : public torch::nn::Module {
 public:
  LoraMixtureImpl(int64_t in_features, int64_t out_features, const LoraOptions& l, const AdaMixOptions& m,
                  std::shared_ptr<RouteContext> routes);
  torch::Tensor forward(const torch::Tensor& x);
  MixtureLinear lora_A{nullptr}, lora_B{nullptr};
  double scaling, dropout;
};
TORCH_MODULE(LoraMixture);

}  // namespace adamix
