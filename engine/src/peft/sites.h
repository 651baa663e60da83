// Insertion points for PEFT modules inside a backbone. Backbones (Llama, BERT, ...) build their
// projections as PeftLinear and call an AdapterSite where docs/adamix.md § Placement puts adapters; the PEFT
// layer (peft.h) attaches LoRA / adapter mixtures to them by name. Backbones never see AdaMix.
#pragma once
#include <torch/torch.h>

#include <string>
#include <vector>

namespace adamix {

class LoraMixtureImpl;
class AdapterMixtureImpl;

/// A frozen-able linear projection with Hugging Face parameter names `weight` [out, in] and
/// optional `bias` [out]; `conv1d = true` stores the weight as [in, out] (GPT-2 Conv1D).
/// forward: x [..., in] -> [..., out] = x W^T + b (+ LoRA delta when one is attached).
///
/// Fused projections (GPT-2 `c_attn` = q|k|v) declare named output `parts`; LoRA can then cover
/// some of them only: ONE LoraMixture (child "lora", e.g. "c_attn.lora.lora_A.0.weight"
/// [2r, d]) with one group per covered part, whose output is scattered into those slices — as
/// loralib's MergedLinear with enable_lora = [True, False, True] (one A, one route, one dropout
/// mask for q and v; the official AdaMix NLG code).
/// `aliases` are the generic names a LoRA target may also use for this projection
/// ("q_proj" for BERT's `query`, "q_proj" -> part "q" of GPT-2's `c_attn`).
class PeftLinearImpl : public torch::nn::Module {
 public:
  struct Part {
    std::string name;
    int64_t size;
  };
  struct Alias {
    std::string target;  ///< generic target name, e.g. "q_proj"
    std::string part;    ///< part it selects; empty = the whole projection
  };

  PeftLinearImpl(int64_t in_features, int64_t out_features, bool bias, bool conv1d = false);
  torch::Tensor forward(const torch::Tensor& x);
  /// The frozen base projection alone (no LoRA): x W^T + b. A weight stored in another dtype than
  /// x (BF16, storeFrozenProjections) multiplies in its dtype: (x.to(W) W^T).to(x) + b.
  torch::Tensor baseForward(const torch::Tensor& x) const;
  /// Attaches a LoRA mixture (registered as child "lora") to the whole projection (`lora_parts`
  /// empty; mixture out = out_features) or to those output parts, in declaration order (mixture
  /// with one group per part, out = their sizes together). Throws EngineError(Internal) when LoRA
  /// is already attached, a part is unknown or repeated, or the parts differ in size.
  void attachLora(std::shared_ptr<LoraMixtureImpl> lora, std::vector<std::string> lora_parts = {});
  const std::shared_ptr<LoraMixtureImpl>& lora() const { return lora_; }
  /// Output parts the attached LoRA covers, in output order (empty: the whole projection).
  const std::vector<std::string>& loraParts() const { return lora_parts_; }
  /// Declares the output parts (sizes must add up to out_features) and the parts a plain target
  /// naming this projection enables (GPT-2 c_attn: {"q", "v"}).
  void setParts(std::vector<Part> parts, std::vector<std::string> default_lora_parts);
  void addAlias(std::string target, std::string part = "") { aliases.push_back({std::move(target), std::move(part)}); }
  /// Size of part `name` (-1 when unknown).
  int64_t partSize(const std::string& name) const;
  /// First output feature of part `name` (parts in declaration order; -1 when unknown).
  int64_t partOffset(const std::string& name) const;

  int64_t in_features, out_features;
  bool conv1d;
  torch::Tensor weight, bias;  ///< bias undefined when the projection has none
  std::vector<Part> parts;
  std::vector<std::string> default_lora_parts;
  std::vector<Alias> aliases;

 private:
  std::shared_ptr<LoraMixtureImpl> lora_;
  std::vector<std::string> lora_parts_;
  torch::Tensor lora_columns_;  ///< int64 [covered out features]: where the LoRA output goes
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
