// Export of a run as a plain Hugging Face model directory that `transformers` loads without PEFT:
// LoRA folded into the base weights (W + (alpha / r) · B̄ Ā, mixtures merged first), the trained
// head (and, for full fine-tuning / BitFit, the trained backbone tensors) under their HF names.
#pragma once
#include <string>

#include "artifacts/export_run.h"
#include "artifacts/run_artifact.h"

namespace adamix {

/// Writes `run` to `out_dir`: config.json (taskModelHfConfig), model.safetensors (hfModelTensors
/// after folding every LoRA projection: Linear W [out, in] += scaling · b a, GPT-2 Conv1D W [in, out]
/// += (scaling · b a)ᵀ; fused parts through wholeProjectionLora), and the base model's tokenizer
/// files. Methods lora, head, bitfit, full. Throws EngineError(Config, msg, "--format") for adapter
/// runs: an adapter (up(GELU(down(h)))) is non-linear and cannot be folded into a weight matrix.
ExportResult exportMergedModel(LoadedRun& run, const std::string& out_dir);

}  // namespace adamix
