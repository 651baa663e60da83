// Export of an AdaMix adapter run in the official microsoft/AdaMix layout (NLU code, its
// transformers 4.4.2 fork): a model directory whose config.json carries the ExpertSoup keys and
// whose model.safetensors holds the backbone, the head and ALL M modules of every mixture under
// the official names (artifacts/official_adamix_config.h). It loads back through the engine's
// official-checkpoint import and, with the official code, through from_pretrained.
#pragma once
#include <string>

#include "artifacts/export_run.h"
#include "artifacts/run_artifact.h"

namespace adamix {

/// Writes `run` (method adapter, FFN adapters only, BERT or RoBERTa) to `out_dir`: config.json
/// (taskModelHfConfig + officialAdaMixConfigKeys: apply_expert_soup, num_experts, adapter_size,
/// sharing_up, sharing_down, inference_level), model.safetensors (backbone + head + every expert
/// "….output.ExpertSoup.MoA_A.deepspeed_experts.K.{weight,bias}" / MoA_B, and
/// "….ExpertSoup.MoA_{A,B}.expert_score_weight" zeros [experts]: a uniform soup), tokenizer files.
/// Throws EngineError(Config, msg, "--format") for LoRA runs (the official AdaMix-LoRA exists only
/// in the NLG code: loralib AdamixMergedLinear with experts_lora_A.K / experts_lora_B.K /
/// lora_expert_score_weight inside its own GPT-2 implementation, not a transformers layout; use
/// --format peft), other methods, attention adapters and other architectures.
ExportResult exportAdaMix(LoadedRun& run, const std::string& out_dir);

/// Where an adapter run can go, for the errors of the formats that cannot hold it (peft,
/// merged-model): "export adapter runs with --format adamix" where the official layout exists
/// (BERT, RoBERTa, FFN adapters only), otherwise why no format holds it and where its weights are
/// (the run directory's adapters.safetensors), so no message points to another dead end.
std::string adapterExportAdvice(const LoadedRun& run);

}  // namespace adamix
