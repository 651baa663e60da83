// Merging the M modules of one mixture projection into the one that inference runs
// (Wang et al. 2022 §2.3 "Adaptation module merging": the uniform average), and the non-uniform
// merges `adamix-engine merge` fits after training: a greedy model soup (Wortsman et al. 2022,
// "Model soups", §3 greedy soup: a uniform average of a subset of the modules) and learned soup
// weights (Σ_k softmax(l)_k W_k — the official ExpertSoup's `expert_score_weight`, which the
// official code initialises to zero and never trains).
#pragma once
#include <torch/torch.h>

#include <optional>
#include <vector>

namespace adamix {

/// How the modules of a projection are merged. Default (both empty): the paper's uniform 1/M.
struct SoupWeights {
  std::vector<int64_t> kept;   ///< non-empty: the uniform average of these modules (greedy soup)
  torch::Tensor coefficients;  ///< defined: [M] float, Σ_k c_k W_k (learned soup; differentiable in c)
  bool uniform() const { return kept.empty() && !coefficients.defined(); }
};

/// The merged tensor of one projection's modules `modules` (M tensors of one shape, e.g. weights
/// [out, in] or biases [out]) under `soup`: the mean of all of them, of `soup.kept`, or
/// Σ_k coefficients[k] · modules[k]. With `dtype` the modules are converted to it first and nothing
/// is rounded back (exports fold bf16 modules in fp32); without it the result has the modules'
/// dtype, reduced-precision modules (bf16, fp16) averaged in fp32 and rounded once (pins
/// peft#2502). A uniform merge is a stack-and-mean, so merging a subset {k} gives module k exactly
/// and the full set gives what every earlier engine version computed, bit for bit.
/// Throws EngineError(Internal) for an index in `kept` out of range or coefficients not of size M.
torch::Tensor mergeModules(const std::vector<torch::Tensor>& modules, const SoupWeights& soup = {},
                           std::optional<torch::ScalarType> dtype = std::nullopt);

}  // namespace adamix
