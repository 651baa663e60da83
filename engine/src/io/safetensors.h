// Reading and writing the safetensors format (https://huggingface.co/docs/safetensors):
// 8-byte little-endian header length N, N bytes of JSON header
// {"name": {"dtype": "F32", "shape": [..], "data_offsets": [begin, end]}, "__metadata__": {..}},
// then the raw little-endian tensor data (offsets relative to the end of the header).
#pragma once
#include <torch/torch.h>

#include <cstdint>
#include <map>
#include <string>
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

/// Contents of a safetensors file.
struct SafetensorsFile {
  std::map<std::string, torch::Tensor> tensors;  ///< CPU, contiguous
  std::map<std::string, std::string> metadata;   ///< `__metadata__` (empty when absent)
};

/// Reads and validates only the header of `path`. Every check that does not need the data is done
/// here: header length within the file, valid JSON object, known dtype, non-negative shape,
/// data_offsets within the data section, consistent with dtype x shape, and non-overlapping.
/// Throws EngineError(Model, msg, "path" or "path:tensor") on any violation;
/// EngineError(Model) when the file cannot be opened.
SafetensorsHeader readSafetensorsHeader(const std::string& path);

/// Reads a whole safetensors file (plain reads straight into each tensor's storage).
/// `to_float32`: F16/BF16 (and F32) tensors are returned as float32; integer tensors keep
/// their dtype (I64 -> int64, I32 -> int32). With `to_float32 = false` every tensor keeps its
/// stored dtype. Errors: as readSafetensorsHeader, plus a short read -> EngineError(Model).
SafetensorsFile loadSafetensors(const std::string& path, bool to_float32 = true);

/// Writes `tensors` (any device; must be F32/F16/BF16/I64/I32) and `metadata` to `path`.
/// The file is written as `path.tmp.<pid>`, flushed and fsync'ed, then renamed over `path`,
/// so a crash or a full disk never leaves a half-written file at `path`.
/// Throws EngineError(Io, msg, path) on any I/O failure, EngineError(Internal) on an
/// unsupported dtype. Tensor names are written sorted; data is 8-byte aligned.
void saveSafetensors(const std::string& path, const std::map<std::string, torch::Tensor>& tensors,
                     const std::map<std::string, std::string>& metadata = {});

/// safetensors dtype string for a torch dtype ("F32", ...); throws EngineError(Internal) if none.
std::string safetensorsDtypeName(torch::ScalarType t);

/// A tensor shape as error messages write it: "[2, 32]" ("[]" for a scalar).
std::string shapeText(at::IntArrayRef sizes);

}  // namespace adamix
