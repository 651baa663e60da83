#include "artifacts/hf_model_dir.h"

#include <filesystem>
#include <fstream>

#include "data/glue.h"
#include "data/own_task.h"
#include "io/atomic_file.h"
#include "io/errors.h"
#include "io/untrusted_input.h"

namespace fs = std::filesystem;
using nlohmann::json;

namespace adamix {

namespace {

std::string architectureName(const ModelConfig& mc, HeadType head) {
  const bool lm = head == HeadType::CausalLM;
  switch (mc.architecture) {
    case Architecture::Bert:
      return lm ? "BertLMHeadModel" : "BertForSequenceClassification";
    case Architecture::Roberta:
      return lm ? "RobertaForCausalLM" : "RobertaForSequenceClassification";
    case Architecture::Gpt2:
      return lm ? "GPT2LMHeadModel" : "GPT2ForSequenceClassification";
    case Architecture::Llama: {  // LlamaForCausalLM, MistralFor…, Qwen2For…, Qwen3For…
      const std::string family = mc.model_type == "mistral" ? "Mistral"
                                 : mc.model_type == "qwen2" ? "Qwen2"
                                 : mc.model_type == "qwen3" ? "Qwen3"
                                                            : "Llama";
      return family + (lm ? "ForCausalLM" : "ForSequenceClassification");
    }
  }
  return "";
}

}  // namespace

json taskModelHfConfig(const LoadedRun& run) {
  const auto file = (fs::path(run.config.model_path) / "config.json").string();
  json j = readJsonFileBounded(file, kMaxConfigFileBytes, ErrorKind::Model, "the base model's config.json");
  const HeadType head = run.model->headType();
  j["architectures"] = {architectureName(run.model->config(), head)};
  if (head != HeadType::CausalLM) {
    const auto spec = taskSpecOf(run.config.task);
    json id2label = json::object(), label2id = json::object();
    for (int64_t i = 0; i < run.model->numLabels(); ++i) {
      const std::string name = head == HeadType::Regression || i >= static_cast<int64_t>(spec.label_names.size())
                                   ? "LABEL_" + std::to_string(i)
                                   : spec.label_names[static_cast<size_t>(i)];
      id2label[std::to_string(i)] = name;
      label2id[name] = i;
    }
    j["num_labels"] = run.model->numLabels();
    j["id2label"] = id2label;
    j["label2id"] = label2id;
    j["finetuning_task"] = run.config.task.name;
    if (head == HeadType::Regression) j["problem_type"] = "regression";
    if ((!j.contains("pad_token_id") || j["pad_token_id"].is_null()) && run.tokenizer && run.tokenizer->padId() >= 0)
      j["pad_token_id"] = run.tokenizer->padId();
  }
  return j;
}

std::map<std::string, torch::Tensor> hfModelTensors(torch::nn::Module& model) {
  std::map<std::string, torch::Tensor> out;
  for (const auto& p : model.named_parameters()) {
    const auto& name = p.key();
    if (name.find(".lora.") != std::string::npos || name.find(".adapter.") != std::string::npos) continue;
    out[name] = p.value().detach().to(torch::kCPU, torch::kFloat32).clone();
  }
  return out;
}

std::vector<std::string> copyTokenizerFiles(const std::string& from_dir, const std::string& to_dir) {
  std::vector<std::string> copied;
  for (const char* name : {"tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "vocab.txt",
                           "vocab.json", "merges.txt", "tokenizer.model", "added_tokens.json"}) {
    const auto src = fs::path(from_dir) / name;
    std::error_code ec;
    if (!fs::exists(src, ec)) continue;
    fs::copy_file(src, fs::path(to_dir) / name, fs::copy_options::overwrite_existing, ec);
    if (ec) throw EngineError(ErrorKind::Io, "cannot copy tokenizer file: " + ec.message(), src.string());
    copied.push_back(name);
  }
  return copied;
}

void writeJsonFile(const std::string& dir, const std::string& name, const json& j) {
  writeFileAtomically(fs::path(dir) / name, j.dump(2) + "\n");
}

}  // namespace adamix
