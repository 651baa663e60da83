// A projection with M alternative weight matrices ("modules" in AdaMix, Wang et al. 2022 §2):
// training routes each pass through one of them (RouteContext), inference merges them by
// uniform weight averaging (§2.3 "Adaptation module merging"). M = 1 is a plain linear layer.
#pragma once
#include <torch/torch.h>

#include <memory>
#include <vector>

#include "peft/merge_weights.h"
#include "peft/routing.h"

namespace adamix {

/// M linear maps in -> out, children named "0".."M-1" each holding `weight` [out, in / groups]
/// and optional `bias` [out]. forward: x [B, T, in] -> [B, T, out] (any leading dims for
/// per-batch routes and merged inference; exactly [B, T, in] for per-example/per-token routes).
/// `groups` > 1 makes each module a grouped (block-diagonal) map, as a kernel-1 Conv1d with
/// `groups`: input group g (in / groups features) feeds output group g (out / groups features)
/// through rows g·out/groups .. of the weight — loralib MergedLinear's lora_B, which serves
/// GPT-2's q and v slices with one module. Throws EngineError(Config) when num_modules < 1 and
/// EngineError(Internal) when groups does not divide in and out.
class MixtureLinearImpl : public torch::nn::Module {
 public:
  MixtureLinearImpl(int64_t in_features, int64_t out_features, int64_t num_modules, bool bias,
                    std::shared_ptr<RouteContext> routes, int64_t groups = 1);
  torch::Tensor forward(const torch::Tensor& x);

  int64_t numModules() const { return static_cast<int64_t>(weights_.size()); }
  const torch::Tensor& weight(int64_t k) const { return weights_.at(k); }
  /// Undefined tensor when the projection has no bias.
  const torch::Tensor& bias(int64_t k) const { return biases_.at(k); }
  /// Merge of the M weights [out, in] (and biases [out], undefined without bias) under the soup
  /// (setSoup; by default the paper's uniform average, mergeModules), recomputed at every call so it always reflects the current parameters; differentiable when
  /// gradient mode is on. (Merged inference without gradients uses a cached copy that is
  /// recomputed whenever a module's parameters change.)
  /// Reduced-precision modules (bf16, fp16) are averaged in fp32 and rounded once to their dtype
  /// (pins peft#2502: a merge done, and rounded, in bf16 drifts from the unmerged outputs).
  torch::Tensor mergedWeight() const;
  torch::Tensor mergedBias() const;
  /// The merge of the M weights computed in `dtype` (each module converted to it first, nothing
  /// rounded back): exports fold bf16 modules through this in fp32.
  torch::Tensor mergedWeight(torch::ScalarType dtype) const;
  /// Replaces the uniform merge of merged inference and mergedWeight()/mergedBias() by `soup`
  /// (`adamix-engine merge`: greedy soup, learned soup weights; {} = uniform again). Coefficients
  /// that need gradients make merged inference differentiable in them. Throws
  /// EngineError(Internal) when the soup does not fit the M modules.
  void setSoup(SoupWeights soup);
  const SoupWeights& soup() const { return soup_; }
  /// Parameters that run at inference: one module's worth, in_features*out_features/groups (+ out).
  int64_t inferenceParameterCount() const;
  /// Slot id of this projection in the RouteContext (-1 when M = 1: nothing to route).
  int64_t slot() const { return slot_; }

  int64_t in_features, out_features, groups;

 private:
  torch::Tensor linearWith(const torch::Tensor& x, int64_t k) const;
  /// x [..., in] -> [..., out] with weight w [out, in / groups] (grouped when groups > 1).
  torch::Tensor groupedLinear(const torch::Tensor& x, const torch::Tensor& w, const torch::Tensor& b) const;
  torch::Tensor routedPerElement(const torch::Tensor& x, const torch::Tensor& idx) const;
  /// mergedWeight() and mergedBias() for a forward without gradients, cached: recomputed only
  /// when a module's weight or bias changed in place (its version counter: optimizer step,
  /// checkpoint load) or was replaced/moved (its data pointer). Same values as the uncached ones.
  std::pair<torch::Tensor, torch::Tensor> mergedForInference() const;

  std::vector<torch::Tensor> weights_, biases_;
  mutable torch::Tensor merged_weight_, merged_bias_;
  mutable std::vector<std::pair<const void*, uint32_t>> merged_key_;  ///< (data, version) per tensor
  SoupWeights soup_;
  std::shared_ptr<RouteContext> routes_;
  int64_t slot_ = -1;
};
TORCH_MODULE(MixtureLinear);

}  // namespace adamix
