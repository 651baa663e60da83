// Insertion points for PEFT modules inside a backbone. Backbones (Llama, BERT, ...) build their
// projections as PeftLinear and call an AdapterSite where DESIGN.md places adapters; the PEFT
// layer (peft.h) attaches LoRA / adapter mixtures to them by name. Backbones never see AdaMix.
#pragma once
#include <torch/torch.h>

namespace adamix {

class LoraMixtureImpl;
class AdapterMixtureImpl;

/// A frozen-able linear projection with Hugging Face parameter names `weight` [out, in] and
/// optional `bias` [out]; `conv1d = true` stores the weight as [in, out] (GPT-2 Conv1D).
/// forward: x [..., in] -> [..., out] = x W^T + b (+ LoRA delta when one is attached).
class PeftLinearImpl : public torch::nn::Module {
 public:
  PeftLinearImpl(int64_t in_features, int64_t out_features, bool bias, bool conv1d = false);
  torch::Tensor forward(const torch::Tensor& x);
  /// The frozen base projection alone (no LoRA).
  torch::Tensor baseForward(const torch::Tensor& x) const;
  /// Attaches a LoRA mixture (registered as child "lora"); throws if one is already attached.
  void attachLora(std::shared_ptr<LoraMixtureImpl> lora);
  const std::shared_ptr<LoraMixtureImpl>& lora() const { return lora_; }

  int64_t in_features, out_features;
  bool conv1d;
  torch::Tensor weight, bias;  ///< bias undefined when the projection has none

 private:
  std::shared_ptr<LoraMixtureImpl> lora_;
};
TORCH_MODULE(PeftLinear);

/// Where an adapter may sit (after the FFN output projection, optionally after attention
/// output). forward: h [B, T, d] -> h + adapter(h), or h unchanged when none is attached.
class AdapterSiteImpl : public torch::nn::Module {
 public:
  explicit AdapterSiteImpl(int64_t hidden_size);
  torch::Tensor forward(const torch::Tensor& h);
  /// Attaches an adapter mixture (registered as child "adapter").
  void attachAdapter(std::shared_ptr<AdapterMixtureImpl> adapter);
  const std::shared_ptr<AdapterMixtureImpl>& adapter() const { return adapter_; }
  int64_t hidden_size;

 private:
  std::shared_ptr<AdapterMixtureImpl> adapter_;
};
TORCH_MODULE(AdapterSite);

}  // namespace adamix
