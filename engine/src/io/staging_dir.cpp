#include "io/staging_dir.h"

#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <system_error>

#include "io/errors.h"

namespace fs = std::filesystem;

namespace adamix {

namespace {

const char* const kPartial = ".partial-";

/// `dir` absolute and lexically normal, without a trailing separator ("out/" -> ".../out").
fs::path normalFolder(const fs::path& dir) {
  fs::path p = fs::absolute(dir).lexically_normal();
  if (!p.has_filename() && p.has_parent_path()) p = p.parent_path();
  return p;
}

/// The pid of a staging folder name `.<name>.partial-<host>-<pid>` made on `host`; -1 for a name
/// of another form or of another host.
long stagingPidOf(const std::string& entry, const std::string& name, const std::string& host) {
  const std::string prefix = "." + name + kPartial + host + "-";
  if (entry.size() <= prefix.size() || entry.compare(0, prefix.size(), prefix) != 0) return -1;
  const std::string digits = entry.substr(prefix.size());
  if (digits.size() > 9) return -1;  // no pid has more digits; stoi-free parsing below
  long pid = 0;
  for (const char c : digits) {
    if (c < '0' || c > '9') return -1;  // e.g. a host whose name continues with '-'
    pid = pid * 10 + (c - '0');
  }
  return pid > 0 ? pid : -1;
}

}  // namespace

std::string stagingHostName() {
  char buf[HOST_NAME_MAX + 1] = {};
  if (::gethostname(buf, sizeof buf - 1) != 0) return "";
  std::string host(buf);
  for (auto& c : host) {
    const bool ok =
        (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
    if (!ok) c = '_';
  }
  return host;
}

fs::path stagingPathFor(const fs::path& final_dir, const std::string& host, long pid) {
  return final_dir.parent_path() / ("." + final_dir.filename().string() + kPartial + host + "-" + std::to_string(pid));
}

std::vector<fs::path> removeStaleStagingDirs(const fs::path& final_dir) {
  std::vector<fs::path> removed;
  const std::string host = stagingHostName();
  if (host.empty()) return removed;  // another host without a name could not be told apart
  const fs::path out = normalFolder(final_dir);
  const std::string name = out.filename().string();
  std::error_code ec;
  for (fs::directory_iterator it(out.parent_path(), ec), end; !ec && it != end; it.increment(ec)) {
    const long pid = stagingPidOf(it->path().filename().string(), name, host);
    if (pid <= 0 || pid == static_cast<long>(::getpid())) continue;
    std::error_code st_ec;
    if (!fs::is_directory(it->symlink_status(st_ec)) || st_ec) continue;      // a link or a file: not ours to remove
    if (::kill(static_cast<pid_t>(pid), 0) == 0 || errno != ESRCH) continue;  // alive, or not ours to signal
    std::error_code rm_ec;
    fs::remove_all(it->path(), rm_ec);
    if (!rm_ec) removed.push_back(it->path());
  }
  return removed;
}

StagingDir::StagingDir(const fs::path& final_dir) : final_(normalFolder(final_dir)) {
  removeStaleStagingDirs(final_);
  path_ = stagingPathFor(final_, stagingHostName(), static_cast<long>(::getpid()));
  std::error_code ec;
  for (fs::path p = final_.parent_path(); !p.empty() && !fs::exists(p, ec); p = p.parent_path()) {
    made_top_ = p;
    if (p == p.parent_path()) break;
  }
  fs::remove_all(path_, ec);  // left by an earlier process that had this pid
  fs::create_directories(path_, ec);
  if (ec) {
    abandon();
    throw EngineError(ErrorKind::Io, "cannot create the output directory: " + ec.message(), final_.string());
  }
}

StagingDir::~StagingDir() {
  if (!committed_) abandon();
}

void StagingDir::commit(const std::string& last) {
  std::error_code ec;
  // A link to a folder is written through (its entries moved in), never replaced.
  const auto st = fs::symlink_status(final_, ec);
  const bool empty_or_absent = !fs::exists(st) || (fs::is_directory(st) && fs::is_empty(final_, ec));
  if (empty_or_absent) {
    // rename(2) replaces an empty directory: the output appears whole, at once.
    fs::rename(path_, final_, ec);
    if (ec) throw EngineError(ErrorKind::Io, "cannot move the output into place: " + ec.message(), final_.string());
    committed_ = true;
    return;
  }
  if (!fs::is_directory(final_, ec))
    throw EngineError(ErrorKind::Io, "the output path exists and is not a directory", final_.string());
  std::vector<fs::path> entries;
  for (fs::directory_iterator it(path_, ec), end; !ec && it != end; it.increment(ec))
    if (it->path().filename() != last) entries.push_back(it->path().filename());
  if (ec) throw EngineError(ErrorKind::Io, "cannot read the staged output: " + ec.message(), path_.string());
  if (!last.empty() && fs::exists(path_ / last, ec)) entries.push_back(last);
  for (const auto& e : entries) {
    fs::rename(path_ / e, final_ / e, ec);
    if (ec)
      throw EngineError(ErrorKind::Io, "cannot move " + e.string() + " into place: " + ec.message(),
                        (final_ / e).string());
  }
  committed_ = true;
  fs::remove(path_, ec);
}

void StagingDir::abandon() noexcept {
  std::error_code ec;
  fs::remove_all(path_, ec);
  if (made_top_.empty()) return;
  // the parents made for it, innermost first, while empty (another process may have written there)
  for (fs::path p = path_.parent_path(); !p.empty(); p = p.parent_path()) {
    if (!fs::remove(p, ec) || ec) break;
    if (p == made_top_) break;
  }
}

}  // namespace adamix
