#include "artifacts/export_adamix.h"

#include <filesystem>

#include "artifacts/hf_model_dir.h"
#include "artifacts/official_adamix_config.h"
#include "io/errors.h"
#include "io/safetensors.h"

namespace fs = std::filesystem;

namespace adamix {

std::string adapterExportAdvice(const LoadedRun& run) {
  const auto arch = run.model->config().architecture;
  if ((arch == Architecture::Bert || arch == Architecture::Roberta) && !run.config.peft.adapter.attention_adapter)
    return "export adapter runs with --format adamix (the official AdaMix layout)";
  return std::string("no export format holds this run's adapters: PEFT has no bottleneck-adapter type, and the "
                     "official AdaMix layout exists for BERT and RoBERTa FFN adapters only (this run: '") +
         run.model->config().model_type + "'" + (run.config.peft.adapter.attention_adapter ? ", attention adapters" : "") +
         "); its weights are the run directory's adapters.safetensors, which `adamix-engine eval --run-dir` and "
         "`generate --run-dir` use (docs/artifacts.md)";
}

ExportResult exportAdaMix(LoadedRun& run, const std::string& out_dir) {
  const auto& peft = run.config.peft;
  if (peft.method == PeftMethod::Lora)
    throw EngineError(ErrorKind::Config,
                      "the official AdaMix layout holds adapters (ExpertSoup, NLU code); the official AdaMix-LoRA "
                      "exists only in its NLG code (loralib AdamixMergedLinear: experts_lora_A.K, experts_lora_B.K, "
                      "lora_expert_score_weight inside that code's own GPT-2 model, not a transformers layout): "
                      "export LoRA runs with --format peft (modules merged) or --format merged-model",
                      "--format");
  if (peft.method != PeftMethod::Adapter)
    throw EngineError(ErrorKind::Config,
                      std::string("the official AdaMix layout holds adapter modules; this run's method is '") +
                          peftMethodName(peft.method) + "' (use --format merged-model)",
                      "--format");
  // the official ExpertSoup sits after the FFN output only: attention adapters have no place there
  const auto arch = run.model->config().architecture;
  if (peft.adapter.attention_adapter || (arch != Architecture::Bert && arch != Architecture::Roberta))
    throw EngineError(ErrorKind::Config, adapterExportAdvice(run), "--format");
  auto& model = *run.model;
  std::map<std::string, torch::Tensor> tensors;
  std::map<std::string, int64_t> soups;  // official "….ExpertSoup.MoA_X" -> number of experts
  for (const auto& p : model.named_parameters()) {
    const auto& name = p.key();
    const auto t = p.value().detach().to(torch::kCPU, torch::kFloat32).clone();
    if (name.find(".adapter.") == std::string::npos) {
      if (name.find(".lora.") == std::string::npos) tensors[name] = t;
      continue;
    }
    const auto official = officialNameOfEngine(name);
    if (!official) throw EngineError(ErrorKind::Internal, "adapter parameter without an official name: " + name);
    tensors[*official] = t;
    // "<soup>.deepspeed_experts.K.weight": count the experts of each soup.
    const std::string experts = ".deepspeed_experts.";
    const auto at = official->find(experts);
    const auto soup = official->substr(0, at);
    const auto k = std::stoll(official->substr(at + experts.size()));
    soups[soup] = std::max<int64_t>(soups[soup], k + 1);
  }
  for (const auto& [soup, experts] : soups) tensors[soup + ".expert_score_weight"] = torch::zeros({experts});
  auto config = taskModelHfConfig(run);
  const auto official_keys = officialAdaMixConfigKeys(peft);
  for (const auto& [key, value] : official_keys.items()) config[key] = value;
  ExportResult result;
  result.notes.push_back("all " + std::to_string(peft.adamix.num_modules) +
                         " modules of every mixture under the official ExpertSoup names; expert_score_weight = 0 "
                         "(uniform soup, inference_level " +
                         std::to_string(config["inference_level"].get<int64_t>()) + ")");
  if (!officialInferenceLevel(peft.adamix.inference))
    result.notes.push_back("the run's inference '" + inferenceName(peft.adamix.inference, peft.adamix.inference_module) +
                           "' has no official level; inference_level 3 (merged) written");
  std::error_code ec;
  fs::create_directories(out_dir, ec);
  if (ec) throw EngineError(ErrorKind::Io, "cannot create the output directory: " + ec.message(), out_dir);
  writeJsonFile(out_dir, "config.json", config);
  saveSafetensors((fs::path(out_dir) / "model.safetensors").string(), tensors, {{"format", "pt"}},
                  /*interruptible=*/true);
  result.files = {"config.json", "model.safetensors"};
  for (auto& f : copyTokenizerFiles(run.config.model_path, out_dir)) result.files.push_back(f);
  return result;
}

}  // namespace adamix
