#include "artifacts/peft_adapter_config.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>

#include "io/errors.h"
#include "io/untrusted_input.h"

namespace adamix {

using nlohmann::json;

namespace {

bool isNullOrEmpty(const json& j, const char* key) {
  if (!j.contains(key) || j[key].is_null()) return true;
  return (j[key].is_object() || j[key].is_array()) && j[key].empty();
}

std::vector<std::string> stringList(const json& j, const char* key, const std::string& file) {
  if (!j.contains(key) || j[key].is_null()) return {};
  const auto& v = j[key];
  if (!v.is_array())
    throw EngineError(ErrorKind::Config, std::string("expected a list of module names, got ") + v.type_name(),
                      file + ":" + key);
  std::vector<std::string> out;
  for (const auto& e : v) {
    if (!e.is_string()) throw EngineError(ErrorKind::Config, "expected module names (strings)", file + ":" + key);
    out.push_back(e.get<std::string>());
  }
  return out;
}

double number(const json& j, const char* key, double def, const std::string& file) {
  if (!j.contains(key) || j[key].is_null()) return def;
  if (!j[key].is_number()) throw EngineError(ErrorKind::Config, "expected a number", file + ":" + key);
  return j[key].get<double>();
}

/// An optional string field (absent or null: `def`); another type is an error naming the field.
std::string stringOr(const json& j, const char* key, const std::string& def, const std::string& file) {
  if (!j.contains(key) || j[key].is_null()) return def;
  if (!j[key].is_string())
    throw EngineError(ErrorKind::Config, std::string("expected a string, got ") + j[key].type_name(), file + ":" + key);
  return j[key].get<std::string>();
}

/// An optional boolean field (absent or null: `def`); another type is an error naming the field.
bool boolOr(const json& j, const char* key, bool def, const std::string& file) {
  if (!j.contains(key) || j[key].is_null()) return def;
  if (!j[key].is_boolean())
    throw EngineError(ErrorKind::Config, std::string("expected true or false, got ") + j[key].type_name(),
                      file + ":" + key);
  return j[key].get<bool>();
}

/// rank_pattern / alpha_pattern: only the "c_attn" key the engine's own export writes.
void checkPattern(const json& j, const char* key, const std::string& file) {
  if (isNullOrEmpty(j, key)) return;
  if (!j[key].is_object()) throw EngineError(ErrorKind::Config, "expected an object", file + ":" + key);
  for (const auto& [k, v] : j[key].items())
    if (k != kGpt2FusedAttention || !v.is_number() || (std::string(key) == "rank_pattern" && !v.is_number_integer()))
      throw EngineError(ErrorKind::Config,
                        "per-module ranks/alphas other than GPT-2's \"c_attn\" are not supported (key '" + k + "')",
                        file + ":" + key);
}

}  // namespace

PeftAdapterConfig readPeftAdapterConfig(const std::string& adapter_dir) {
  const std::string file = (std::filesystem::path(adapter_dir) / "adapter_config.json").string();
  const json j = readJsonFileBounded(file, kMaxConfigFileBytes, ErrorKind::Config,
                                     "the PEFT adapter config (adapter_config.json)");
  if (!j.is_object()) throw EngineError(ErrorKind::Config, "expected a JSON object", file);
  PeftAdapterConfig c;
  c.config_file = file;
  const std::string type = stringOr(j, "peft_type", "", file);
  if (type != "LORA")
    throw EngineError(ErrorKind::Config, "peft_type '" + type + "': only LoRA adapters (LORA) can be loaded",
                      file + ":peft_type");
  if (j.contains("bias") && !(j["bias"].is_string() && j["bias"] == "none"))
    throw EngineError(ErrorKind::Config, "LoRA bias terms are not supported (expected \"none\")", file + ":bias");
  if (boolOr(j, "use_dora", false, file)) throw EngineError(ErrorKind::Config, "DoRA is not supported", file + ":use_dora");
  if (!isNullOrEmpty(j, "layers_to_transform"))
    throw EngineError(ErrorKind::Config, "LoRA on a subset of layers is not supported", file + ":layers_to_transform");
  if (j.contains("target_modules") && j["target_modules"].is_string())
    throw EngineError(ErrorKind::Config, "a regular expression as target_modules is not supported; list the modules",
                      file + ":target_modules");
  checkPattern(j, "rank_pattern", file);
  checkPattern(j, "alpha_pattern", file);
  if (!j.contains("r") || !j["r"].is_number_integer() || j["r"].get<int64_t>() < 1)
    throw EngineError(ErrorKind::Config, "missing or not a positive integer", file + ":r");
  c.r = j["r"].get<int64_t>();
  c.lora_alpha = number(j, "lora_alpha", 8, file);
  checkLoraAlpha(c.lora_alpha, file + ":lora_alpha");
  c.lora_dropout = number(j, "lora_dropout", 0, file);
  if (c.lora_dropout < 0 || c.lora_dropout >= 1)
    throw EngineError(ErrorKind::Config, "must be in [0, 1)", file + ":lora_dropout");
  c.target_modules = stringList(j, "target_modules", file);
  if (c.target_modules.empty()) throw EngineError(ErrorKind::Config, "no target modules", file + ":target_modules");
  c.modules_to_save = stringList(j, "modules_to_save", file);
  c.fan_in_fan_out = boolOr(j, "fan_in_fan_out", false, file);
  if (j.contains("task_type") && j["task_type"].is_string()) c.task_type = j["task_type"].get<std::string>();
  if (j.contains("base_model_name_or_path") && j["base_model_name_or_path"].is_string())
    c.base_model_name_or_path = j["base_model_name_or_path"].get<std::string>();
  // The engine's export writes c_attn's rank as the global r when c_attn is the only target, or
  // in rank_pattern / alpha_pattern next to other targets.
  if (!isNullOrEmpty(j, "rank_pattern") || !isNullOrEmpty(j, "alpha_pattern")) {
    const int64_t fused_r =
        isNullOrEmpty(j, "rank_pattern") ? c.r : j["rank_pattern"][kGpt2FusedAttention].get<int64_t>();
    const double fused_alpha =
        isNullOrEmpty(j, "alpha_pattern") ? c.lora_alpha : j["alpha_pattern"][kGpt2FusedAttention].get<double>();
    checkLoraAlpha(fused_alpha, file + ":alpha_pattern");
    if (c.target_modules.size() == 1 && c.target_modules[0] == kGpt2FusedAttention) {
      c.r = fused_r;  // the global values are unused: c_attn is the only target
      c.lora_alpha = fused_alpha;
    } else if (fused_r != 2 * c.r || std::abs(fused_alpha - 2 * c.lora_alpha) > 1e-9 * std::abs(fused_alpha)) {
      throw EngineError(ErrorKind::Config,
                        "\"c_attn\" rank/alpha must be twice the global r / lora_alpha (the engine's q and v parts "
                        "with the other targets' rank)",
                        file + ":rank_pattern");
    } else {
      c.fused_rank_in_pattern = true;
    }
  }
  if (boolOr(j, "use_rslora", false, file)) {
    c.lora_alpha *= std::sqrt(static_cast<double>(c.r));
    checkLoraAlpha(c.lora_alpha, file + ":use_rslora");  // lora_alpha · √r past the bound
  }
  return c;
}

PeftConfig peftAdapterPeftConfig(const PeftAdapterConfig& a, PeftConfig base) {
  base.method = PeftMethod::Lora;
  base.adamix.num_modules = 1;
  base.lora.rank = a.r;
  base.lora.alpha = a.lora_alpha;
  base.lora.dropout = a.lora_dropout;
  base.lora.targets.clear();
  const bool only_fused = a.target_modules.size() == 1 && a.target_modules[0] == kGpt2FusedAttention;
  const bool has_fused = std::find(a.target_modules.begin(), a.target_modules.end(), kGpt2FusedAttention) !=
                         a.target_modules.end();
  if (has_fused && !only_fused && !a.fused_rank_in_pattern)
    throw EngineError(ErrorKind::Config,
                      "GPT-2 c_attn next to other targets needs rank_pattern/alpha_pattern {\"c_attn\": 2r / 2·alpha}: "
                      "the engine covers c_attn's q and v parts with the rank of the other targets",
                      a.config_file + ":target_modules");
  for (const auto& t : a.target_modules) {
    if (t != kGpt2FusedAttention) {
      base.lora.targets.push_back(t);
      continue;
    }
    base.lora.targets.push_back(std::string(kGpt2FusedAttention) + ".q");
    base.lora.targets.push_back(std::string(kGpt2FusedAttention) + ".v");
  }
  if (only_fused && !a.fused_rank_in_pattern) {
    // The global r / lora_alpha are c_attn's: r' = 2r over q and v.
    if (a.r % 2 != 0)
      throw EngineError(ErrorKind::Config,
                        "GPT-2 c_attn LoRA of odd rank " + std::to_string(a.r) +
                            ": the engine covers c_attn's q and v parts with rank r each (exported as 2r)",
                        a.config_file + ":r");
    base.lora.rank = a.r / 2;
    base.lora.alpha = a.lora_alpha / 2;
  }
  return base;
}

json peftAdapterConfigJson(const PeftAdapterConfig& a, const json& rank_pattern, const json& alpha_pattern) {
  return {{"peft_type", "LORA"},
          {"task_type", a.task_type.empty() ? json(nullptr) : json(a.task_type)},
          {"base_model_name_or_path", a.base_model_name_or_path},
          {"revision", nullptr},
          {"inference_mode", true},
          {"r", a.r},
          {"lora_alpha", a.lora_alpha},
          {"lora_dropout", a.lora_dropout},
          {"target_modules", a.target_modules},
          {"fan_in_fan_out", a.fan_in_fan_out},
          {"bias", "none"},
          {"modules_to_save", a.modules_to_save.empty() ? json(nullptr) : json(a.modules_to_save)},
          {"init_lora_weights", true},
          {"use_rslora", false},
          {"use_dora", false},
          {"layers_to_transform", nullptr},
          {"layers_pattern", nullptr},
          {"rank_pattern", rank_pattern},
          {"alpha_pattern", alpha_pattern}};
}

}  // namespace adamix
