#include "model/init_model.h"

#include <filesystem>
#include <fstream>

#include "io/errors.h"
#include "io/safetensors.h"
#include "model/checkpoint.h"

namespace fs = std::filesystem;

namespace adamix {

nlohmann::json llamaConfigJson(const RandomLlamaSpec& s) {
  return {{"architectures", {"LlamaForCausalLM"}},
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
}

void writeRandomModel(const std::string& out_dir, const nlohmann::json& hf_config, uint64_t seed,
                      const std::string& tokenizer_dir) {
  std::error_code ec;
  fs::create_directories(out_dir, ec);
  if (ec) throw EngineError(ErrorKind::Io, "cannot create directory: " + ec.message(), out_dir);
  const auto cfg = parseModelConfig(hf_config, out_dir + "/config.json");
  auto model = buildTaskModel(cfg, HeadType::CausalLM, 0);
  initTaskModelWeights(*model, seed);
  std::map<std::string, torch::Tensor> tensors;
  for (const auto& p : model->named_parameters()) tensors[p.key()] = p.value().detach();
  if (cfg.tie_word_embeddings) tensors.erase("lm_head.weight");
  saveSafetensors(out_dir + "/model.safetensors", tensors);
  {
    std::ofstream out(out_dir + "/config.json");
    out << hf_config.dump(2) << "\n";
    if (!out) throw EngineError(ErrorKind::Io, "cannot write", out_dir + "/config.json");
  }
  if (tokenizer_dir.empty()) return;
  for (const char* name : {"tokenizer.model", "vocab.txt", "vocab.json", "merges.txt", "tokenizer.json"}) {
    const fs::path src = fs::path(tokenizer_dir) / name;
    if (!fs::exists(src)) continue;
    fs::copy_file(src, fs::path(out_dir) / name, fs::copy_options::overwrite_existing, ec);
    if (ec) throw EngineError(ErrorKind::Io, "cannot copy tokenizer file: " + ec.message(), src.string());
  }
}

}  // namespace adamix
