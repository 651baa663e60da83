// Field access for the Hugging Face tokenizer files (tokenizer.json, tokenizer_config.json): every
// error is an EngineError(Model) located at "FILE:/json/pointer", so a bad file names its field.
#pragma once
#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>

#include "io/errors.h"

namespace adamix::hfjson {

using json = nlohmann::json;

/// Throws EngineError(Model, msg, "file:field").
[[noreturn]] inline void fail(const std::string& msg, const std::string& file, const std::string& field) {
  throw EngineError(ErrorKind::Model, msg, file + ":" + field);
}

/// The "type" string of a component object ("" when absent or not a string).
inline std::string typeOf(const json& j) {
  return j.is_object() && j.contains("type") && j["type"].is_string() ? j["type"].get<std::string>() : "";
}

/// `obj[key]` as a string; `def` when absent or null. Throws (naming field/key) for another type.
inline std::string stringAt(const json& obj, const char* key, const std::string& file, const std::string& field,
                            const std::string& def = "") {
  if (!obj.contains(key) || obj[key].is_null()) return def;
  if (!obj[key].is_string())
    fail(std::string("expected a string, got ") + obj[key].type_name(), file, field + "/" + key);
  return obj[key].get<std::string>();
}

/// `obj[key]` as a bool; `def` when absent or null. Throws (naming field/key) for another type.
inline bool boolAt(const json& obj, const char* key, const std::string& file, const std::string& field, bool def) {
  if (!obj.contains(key) || obj[key].is_null()) return def;
  if (!obj[key].is_boolean())
    fail(std::string("expected true or false, got ") + obj[key].type_name(), file, field + "/" + key);
  return obj[key].get<bool>();
}

/// A JSON integer (token ids, counts); anything else — 3e45 included — is an error naming `field`.
inline int64_t integer(const json& v, const std::string& file, const std::string& field) {
  if (!v.is_number_integer())
    fail(std::string("expected an integer, got ") + v.type_name() + " " + v.dump(), file, field);
  return v.get<int64_t>();
}

/// `obj[key]` as an integer; `def` when absent or null.
inline int64_t integerAt(const json& obj, const char* key, const std::string& file, const std::string& field,
                         int64_t def) {
  if (!obj.contains(key) || obj[key].is_null()) return def;
  return integer(obj[key], file, field + "/" + key);
}

}  // namespace adamix::hfjson
