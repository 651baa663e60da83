// What a file in a workspace's folder is to SQLite, decided without disturbing the store's locks,
// and the one path comparison the store's folder checks use.
// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QFileInfo>
#include <QString>

#include <optional>

namespace adamix::app {

/// True for SQLite's files beside a database D (D-wal, D-shm, D-journal): never databases, and
/// never to be opened by this process for its own database — closing any descriptor of a file
/// releases every POSIX lock the process holds on it (SQLite's included), after which another
/// process may reset the shared-memory index this one has mapped (SIGBUS).
bool sqliteSideFile(const QString& fileName);

/// What a file is to SQLite.
enum class SqliteFileKind {
  Database,    ///< its first 16 bytes are SQLite's header ("SQLite format 3\0"), whatever its name
  SideFile,    ///< sqliteSideFile(): not opened
  Other,       ///< smaller than a header page (100 bytes), or another header
  Unreadable,  ///< it cannot be opened: it may be a database
};

/// The kind of `f`, reading at most its first 16 bytes (side files are never opened).
SqliteFileKind sqliteFileKind(const QFileInfo& f);

/// A file's identity: its device and inode (stat(), links followed). Two names of one file — a
/// symbolic or a hard link — have the same; a copy has another.
struct FileId {
  quint64 device = 0, inode = 0;
  bool operator==(const FileId& o) const { return device == o.device && inode == o.inode; }
};

/// The identity of the file at `path`; nullopt when it cannot be stat()ed.
std::optional<FileId> fileIdOf(const QString& path);

/// Whether a path names the same file as the one given: by device and inode (a symbolic or a hard
/// link to it too), by canonical path when that file cannot be stat()ed. The given file's identity
/// is read once.
class SameFileAs {
 public:
  explicit SameFileAs(const QString& path);
  bool operator()(const QString& other) const;

 private:
  QString path_;
  std::optional<FileId> id_;
};

/// The canonical path of an existing file (links resolved), else its clean absolute path.
QString canonicalOrClean(const QString& path);

}  // namespace adamix::app
