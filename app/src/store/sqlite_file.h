// What a file in a workspace's folder is to SQLite, decided without disturbing the store's locks,
// and the one path comparison the store's folder checks use.
// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QFileInfo>
#include <QString>

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

/// The canonical path of an existing file (links resolved), else its clean absolute path.
QString canonicalOrClean(const QString& path);

}  // namespace adamix::app
