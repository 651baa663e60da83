// Official AdaMix checkpoints (microsoft/AdaMix, its transformers 4.4.2 fork): the config.json keys
// that describe the ExpertSoup adapters and the parameter names they are stored under, mapped onto
// the engine's PEFT config and adapter mixture names. Torch-free (adamix_core): the run-config
// parser reads a checkpoint's settings from here; artifacts/official_adamix.h loads the tensors.
//
// Official layout (src/transformers/models/expert_soup.py, roberta/modeling_roberta.py RobertaOutput):
// every layer's `output` holds `ExpertSoup` = MoA_A (down, d -> adapter_size) and MoA_B (up,
// adapter_size -> d), each a MixtureSoup of `num_experts` nn.Linear experts (1 when sharing_down /
// sharing_up is 1) named `deepspeed_experts.K`, plus `expert_score_weight` [experts] (softmax
// weights of the inference-time soup; zeros, never trained). Activation GELU, placed after the FFN
// output dense layer and before dropout, residual and LayerNorm: the engine's `ffn_adapter`.
#pragma once
#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>

#include "config/peft_config.h"

namespace adamix {

/// The ExpertSoup settings of an official checkpoint's config.json.
struct OfficialAdaMixConfig {
  std::string config_file;  ///< the config.json read (named in errors)
  std::string model_type;   ///< "bert" | "roberta"
  int64_t num_experts = 1;
  int64_t adapter_size = 0;
  bool sharing_down = false, sharing_up = false;
  int64_t inference_level = 1;  ///< official default 1 (sentence level)
};

/// Reads `model_dir/config.json`. std::nullopt when the file is absent or not JSON (the model loader
/// reports those) or when `apply_expert_soup` is absent or false. Throws EngineError(Model, msg,
/// "<dir>/config.json:<key>") for a checkpoint the engine cannot represent: model_type other than
/// bert/roberta (the official ExpertSoup exists only there), apply_lora or apply_adapter also set,
/// num_experts < 1, adapter_size missing or < 1, a sharing flag other than 0/1.
std::optional<OfficialAdaMixConfig> readOfficialAdaMixConfig(const std::string& model_dir);

/// `base` with the checkpoint's modules: method adapter, bottleneck = adapter_size, AdaMix M =
/// num_experts (1 when both projections are shared: one module each), sharing from sharing_up /
/// sharing_down (up only -> Up, down only -> Down, neither -> None), and the inference mode of
/// officialInferenceMode when it has one. Other fields (routing, λ, LoRA options) stay as in `base`.
PeftConfig officialPeftConfig(const OfficialAdaMixConfig& official, PeftConfig base);

/// The engine inference mode of an official `inference_level` (expert_soup.py MixtureSoup.forward):
/// 3 -> merged (soup of the experts with softmax(expert_score_weight), uniform for the all-equal
/// scores the official code keeps), 1 -> random (sentence level: one expert per example and
/// projection). Level 0 (token level: one expert per token) and 2 (no branch in the official code)
/// have no engine mode: std::nullopt.
std::optional<InferenceMode> officialInferenceMode(int64_t level);

/// The official level of an engine inference mode: merged -> 3, random -> 1; nullopt for module:K
/// and ensemble (the official code has no such level).
std::optional<int64_t> officialInferenceLevel(InferenceMode mode);

/// The config.json keys the official code reads for `peft` (an adapter config): apply_expert_soup
/// true, num_experts, adapter_size, sharing_up, sharing_down, inference_level (3 when the engine's
/// mode has no official level), apply_lora / apply_adapter false, use_consistency_loss (1 when
/// λ > 0), and the official defaults of weight_strategy / sparsity.
nlohmann::json officialAdaMixConfigKeys(const PeftConfig& peft);

/// Official ExpertSoup parameter name -> the engine's adapter mixture name:
/// "….output.ExpertSoup.MoA_A.deepspeed_experts.K.weight" -> "….output.ffn_adapter.adapter.down.K.weight"
/// (MoA_B -> up). std::nullopt for names without an expert (other tensors, expert_score_weight).
std::optional<std::string> engineNameOfOfficial(const std::string& official);

/// The inverse of engineNameOfOfficial for FFN adapter mixture parameters
/// ("….output.ffn_adapter.adapter.down.K.bias" -> "….output.ExpertSoup.MoA_A.deepspeed_experts.K.bias");
/// std::nullopt for any other name (the official layout has no attention adapter).
std::optional<std::string> officialNameOfEngine(const std::string& engine);

/// True for a tensor of the official ExpertSoup (experts and expert_score_weight).
bool isOfficialExpertSoupTensor(const std::string& name);

}  // namespace adamix
