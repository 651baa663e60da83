#include "io/output_folder.h"

#include <string>
#include <system_error>

namespace adamix {

namespace fs = std::filesystem;

std::filesystem::path firstFreeOutputFolder(const fs::path& base, const std::function<bool(const fs::path&)>& holdsSame) {
  auto taken = [&](const fs::path& dir) {
    std::error_code ec;
    if (!fs::exists(dir, ec)) return false;
    if (fs::is_directory(dir, ec) && fs::is_empty(dir, ec)) return false;
    return !holdsSame(dir);
  };
  fs::path dir = base;
  for (int n = 2; taken(dir); ++n) dir = base.string() + "-" + std::to_string(n);
  return dir;
}

}  // namespace adamix
