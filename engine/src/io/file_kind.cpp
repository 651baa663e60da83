#include "io/file_kind.h"

namespace adamix {

namespace fs = std::filesystem;

const char* specialFileType(const fs::file_status& status) {
  return fs::is_character_file(status) ? "a character device"
         : fs::is_block_file(status)   ? "a block device"
         : fs::is_fifo(status)         ? "a FIFO"
         : fs::is_socket(status)       ? "a socket"
                                       : "a special file";
}

std::string whyNotARegularFile(const fs::file_status& status) {
  if (!fs::exists(status)) return "no such file";
  if (fs::is_directory(status)) return "a directory";
  if (fs::is_regular_file(status)) return "";
  return std::string("not a regular file (") + specialFileType(status) + ")";
}

std::string whyNotARegularFile(const std::string& path) {
  std::error_code ec;
  const auto status = fs::status(path, ec);
  return ec ? std::string("no such file") : whyNotARegularFile(status);
}

}  // namespace adamix
