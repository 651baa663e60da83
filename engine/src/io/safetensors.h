// Reading and writing safetensors files as LibTorch tensors. The header (layout, validation,
// readSafetensorsHeader) is torch-free: io/safetensors_header.h.
#pragma once
#include <torch/torch.h>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "io/safetensors_header.h"

namespace adamix {

/// Contents of a safetensors file.
struct SafetensorsFile {
  std::map<std::string, torch::Tensor> tensors;  ///< CPU, contiguous
  std::map<std::string, std::string> metadata;   ///< `__metadata__` (empty when absent)
};

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
/// `interruptible`: before each tensor's data, a requested interrupt (SIGINT/SIGTERM,
/// io/interrupt.h) removes the temporary file and throws EngineError(Interrupted, "interrupted
/// while writing", "path:tensor") — for outputs an interrupt discards (export, merge), never for
/// the checkpoint the trainer writes because of one.
void saveSafetensors(const std::string& path, const std::map<std::string, torch::Tensor>& tensors,
                     const std::map<std::string, std::string>& metadata = {}, bool interruptible = false);

/// safetensors dtype string for a torch dtype ("F32", ...); throws EngineError(Internal) if none.
std::string safetensorsDtypeName(torch::ScalarType t);

/// A tensor shape as error messages write it: "[2, 32]" ("[]" for a scalar).
std::string shapeText(at::IntArrayRef sizes);

}  // namespace adamix
