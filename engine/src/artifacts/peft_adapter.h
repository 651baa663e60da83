// Hugging Face PEFT LoRA adapters, the tensor side (adapter_model.safetensors): the engine's LoRA
// modules and task head under PEFT's state-dict names, both ways. PEFT names (peft
// src/peft/utils/save_and_load.py get_peft_model_state_dict, adapter name stripped):
//   base_model.model.<module path>.lora_A.weight  [r, in]
//   base_model.model.<module path>.lora_B.weight  [out, r]
//   base_model.model.<head parameter>             (modules_to_save, e.g. classifier.weight)
// where <module path> is the Hugging Face path of the projection, the engine's own module name.
// adapter_config.json: artifacts/peft_adapter_config.h.
#pragma once
#include <torch/torch.h>

#include <map>
#include <string>
#include <vector>

namespace adamix {

class PeftLinearImpl;

/// "base_model.model." — the prefix of every PEFT state-dict key (PeftModel wraps LoraModel wraps the model).
inline constexpr const char* kPeftKeyPrefix = "base_model.model.";

/// The LoRA of projection `lin` (attached; its M modules merged by uniform averaging) as a LoRA on
/// the whole projection: a [R, in], b [out_features, R] and scaling (alpha / r), so that the
/// projection's delta is scaling · b · a (Linear layout [out, in]; GPT-2 Conv1D stores its weight
/// transposed). Fused parts (G of them, rank r each): R = G·r, b holds part g's block in that
/// part's rows and columns g·r … g·r + r − 1 and zeros elsewhere. Detached CPU float32.
struct WholeProjectionLora {
  torch::Tensor a, b;
  double scaling = 1;
};
WholeProjectionLora wholeProjectionLora(const PeftLinearImpl& lin);

/// Every projection of `model` with LoRA attached, by module name (the HF module path).
std::vector<std::pair<std::string, std::shared_ptr<PeftLinearImpl>>> loraProjections(torch::nn::Module& model);

/// The LoRA modules of `model` (every PeftLinear with LoRA attached) as PEFT tensors, mixtures
/// merged first (uniform average of each projection's M modules: the engine's merged inference),
/// plus the parameters under `head_prefixes` (PEFT modules_to_save). A LoRA on output parts of a
/// fused projection (GPT-2 c_attn q and v: A [G·r, in], grouped B) becomes the exact equivalent
/// LoRA on the whole projection: lora_A = A [G·r, in], lora_B [out, G·r] holding B's block of part
/// g in that part's rows and columns g·r … g·r + r − 1, zero elsewhere (k rows zero). Detached CPU copies.
std::map<std::string, torch::Tensor> peftAdapterTensors(torch::nn::Module& model,
                                                        const std::vector<std::string>& head_prefixes);

/// Loads `adapter_dir/adapter_model.safetensors` into the LoRA modules (M = 1) applyPeft attached
/// from the adapter's config, and its modules_to_save tensors into the head parameters
/// (`head_prefixes`); the inverse of peftAdapterTensors (fused parts: the zero blocks are checked).
/// A head left out of the file keeps its initialisation (warning on stderr).
/// Throws EngineError(Model, msg, "<file>:<key>") for a missing LoRA tensor, an unexpected key, a
/// wrong shape, or a fused projection whose lora_B has non-zero entries outside the engine's parts.
void loadPeftAdapterWeights(torch::nn::Module& model, const std::string& adapter_dir,
                            const std::vector<std::string>& head_prefixes);

}  // namespace adamix
