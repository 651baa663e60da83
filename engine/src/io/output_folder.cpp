#include "io/output_folder.h"

#include <string>
#include <system_error>

#include "io/errors.h"
#include "io/untrusted_input.h"

namespace adamix {

namespace fs = std::filesystem;

std::filesystem::path firstFreeOutputFolder(const fs::path& base, const std::string& record, uint64_t max_bytes,
                                            const std::function<bool(const nlohmann::json&)>& sameResult) {
  auto holdsSame = [&](const fs::path& dir) {
    nlohmann::json j;
    try {
      j = readJsonFileBounded((dir / record).string(), max_bytes, ErrorKind::Io, record);
    } catch (const std::exception&) {
      return false;
    }
    return j.is_object() && sameResult(j);
  };
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
