#include "model/model_config.h"

#include <unistd.h>

#include <cstdio>
#include <algorithm>
#include <filesystem>
#include <limits>
#include <fstream>
#include <sstream>

#include "io/errors.h"
#include "io/untrusted_input.h"
#include "io/json_util.h"

namespace adamix {
namespace {

using json = nlohmann::json;
namespace ju = json_util;
constexpr ErrorKind kM = ErrorKind::Model;

// Re-labels a json_util error with the file name: "config.json:/hidden_size".
[[noreturn]] void rethrowWithSource(const EngineError& e, const std::string& source) {
  throw EngineError(kM, e.message(), source + ":" + e.location());
}

void checkPositive(int64_t v, const char* field, const std::string& source) {
  if (v <= 0)
    throw EngineError(kM, std::string(field) + " must be positive, got " + std::to_string(v), source + ":/" + field);
}

// Token ids in HF configs are an int, null, or (eos) a list of ints.
std::vector<int64_t> tokenIds(const json& j, const char* key, std::vector<int64_t> def) {
  auto it = j.find(key);
  if (it == j.end()) return def;
  if (it->is_null()) return {};
  if (it->is_array()) return ju::convert<std::vector<int64_t>>(*it, ju::childPath("", key), kM);
  return {ju::convert<int64_t>(*it, ju::childPath("", key), kM)};
}

// HF transformers models/{llama,mistral,qwen2,qwen3}/configuration_*.py: the Llama layout with
// per-model_type defaults, biases, q/k norms (qwen3) and sliding window (mistral).
struct LlamaFamilyDefaults {
  int64_t vocab_size, intermediate_size, max_position_embeddings, num_key_value_heads;  // kv: -1 = heads
  int64_t head_dim;                                                                    // -1 = hidden / heads
  std::vector<int64_t> bos, eos;
};

LlamaFamilyDefaults familyDefaults(const std::string& type) {
  if (type == "mistral") return {32000, 14336, 4096 * 32, 8, -1, {1}, {2}};
  if (type == "qwen2") return {151936, 22016, 32768, 32, -1, {}, {}};
  if (type == "qwen3") return {151936, 22016, 32768, 32, 128, {}, {}};
  return {32000, 11008, 2048, -1, -1, {1}, {2}};  // llama
}

ModelConfig parseLlama(const json& j, ModelConfig c) {
  c.architecture = Architecture::Llama;
  const auto d = familyDefaults(c.model_type);
  c.hidden_size = ju::get<int64_t>(j, "hidden_size", "", 4096, kM);
  c.intermediate_size = ju::get<int64_t>(j, "intermediate_size", "", d.intermediate_size, kM);
  c.num_hidden_layers = ju::get<int64_t>(j, "num_hidden_layers", "", 32, kM);
  c.num_attention_heads = ju::get<int64_t>(j, "num_attention_heads", "", 32, kM);
  c.num_key_value_heads = ju::getOptional<int64_t>(j, "num_key_value_heads", "", true, kM)
                              .value_or(d.num_key_value_heads > 0 ? d.num_key_value_heads : c.num_attention_heads);
  c.vocab_size = ju::get<int64_t>(j, "vocab_size", "", d.vocab_size, kM);
  c.max_position_embeddings = ju::get<int64_t>(j, "max_position_embeddings", "", d.max_position_embeddings, kM);
  c.rms_norm_eps = ju::get<double>(j, "rms_norm_eps", "", 1e-6, kM);
  c.rope_theta = ju::get<double>(j, "rope_theta", "", 10000.0, kM);
  c.initializer_range = ju::get<double>(j, "initializer_range", "", 0.02, kM);
  c.tie_word_embeddings = ju::get<bool>(j, "tie_word_embeddings", "", false, kM);
  // Biases as the HF modules build them: LlamaAttention and Qwen3Attention q/k/v/o from
  // attention_bias; Qwen2Attention q/k/v always, o_proj never; MistralAttention none.
  const bool attention_bias = ju::get<bool>(j, "attention_bias", "", false, kM);
  if (c.model_type == "qwen2") {
    c.attention_bias = true;
    c.o_proj_bias = false;
  } else if (c.model_type == "mistral") {
    c.attention_bias = c.o_proj_bias = false;
  } else {
    c.attention_bias = c.o_proj_bias = attention_bias;
  }
  c.mlp_bias = c.model_type == "llama" ? ju::get<bool>(j, "mlp_bias", "", false, kM) : false;
  c.qk_norm = c.model_type == "qwen3";
  c.hidden_act = ju::get<std::string>(j, "hidden_act", "", "silu", kM);
  auto bos = tokenIds(j, "bos_token_id", d.bos);
  auto eos = tokenIds(j, "eos_token_id", d.eos);
  auto pad = tokenIds(j, "pad_token_id", {});
  c.bos_token_id = bos.empty() ? -1 : bos.front();
  c.eos_token_ids = eos;
  c.eos_token_id = eos.empty() ? -1 : eos.front();
  c.pad_token_id = pad.empty() ? -1 : pad.front();

  for (auto [v, f] : {std::pair{c.hidden_size, "hidden_size"},
                      {c.intermediate_size, "intermediate_size"},
                      {c.num_hidden_layers, "num_hidden_layers"},
                      {c.num_attention_heads, "num_attention_heads"},
                      {c.num_key_value_heads, "num_key_value_heads"},
                      {c.vocab_size, "vocab_size"},
                      {c.max_position_embeddings, "max_position_embeddings"}})
    checkPositive(v, f, c.source);
  // head_dim: config value (null = absent), else the model_type's default (qwen3: 128), else
  // hidden_size / num_attention_heads — which then has to divide.
  const auto head_dim = ju::getOptional<int64_t>(j, "head_dim", "", true, kM);
  if (!head_dim && d.head_dim < 0 && c.hidden_size % c.num_attention_heads != 0)
    throw EngineError(kM,
                      "hidden_size " + std::to_string(c.hidden_size) + " is not divisible by num_attention_heads " +
                          std::to_string(c.num_attention_heads) + " (and config.json gives no head_dim)",
                      c.source + ":/hidden_size");
  c.head_dim = head_dim.value_or(d.head_dim > 0 ? d.head_dim : c.hidden_size / c.num_attention_heads);
  checkPositive(c.head_dim, "head_dim", c.source);
  if (c.head_dim % 2 != 0)
    throw EngineError(kM, "head_dim must be even for rotary embeddings, got " + std::to_string(c.head_dim),
                      c.source + ":/head_dim");
  if (c.num_attention_heads % c.num_key_value_heads != 0)
    throw EngineError(kM,
                      "num_attention_heads " + std::to_string(c.num_attention_heads) +
                          " is not a multiple of num_key_value_heads " + std::to_string(c.num_key_value_heads),
                      c.source + ":/num_key_value_heads");
  if (c.hidden_act != "silu")
    throw EngineError(kM, "unsupported hidden_act '" + c.hidden_act + "' for " + c.model_type + " (supported: silu)",
                      c.source + ":/hidden_act");
  if (j.contains("rope_scaling")) c.rope_scaling = parseRopeScaling(j["rope_scaling"], c.source);
  if (c.rope_scaling.type == "dynamic" && c.head_dim <= 2)
    throw EngineError(kM, "dynamic rope_scaling needs head_dim > 2", c.source + ":/head_dim");
  if (c.model_type == "mistral") {
    // MistralConfig default 4096; null = no window
    c.sliding_window = j.contains("sliding_window")
                           ? ju::getOptional<int64_t>(j, "sliding_window", "", true, kM).value_or(-1)
                           : 4096;
    if (j.contains("sliding_window") && !j["sliding_window"].is_null() && c.sliding_window <= 0)
      throw EngineError(kM, "sliding_window must be positive or null", c.source + ":/sliding_window");
  }
  if ((c.model_type == "qwen2" || c.model_type == "qwen3") && ju::get<bool>(j, "use_sliding_window", "", false, kM))
    throw EngineError(kM,
                      "use_sliding_window true is not supported for " + c.model_type +
                          " (per-layer windows after max_window_layers are not implemented; the released "
                          "checkpoints set it false)",
                      c.source + ":/use_sliding_window");
  if (c.rms_norm_eps <= 0) throw EngineError(kM, "rms_norm_eps must be positive", c.source + ":/rms_norm_eps");
  if (c.rope_theta <= 0) throw EngineError(kM, "rope_theta must be positive", c.source + ":/rope_theta");
  return c;
}

void checkSizes(const ModelConfig& c) {
  for (auto [v, f] : {std::pair{c.hidden_size, "hidden_size"},
                      {c.intermediate_size, "intermediate_size"},
                      {c.num_hidden_layers, "num_hidden_layers"},
                      {c.num_attention_heads, "num_attention_heads"},
                      {c.vocab_size, "vocab_size"},
                      {c.max_position_embeddings, "max_position_embeddings"}})
    checkPositive(v, f, c.source);
  if (c.hidden_size % c.num_attention_heads != 0)
    throw EngineError(kM,
                      "hidden_size " + std::to_string(c.hidden_size) + " is not divisible by num_attention_heads " +
                          std::to_string(c.num_attention_heads),
                      c.source + ":/hidden_size");
  if (c.layer_norm_eps <= 0) throw EngineError(kM, "layer norm epsilon must be positive", c.source);
  for (double p : {c.hidden_dropout, c.attention_dropout, c.embedding_dropout, c.classifier_dropout})
    if (p < 0 || p >= 1) throw EngineError(kM, "dropout probabilities must be in [0, 1)", c.source);
}

// HF transformers models/bert/configuration_bert.py (RoBERTa: configuration_roberta.py, which
// only changes vocab_size 50265 and the special ids pad 1, bos 0, eos 2).
ModelConfig parseBertLike(const json& j, ModelConfig c, bool roberta) {
  c.architecture = roberta ? Architecture::Roberta : Architecture::Bert;
  c.hidden_size = ju::get<int64_t>(j, "hidden_size", "", 768, kM);
  c.intermediate_size = ju::get<int64_t>(j, "intermediate_size", "", 3072, kM);
  c.num_hidden_layers = ju::get<int64_t>(j, "num_hidden_layers", "", 12, kM);
  c.num_attention_heads = ju::get<int64_t>(j, "num_attention_heads", "", 12, kM);
  c.num_key_value_heads = c.num_attention_heads;
  c.vocab_size = ju::get<int64_t>(j, "vocab_size", "", roberta ? 50265 : 30522, kM);
  c.max_position_embeddings = ju::get<int64_t>(j, "max_position_embeddings", "", 512, kM);
  c.type_vocab_size = ju::get<int64_t>(j, "type_vocab_size", "", 2, kM);
  c.layer_norm_eps = ju::get<double>(j, "layer_norm_eps", "", 1e-12, kM);
  c.initializer_range = ju::get<double>(j, "initializer_range", "", 0.02, kM);
  c.hidden_act = ju::get<std::string>(j, "hidden_act", "", "gelu", kM);
  c.hidden_dropout = c.embedding_dropout = ju::get<double>(j, "hidden_dropout_prob", "", 0.1, kM);
  c.attention_dropout = ju::get<double>(j, "attention_probs_dropout_prob", "", 0.1, kM);
  c.classifier_dropout = ju::getOptional<double>(j, "classifier_dropout", "", true, kM).value_or(c.hidden_dropout);
  c.tie_word_embeddings = true;
  c.attention_bias = c.mlp_bias = true;
  auto pad = tokenIds(j, "pad_token_id", {roberta ? 1 : 0});
  auto bos = tokenIds(j, "bos_token_id", roberta ? std::vector<int64_t>{0} : std::vector<int64_t>{});
  auto eos = tokenIds(j, "eos_token_id", roberta ? std::vector<int64_t>{2} : std::vector<int64_t>{});
  auto sep = tokenIds(j, "sep_token_id", {});
  c.pad_token_id = pad.empty() ? -1 : pad.front();
  c.bos_token_id = bos.empty() ? -1 : bos.front();
  c.eos_token_ids = eos;
  c.eos_token_id = eos.empty() ? -1 : eos.front();
  c.sep_token_id = sep.empty() ? -1 : sep.front();
  checkSizes(c);
  c.head_dim = c.hidden_size / c.num_attention_heads;
  checkPositive(c.type_vocab_size, "type_vocab_size", c.source);
  if (c.hidden_act != "gelu")
    throw EngineError(kM, "unsupported hidden_act '" + c.hidden_act + "' for " + c.model_type + " (supported: gelu)",
                      c.source + ":/hidden_act");
  const auto pos_type = ju::get<std::string>(j, "position_embedding_type", "", "absolute", kM);
  if (pos_type != "absolute")
    throw EngineError(kM, "position_embedding_type '" + pos_type + "' is not supported (only absolute)",
                      c.source + ":/position_embedding_type");
  if (roberta && c.pad_token_id < 0)
    throw EngineError(kM, "RoBERTa needs pad_token_id (position ids start after it)", c.source + ":/pad_token_id");
  if (roberta && c.max_position_embeddings <= c.pad_token_id + 1)
    throw EngineError(kM, "max_position_embeddings must exceed pad_token_id + 1 (RoBERTa offsets positions)",
                      c.source + ":/max_position_embeddings");
  return c;
}

// HF transformers models/gpt2/configuration_gpt2.py (n_embd, n_layer, n_head, n_inner,
// n_positions, layer_norm_epsilon, activation_function "gelu_new", tied embeddings).
ModelConfig parseGpt2(const json& j, ModelConfig c) {
  c.architecture = Architecture::Gpt2;
  c.hidden_size = ju::get<int64_t>(j, "n_embd", "", 768, kM);
  c.num_hidden_layers = ju::get<int64_t>(j, "n_layer", "", 12, kM);
  c.num_attention_heads = ju::get<int64_t>(j, "n_head", "", 12, kM);
  c.num_key_value_heads = c.num_attention_heads;
  c.intermediate_size = ju::getOptional<int64_t>(j, "n_inner", "", true, kM).value_or(4 * c.hidden_size);
  c.vocab_size = ju::get<int64_t>(j, "vocab_size", "", 50257, kM);
  c.max_position_embeddings = ju::get<int64_t>(j, "n_positions", "", 1024, kM);
  c.layer_norm_eps = ju::get<double>(j, "layer_norm_epsilon", "", 1e-5, kM);
  c.initializer_range = ju::get<double>(j, "initializer_range", "", 0.02, kM);
  c.hidden_act = ju::get<std::string>(j, "activation_function", "", "gelu_new", kM);
  c.hidden_dropout = ju::get<double>(j, "resid_pdrop", "", 0.1, kM);
  c.embedding_dropout = ju::get<double>(j, "embd_pdrop", "", 0.1, kM);
  c.attention_dropout = ju::get<double>(j, "attn_pdrop", "", 0.1, kM);
  c.tie_word_embeddings = ju::get<bool>(j, "tie_word_embeddings", "", true, kM);
  c.attention_bias = c.mlp_bias = true;
  auto bos = tokenIds(j, "bos_token_id", {50256});
  auto eos = tokenIds(j, "eos_token_id", {50256});
  auto pad = tokenIds(j, "pad_token_id", {});
  c.bos_token_id = bos.empty() ? -1 : bos.front();
  c.eos_token_ids = eos;
  c.eos_token_id = eos.empty() ? -1 : eos.front();
  c.pad_token_id = pad.empty() ? -1 : pad.front();
  checkSizes(c);
  c.head_dim = c.hidden_size / c.num_attention_heads;
  if (c.hidden_act != "gelu_new")
    throw EngineError(kM, "unsupported activation_function '" + c.hidden_act + "' for gpt2 (supported: gelu_new)",
                      c.source + ":/activation_function");
  if (!c.tie_word_embeddings)
    throw EngineError(kM, "untied GPT-2 LM heads are not supported", c.source + ":/tie_word_embeddings");
  if (!ju::get<bool>(j, "scale_attn_weights", "", true, kM) ||
      ju::get<bool>(j, "scale_attn_by_inverse_layer_idx", "", false, kM) ||
      ju::get<bool>(j, "reorder_and_upcast_attn", "", false, kM))
    throw EngineError(kM, "only standard GPT-2 attention scaling (1/sqrt(head_dim)) is supported", c.source);
  return c;
}

}  // namespace

void applyDropoutOverrides(ModelConfig& c, const DropoutOverrides& d) {
  const std::pair<const char*, std::pair<const std::optional<double>*, double*>> kinds[] = {
      {"embedding", {&d.embedding, &c.embedding_dropout}},
      {"attention", {&d.attention, &c.attention_dropout}},
      {"hidden", {&d.hidden, &c.hidden_dropout}},
      {"classifier", {&d.classifier, &c.classifier_dropout}}};
  for (const auto& [name, v] : kinds) {
    if (!*v.first) continue;
    const double p = **v.first;
    if (!(p >= 0 && p < 1))
      throw EngineError(ErrorKind::Config, "must be in [0, 1)", std::string("/model/dropout/") + name);
    *v.second = p;
  }
}

double backboneParameterCount(const ModelConfig& c) {
  const double h = static_cast<double>(c.hidden_size), L = static_cast<double>(c.num_hidden_layers);
  const double I = static_cast<double>(c.intermediate_size), V = static_cast<double>(c.vocab_size);
  const double P = static_cast<double>(c.max_position_embeddings);  // learned position tables
  switch (c.architecture) {
    case Architecture::Llama: {
      const double q = static_cast<double>(c.num_attention_heads) * static_cast<double>(c.head_dim);
      const double kv = static_cast<double>(c.num_key_value_heads) * static_cast<double>(c.head_dim);
      const double layer = h * q + 2 * h * kv + q * h + 3 * h * I + 2 * h +
                           (c.attention_bias ? q + 2 * kv : 0) + (c.o_proj_bias ? h : 0) +
                           (c.qk_norm ? 2 * static_cast<double>(c.head_dim) : 0);
      return V * h * (c.tie_word_embeddings ? 1 : 2) + L * layer + h;
    }
    case Architecture::Bert:
    case Architecture::Roberta: {
      const double layer = 4 * h * h + 4 * h + 2 * h * I + I + h + 4 * h;
      return (V + P + static_cast<double>(c.type_vocab_size)) * h + 2 * h + L * layer + h * h + h;
    }
    case Architecture::Gpt2: {
      const double layer = 4 * h * h + 4 * h + 2 * h * I + I + h + 4 * h;
      return (V + P) * h + L * layer + 2 * h;
    }
  }
  return 0;
}

void checkModelSize(const ModelConfig& c, double max_bytes, const std::string& limit_what) {
  const double params = backboneParameterCount(c);
  if (params * 4 <= max_bytes) return;
  char text[256];
  std::snprintf(text, sizeof text, "describes a backbone of %.3g parameters (%.3g GB as float32), more than %.3g GB",
                params, params * 4 / 1e9, max_bytes / 1e9);
  throw EngineError(kM, std::string(text) + " " + limit_what, c.source);
}

double physicalMemoryBytes() {
  const long pages = ::sysconf(_SC_PHYS_PAGES), page = ::sysconf(_SC_PAGESIZE);
  return pages > 0 && page > 0 ? static_cast<double>(pages) * static_cast<double>(page) : 0;
}

double adaptationParameterBound(const ModelConfig& c, int64_t modules, int64_t rank, int64_t sites_per_layer) {
  const double d = static_cast<double>(std::max(c.hidden_size, c.intermediate_size));
  const double per_module = 2 * d * static_cast<double>(rank) + d + static_cast<double>(rank);
  return per_module * static_cast<double>(modules) * static_cast<double>(sites_per_layer) *
         static_cast<double>(c.num_hidden_layers);
}

void checkAdaptationFitsMemory(const ModelConfig& c, int64_t modules, int64_t rank, int64_t sites_per_layer,
                               const std::string& modules_field, const std::string& rank_field) {
  const double memory = physicalMemoryBytes();
  const double adaptation = adaptationParameterBound(c, modules, rank, sites_per_layer);
  const double bytes = 4 * (backboneParameterCount(c) + adaptation);
  if (memory <= 0 || bytes <= memory) return;
  char text[320];
  std::snprintf(text, sizeof text,
                "%lld modules of rank %lld at %lld sites of %lld layers add up to %.3g parameters; with the backbone "
                "%.3g GB as float32, more than the %.3g GB of memory of this machine",
                static_cast<long long>(modules), static_cast<long long>(rank), static_cast<long long>(sites_per_layer),
                static_cast<long long>(c.num_hidden_layers), adaptation, bytes / 1e9, memory / 1e9);
  throw EngineError(ErrorKind::Config, text, modules >= rank ? modules_field : rank_field);
}

int64_t maxSequenceLength(const ModelConfig& c) {
  switch (c.architecture) {
    case Architecture::Llama: return std::numeric_limits<int64_t>::max();
    case Architecture::Roberta: return c.max_position_embeddings - c.pad_token_id - 1;
    case Architecture::Bert:
    case Architecture::Gpt2: return c.max_position_embeddings;
  }
  return c.max_position_embeddings;
}

void checkSequenceLengthFits(int64_t max_seq_length, const ModelConfig& c, const std::string& field) {
  if (max_seq_length <= maxSequenceLength(c)) return;
  throw EngineError(ErrorKind::Config,
                    "max_seq_length " + std::to_string(max_seq_length) + " exceeds the " +
                        std::to_string(maxSequenceLength(c)) + " positions of the model (" + c.source +
                        ": max_position_embeddings)",
                    field);
}

void checkModelFitsMemory(const ModelConfig& c) {
  const double memory = physicalMemoryBytes();
  if (memory > 0) checkModelSize(c, memory, "of memory of this machine");
}

std::vector<std::string> supportedModelTypes() {
  return {"bert", "gpt2", "llama", "mistral", "qwen2", "qwen3", "roberta"};
}

ModelConfig parseModelConfig(const json& j, const std::string& source) {
  ModelConfig c;
  c.source = source;
  c.raw = j;
  try {
    ju::requireObject(j, "", kM);
    auto type = ju::getOptional<std::string>(j, "model_type", "", true, kM);
    if (!type) throw EngineError(kM, "missing model_type", "/model_type");
    c.model_type = *type;
    if (c.model_type == "llama" || c.model_type == "mistral" || c.model_type == "qwen2" || c.model_type == "qwen3")
      return parseLlama(j, c);
    if (c.model_type == "bert") return parseBertLike(j, c, false);
    if (c.model_type == "roberta") return parseBertLike(j, c, true);
    if (c.model_type == "gpt2") return parseGpt2(j, c);
  } catch (const EngineError& e) {
    if (e.location().rfind(source, 0) == 0) throw;
    rethrowWithSource(e, source);
  }
  std::string list;
  for (const auto& t : supportedModelTypes()) list += (list.empty() ? "" : ", ") + t;
  throw EngineError(kM, "unsupported architecture '" + c.model_type + "' (supported: " + list + ")",
                    source + ":/model_type");
}

ModelConfig loadModelConfig(const std::string& model_dir) {
  namespace fs = std::filesystem;
  fs::path p = model_dir;
  std::error_code ec;
  if (fs::is_directory(p, ec)) p /= "config.json";
  const std::string path = p.string();
  if (!fs::is_regular_file(p, ec)) throw EngineError(kM, "cannot open model config (config.json missing?)", path);
  return parseModelConfig(readJsonFileBounded(path, kMaxConfigFileBytes, kM, "model config"), path);
}

}  // namespace adamix
