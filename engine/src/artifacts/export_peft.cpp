#include "artifacts/export_peft.h"

#include <filesystem>
#include <set>

#include "artifacts/export_adamix.h"
#include "artifacts/hf_model_dir.h"
#include "artifacts/peft_adapter.h"
#include "artifacts/peft_adapter_config.h"
#include "io/errors.h"
#include "io/safetensors.h"
#include "peft/sites.h"

namespace fs = std::filesystem;
using nlohmann::json;

namespace adamix {

namespace {

std::string localName(const std::string& qualified) {
  const auto dot = qualified.rfind('.');
  return dot == std::string::npos ? qualified : qualified.substr(dot + 1);
}

/// PEFT target_modules naming exactly the projections that carry LoRA: a module's local name
/// ("query") when every module of the model with that name has LoRA (PEFT matches target names as
/// suffixes of module paths), else its full path.
std::vector<std::string> targetModules(torch::nn::Module& model,
                                       const std::vector<std::pair<std::string, std::shared_ptr<PeftLinearImpl>>>& lora) {
  std::set<std::string> with_lora;
  for (const auto& [name, _] : lora) with_lora.insert(name);
  std::map<std::string, bool> local_all;  // local name -> every module of that name has LoRA
  for (const auto& item : model.named_modules("", /*include_self=*/false)) {
    const auto local = localName(item.key());
    const bool has = with_lora.count(item.key()) > 0;
    auto it = local_all.find(local);
    local_all[local] = (it == local_all.end() ? true : it->second) && has;
  }
  std::set<std::string> targets;
  for (const auto& [name, _] : lora) targets.insert(local_all[localName(name)] ? localName(name) : name);
  return {targets.begin(), targets.end()};
}

}  // namespace

ExportResult exportPeft(LoadedRun& run, const std::string& out_dir) {
  const auto& peft = run.config.peft;
  if (peft.method != PeftMethod::Lora)
    throw EngineError(ErrorKind::Config,
                      std::string("a PEFT LoRA adapter needs a LoRA run; this run's method is '") +
                          peftMethodName(peft.method) +
                          "'" +
                          (peft.method == PeftMethod::Adapter ? "; " + adapterExportAdvice(run) : std::string()),
                      "--format");
  auto& model = *run.model;
  const auto lora = loraProjections(model);
  if (lora.empty()) throw EngineError(ErrorKind::Internal, "LoRA run without LoRA modules");
  ExportResult result;
  PeftAdapterConfig c;
  c.r = peft.lora.rank;
  c.lora_alpha = peft.lora.alpha;
  c.lora_dropout = peft.lora.dropout;
  c.target_modules = targetModules(model, lora);
  for (const auto& prefix : model.headPrefixes()) c.modules_to_save.push_back(prefix.substr(0, prefix.size() - 1));
  c.task_type = model.headType() == HeadType::CausalLM ? "CAUSAL_LM" : "SEQ_CLS";
  c.base_model_name_or_path = fs::absolute(run.config.model_path).lexically_normal().string();
  bool fused = false, conv1d = false;
  for (const auto& [name, lin] : lora) {
    fused = fused || !lin->loraParts().empty();
    conv1d = conv1d || lin->conv1d;
  }
  c.fan_in_fan_out = conv1d;
  json rank_pattern = json::object(), alpha_pattern = json::object();
  if (fused) {
    std::set<std::string> fused_targets;
    int64_t groups = 0;
    for (const auto& [name, lin] : lora)
      if (!lin->loraParts().empty()) {
        fused_targets.insert(localName(name));
        groups = static_cast<int64_t>(lin->loraParts().size());
      }
    const std::string fused_name = *fused_targets.begin();
    if (fused_targets.size() != 1 || fused_name != kGpt2FusedAttention || groups != 2)
      throw EngineError(ErrorKind::Config,
                        "LoRA on parts of a fused projection is exported for GPT-2's c_attn q and v only",
                        "--format");
    const bool only_fused = c.target_modules.size() == 1;
    if (only_fused) {
      c.r = 2 * peft.lora.rank;
      c.lora_alpha = 2 * peft.lora.alpha;
    } else {
      rank_pattern[fused_name] = 2 * peft.lora.rank;
      alpha_pattern[fused_name] = 2 * peft.lora.alpha;
    }
    result.notes.push_back(
        "GPT-2 c_attn: PEFT's LoRA covers the whole fused projection; the run's LoRA on q and v (rank " +
        std::to_string(peft.lora.rank) + " each) is written as the exact equivalent LoRA on c_attn with rank " +
        std::to_string(2 * peft.lora.rank) + ", lora_alpha 2·alpha (same scaling) and zero lora_B rows for k");
  }
  if (run.peft.num_modules > 1)
    result.notes.push_back("AdaMix: the " + std::to_string(run.peft.num_modules) +
                           " LoRA modules of each projection are merged (uniform average of lora_A and of lora_B), "
                           "the run's merged inference");
  if (peft.adamix.inference != InferenceMode::Merged && run.peft.num_modules > 1)
    result.notes.push_back("the run evaluates with inference '" +
                           inferenceName(peft.adamix.inference, peft.adamix.inference_module) +
                           "'; a PEFT adapter holds the merged modules");
  std::error_code ec;
  fs::create_directories(out_dir, ec);
  if (ec) throw EngineError(ErrorKind::Io, "cannot create the output directory: " + ec.message(), out_dir);
  writeJsonFile(out_dir, "adapter_config.json", peftAdapterConfigJson(c, rank_pattern, alpha_pattern));
  saveSafetensors((fs::path(out_dir) / "adapter_model.safetensors").string(),
                  peftAdapterTensors(model, model.headPrefixes()), {{"format", "pt"}}, /*interruptible=*/true);
  result.files = {"adapter_config.json", "adapter_model.safetensors"};
  return result;
}

}  // namespace adamix
