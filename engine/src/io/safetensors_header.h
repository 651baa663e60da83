// The safetensors header (https://huggingface.co/docs/safetensors), torch-free so it can be fuzzed:
// 8-byte little-endian header length N, N bytes of JSON header
// {"name": {"dtype": "F32", "shape": [..], "data_offsets": [begin, end]}, "__metadata__": {..}},
// then the raw little-endian tensor data (offsets relative to the end of the header).
// Reading tensor data into LibTorch tensors is io/safetensors.h.
#pragma once
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace adamix {

/// One tensor entry of a safetensors header (before any data is read).
struct SafetensorsEntry {
  std::string dtype;  ///< "F32", "F16", "BF16", "I64", "I32"
  std::vector<int64_t> shape;
  uint64_t begin = 0, end = 0;  ///< byte range relative to the data section
};

/// A safetensors header: tensor entries by name plus the `__metadata__` string map.
struct SafetensorsHeader {
  std::map<std::string, SafetensorsEntry> entries;
  std::map<std::string, std::string> metadata;
  uint64_t data_start = 0;  ///< absolute file offset of the data section (8 + header length)
};

/// The format's own limit on the JSON header: 100 MB.
constexpr uint64_t kSafetensorsMaxHeaderBytes = 100ull * 1024 * 1024;

/// Bytes per element of a safetensors dtype name; 0 when the engine does not support it
/// (supported: F32, F16, BF16, I64, I32).
uint64_t safetensorsDtypeSize(const std::string& dtype);

/// Decodes and checks the 8-byte little-endian header length of a file of `file_size` bytes:
/// the header must fit in the file and stay within kSafetensorsMaxHeaderBytes. Returns N.
/// Throws EngineError(Model, msg, path) otherwise — before anything of size N is allocated.
uint64_t safetensorsHeaderLength(const unsigned char length_le[8], uint64_t file_size, const std::string& path);

/// Parses and validates the JSON header text (the N bytes after the length) of a file whose data
/// section has `data_size` bytes: a JSON object (nesting bounded, json_limits.h), known dtypes,
/// non-negative shapes whose byte size does not overflow, data_offsets within the data section,
/// consistent with dtype x shape and non-overlapping. `data_start` of the result is 8 + text size.
/// Throws EngineError(Model, msg, "path" or "path:tensor") on any violation.
SafetensorsHeader parseSafetensorsHeader(std::string_view text, uint64_t data_size, const std::string& path);

/// Reads and validates only the header of `path` (safetensorsHeaderLength + parseSafetensorsHeader).
/// Throws EngineError(Model, msg, "path" or "path:tensor"), also when the file cannot be opened.
SafetensorsHeader readSafetensorsHeader(const std::string& path);

}  // namespace adamix
