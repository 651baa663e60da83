// Which workspace a run directory belongs to. A workspace database names its runs' directories
// by absolute path, so a copy of it (alone, with its folder, or beside it under another name)
// still names the original's: run, evaluated or deleted from the copy, they would change the
// original's runs. Each run directory the app launches into records the database that owns it
// (owner.json); directories from before that are judged by where they lie (and, deleting a run,
// by the other databases in this one's folder that still name them: sibling_databases.h).
// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QString>

namespace adamix::app {

/// The runs folder of the workspace whose database is `dbPath`: <its folder>/runs, where `adamix
/// study run` (without --runs-dir) and the GUI make run directories.
QString workspaceRunsDir(const QString& dbPath);

/// Records in `runDir` (RUN/owner.json, `{"database": <canonical path>}`) that the database
/// `dbPath` owns it. Called when a run is launched there. False when it cannot be written (the
/// directory is read-only): the directory is then judged as one from before owner files.
bool claimRunDir(const QString& runDir, const QString& dbPath);

/// The database named by `runDir`'s owner.json; "" when there is none or it cannot be read
/// (bounded: at most 64 KiB are read).
QString runDirOwner(const QString& runDir);

/// True when nothing tells which database owns `runDir`: it has no owner file (made before them,
/// or unreadable), or its owner file names a database that no longer exists (moved, renamed).
bool runDirOwnerUnknown(const QString& runDir);

/// The folder W of another workspace when `runDir` belongs to one, "" otherwise:
/// - with an owner file: W is the folder of the database it names, when that database still
///   exists and is not `dbPath` (links resolved) — except in `dbPath`'s own runs folder when that
///   database lies in another folder (a workspace folder copied whole, owner files included); an
///   owner that is gone (a moved workspace) makes it nobody's;
/// - without one (directories launched before owner files): `runDir` is <W>/runs/<name>, W holds
///   an SQLite database (any file name) and W is not the folder of `dbPath`.
QString otherWorkspaceOf(const QString& runDir, const QString& dbPath);

/// The database in `dbPath`'s own folder that `runDir`'s owner file names, when it is another one
/// that exists (a copy beside the original, or another database there that trained the same run);
/// "" otherwise.
QString databaseBesideOwning(const QString& runDir, const QString& dbPath);

/// Who owns `runDir` when otherWorkspaceOf() names another workspace, in words for a note: "D, a
/// database beside this one" when its owner file names a database D in `dbPath`'s own folder (a
/// copy beside the original, or another database there that trained the same run), else "the
/// workspace in W (is this database a copy of it?)".
QString otherOwnerText(const QString& runDir, const QString& dbPath);

/// Where this workspace (database `dbPath`) keeps what it makes of a run whose directory belongs
/// to another workspace (otherWorkspaceOf()): the directory of the same name in `runsDir` (default:
/// its own runs folder, workspaceRunsDir()) — or `<name>-<database file's base name>` there when
/// that one belongs to another workspace too (a copy beside the original shares its runs folder).
/// "" when `runDir` is not another workspace's: then the run's own directory is the place.
QString ownRunDirFor(const QString& runDir, const QString& dbPath, const QString& runsDir = {});

}  // namespace adamix::app
