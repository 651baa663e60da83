#include "model/rope_scaling.h"

#include "io/errors.h"
#include "io/json_util.h"

namespace adamix {

namespace {
constexpr ErrorKind kM = ErrorKind::Model;
namespace ju = json_util;

double positiveNumber(const nlohmann::json& j, const char* key, const std::string& source) {
  const std::string at = source + ":/rope_scaling/" + key;
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) throw EngineError(kM, std::string("missing ") + key, at);
  if (!it->is_number()) throw EngineError(kM, std::string(key) + " must be a number", at);
  const double v = it->get<double>();
  if (!(v > 0)) throw EngineError(kM, std::string(key) + " must be positive, got " + it->dump(), at);
  return v;
}
}  // namespace

std::vector<std::string> supportedRopeScalingTypes() { return {"default", "linear", "dynamic", "llama3"}; }

RopeScaling parseRopeScaling(const nlohmann::json& j, const std::string& source) {
  RopeScaling r;
  if (j.is_null()) return r;
  if (!j.is_object()) throw EngineError(kM, "rope_scaling must be an object or null", source + ":/rope_scaling");
  // HF: rope_type = rope_scaling.get("rope_type", rope_scaling.get("type"))
  const char* key = j.contains("rope_type") ? "rope_type" : "type";
  auto it = j.find(key);
  if (it == j.end() || !it->is_string())
    throw EngineError(kM, "rope_scaling needs a string rope_type (or type)", source + ":/rope_scaling/rope_type");
  r.type = it->get<std::string>();
  bool known = false;
  std::string list;
  for (const auto& t : supportedRopeScalingTypes()) {
    known |= t == r.type;
    list += (list.empty() ? "" : ", ") + t;
  }
  if (!known)
    throw EngineError(kM, "rope_scaling type '" + r.type + "' is not supported (supported: " + list + ")",
                      source + ":/rope_scaling/" + key);
  if (r.type == "default") return r;
  r.factor = positiveNumber(j, "factor", source);
  if (r.type != "llama3") return r;
  r.low_freq_factor = positiveNumber(j, "low_freq_factor", source);
  r.high_freq_factor = positiveNumber(j, "high_freq_factor", source);
  if (!(r.high_freq_factor > r.low_freq_factor))
    throw EngineError(kM, "high_freq_factor must be larger than low_freq_factor",
                      source + ":/rope_scaling/high_freq_factor");
  const std::string at = source + ":/rope_scaling/original_max_position_embeddings";
  auto o = j.find("original_max_position_embeddings");
  if (o == j.end() || o->is_null()) throw EngineError(kM, "missing original_max_position_embeddings", at);
  r.original_max_position_embeddings = ju::convert<int64_t>(*o, at, kM);
  if (r.original_max_position_embeddings <= 0)
    throw EngineError(kM, "original_max_position_embeddings must be positive", at);
  return r;
}

}  // namespace adamix
