#include "io/atomic_file.h"

#include <fstream>
#include <system_error>

#include "io/errors.h"

namespace adamix {

void writeFileAtomically(const std::filesystem::path& path, const std::string& text) {
  const auto tmp = path.string() + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out << text;
    out.flush();
    if (!out) throw EngineError(ErrorKind::Io, "cannot write (disk full?)", tmp);
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) throw EngineError(ErrorKind::Io, "cannot rename into place: " + ec.message(), path.string());
}

}  // namespace adamix
