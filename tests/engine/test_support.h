// Helpers shared by the engine test suites: where the real assets are, temp dirs, tiny files.
#pragma once
#include <string>

namespace adamix::test {
/// Path under the shared asset directory (../shared by default); empty string if it does not exist.
std::string sharedPath(const std::string& relative);
/// Writes `content` to `path` (creating parent directories); throws std::runtime_error on failure.
void writeFile(const std::string& path, const std::string& content);
/// Reads a whole file; throws std::runtime_error when it cannot be opened.
std::string readFile(const std::string& path);
}  // namespace adamix::test
