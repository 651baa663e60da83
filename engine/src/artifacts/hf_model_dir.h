// Writing Hugging Face model directories from a loaded run (shared by the merged-model and
// adamix exports): config.json of the task model, the backbone + head tensors under their HF
// names, and the tokenizer files of the base model.
#pragma once
#include <torch/torch.h>

#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "artifacts/run_artifact.h"

namespace adamix {

/// The base model's config.json (run.config.model_path) turned into the task model's:
/// `architectures` ([Bert|Roberta|GPT2|Llama]ForSequenceClassification, GPT2LMHeadModel,
/// LlamaForCausalLM), num_labels with id2label / label2id (the task's label names; regression:
/// one label and problem_type "regression"), pad_token_id from the tokenizer when the config has
/// none (sequence classification by GPT-2/Llama needs it). Throws EngineError(Model) when the
/// base config cannot be read.
nlohmann::json taskModelHfConfig(const LoadedRun& run);

/// The model's parameters that are not PEFT modules (no ".lora." / ".adapter." in the name), under
/// their HF names, detached CPU float32 copies (backbone + head). A tied LM head is not a parameter
/// and is not written (HF ties it on load).
std::map<std::string, torch::Tensor> hfModelTensors(torch::nn::Module& model);

/// Copies the tokenizer files present in `from_dir` (tokenizer.json, tokenizer_config.json,
/// special_tokens_map.json, vocab.txt, vocab.json, merges.txt, tokenizer.model, added_tokens.json)
/// to `to_dir`; returns their names. Throws EngineError(Io) naming the file on failure.
std::vector<std::string> copyTokenizerFiles(const std::string& from_dir, const std::string& to_dir);

/// Writes `j` (2-space indented, newline-terminated) to `dir/name` atomically; throws EngineError(Io).
void writeJsonFile(const std::string& dir, const std::string& name, const nlohmann::json& j);

}  // namespace adamix
