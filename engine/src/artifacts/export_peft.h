// Export of a LoRA / AdaMix-LoRA run as a Hugging Face PEFT LoRA adapter directory
// (`adapter_config.json` + `adapter_model.safetensors`, as PeftModel.save_pretrained writes them;
// names in artifacts/peft_adapter.h, config fields in artifacts/peft_adapter_config.h).
#pragma once
#include <string>

#include "artifacts/export_run.h"
#include "artifacts/run_artifact.h"

namespace adamix {

/// Writes `run` (method lora, any M: mixtures merged by uniform averaging, the engine's merged
/// inference) to `out_dir`: adapter_config.json (peft_type LORA, r, lora_alpha, lora_dropout,
/// target_modules, fan_in_fan_out true for GPT-2's Conv1D projections, bias "none",
/// modules_to_save = the task head, task_type SEQ_CLS / CAUSAL_LM, base_model_name_or_path = the
/// run's model.path) and adapter_model.safetensors. GPT-2's c_attn with LoRA on q and v becomes
/// the exact equivalent LoRA on the whole c_attn (rank 2r, lora_alpha 2·alpha, zero k rows; with
/// other targets beside it through rank_pattern / alpha_pattern), said in the notes.
/// Throws EngineError(Config, msg, "--format") for a run without LoRA modules.
ExportResult exportPeft(LoadedRun& run, const std::string& out_dir);

}  // namespace adamix
