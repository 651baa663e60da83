// Writing a file so that a crash or a full disk never leaves a half-written one in place.
#pragma once

#include <filesystem>
#include <string>

namespace adamix {

/// Writes `text` to `path` through `path.tmp` and a rename, so readers see the old file or the
/// whole new one. Throws EngineError(Io) naming the file when the write (e.g. a full disk) or
/// the rename fails; the previous file is then left as it was.
void writeFileAtomically(const std::filesystem::path& path, const std::string& text);

}  // namespace adamix
