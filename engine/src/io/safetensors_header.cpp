#include "io/safetensors_header.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>

#include "io/errors.h"
#include "io/untrusted_input.h"

namespace adamix {
namespace {

[[noreturn]] void fail(const std::string& path, const std::string& tensor, const std::string& msg) {
  throw EngineError(ErrorKind::Model, msg, tensor.empty() ? path : path + ":" + tensor);
}

uint64_t readLe64(const unsigned char* b) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | b[i];
  return v;
}

/// A JSON integer that is >= 0 (nlohmann stores large positive integers as unsigned).
bool isNonNegativeInteger(const nlohmann::json& v) {
  return v.is_number_unsigned() || (v.is_number_integer() && v.get<int64_t>() >= 0);
}

}  // namespace

uint64_t safetensorsDtypeSize(const std::string& dtype) {
  if (dtype == "F32" || dtype == "I32") return 4;
  if (dtype == "F16" || dtype == "BF16") return 2;
  if (dtype == "I64") return 8;
  return 0;
}

uint64_t safetensorsHeaderLength(const unsigned char length_le[8], uint64_t file_size, const std::string& path) {
  if (file_size < 8)
    fail(path, "",
         "file is " + std::to_string(file_size) + " bytes, too short for a safetensors header (truncated file?)");
  const uint64_t n = readLe64(length_le);
  if (n > file_size - 8)
    fail(path, "",
         "header length " + std::to_string(n) + " exceeds the file size " + std::to_string(file_size) +
             " (truncated or not a safetensors file)");
  if (n > kSafetensorsMaxHeaderBytes) fail(path, "", "header length " + std::to_string(n) + " exceeds 100 MB");
  return n;
}

SafetensorsHeader parseSafetensorsHeader(std::string_view text, uint64_t data_size, const std::string& path) {
  // the format allows only a flat object of objects; any deeper nesting is not a safetensors header
  const nlohmann::json j = parseJsonBounded(text, path, ErrorKind::Model, /*ignore_comments=*/false, /*max_depth=*/8);
  if (!j.is_object()) fail(path, "", "header is not a JSON object");

  SafetensorsHeader h;
  h.data_start = 8 + text.size();
  for (auto it = j.begin(); it != j.end(); ++it) {
    const std::string& name = it.key();
    const auto& v = it.value();
    if (name == "__metadata__") {
      if (!v.is_object()) fail(path, name, "__metadata__ is not a JSON object");
      for (auto m = v.begin(); m != v.end(); ++m)
        h.metadata[m.key()] = m.value().is_string() ? m.value().get<std::string>() : m.value().dump();
      continue;
    }
    if (!v.is_object()) fail(path, name, "header entry is not a JSON object");
    SafetensorsEntry e;
    if (!v.contains("dtype") || !v["dtype"].is_string()) fail(path, name, "missing or non-string dtype");
    e.dtype = v["dtype"].get<std::string>();
    const uint64_t elem_size = safetensorsDtypeSize(e.dtype);
    if (elem_size == 0) fail(path, name, "unsupported dtype '" + e.dtype + "' (supported: F32, F16, BF16, I64, I32)");
    if (!v.contains("shape") || !v["shape"].is_array()) fail(path, name, "missing or non-array shape");
    // the byte size of the tensor, checked for overflow at every dimension (a 0 dimension makes it 0)
    uint64_t bytes = elem_size;
    bool overflow = false;
    for (const auto& d : v["shape"]) {
      if (!isNonNegativeInteger(d))
        fail(path, name, "shape entries must be non-negative integers, got " + v["shape"].dump());
      const uint64_t dim = d.get<uint64_t>();
      if (dim > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) overflow = true;
      if (dim != 0 && bytes > std::numeric_limits<uint64_t>::max() / dim) overflow = true;
      if (!overflow) bytes *= dim;
      e.shape.push_back(overflow ? 0 : static_cast<int64_t>(dim));
    }
    if (overflow) fail(path, name, "shape " + v["shape"].dump() + " is too large");
    const auto& off = v.contains("data_offsets") ? v["data_offsets"] : nlohmann::json();
    if (!off.is_array() || off.size() != 2 || !isNonNegativeInteger(off[0]) || !isNonNegativeInteger(off[1]))
      fail(path, name, "data_offsets must be two non-negative integers, got " + off.dump());
    e.begin = off[0].get<uint64_t>();
    e.end = off[1].get<uint64_t>();
    if (e.begin > e.end) fail(path, name, "data_offsets " + off.dump() + " are reversed");
    if (e.end > data_size)
      fail(path, name,
           "data_offsets " + off.dump() + " reach beyond the data section of " + std::to_string(data_size) +
               " bytes (truncated file?)");
    if (e.end - e.begin != bytes)
      fail(path, name,
           "data_offsets " + off.dump() + " span " + std::to_string(e.end - e.begin) + " bytes but dtype " + e.dtype +
               " x shape " + v["shape"].dump() + " needs " + std::to_string(bytes));
    h.entries.emplace(name, std::move(e));
  }

  std::vector<std::pair<const std::string*, const SafetensorsEntry*>> order;
  for (const auto& [k, e] : h.entries)
    if (e.end > e.begin) order.emplace_back(&k, &e);
  std::sort(order.begin(), order.end(), [](const auto& a, const auto& b) { return a.second->begin < b.second->begin; });
  for (size_t i = 1; i < order.size(); ++i)
    if (order[i].second->begin < order[i - 1].second->end)
      fail(path, *order[i].first, "data overlaps tensor '" + *order[i - 1].first + "'");
  return h;
}

SafetensorsHeader readSafetensorsHeader(const std::string& path) {
  std::error_code ec;
  const auto status = std::filesystem::status(path, ec);  // links followed: a link to /dev/zero is a device
  if (!std::filesystem::exists(status)) fail(path, "", "file not found");
  if (!std::filesystem::is_regular_file(status))
    fail(path, "", std::filesystem::is_directory(status) ? "not a regular file: a directory" : "not a regular file");
  const uint64_t file_size = std::filesystem::file_size(path, ec);
  if (ec) fail(path, "", "cannot determine file size: " + ec.message());
  std::ifstream in(path, std::ios::binary);
  if (!in) fail(path, "", "cannot open file");
  unsigned char lenbuf[8] = {};
  if (file_size >= 8) {
    in.read(reinterpret_cast<char*>(lenbuf), 8);
    if (!in) fail(path, "", "cannot read the header length");
  }
  const uint64_t n = safetensorsHeaderLength(lenbuf, file_size, path);
  std::string text(n, '\0');
  in.read(text.data(), static_cast<std::streamsize>(n));
  if (!in) fail(path, "", "cannot read the header");
  return parseSafetensorsHeader(text, file_size - 8 - n, path);
}

}  // namespace adamix
