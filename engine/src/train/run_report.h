// What `train` and `eval` both report about a run (docs/protocol.md): the device it runs on and
// the parameter counts of the `started` / `finished` events.
#pragma once
#include <torch/torch.h>

#include <nlohmann/json.hpp>
#include <string>

#include "peft/peft.h"

namespace adamix {

/// "cpu" -> CPU; "cuda" -> cuda:0; "auto" -> cuda:0 when available, else CPU. Throws
/// EngineError(Config, ..., `location`) for "cuda" without CUDA and for any other name.
torch::Device resolveDevice(const std::string& device, const std::string& location);

/// The `params` object of `started` / `finished`: {total, trainable, trainable_peft, inference_peft, head, base}
/// (schema 1.2 added `base`, ParamCounts::base).
nlohmann::json paramsJson(const ParamCounts& counts);

}  // namespace adamix
