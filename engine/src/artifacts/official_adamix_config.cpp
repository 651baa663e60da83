#include "artifacts/official_adamix_config.h"

#include <filesystem>
#include <fstream>
#include <utility>

#include "io/errors.h"
#include "io/untrusted_input.h"

namespace adamix {

using nlohmann::json;

namespace {

const std::pair<const char*, const char*> kNameMap[] = {
    {".ExpertSoup.MoA_A.deepspeed_experts.", ".ffn_adapter.adapter.down."},
    {".ExpertSoup.MoA_B.deepspeed_experts.", ".ffn_adapter.adapter.up."}};

/// Integer field of the official config (JSON integer or bool, as the official scripts write
/// sharing flags either way); `def` when absent or null.
int64_t intField(const json& j, const char* key, int64_t def, const std::string& file) {
  if (!j.contains(key) || j[key].is_null()) return def;
  const auto& v = j[key];
  if (v.is_boolean()) return v.get<bool>() ? 1 : 0;
  if (v.is_number_integer()) return v.get<int64_t>();
  throw EngineError(ErrorKind::Model, std::string("expected an integer, got ") + v.type_name(), file + ":" + key);
}

bool flag(const json& j, const char* key, const std::string& file) {
  const int64_t v = intField(j, key, 0, file);
  if (v != 0 && v != 1) throw EngineError(ErrorKind::Model, "expected 0 or 1, got " + std::to_string(v), file + ":" + key);
  return v == 1;
}

}  // namespace

std::optional<OfficialAdaMixConfig> readOfficialAdaMixConfig(const std::string& model_dir) {
  const std::string file = (std::filesystem::path(model_dir) / "config.json").string();
  std::error_code ec;
  if (!std::filesystem::is_regular_file(file, ec)) return std::nullopt;
  json j;
  try {
    j = readJsonFileBounded(file, kMaxConfigFileBytes, ErrorKind::Model, "model config");
  } catch (const EngineError&) {
    return std::nullopt;  // not an official checkpoint's config; loadModelConfig reports the file
  }
  if (!j.is_object() || !j.contains("apply_expert_soup") || !j["apply_expert_soup"].is_boolean() ||
      !j["apply_expert_soup"].get<bool>())
    return std::nullopt;
  OfficialAdaMixConfig c;
  c.config_file = file;
  if (j.contains("model_type") && !j["model_type"].is_string())
    throw EngineError(ErrorKind::Model, std::string("expected a string, got ") + j["model_type"].type_name(),
                      file + ":model_type");
  c.model_type = j.contains("model_type") ? j["model_type"].get<std::string>() : "";
  if (c.model_type != "bert" && c.model_type != "roberta")
    throw EngineError(ErrorKind::Model,
                      "apply_expert_soup on model_type '" + c.model_type +
                          "': the official ExpertSoup exists for bert and roberta only",
                      file + ":model_type");
  for (const char* other : {"apply_lora", "apply_adapter"})
    if (j.contains(other) && j[other].is_boolean() && j[other].get<bool>())
      throw EngineError(ErrorKind::Model,
                        std::string(other) + " together with apply_expert_soup: the engine imports ExpertSoup "
                                             "checkpoints without other official PEFT modules",
                        file + ":" + other);
  c.num_experts = intField(j, "num_experts", 1, file);
  if (c.num_experts < 1) throw EngineError(ErrorKind::Model, "must be >= 1", file + ":num_experts");
  c.adapter_size = intField(j, "adapter_size", 0, file);
  if (c.adapter_size < 1)
    throw EngineError(ErrorKind::Model, "missing or < 1 (the ExpertSoup bottleneck)", file + ":adapter_size");
  c.sharing_down = flag(j, "sharing_down", file);
  c.sharing_up = flag(j, "sharing_up", file);
  c.inference_level = intField(j, "inference_level", 1, file);
  return c;
}

PeftConfig officialPeftConfig(const OfficialAdaMixConfig& o, PeftConfig base) {
  base.method = PeftMethod::Adapter;
  base.adapter.bottleneck = o.adapter_size;
  const bool both_shared = o.sharing_down && o.sharing_up;
  base.adamix.num_modules = both_shared ? 1 : o.num_experts;
  base.adamix.sharing = o.sharing_up && !o.sharing_down ? Sharing::Up
                        : o.sharing_down && !o.sharing_up ? Sharing::Down
                        : both_shared                     ? Sharing::Up
                                                          : Sharing::None;
  if (base.adamix.num_modules == 1) base.adamix.sharing = Sharing::Up;  // irrelevant with one module
  if (auto mode = officialInferenceMode(o.inference_level)) {
    base.adamix.inference = *mode;
    base.adamix.inference_module = 0;
  }
  return base;
}

std::optional<InferenceMode> officialInferenceMode(int64_t level) {
  if (level == 3) return InferenceMode::Merged;
  if (level == 1) return InferenceMode::Random;
  return std::nullopt;
}

std::optional<int64_t> officialInferenceLevel(InferenceMode mode) {
  if (mode == InferenceMode::Merged) return 3;
  if (mode == InferenceMode::Random) return 1;
  return std::nullopt;
}

json officialAdaMixConfigKeys(const PeftConfig& peft) {
  const auto [down, up] = modulesPerProjection(peft.adamix);
  const int64_t m = peft.adamix.num_modules;
  return {{"apply_expert_soup", true},
          {"num_experts", m},
          {"adapter_size", peft.adapter.bottleneck},
          {"sharing_down", m > 1 && down == 1 ? 1 : 0},
          {"sharing_up", m > 1 && up == 1 ? 1 : 0},
          {"inference_level", officialInferenceLevel(peft.adamix.inference).value_or(3)},
          {"use_consistency_loss", peft.adamix.consistency_weight > 0 ? 1 : 0},
          {"apply_lora", false},
          {"apply_adapter", false},
          {"adapter_type", nullptr},
          {"weight_strategy", "soft"},
          {"sparsity", 0.75}};
}

std::optional<std::string> engineNameOfOfficial(const std::string& official) {
  for (const auto& [from, to] : kNameMap) {
    const auto pos = official.find(from);
    if (pos == std::string::npos) continue;
    std::string name = official;
    return name.replace(pos, std::string(from).size(), to);
  }
  return std::nullopt;
}

std::optional<std::string> officialNameOfEngine(const std::string& engine) {
  for (const auto& [to, from] : kNameMap) {
    const auto pos = engine.find(from);
    if (pos == std::string::npos) continue;
    std::string name = engine;
    return name.replace(pos, std::string(from).size(), to);
  }
  return std::nullopt;
}

bool isOfficialExpertSoupTensor(const std::string& name) { return name.find(".ExpertSoup.") != std::string::npos; }

}  // namespace adamix
