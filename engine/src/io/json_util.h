// Strict typed access to nlohmann::json with the JSON path of the field in every error, e.g.
//   double lr = json_util::get<double>(train, "learning_rate", "/train", 1e-4);
// throws EngineError(Config, "expected a number, got string \"x\"", "/train/learning_rate").
// Absent keys give the default; a present key of the wrong type (null included) is an error.
#pragma once
#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "io/errors.h"

namespace adamix::json_util {

using json = nlohmann::json;

/// JSON-pointer path of `key` under `path` ("/train" + "lr" -> "/train/lr"; "" + "a" -> "/a").
/// `~` and `/` in keys are escaped as ~0 and ~1 (RFC 6901).
std::string childPath(const std::string& path, const std::string& key);
/// JSON-pointer path of array element `index` under `path`.
std::string indexPath(const std::string& path, size_t index);
/// Short description of a value for messages: `string "abc"`, `number 1.5`, `null`, `object`.
std::string describe(const json& v);

/// Converts `v` (found at JSON path `at`) to T. Supported T: bool, int, int64_t, uint64_t,
/// double, float, std::string, json, std::vector<std::string>, std::vector<int64_t>,
/// std::vector<double>. Integers must be JSON integers (1.5 and 2.0 are rejected), doubles accept
/// any number, unsigned rejects negatives.
/// Throws EngineError(kind, "expected ..., got ...", at).
template <class T>
T convert(const json& v, const std::string& at, ErrorKind kind = ErrorKind::Config);

/// Field `key` of object `j` (at JSON path `path`) as T, or `def` when the key is absent.
/// Throws EngineError(kind) naming `path/key` when the value has the wrong type (null included),
/// or naming `path` when `j` is not an object.
template <class T>
T get(const json& j, const std::string& key, const std::string& path, T def, ErrorKind kind = ErrorKind::Config);

/// Like get() but the field is required: absent -> EngineError(kind, "missing required field").
template <class T>
T require(const json& j, const std::string& key, const std::string& path, ErrorKind kind = ErrorKind::Config);

/// Field as T, std::nullopt when absent or (with null_is_absent) JSON null.
template <class T>
std::optional<T> getOptional(const json& j, const std::string& key, const std::string& path, bool null_is_absent = true,
                             ErrorKind kind = ErrorKind::Config);

/// Sub-object `key` of `j`, or an empty object when absent; a non-object value is an error.
const json& getObject(const json& j, const std::string& key, const std::string& path,
                      ErrorKind kind = ErrorKind::Config);

/// Throws EngineError(kind, "unknown key 'x' (allowed: a, b, c)", path/x) for the first key of
/// object `j` not in `allowed`, and when `j` is not an object.
void rejectUnknownKeys(const json& j, const std::vector<std::string>& allowed, const std::string& path,
                       ErrorKind kind = ErrorKind::Config);

/// Throws unless `j` is an object (location `path`).
void requireObject(const json& j, const std::string& path, ErrorKind kind = ErrorKind::Config);

// Explicit specializations (defined in json_util.cpp).
template <>
bool convert<bool>(const json&, const std::string&, ErrorKind);
template <>
int convert<int>(const json&, const std::string&, ErrorKind);
template <>
int64_t convert<int64_t>(const json&, const std::string&, ErrorKind);
template <>
uint64_t convert<uint64_t>(const json&, const std::string&, ErrorKind);
template <>
double convert<double>(const json&, const std::string&, ErrorKind);
template <>
float convert<float>(const json&, const std::string&, ErrorKind);
template <>
std::string convert<std::string>(const json&, const std::string&, ErrorKind);
template <>
json convert<json>(const json&, const std::string&, ErrorKind);
template <>
std::vector<std::string> convert<std::vector<std::string>>(const json&, const std::string&, ErrorKind);
template <>
std::vector<int64_t> convert<std::vector<int64_t>>(const json&, const std::string&, ErrorKind);
template <>
std::vector<double> convert<std::vector<double>>(const json&, const std::string&, ErrorKind);

// ---- template definitions ----

template <class T>
T get(const json& j, const std::string& key, const std::string& path, T def, ErrorKind kind) {
  requireObject(j, path, kind);
  auto it = j.find(key);
  if (it == j.end()) return def;
  return convert<T>(*it, childPath(path, key), kind);
}

template <class T>
T require(const json& j, const std::string& key, const std::string& path, ErrorKind kind) {
  requireObject(j, path, kind);
  auto it = j.find(key);
  if (it == j.end()) throw EngineError(kind, "missing required field", childPath(path, key));
  return convert<T>(*it, childPath(path, key), kind);
}

template <class T>
std::optional<T> getOptional(const json& j, const std::string& key, const std::string& path, bool null_is_absent,
                             ErrorKind kind) {
  requireObject(j, path, kind);
  auto it = j.find(key);
  if (it == j.end() || (null_is_absent && it->is_null())) return std::nullopt;
  return convert<T>(*it, childPath(path, key), kind);
}

}  // namespace adamix::json_util
