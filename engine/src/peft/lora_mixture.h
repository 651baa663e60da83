// Mixture of LoRA modules (AdaMix-LoRA, Wang et al. 2022 §2; LoRA of Hu et al. 2021):
// delta(x) = (alpha / r) * B(A(dropout(x))), A: in -> r (kaiming-uniform a = sqrt(5)), B: r -> out
// (zeros), no biases; A and B are MixtureLinear of M (or 1 when shared) modules.
// As the official AdamixMergedLinear (microsoft/AdaMix NLG/loralib/layers.py), which deep-copies
// one initialised lora_A into every expert, all M A modules start as copies of ONE draw.
// `groups` = G > 1 is loralib's MergedLinear over G slices of a fused projection (GPT-2 c_attn
// q and v): one A mixture [G·r, in], one grouped B mixture [out, r] (slice g of the output reads
// rows g·r .. g·r + r − 1 of A's output), hence one route and one dropout mask for all slices.
#pragma once
#include "peft/mixture_linear.h"
#include "config/peft_config.h"

namespace adamix {

/// Children `lora_A` and `lora_B` (PEFT library names). forward: x [B, T, in] -> [B, T, out]
/// (out = the G slices' sizes together, G equal slices).
class LoraMixtureImpl : public torch::nn::Module {
 public:
  LoraMixtureImpl(int64_t in_features, int64_t out_features, const LoraOptions& l, const AdaMixOptions& m,
                  std::shared_ptr<RouteContext> routes, int64_t groups = 1);
  torch::Tensor forward(const torch::Tensor& x);
  MixtureLinear lora_A{nullptr}, lora_B{nullptr};
  double scaling, dropout;
};
TORCH_MODULE(LoraMixture);

}  // namespace adamix
