// An output folder that appears only complete (export, merge): the command writes into a hidden
// sibling `<parent>/.<name>.partial-<host>-<pid>` and renames it into place at the end; a failure,
// an exception or an interrupt removes the sibling again. A sibling left by a process killed with
// SIGKILL is removed by the next command writing to the same folder, when it is provably stale:
// made on this host by a process that no longer exists.
#pragma once
#include <filesystem>
#include <string>
#include <vector>

namespace adamix {

/// This machine's host name as it appears in staging folder names (gethostname, characters other
/// than letters, digits, '.', '_' and '-' replaced by '_'); "" when the host has no name.
std::string stagingHostName();

/// The staging folder of `final_dir` for a process `pid` on `host`:
/// `<parent>/.<name>.partial-<host>-<pid>` (`final_dir` absolute, without a trailing separator).
std::filesystem::path stagingPathFor(const std::filesystem::path& final_dir, const std::string& host, long pid);

/// Removes the staging folders of `final_dir` (its siblings named as stagingPathFor names them)
/// made on this host by processes that no longer exist: kill(pid, 0) fails with ESRCH. Folders of
/// another host, of a live process (or one this process may not signal), of this process, with
/// another name, or that are not directories are never touched; nothing is removed when this host
/// has no name. Returns the removed folders. Never throws.
std::vector<std::filesystem::path> removeStaleStagingDirs(const std::filesystem::path& final_dir);

/// This process's staging folder for one output folder: created by the constructor, moved into
/// place by commit(), removed by the destructor when not committed.
class StagingDir {
 public:
  /// Removes stale staging folders of `final_dir` (removeStaleStagingDirs), then creates this
  /// process's (replacing one left by an earlier process of the same pid), and the missing parent
  /// folders, which abandon() removes again. Throws EngineError(Io) naming the folder when it
  /// cannot be created.
  explicit StagingDir(const std::filesystem::path& final_dir);
  /// abandon() unless committed.
  ~StagingDir();
  StagingDir(const StagingDir&) = delete;
  StagingDir& operator=(const StagingDir&) = delete;

  /// The folder to write into.
  const std::filesystem::path& path() const { return path_; }
  /// The output folder (absolute, lexically normal).
  const std::filesystem::path& finalPath() const { return final_; }

  /// Moves the staged output into place. When the output folder does not exist or is an empty
  /// directory, the staging folder is renamed to it (it appears whole). Otherwise (a folder that
  /// holds an earlier result, or a link to a folder) each staged entry is renamed into it,
  /// replacing the entry of the same name, `last` (the record file that makes the folder a
  /// complete result) after all the others, and the staging folder is removed. Throws
  /// EngineError(Io) naming the output folder; the staging folder is then left for the
  /// destructor to remove.
  void commit(const std::string& last = {});

  /// Removes the staging folder and the parent folders the constructor created (those still
  /// empty). Never throws.
  void abandon() noexcept;

 private:
  std::filesystem::path final_;
  std::filesystem::path path_;
  std::filesystem::path made_top_;  ///< the highest parent folder the constructor created; empty when none
  bool committed_ = false;
};

}  // namespace adamix
