#include "io/run_dir_lock.h"

#include "io/errors.h"

#include <cerrno>
#include <cstring>
#include <string>

#if defined(__unix__) || defined(__APPLE__)
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>
#define ADAMIX_HAVE_FLOCK 1
#endif

namespace adamix {

namespace {

#ifdef ADAMIX_HAVE_FLOCK
/// The pid written in an open lock file (nullopt when empty or not a number).
std::optional<long> readPid(int fd) {
  char buf[32] = {};
  const ssize_t n = ::pread(fd, buf, sizeof(buf) - 1, 0);
  if (n <= 0) return std::nullopt;
  char* end = nullptr;
  const long pid = std::strtol(buf, &end, 10);
  if (end == buf || pid <= 0) return std::nullopt;
  return pid;
}
#endif

}  // namespace

RunDirLock::RunDirLock(const std::filesystem::path& run_dir) : path_(run_dir / kRunDirLockFile) {
#ifdef ADAMIX_HAVE_FLOCK
  fd_ = ::open(path_.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd_ < 0)
    throw EngineError(ErrorKind::Io, std::string("cannot open the run directory's lock file: ") + std::strerror(errno),
                      path_.string());
  if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
    holder_pid_ = readPid(fd_);
    return;
  }
  held_ = true;
  const std::string pid = std::to_string(::getpid()) + "\n";
  if (::ftruncate(fd_, 0) != 0 || ::pwrite(fd_, pid.data(), pid.size(), 0) != ssize_t(pid.size()))
    throw EngineError(ErrorKind::Io, std::string("cannot write the run directory's lock file: ") + std::strerror(errno),
                      path_.string());
#else
  held_ = true;
#endif
}

RunDirLock::~RunDirLock() {
#ifdef ADAMIX_HAVE_FLOCK
  if (fd_ >= 0) ::close(fd_);  // closing the descriptor releases the lock
#endif
}

std::optional<long> runDirLockHolder(const std::filesystem::path& run_dir) {
#ifdef ADAMIX_HAVE_FLOCK
  const auto path = run_dir / kRunDirLockFile;
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::nullopt;
  std::optional<long> holder;
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    holder = readPid(fd);
    if (!holder) holder = 0;  // held, pid not written yet
  } else {
    ::flock(fd, LOCK_UN);
  }
  ::close(fd);
  return holder;
#else
  (void)run_dir;
  return std::nullopt;
#endif
}

}  // namespace adamix
