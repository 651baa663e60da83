// Building task models from Hugging Face model directories (config.json + model.safetensors).
// Architectures are looked up by config.model_type in a small registry, so BERT/RoBERTa/GPT-2
// slot in by registering a builder; AdaMix/PEFT code only sees TaskModelImpl.
#pragma once
#include <torch/torch.h>

#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include "model/model_config.h"
#include "model/task_model.h"

namespace adamix {

/// Builds the (uninitialised) task model for `config.architecture` with HF parameter names.
/// num_labels: Classification >= 2, Regression 1 (0 is taken as 1), ignored for CausalLM.
/// Throws EngineError(Config) for an impossible head/num_labels combination.
std::shared_ptr<TaskModelImpl> buildTaskModel(const ModelConfig& config, HeadType head, int64_t num_labels);

/// HF `_init_weights`-style initialisation from `seed` (independent of the global RNG):
/// 2-D weights (projections, embeddings, heads) ~ N(0, initializer_range), biases 0, 1-D norm
/// weights 1. Parameters attached by PEFT are skipped when `backbone_and_head_only` is true
/// (names containing ".lora." or ".adapter.").
void initTaskModelWeights(TaskModelImpl& model, uint64_t seed, bool backbone_and_head_only = true);

/// Copies `tensors` (as read from `file`, used in messages) into the model by parameter name.
/// Legacy `.gamma` / `.beta` names (TF-converted BERT checkpoints) are read as `.weight` / `.bias`.
/// Every backbone parameter must be present with the exact shape and a floating dtype
/// (F16/BF16 converted). Head parameters (headPrefixes()) absent from the file are initialised
/// N(0, initializer_range) from `head_seed`; present ones are loaded (shape-checked).
/// Official AdaMix ExpertSoup tensors are left to applyPeft (artifacts/official_adamix.h).
/// Extra tensors: silently ignored when harmless (rotary inv_freq buffers, lm_head.weight of a
/// tied model), warned about on stderr when they belong to another head (e.g. score.weight while
/// building a causal LM), and rejected when they indicate a different architecture or config
/// (an unknown name under "model.", e.g. a layer beyond num_hidden_layers or a bias the config
/// does not declare). Throws EngineError(Model, msg, "file:tensor").
void loadTaskModelState(TaskModelImpl& model, const std::map<std::string, torch::Tensor>& tensors,
                        const std::string& file, uint64_t head_seed);

/// Reads `model_dir/config.json`, builds the architecture, loads `model_dir/model.safetensors`
/// or, when that is absent, the shards `model_dir/model.safetensors.index.json` lists (checked by
/// readSafetensorsIndex, io/safetensors_index.h; same values as one file) (see
/// loadTaskModelState). The model is float32 on the CPU in eval mode (BF16/F16 weights are
/// converted, with a note on stderr); move it with ->to().
/// Throws EngineError(Model) for a missing/corrupt file, unsupported architecture, missing tensor,
/// wrong shape or dtype (location "path/model.safetensors:tensor.name").
/// `dropout` overrides config.json's dropout probabilities per kind (run config model.dropout).
std::shared_ptr<TaskModelImpl> loadTaskModel(const std::string& model_dir, HeadType head, int64_t num_labels,
                                             uint64_t head_seed, const DropoutOverrides& dropout = {});

/// The model's parameters by name, detached (views of the live tensors).
std::map<std::string, torch::Tensor> namedTensors(const torch::nn::Module& model);

}  // namespace adamix
