// Applies a PEFT method to a loaded model: attaches adapter/LoRA mixtures to the backbone's
// insertion points (sites.h), freezes everything else, and accounts parameters as the paper
// reports them (Wang et al. 2022, Table 1 "#Param": after merging, task heads excluded).
#pragma once
#include <torch/torch.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "config/peft_config.h"
#include "peft/routing.h"

namespace adamix {

/// Parameter counts (numbers of scalars).
struct ParamCounts {
  int64_t total = 0;           ///< all parameters of the model incl. PEFT modules and head
  int64_t trainable = 0;       ///< requires_grad, incl. head
  int64_t trainable_peft = 0;  ///< trainable, excluding the task head (paper's training count)
  int64_t inference_peft = 0;  ///< PEFT parameters at inference after merging, head excluded
  int64_t head = 0;            ///< task head parameters
  /// The pretrained backbone alone: total minus the PEFT modules (all M modules of every mixture)
  /// minus the task head — the denominator of the paper's "% trainable / inference parameters"
  /// (Wang et al. 2022, Fig. 1). Full fine-tuning and BitFit still count the whole backbone here.
  int64_t base = 0;
};

/// Result of applyPeft: the shared route state and the counts.
struct PeftHandle {
  std::shared_ptr<RouteContext> routes;
  ParamCounts counts;
  int64_t num_modules = 1;  ///< max M over projections (1 when the method has no mixture)
};

/// Attaches modules for `cfg` to every matching site of `model` (named_modules: AdapterSite
/// "ffn_adapter"/"attn_adapter"; PeftLinear matched by each LoRA target — its local name
/// ("query", "c_attn"), a dotted suffix of its qualified name ("attention.output.dense"),
/// "<name>.<part>" for a fused projection's output slice ("c_attn.k"), or an alias the
/// architecture declares ("q_proj" = BERT `query` = GPT-2 `c_attn` part q); a fused projection
/// named as a whole gets its default parts (GPT-2 c_attn: q and v); parts of one fused
/// projection selected by several targets form ONE mixture, as loralib's MergedLinear), initialises them from
/// `init_seed`, and sets requires_grad: PEFT modules + parameters whose names start with one of
/// `head_prefixes` (plus everything for full fine-tuning, biases for BitFit).
/// With cfg.weights_source OfficialAdaMix / PeftAdapter the modules (and, for a PEFT adapter, the
/// head) then take the imported weights of cfg.weights_dir (artifacts/official_adamix.h,
/// artifacts/peft_adapter.h; EngineError(Model) naming the file and tensor when they do not fit).
/// Throws EngineError(Config) with path /peft/... when the method does not fit the model
/// (e.g. BitFit on a model without biases, a LoRA target the architecture lacks, two targets
/// selecting the same projection or the same part of a fused one).
PeftHandle applyPeft(torch::nn::Module& model, const PeftConfig& cfg, const std::vector<std::string>& head_prefixes,
                     uint64_t init_seed);

/// Stores the weight of every frozen PEFT-site projection (PeftLinear whose weight does not require
/// grad: q/k/v/o, MLP, fused c_attn …) in `dtype`, in place; biases, PEFT modules, embeddings,
/// norms and heads keep theirs. PeftLinear then computes x W^T in `dtype` and returns x's dtype
/// (peft/sites.h). Call after applyPeft (which sets requires_grad). Returns the number of weights
/// stored. Lossless for weights that came from a checkpoint of that dtype (model.dtype bfloat16).
int64_t storeFrozenProjections(torch::nn::Module& model, torch::ScalarType dtype);

/// True when parameter `name` belongs to the task head: it starts with one of `head_prefixes`
/// (TaskModelImpl::headPrefixes(), e.g. "classifier.", "score.").
bool isHeadParameter(const std::string& name, const std::vector<std::string>& head_prefixes);

/// Recounts parameters (after loading or changing requires_grad).
ParamCounts countParameters(torch::nn::Module& model, const std::vector<std::string>& head_prefixes);

/// Trainable parameters by name (requires_grad), in registration order.
std::vector<std::pair<std::string, torch::Tensor>> trainableParameters(torch::nn::Module& model);

/// What inference runs: for every mixture projection its merged weight/bias under the name
/// "<proj>.weight"/"<proj>.bias" (e.g. "...ffn_adapter.adapter.down.weight"), plus the other
/// trainable parameters (head, BitFit biases) as they are. Values are detached copies.
std::map<std::string, torch::Tensor> mergedParameters(torch::nn::Module& model);

}  // namespace adamix
