#include "model/init_model.h"

#include <filesystem>
#include <fstream>

#include "io/errors.h"
#include "io/safetensors.h"
#include "model/checkpoint.h"

namespace fs = std::filesystem;

namespace adamix {

namespace {
// Sets `key` to `id` when the spec gives one (>= 0).
void setId(nlohmann::json& j, const char* key, int64_t id) {
  if (id >= 0) j[key] = id;
}
}  // namespace

std::vector<std::string> randomModelArchitectures() {
  return {"llama", "mistral", "qwen2", "qwen3", "bert", "roberta", "gpt2"};
}

nlohmann::json modelConfigJson(const RandomModelSpec& s) {
  nlohmann::json j;
  if (s.arch == "llama") return llamaConfigJson(s);
  if (s.arch == "mistral" || s.arch == "qwen2" || s.arch == "qwen3") return llamaFamilyConfigJson(s);
  if (s.arch == "bert" || s.arch == "roberta") {
    const bool roberta = s.arch == "roberta";
    const int64_t pad = s.pad_token_id >= 0 ? s.pad_token_id : (roberta ? 1 : 0);
    j = {{"architectures", {roberta ? "RobertaForSequenceClassification" : "BertForSequenceClassification"}},
         {"model_type", s.arch},
         {"hidden_size", s.hidden_size},
         {"intermediate_size", s.intermediate_size},
         {"num_hidden_layers", s.num_hidden_layers},
         {"num_attention_heads", s.num_attention_heads},
         {"vocab_size", s.vocab_size},
         // RoBERTa positions start at pad + 1 (HF roberta-base: 514 = 512 + 2).
         {"max_position_embeddings", roberta ? s.max_position_embeddings + pad + 1 : s.max_position_embeddings},
         {"type_vocab_size", roberta ? 1 : 2},
         {"layer_norm_eps", roberta ? 1e-5 : 1e-12},
         {"hidden_act", "gelu"},
         {"initializer_range", 0.02},
         {"pad_token_id", pad},
         {"hidden_dropout_prob", s.dropout},
         {"attention_probs_dropout_prob", s.dropout},
         {"torch_dtype", "float32"}};
    setId(j, "bos_token_id", s.bos_token_id);
    setId(j, "eos_token_id", s.eos_token_id);
    setId(j, "sep_token_id", s.sep_token_id);
    return j;
  }
  if (s.arch == "gpt2") {
    j = {{"architectures", {"GPT2LMHeadModel"}},
         {"model_type", "gpt2"},
         {"n_embd", s.hidden_size},
         {"n_inner", s.intermediate_size},
         {"n_layer", s.num_hidden_layers},
         {"n_head", s.num_attention_heads},
         {"vocab_size", s.vocab_size},
         {"n_positions", s.max_position_embeddings},
         {"n_ctx", s.max_position_embeddings},
         {"layer_norm_epsilon", 1e-5},
         {"activation_function", "gelu_new"},
         {"resid_pdrop", s.dropout},
         {"embd_pdrop", s.dropout},
         {"attn_pdrop", s.dropout},
         {"initializer_range", 0.02},
         {"torch_dtype", "float32"}};
    setId(j, "bos_token_id", s.bos_token_id);
    setId(j, "eos_token_id", s.eos_token_id);
    setId(j, "pad_token_id", s.pad_token_id);
    return j;
  }
  std::string list;
  for (const auto& a : randomModelArchitectures()) list += (list.empty() ? "" : ", ") + a;
  throw EngineError(ErrorKind::Usage, "unsupported architecture '" + s.arch + "' (supported: " + list + ")", "--arch");
}

nlohmann::json llamaConfigJson(const RandomModelSpec& s) {
  nlohmann::json j = {{"architectures", {"LlamaForCausalLM"}},
          {"model_type", "llama"},
          {"hidden_size", s.hidden_size},
          {"intermediate_size", s.intermediate_size},
          {"num_hidden_layers", s.num_hidden_layers},
          {"num_attention_heads", s.num_attention_heads},
          {"num_key_value_heads", s.num_key_value_heads},
          {"vocab_size", s.vocab_size},
          {"max_position_embeddings", s.max_position_embeddings},
          {"rms_norm_eps", 1e-5},
          {"rope_theta", 10000.0},
          {"hidden_act", "silu"},
          {"tie_word_embeddings", s.tie_word_embeddings},
          {"bos_token_id", 1},
          {"eos_token_id", 2},
          {"torch_dtype", "float32"}};
  if (s.head_dim > 0) j["head_dim"] = s.head_dim;
  return j;
}

nlohmann::json llamaFamilyConfigJson(const RandomModelSpec& s) {
  const bool qwen = s.arch == "qwen2" || s.arch == "qwen3";
  const char* architecture = s.arch == "mistral" ? "MistralForCausalLM"
                             : s.arch == "qwen2" ? "Qwen2ForCausalLM"
                                                 : "Qwen3ForCausalLM";
  nlohmann::json j = {{"architectures", {architecture}},
                      {"model_type", s.arch},
                      {"attention_dropout", 0.0},
                      {"bos_token_id", s.bos_token_id >= 0 ? s.bos_token_id : 1},
                      {"eos_token_id", s.eos_token_id >= 0 ? s.eos_token_id : 2},
                      {"hidden_act", "silu"},
                      {"hidden_size", s.hidden_size},
                      {"initializer_range", 0.02},
                      {"intermediate_size", s.intermediate_size},
                      {"max_position_embeddings", s.max_position_embeddings},
                      {"num_attention_heads", s.num_attention_heads},
                      {"num_hidden_layers", s.num_hidden_layers},
                      {"num_key_value_heads", s.num_key_value_heads},
                      {"rms_norm_eps", qwen ? 1e-6 : 1e-5},
                      {"rope_theta", qwen ? 1000000.0 : 10000.0},
                      {"tie_word_embeddings", s.tie_word_embeddings},
                      {"torch_dtype", "float32"},
                      {"use_cache", true},
                      {"vocab_size", s.vocab_size}};
  const int64_t head_dim = s.head_dim > 0 ? s.head_dim : s.hidden_size / s.num_attention_heads;
  if (s.arch == "mistral") {
    j["head_dim"] = head_dim;
    j["sliding_window"] = 4096;
  } else {
    j["max_window_layers"] = s.num_hidden_layers;
    j["rope_scaling"] = nullptr;
    j["sliding_window"] = nullptr;
    j["use_sliding_window"] = false;
  }
  if (s.arch == "qwen2" && s.head_dim > 0) j["head_dim"] = s.head_dim;
  if (s.arch == "qwen3") {
    j["attention_bias"] = false;
    j["head_dim"] = head_dim;
  }
  return j;
}

void writeRandomModel(const std::string& out_dir, const nlohmann::json& hf_config, uint64_t seed,
                      const std::string& tokenizer_dir) {
  std::error_code ec;
  fs::create_directories(out_dir, ec);
  if (ec) throw EngineError(ErrorKind::Io, "cannot create directory: " + ec.message(), out_dir);
  const auto cfg = parseModelConfig(hf_config, out_dir + "/config.json");
  checkModelFitsMemory(cfg);
  // Decoders are written as causal LMs (an untied Llama keeps lm_head.weight); encoders with a
  // classification head that is then left out, as in a pre-trained backbone checkpoint.
  const bool decoder = cfg.architecture == Architecture::Llama || cfg.architecture == Architecture::Gpt2;
  auto model = buildTaskModel(cfg, decoder ? HeadType::CausalLM : HeadType::Classification, 2);
  initTaskModelWeights(*model, seed);
  std::map<std::string, torch::Tensor> tensors;
  for (const auto& p : model->named_parameters()) {
    bool head = false;
    for (const auto& prefix : model->headPrefixes()) head |= p.key().rfind(prefix, 0) == 0;
    if (!decoder && head) continue;
    tensors[p.key()] = p.value().detach();
  }
  if (cfg.tie_word_embeddings) tensors.erase("lm_head.weight");
  saveSafetensors(out_dir + "/model.safetensors", tensors);
  {
    std::ofstream out(out_dir + "/config.json");
    out << hf_config.dump(2) << "\n";
    if (!out) throw EngineError(ErrorKind::Io, "cannot write", out_dir + "/config.json");
  }
  if (tokenizer_dir.empty()) return;
  for (const char* name : {"tokenizer.model", "vocab.txt", "vocab.json", "merges.txt", "tokenizer.json",
                           "tokenizer_config.json", "special_tokens_map.json"}) {
    const fs::path src = fs::path(tokenizer_dir) / name;
    if (!fs::exists(src)) continue;
    fs::copy_file(src, fs::path(out_dir) / name, fs::copy_options::overwrite_existing, ec);
    if (ec) throw EngineError(ErrorKind::Io, "cannot copy tokenizer file: " + ec.message(), src.string());
  }
}

}  // namespace adamix
