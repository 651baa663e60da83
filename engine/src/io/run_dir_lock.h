// The exclusive lock that makes one engine the only writer of a run directory: flock() on
// DIR/.engine.lock, which holds the holder's pid. Shared by the engine (taken by `train`) and the
// app (which looks before it touches a run directory). POSIX only; elsewhere the lock is a no-op.
#pragma once

#include <filesystem>
#include <optional>
#include <string>

namespace adamix {

/// Name of the lock file inside a run directory.
inline constexpr const char* kRunDirLockFile = ".engine.lock";

/// An exclusive, non-blocking flock() on <run dir>/.engine.lock, held for the object's lifetime
/// (the kernel drops it when the process exits, however it exits).
class RunDirLock {
 public:
  /// Tries to lock `run_dir` (which must exist); on success writes this process's pid into the
  /// lock file. Throws EngineError(Io) naming the lock file when it cannot be created or opened.
  explicit RunDirLock(const std::filesystem::path& run_dir);
  ~RunDirLock();
  RunDirLock(const RunDirLock&) = delete;
  RunDirLock& operator=(const RunDirLock&) = delete;

  /// True when this object holds the lock.
  bool held() const { return held_; }
  /// When not held: the holder's pid as written in the lock file (nullopt when unreadable).
  std::optional<long> holderPid() const { return holder_pid_; }
  /// The lock file's path.
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
  int fd_ = -1;
  bool held_ = false;
  std::optional<long> holder_pid_;
};

/// Without taking it: the pid of the process holding `run_dir`'s lock, or nullopt when nobody
/// holds it (or the directory has no lock file). Never creates anything.
std::optional<long> runDirLockHolder(const std::filesystem::path& run_dir);

}  // namespace adamix
