#include "io/json_util.h"

#include <cmath>
#include <limits>

namespace adamix::json_util {

std::string childPath(const std::string& path, const std::string& key) {
  std::string escaped;
  for (char c : key) {
    if (c == '~')
      escaped += "~0";
    else if (c == '/')
      escaped += "~1";
    else
      escaped += c;
  }
  return path + "/" + escaped;
}

std::string indexPath(const std::string& path, size_t index) { return path + "/" + std::to_string(index); }

std::string describe(const json& v) {
  switch (v.type()) {
    case json::value_t::null: return "null";
    case json::value_t::boolean: return std::string("boolean ") + (v.get<bool>() ? "true" : "false");
    case json::value_t::string: {
      std::string s = v.dump();
      if (s.size() > 60) s = s.substr(0, 57) + "...";
      return "string " + s;
    }
    case json::value_t::number_integer:
    case json::value_t::number_unsigned:
    case json::value_t::number_float: return "number " + v.dump();
    case json::value_t::object: return "object";
    case json::value_t::array: return "array";
    default: return "value";
  }
}

namespace {
[[noreturn]] void wrongType(const json& v, const std::string& at, ErrorKind kind, const char* want) {
  throw EngineError(kind, std::string("expected ") + want + ", got " + describe(v), at);
}

int64_t toInt64(const json& v, const std::string& at, ErrorKind kind) {
  if (v.is_number_unsigned()) {
    if (v.get<uint64_t>() > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()))
      throw EngineError(kind, "integer out of range: " + v.dump(), at);
    return static_cast<int64_t>(v.get<uint64_t>());
  }
  if (v.is_number_integer()) return v.get<int64_t>();
  wrongType(v, at, kind, "an integer");
}

template <class E>
std::vector<E> toVector(const json& v, const std::string& at, ErrorKind kind, const char* want) {
  if (!v.is_array()) wrongType(v, at, kind, want);
  std::vector<E> out;
  out.reserve(v.size());
  for (size_t i = 0; i < v.size(); ++i) out.push_back(convert<E>(v[i], indexPath(at, i), kind));
  return out;
}
}  // namespace

template <>
bool convert<bool>(const json& v, const std::string& at, ErrorKind kind) {
  if (!v.is_boolean()) wrongType(v, at, kind, "a boolean");
  return v.get<bool>();
}
template <>
int64_t convert<int64_t>(const json& v, const std::string& at, ErrorKind kind) {
  return toInt64(v, at, kind);
}
template <>
int convert<int>(const json& v, const std::string& at, ErrorKind kind) {
  const int64_t x = toInt64(v, at, kind);
  if (x < std::numeric_limits<int>::min() || x > std::numeric_limits<int>::max())
    throw EngineError(kind, "integer out of range: " + v.dump(), at);
  return static_cast<int>(x);
}
template <>
uint64_t convert<uint64_t>(const json& v, const std::string& at, ErrorKind kind) {
  if (v.is_number_unsigned()) return v.get<uint64_t>();
  if (v.is_number_integer()) {
    if (v.get<int64_t>() < 0) throw EngineError(kind, "expected a non-negative integer, got " + v.dump(), at);
    return static_cast<uint64_t>(v.get<int64_t>());
  }
  wrongType(v, at, kind, "a non-negative integer");
}
template <>
double convert<double>(const json& v, const std::string& at, ErrorKind kind) {
  if (!v.is_number()) wrongType(v, at, kind, "a number");
  return v.get<double>();
}
template <>
float convert<float>(const json& v, const std::string& at, ErrorKind kind) {
  return static_cast<float>(convert<double>(v, at, kind));
}
template <>
std::string convert<std::string>(const json& v, const std::string& at, ErrorKind kind) {
  if (!v.is_string()) wrongType(v, at, kind, "a string");
  return v.get<std::string>();
}
template <>
json convert<json>(const json& v, const std::string&, ErrorKind) {
  return v;
}
template <>
std::vector<std::string> convert<std::vector<std::string>>(const json& v, const std::string& at, ErrorKind kind) {
  return toVector<std::string>(v, at, kind, "an array of strings");
}
template <>
std::vector<int64_t> convert<std::vector<int64_t>>(const json& v, const std::string& at, ErrorKind kind) {
  return toVector<int64_t>(v, at, kind, "an array of integers");
}
template <>
std::vector<double> convert<std::vector<double>>(const json& v, const std::string& at, ErrorKind kind) {
  return toVector<double>(v, at, kind, "an array of numbers");
}

void requireObject(const json& j, const std::string& path, ErrorKind kind) {
  if (!j.is_object()) wrongType(j, path.empty() ? "/" : path, kind, "an object");
}

const json& getObject(const json& j, const std::string& key, const std::string& path, ErrorKind kind) {
  static const json empty = json::object();
  requireObject(j, path, kind);
  auto it = j.find(key);
  if (it == j.end()) return empty;
  if (!it->is_object()) wrongType(*it, childPath(path, key), kind, "an object");
  return *it;
}

void rejectUnknownKeys(const json& j, const std::vector<std::string>& allowed, const std::string& path,
                       ErrorKind kind) {
  requireObject(j, path, kind);
  for (auto it = j.begin(); it != j.end(); ++it) {
    bool ok = false;
    for (const auto& a : allowed) ok = ok || a == it.key();
    if (!ok) {
      std::string list;
      for (const auto& a : allowed) list += (list.empty() ? "" : ", ") + a;
      throw EngineError(kind, "unknown key '" + it.key() + "' (allowed: " + list + ")", childPath(path, it.key()));
    }
  }
}

}  // namespace adamix::json_util
