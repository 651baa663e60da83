// Helpers shared by the engine test suites: where the real assets are, temp dirs, tiny files.
#pragma once
#include <functional>
#include <string>

#include "io/errors.h"

namespace adamix::test {
/// Path under the shared asset directory (../shared by default); empty string if it does not exist.
std::string sharedPath(const std::string& relative);
/// Writes `content` to `path` (creating parent directories); throws std::runtime_error on failure.
void writeFile(const std::string& path, const std::string& content);
/// Reads a whole file; throws std::runtime_error when it cannot be opened.
std::string readFile(const std::string& path);
/// Runs `f`, expects an EngineError and returns it (an Internal error "no error thrown" if none was).
EngineError expectError(const std::function<void()>& f);
/// Whether this process's OpenBLAS picks its kernel set at load time (built with DYNAMIC_ARCH, as
/// Debian's): only then does OPENBLAS_CORETYPE choose it. False without OpenBLAS.
bool openBlasHasRuntimeKernelChoice();
}  // namespace adamix::test
