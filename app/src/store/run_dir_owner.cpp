// SPDX-License-Identifier: GPL-3.0-or-later
#include "store/run_dir_owner.h"

#include "store/sqlite_file.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QSaveFile>

#include <nlohmann/json.hpp>

namespace adamix::app {

namespace {

const char* const kOwnerFile = "owner.json";

/// True when `dir` holds an SQLite database file (its 16-byte header), whatever its name. The
/// database `self` (this process's store, reached through a symbolic or hard link or another mount) and SQLite's
/// side files are not opened: closing a descriptor of them would release the store's locks.
bool holdsSqliteDatabase(const QString& dir, const QString& self) {
  const SameFileAs ours(self);
  int looked = 0;
  for (const QFileInfo& f : QDir(dir).entryInfoList(QDir::Files | QDir::Hidden, QDir::Name)) {
    if (++looked > 500) break;                                    // a folder of data files: enough looking
    if (ours(f.filePath())) return true;                          // a database: ours (a link to it)
    if (sqliteFileKind(f) == SqliteFileKind::Database) return true;
  }
  return false;
}

}  // namespace

QString workspaceRunsDir(const QString& dbPath) {
  return QFileInfo(dbPath).absoluteDir().filePath(QStringLiteral("runs"));
}

bool claimRunDir(const QString& runDir, const QString& dbPath) {
  QSaveFile f(QDir(runDir).filePath(QLatin1String(kOwnerFile)));
  const nlohmann::json j = {{"database", canonicalOrClean(dbPath).toStdString()}};
  return f.open(QIODevice::WriteOnly) && f.write(QByteArray::fromStdString(j.dump(2) + "\n")) >= 0 && f.commit();
}

QString runDirOwner(const QString& runDir) {
  QFile f(QDir(runDir).filePath(QLatin1String(kOwnerFile)));
  if (!QFileInfo(f.fileName()).isFile() || f.size() > 64 * 1024 || !f.open(QIODevice::ReadOnly)) return {};
  const auto j = nlohmann::json::parse(f.readAll().toStdString(), nullptr, /*allow_exceptions=*/false);
  if (!j.is_object() || !j.contains("database") || !j["database"].is_string()) return {};
  return QString::fromStdString(j["database"].get<std::string>());
}

bool runDirOwnerUnknown(const QString& runDir) {
  const QString owner = runDirOwner(runDir);
  return owner.isEmpty() || !QFileInfo(owner).isFile();
}

QString otherWorkspaceOf(const QString& runDir, const QString& dbPath) {
  if (runDir.isEmpty()) return {};
  if (const QString owner = runDirOwner(runDir); !owner.isEmpty()) {
    if (!QFileInfo(owner).isFile() || canonicalOrClean(owner) == canonicalOrClean(dbPath)) return {};
    const QString ownerFolder = canonicalOrClean(QFileInfo(owner).absolutePath());
    const QString ourFolder = canonicalOrClean(QFileInfo(dbPath).absolutePath());
    const QString parent = canonicalOrClean(QFileInfo(QDir::cleanPath(runDir)).absolutePath());
    // in this workspace's runs folder, owned by a database of another folder: a workspace folder
    // copied whole, owner files included — its runs are the copy's
    if (parent == canonicalOrClean(workspaceRunsDir(dbPath)) && ownerFolder != ourFolder) return {};
    return QFileInfo(owner).absolutePath();
  }
  const QFileInfo runsFolder(QFileInfo(QDir::cleanPath(runDir)).absolutePath());  // <W>/runs
  if (runsFolder.fileName() != QLatin1String("runs")) return {};
  const QString workspace = runsFolder.absolutePath();  // <W>
  const QString canonical = QFileInfo(workspace).canonicalFilePath();
  if (canonical.isEmpty() || canonical == QFileInfo(QFileInfo(dbPath).absolutePath()).canonicalFilePath())
    return {};  // gone, or this workspace's own folder
  if (!holdsSqliteDatabase(workspace, dbPath)) return {};
  return workspace;
}

QString databaseBesideOwning(const QString& runDir, const QString& dbPath) {
  const QString owner = runDirOwner(runDir);
  if (owner.isEmpty() || !QFileInfo(owner).isFile() || canonicalOrClean(owner) == canonicalOrClean(dbPath)) return {};
  if (canonicalOrClean(QFileInfo(owner).absolutePath()) != canonicalOrClean(QFileInfo(dbPath).absolutePath()))
    return {};
  return owner;
}

QString otherOwnerText(const QString& runDir, const QString& dbPath) {
  if (const QString owner = databaseBesideOwning(runDir, dbPath); !owner.isEmpty())
    return QStringLiteral("%1, a database beside this one").arg(owner);
  return QStringLiteral("the workspace in %1 (is this database a copy of it?)").arg(otherWorkspaceOf(runDir, dbPath));
}

QString ownRunDirFor(const QString& runDir, const QString& dbPath, const QString& runsDir) {
  if (otherWorkspaceOf(runDir, dbPath).isEmpty()) return {};
  const QDir runs(runsDir.isEmpty() ? workspaceRunsDir(dbPath) : runsDir);
  const QString name = QFileInfo(QDir::cleanPath(runDir)).fileName();
  const QString same = runs.filePath(name);
  if (otherWorkspaceOf(same, dbPath).isEmpty() && QDir::cleanPath(same) != QDir::cleanPath(runDir)) return same;
  return runs.filePath(name + QLatin1Char('-') + QFileInfo(dbPath).completeBaseName());
}

}  // namespace adamix::app
