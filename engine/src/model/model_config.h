// Architecture hyper-parameters read from a Hugging Face `config.json`, with HF defaults.
// One struct for all architectures: fields a given architecture does not use keep their defaults.
// Adding an architecture = one parse function in model_config.cpp plus one builder in
// checkpoint.cpp's registry. GPT-2's own field names (n_embd, n_layer, ...) are mapped onto the
// common ones (hidden_size, num_hidden_layers, ...).
#pragma once
#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "model/rope_scaling.h"

namespace adamix {

/// Backbone family; selects the module implementation. Llama covers the model_types llama,
/// mistral, qwen2 and qwen3 (same layout; they differ in biases, q/k norms and the sliding window).
enum class Architecture { Llama, Bert, Roberta, Gpt2 };

/// Parsed `config.json`. Defaults are those of the HF configuration class of the model_type
/// (LlamaConfig, BertConfig, RobertaConfig, GPT2Config) where the file omits a field.
struct ModelConfig {
  Architecture architecture = Architecture::Llama;
  std::string model_type = "llama";
  int64_t hidden_size = 4096;
  int64_t intermediate_size = 11008;
  int64_t num_hidden_layers = 32;
  int64_t num_attention_heads = 32;
  int64_t num_key_value_heads = 32;  ///< default: num_attention_heads
  int64_t head_dim = 128;            ///< default: hidden_size / num_attention_heads
  int64_t vocab_size = 32000;
  int64_t max_position_embeddings = 2048;
  double rms_norm_eps = 1e-6;
  double rope_theta = 10000.0;
  double initializer_range = 0.02;
  bool tie_word_embeddings = false;
  bool attention_bias = false;  ///< q/k/v projections carry biases (qwen2: always; llama, qwen3: attention_bias)
  bool o_proj_bias = false;     ///< o_proj carries a bias (llama, qwen3: attention_bias; qwen2, mistral: never)
  bool qk_norm = false;         ///< qwen3: RMSNorm over head_dim of each query/key head before RoPE (q_norm, k_norm)
  /// mistral: each query attends to at most the last `sliding_window` keys, itself included
  /// (HF's mask: key k allowed for query q when q - sliding_window < k <= q); -1 = no window.
  int64_t sliding_window = -1;
  RopeScaling rope_scaling;  ///< config.json rope_scaling (model/rope_scaling.h)
  bool mlp_bias = false;        ///< gate/up/down projections carry biases
  std::string hidden_act = "silu";
  int64_t bos_token_id = 1;            ///< -1 when none
  int64_t eos_token_id = 2;            ///< first of eos_token_ids; -1 when none
  std::vector<int64_t> eos_token_ids;  ///< all EOS ids (HF allows a list)
  int64_t pad_token_id = -1;           ///< -1 when none
  double layer_norm_eps = 1e-12;       ///< BERT/RoBERTa layer_norm_eps, GPT-2 layer_norm_epsilon
  int64_t type_vocab_size = 2;         ///< BERT/RoBERTa token-type embeddings
  /// Dropout probabilities applied in training mode (BERT/RoBERTa: hidden_dropout_prob,
  /// attention_probs_dropout_prob, classifier_dropout; GPT-2: resid_pdrop, attn_pdrop,
  /// embd_pdrop). 0 for Llama.
  double hidden_dropout = 0.0, attention_dropout = 0.0, embedding_dropout = 0.0, classifier_dropout = 0.0;
  /// Segment separator for BERT token types (tokens after the first one get type 1); -1 = not
  /// known from config.json (the trainer then takes it from the tokenizer's pair template).
  int64_t sep_token_id = -1;
  std::string source;  ///< the file it was read from (for messages)
  nlohmann::json raw;  ///< the whole file, for fields not modelled here
};

/// Parameters of the backbone `c` describes — embeddings, learned position tables, every layer's
/// projections and norms, the final norm, an untied LM head; no task head — computed
/// in double so that crafted sizes cannot overflow. An estimate for bounds (Llama MLP biases omitted).
double backboneParameterCount(const ModelConfig& c);

/// Bounds a model before anything is allocated for it (issue 16, item 6): throws
/// EngineError(Model, msg, c.source) when the backbone would need more than `max_bytes` as float32
/// ("config.json describes a backbone of 1.1e+13 parameters (44 TB as float32), more than the
/// 25 GB of memory of this machine"). `limit_what` names the limit in the message.
void checkModelSize(const ModelConfig& c, double max_bytes, const std::string& limit_what);

/// Upper bound of the parameters `modules` adaptation modules of bottleneck/rank `rank` add at
/// `sites_per_layer` sites of every layer (each module: down d -> r and up r -> d with biases,
/// d = the wider of hidden_size and intermediate_size), in double.
double adaptationParameterBound(const ModelConfig& c, int64_t modules, int64_t rank, int64_t sites_per_layer);

/// Throws EngineError(Config, msg, field) when backbone + adaptation (adaptationParameterBound)
/// would need more float32 memory than this machine has ("100000 modules of rank 16 at 2 sites of
/// 32 layers add up to …"); no check when memory is unknown. The field is the larger factor's:
/// `modules_field` (e.g. /peft/adamix/num_modules) when modules >= rank, else `rank_field` (e.g.
/// /peft/adapter/bottleneck): a huge bottleneck is not the modules' fault.
void checkAdaptationFitsMemory(const ModelConfig& c, int64_t modules, int64_t rank, int64_t sites_per_layer,
                               const std::string& modules_field, const std::string& rank_field);

/// Longest input the model's position embeddings allow: BERT and GPT-2 max_position_embeddings,
/// RoBERTa max_position_embeddings - pad_token_id - 1 (positions start after the padding index);
/// Llama: no table (rotary), so INT64_MAX.
int64_t maxSequenceLength(const ModelConfig& c);

/// Throws EngineError(Config, "max_seq_length N exceeds the M positions of the model (…config.json:
/// max_position_embeddings)", field) when `max_seq_length` > maxSequenceLength(c): checked before
/// any example is encoded, by training and by every command that rebuilds a run's model (eval,
/// merge, export), instead of an index error inside the first forward pass.
void checkSequenceLengthFits(int64_t max_seq_length, const ModelConfig& c, const std::string& field);

/// Bytes of physical memory of this machine (sysconf), or 0 when unknown.
double physicalMemoryBytes();

/// checkModelSize() against physicalMemoryBytes() (no check when that is unknown).
void checkModelFitsMemory(const ModelConfig& c);

/// Per-kind dropout overrides (run config `model.dropout`); an unset kind keeps the model
/// config's value. Kinds map to ModelConfig: embedding -> embedding_dropout, attention ->
/// attention_dropout, hidden -> hidden_dropout, classifier -> classifier_dropout.
struct DropoutOverrides {
  std::optional<double> embedding, attention, hidden, classifier;
  bool operator==(const DropoutOverrides& o) const {
    return embedding == o.embedding && attention == o.attention && hidden == o.hidden && classifier == o.classifier;
  }
};

/// Sets the overridden dropout probabilities of `c` (values in [0, 1), validated by the run
/// config; out-of-range values throw EngineError(Config, msg, "/model/dropout/<kind>")).
void applyDropoutOverrides(ModelConfig& c, const DropoutOverrides& d);

/// model_types this build can load ({"bert", "gpt2", "llama", "mistral", "qwen2", "qwen3", "roberta"}).
std::vector<std::string> supportedModelTypes();

/// Parses an HF config object. `source` labels errors (usually the config.json path).
/// Throws EngineError(Model, msg, "source:/field") for a missing model_type, an unsupported one
/// ("unsupported architecture 'x' (supported: llama)"), a wrong-typed field, an unsupported
/// hidden_act or rope_scaling type (location "…:/rope_scaling/rope_type"), qwen2/qwen3 with
/// use_sliding_window true (not implemented: "…:/use_sliding_window"), or inconsistent sizes
/// (heads not dividing, etc.). Defaults per model_type are those of LlamaConfig, MistralConfig,
/// Qwen2Config, Qwen3Config.
ModelConfig parseModelConfig(const nlohmann::json& j, const std::string& source = "config.json");

/// Reads `<model_dir>/config.json` (or `model_dir` itself when it names a file).
/// Throws EngineError(Model) when the file is missing or not valid JSON, and as parseModelConfig.
ModelConfig loadModelConfig(const std::string& model_dir);

}  // namespace adamix
