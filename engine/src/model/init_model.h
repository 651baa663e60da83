// Random-initialised Hugging Face model directories (config.json + model.safetensors + tokenizer
// files copied from another directory): tiny models for tests and benchmarks, and from-scratch
// baselines (`adamix-engine init-model`).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "model/model_config.h"

namespace adamix {

/// Size options of a random model. arch: "llama", "mistral", "qwen2", "qwen3", "bert", "roberta"
/// or "gpt2". Special ids of -1
/// keep the architecture's HF default; init-model sets them from the tokenizer it copies.
struct RandomModelSpec {
  std::string arch = "llama";
  int64_t hidden_size = 64;
  int64_t num_hidden_layers = 2;
  int64_t num_attention_heads = 4;
  int64_t num_key_value_heads = 2;  ///< llama family only
  int64_t head_dim = -1;            ///< llama family: written as head_dim when > 0 (qwen3 always writes one)
  int64_t intermediate_size = 172;
  int64_t vocab_size = 512;
  int64_t max_position_embeddings = 512;
  bool tie_word_embeddings = true;  ///< llama family only (GPT-2 is always tied)
  int64_t pad_token_id = -1, bos_token_id = -1, eos_token_id = -1, sep_token_id = -1;
  double dropout = 0.1;  ///< BERT/RoBERTa/GPT-2 dropout probabilities (HF default 0.1)
};
using RandomLlamaSpec = RandomModelSpec;

/// Architectures init-model can write.
std::vector<std::string> randomModelArchitectures();

/// HF config.json object of a Llama model with these sizes (model_type "llama").
nlohmann::json llamaConfigJson(const RandomModelSpec& s);

/// HF config.json object of a mistral, qwen2 or qwen3 model with these sizes, with the fields
/// MistralConfig / Qwen2Config / Qwen3Config write (sliding_window 4096 for mistral, null and
/// use_sliding_window false for qwen, attention_bias false and head_dim for qwen3 —
/// hidden_size / heads unless spec.head_dim is set; bos/eos from the spec, else 1 / 2).
nlohmann::json llamaFamilyConfigJson(const RandomModelSpec& s);

/// HF config.json object for spec.arch (BertConfig / RobertaConfig / GPT2Config field names;
/// RoBERTa gets max_position_embeddings + pad + 1 positions and type_vocab_size 1 like the HF
/// checkpoints). Throws EngineError(Usage, ..., "--arch") for an unknown arch.
nlohmann::json modelConfigJson(const RandomModelSpec& s);

/// Writes `out_dir/config.json` and `out_dir/model.safetensors` (N(0, 0.02) weights, norms 1,
/// from `seed`; backbone only: task heads are initialised when a run loads the model) and copies the tokenizer files
/// (tokenizer.model, vocab.txt, vocab.json, merges.txt, tokenizer.json, and the BOS / EOS / pad
/// settings of tokenizer_config.json and special_tokens_map.json — those present) from `tokenizer_dir` when
/// non-empty. Throws EngineError(Io) naming the path on write failures.
void writeRandomModel(const std::string& out_dir, const nlohmann::json& hf_config, uint64_t seed,
                      const std::string& tokenizer_dir);

}  // namespace adamix
