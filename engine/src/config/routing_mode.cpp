#include "config/routing_mode.h"

#include "io/errors.h"

namespace adamix {

const char* routingName(RoutingMode r) {
  switch (r) {
    case RoutingMode::Batch: return "batch";
    case RoutingMode::Example: return "example";
    case RoutingMode::Token: return "token";
    case RoutingMode::Fixed: return "fixed";
  }
  return "batch";
}

std::string inferenceName(InferenceMode m, int64_t module) {
  switch (m) {
    case InferenceMode::Merged: return "merged";
    case InferenceMode::Random: return "random";
    case InferenceMode::Ensemble: return "ensemble";
    case InferenceMode::Module: return "module:" + std::to_string(module);
  }
  return "merged";
}

InferenceMode parseInferenceMode(const std::string& text, int64_t& module, const std::string& path) {
  if (text == "merged") return InferenceMode::Merged;
  if (text == "random") return InferenceMode::Random;
  if (text == "ensemble") return InferenceMode::Ensemble;
  if (text.rfind("module:", 0) == 0) {
    const std::string num = text.substr(7);
    if (!num.empty() && num.find_first_not_of("0123456789") == std::string::npos && num.size() < 9) {
      module = std::stoll(num);
      return InferenceMode::Module;
    }
  }
  throw EngineError(ErrorKind::Config,
                    "unknown inference mode '" + text + "' (expected merged, random, module:K or ensemble)", path);
}

RoutingMode parseRoutingMode(const std::string& text, const std::string& path) {
  if (text == "batch") return RoutingMode::Batch;
  if (text == "example") return RoutingMode::Example;
  if (text == "token") return RoutingMode::Token;
  if (text == "fixed") return RoutingMode::Fixed;
  throw EngineError(ErrorKind::Config, "unknown routing '" + text + "' (expected batch, example, token or fixed)",
                    path);
}

}  // namespace adamix
