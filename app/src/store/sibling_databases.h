// Which other databases beside a workspace's database still name a run directory. A copy of the
// database in the same folder (demo.sqlite → demo-copy.sqlite) shares its runs folder and names
// the same run directories; directories from before owner files (run_dir_owner.h) cannot say
// which of the two they belong to, so deleting a run asks the databases beside it first.
// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QHash>
#include <QString>
#include <QVector>

#include <optional>

namespace adamix::app {

/// A database beside this one that uses a run directory, or may.
struct SiblingUse {
  QString database;    ///< its path
  qint64 runId = 0;    ///< its run that names the directory (0 when it could not be read)
  QString unreadable;  ///< why it could not be read ("" when it was read and names the directory)
};

/// The run directories named by the runs tables of the other SQLite databases in a database's
/// folder, read once (read-only, each through a connection of its own, closed again) and asked per
/// directory. What counts:
/// - a file is a database by its SQLite header, whatever its name; a file with another header (a
///   garbage file named *.sqlite) is none and names nothing;
/// - a database without a runs table, or whose runs table has no run_dir column (another
///   program's), names nothing;
/// - a database that cannot be read — corrupt past its header, locked longer than the busy
///   timeout (2 s), a file of a database's name (.sqlite, .sqlite3, .db, .db3) that cannot be
///   opened, or one beyond the bounds (2000 files looked at, 32 databases read, 1,000,000 runs
///   each, 6 s for all) — cannot tell: it may name any directory (useOf() reports it).
class SiblingDatabases {
 public:
  /// Reads the databases beside `dbPath` (not `dbPath` itself, also under another name: a symbolic
  /// or hard link to it is never opened).
  explicit SiblingDatabases(const QString& dbPath);

  /// Which database beside this one uses `runDir`: the first whose runs table names it (links
  /// resolved), else the first that could not be read (SiblingUse::unreadable set: it may), else
  /// nullopt — no database beside this one uses it.
  std::optional<SiblingUse> useOf(const QString& runDir) const;

 private:
  struct Named {
    QString cleanPath;  ///< the run_dir, absolute (relative ones resolved against the folder) and clean
    int database;       ///< index into databases_
    qint64 runId;
  };
  void read(const QString& path);

  QString folder_;
  QStringList databases_;
  QHash<QString, QVector<Named>> byName_;  ///< by the directory's file name
  std::vector<SiblingUse> unreadable_;
};

}  // namespace adamix::app
