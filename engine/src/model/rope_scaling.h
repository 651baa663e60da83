// The `rope_scaling` entry of a Llama-family config.json (torch-free: parsed with the config).
// Types as HF transformers modeling_rope_utils.py (ROPE_INIT_FUNCTIONS): "default" (none),
// "linear", "dynamic" (NTK) and "llama3". The frequencies themselves: model/rope.h.
#pragma once
#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace adamix {

/// Parsed rope_scaling. type "default" = plain RoPE (rope_scaling absent or null).
struct RopeScaling {
  std::string type = "default";  ///< "default", "linear", "dynamic" or "llama3"
  double factor = 1.0;           ///< linear, dynamic, llama3
  double low_freq_factor = 1.0;  ///< llama3
  double high_freq_factor = 4.0;                 ///< llama3
  int64_t original_max_position_embeddings = 0;  ///< llama3 (HF: required)
  bool operator==(const RopeScaling& o) const {
    return type == o.type && factor == o.factor && low_freq_factor == o.low_freq_factor &&
           high_freq_factor == o.high_freq_factor &&
           original_max_position_embeddings == o.original_max_position_embeddings;
  }
};

/// rope_scaling types this build implements.
std::vector<std::string> supportedRopeScalingTypes();

/// Parses `j` (the value of config.json's "rope_scaling"; null = default). The type is read from
/// "rope_type", else "type" (HF's backward compatibility). Throws EngineError(Model, msg,
/// "<source>:/rope_scaling/<field>") for a non-object, an unknown type ("rope_scaling type 'yarn'
/// is not supported (supported: default, linear, dynamic, llama3)"), a missing or non-positive
/// factor, llama3 without low_freq_factor / high_freq_factor / original_max_position_embeddings
/// or with high_freq_factor <= low_freq_factor.
RopeScaling parseRopeScaling(const nlohmann::json& j, const std::string& source);

}  // namespace adamix
