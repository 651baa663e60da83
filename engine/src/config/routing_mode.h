// AdaMix routing and inference modes as run-config values (Wang et al. 2022, §2.2 "Routing
// Policy", §2.4 "Adaptation Merging"). Torch-free so the app shares the run-config schema; the
// routing state itself is peft/routing.h.
#pragma once
#include <cstdint>
#include <string>

namespace adamix {

/// Training-time routing: the paper's stochastic per-batch route and the ablations.
enum class RoutingMode {
  Batch,    ///< per forward pass, per layer, down and up drawn independently (paper default)
  Example,  ///< each example of the batch draws its own module per projection
  Token,    ///< each token draws its own module per projection
  Fixed     ///< always module 0 (ablation: no routing)
};

/// Inference-time use of the M modules.
enum class InferenceMode {
  Merged,   ///< uniform average of each projection's weights and biases (paper default)
  Random,   ///< a random module per example and projection
  Module,   ///< module k everywhere (k = RouteContext::inference_module)
  Ensemble  ///< average of the M single-module model outputs (driven by the caller, see forced)
};

/// "batch" | "example" | "token" | "fixed".
const char* routingName(RoutingMode r);
/// "merged", "random", "ensemble" or "module:K".
std::string inferenceName(InferenceMode m, int64_t module);
/// Parses "merged" | "random" | "ensemble" | "module:K"; sets `module` for module:K.
/// Throws EngineError(Config) naming `path` on anything else.
InferenceMode parseInferenceMode(const std::string& text, int64_t& module, const std::string& path);
/// Parses "batch" | "example" | "token" | "fixed"; throws EngineError(Config) naming `path`.
RoutingMode parseRoutingMode(const std::string& text, const std::string& path);

}  // namespace adamix
