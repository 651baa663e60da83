// Hugging Face PEFT LoRA adapter directories (`adapter_config.json` + `adapter_model.safetensors`,
// as PeftModel.save_pretrained writes them; peft src/peft/tuners/lora/config.py LoraConfig,
// src/peft/utils/save_and_load.py): the adapter_config.json side, torch-free (adamix_core).
// The tensors are artifacts/peft_adapter.h.
#pragma once
#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <vector>

#include "config/peft_config.h"

namespace adamix {

/// The fields of a PEFT LoRA adapter_config.json the engine reads.
struct PeftAdapterConfig {
  std::string config_file;  ///< the adapter_config.json read (named in errors)
  int64_t r = 8;
  double lora_alpha = 8;
  double lora_dropout = 0;
  std::vector<std::string> target_modules;
  std::vector<std::string> modules_to_save;  ///< e.g. {"classifier"} (task head)
  bool fan_in_fan_out = false;
  std::string task_type;  ///< "SEQ_CLS", "CAUSAL_LM", "" (null)
  std::string base_model_name_or_path;
  /// rank_pattern/alpha_pattern hold "c_attn" = 2·r / 2·lora_alpha (r, lora_alpha: the other targets').
  bool fused_rank_in_pattern = false;
};

/// GPT-2's fused attention projection. PEFT LoRA covers it whole (lora_B [3d, r']); the engine's
/// LoRA covers its q and v parts (loralib MergedLinear, enable_lora [True, False, True]). An export
/// writes r' = 2r, lora_alpha' = 2·alpha (same scaling alpha/r) and zero k rows; the import reads
/// it back as parts q and v with r = r'/2 (artifacts/peft_adapter.h checks the zero blocks).
inline constexpr const char* kGpt2FusedAttention = "c_attn";

/// Reads `adapter_dir/adapter_config.json`. Throws EngineError(Config, msg, "<file>:<key>") when the
/// file is missing or not JSON, and for adapters the engine cannot represent: peft_type other than
/// LORA, bias other than "none", use_dora, target_modules given as a regex string, layers_to_transform,
/// rank_pattern / alpha_pattern with keys other than "c_attn", r < 1, a lora_alpha (or c_attn's in
/// alpha_pattern) that checkLoraAlpha refuses (not in (0, 3e38]: "<file>:lora_alpha: must be > 0
/// and at most 3e38 (float32), got 0"). use_rslora (scaling lora_alpha / √r) is read as the
/// equivalent lora_alpha · √r (checked again: "<file>:use_rslora").
PeftAdapterConfig readPeftAdapterConfig(const std::string& adapter_dir);

/// `base` with the adapter's LoRA: method lora, M = 1, rank r, alpha lora_alpha, dropout,
/// targets = target_modules ("c_attn" -> "c_attn.q", "c_attn.v" with r and alpha halved: see
/// kGpt2FusedAttention). Throws EngineError(Config, msg, "<file>:r") when "c_attn"'s rank is odd.
PeftConfig peftAdapterPeftConfig(const PeftAdapterConfig& adapter, PeftConfig base);

/// The adapter_config.json PEFT writes for a LoRA adapter (LoraConfig.to_dict fields): peft_type
/// "LORA", r, lora_alpha, lora_dropout, target_modules, fan_in_fan_out, bias "none",
/// modules_to_save (null when empty), task_type (null when empty), base_model_name_or_path,
/// inference_mode true, init_lora_weights true, use_rslora / use_dora false, rank_pattern /
/// alpha_pattern (given), revision / layers_to_transform / layers_pattern null.
nlohmann::json peftAdapterConfigJson(const PeftAdapterConfig& adapter, const nlohmann::json& rank_pattern,
                                     const nlohmann::json& alpha_pattern);

}  // namespace adamix
