// A finished run directory read back as a model (docs/artifacts.md): the run's config.json
// rebuilds the base model, tokenizer and PEFT modules exactly as the trainer built them, and
// adapters.safetensors (all M modules of every mixture + the task head, written by the trainer)
// supplies the trained weights. Nothing from checkpoint/ is needed.
#pragma once
#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include <torch/torch.h>

#include "config/run_config.h"
#include "model/task_model.h"
#include "peft/peft.h"
#include "tokenizer/tokenizer.h"

namespace adamix {

/// A run's model ready for inference.
struct LoadedRun {
  RunConfig config;                      ///< the run directory's config.json (resolved)
  std::shared_ptr<TaskModelImpl> model;  ///< base model + PEFT modules (+ trained weights), eval mode, CPU
  std::unique_ptr<Tokenizer> tokenizer;
  PeftHandle peft;            ///< routes (inference mode of config.peft.adamix), counts, num_modules
  int64_t weights_step = -1;  ///< optimizer step whose weights adapters.safetensors holds; -1 = unknown
};

/// The head a task needs: CausalLM for generation tasks (isNlgTask), Regression for STS-B,
/// Classification otherwise. Throws EngineError(Config, "/task/name") for an unknown task.
HeadType taskHeadType(const TaskConfig& task);

/// Builds the model of `cfg` as the trainer does, without trained PEFT weights: loadTaskModel
/// (cfg.model_path, the task's head and num_labels, head seed cfg.seed, cfg.model_dropout),
/// loadTokenizer, the tokenizer's pair-template separator as segment separator, applyPeft(cfg.peft,
/// init seed cfg.seed). Eval mode, CPU; weights_step -1. PEFT modules and the head hold their
/// seeded initialisation (the head: model.safetensors' head tensors when the model directory has
/// them). Throws EngineError(Model/Config) as loadTaskModel, loadTokenizer and applyPeft.
LoadedRun buildRunModel(const RunConfig& cfg);

/// Copies `tensors` (read from `file`, named in errors) into the trainable parameters of `model`
/// (trainableParameters: PEFT modules and head; the whole model for full fine-tuning). The names
/// must match exactly: a trainable parameter absent from the file, a tensor the model has no
/// trainable parameter for, a wrong shape or a non-floating dtype throws
/// EngineError(Model, what, "file:tensor").
void loadTrainableWeights(TaskModelImpl& model, const std::map<std::string, torch::Tensor>& tensors,
                          const std::string& file);

/// A model directory evaluated on `task` (`adamix-engine eval --model DIR --task T [--adapter A]`),
/// through parseRunConfig with model.path = `model_dir` and model.adapter = `adapter_dir`: an
/// official AdaMix checkpoint loads as its AdaMix adapter model (inference from inference_level,
/// merged when the level has no engine mode), a PEFT LoRA adapter onto the model; otherwise peft
/// method "head" (no PEFT modules) — a classification or regression head is read from the
/// directory's model.safetensors when it holds one (else seeded-initialised, which only makes
/// sense for checking the pipeline). This is the one place where imported formats join the model
/// loading. `max_seq_length` > 0 sets task.max_seq_length (else the task's default, 128, or the
/// model's positions when fewer): the length the model was trained with, or scores differ from
/// its run's. Throws as parseRunConfig (Config at /model/path, /model/adapter) and buildRunModel.
LoadedRun loadModelForTask(const std::string& model_dir, const std::string& task,
                            const std::string& adapter_dir = {}, int64_t max_seq_length = 0);

/// Loads run directory `run_dir`: `config.json` (loadRunConfig), buildRunModel, then
/// `adapters.safetensors` through loadTrainableWeights. weights_step: results.json's
/// `weights_step`; for a run written before it existed (the trainer then saved the last step's
/// weights) its `total_steps`; -1 without results.json. Throws EngineError naming the file:
/// Config (config.json missing or invalid), Model (adapters.safetensors missing, corrupt or not
/// matching the config), Io (results.json unreadable or not JSON).
LoadedRun loadRun(const std::string& run_dir);

}  // namespace adamix
