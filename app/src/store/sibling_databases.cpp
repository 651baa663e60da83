// SPDX-License-Identifier: GPL-3.0-or-later
#include "store/sibling_databases.h"

#include "store/sqlite_file.h"

#include <QAtomicInteger>
#include <QDir>
#include <QElapsedTimer>
#include <QFileInfo>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>

namespace adamix::app {

namespace {

constexpr int kMaxFiles = 2000;       // files of the folder looked at
constexpr int kMaxDatabases = 32;     // databases read
constexpr qint64 kMaxRuns = 1000000;  // runs read per database
constexpr int kBusyTimeoutMs = 2000;  // a database another process holds locked
constexpr int kTotalMs = 6000;        // all of them (a GUI waits): the rest are not read

QAtomicInteger<quint64> g_connections;

/// A file name databases go by (a file of such a name that cannot be read may be one).
bool databaseLikeName(const QString& fileName) {
  for (const char* suffix : {".sqlite", ".sqlite3", ".db", ".db3"})
    if (fileName.endsWith(QLatin1String(suffix), Qt::CaseInsensitive)) return true;
  return false;
}

}  // namespace

SiblingDatabases::SiblingDatabases(const QString& dbPath) {
  const QFileInfo db(dbPath);
  folder_ = db.absolutePath();
  // the store's own file under any name (a symbolic or a hard link beside it): never opened, as
  // closing a descriptor of it releases the store's locks
  const SameFileAs self(dbPath);
  QElapsedTimer clock;
  clock.start();
  int looked = 0;
  for (const QFileInfo& f : QDir(folder_).entryInfoList(QDir::Files | QDir::Hidden, QDir::Name)) {
    if (self(f.filePath())) continue;
    // never opened: this process holds SQLite's locks on its own database's side files, which
    // closing a descriptor of them releases (SIGBUS in sqlite3WalFindFrame while a study ran)
    if (sqliteSideFile(f.fileName())) continue;
    if (++looked > kMaxFiles) {
      unreadable_.push_back(
          {f.filePath(), 0, QStringLiteral("not looked at: past the folder's first %1 files").arg(kMaxFiles)});
      break;
    }
    const SqliteFileKind kind = sqliteFileKind(f);
    if (kind == SqliteFileKind::Other) continue;
    if (kind == SqliteFileKind::Unreadable) {
      if (databaseLikeName(f.fileName())) unreadable_.push_back({f.filePath(), 0, QStringLiteral("cannot be opened")});
      continue;
    }
    if (databases_.size() >= kMaxDatabases) {
      unreadable_.push_back(
          {f.filePath(), 0, QStringLiteral("not read: past the first %1 databases").arg(kMaxDatabases)});
      break;
    }
    if (clock.elapsed() > kTotalMs) {
      unreadable_.push_back(
          {f.filePath(), 0, QStringLiteral("not read: the databases before it took over %1 s").arg(kTotalMs / 1000)});
      break;
    }
    read(f.filePath());
  }
}

void SiblingDatabases::read(const QString& path) {
  const int index = int(databases_.size());
  databases_ << path;
  const QString connection = QStringLiteral("adamix-sibling-%1").arg(++g_connections);
  QString error;
  {
    QSqlDatabase d = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), connection);
    d.setDatabaseName(path);
    d.setConnectOptions(QStringLiteral("QSQLITE_OPEN_READONLY;QSQLITE_BUSY_TIMEOUT=%1").arg(kBusyTimeoutMs));
    auto failed = [&](const QSqlError& e) {
      error = e.text().trimmed();
      if (error.isEmpty()) error = QStringLiteral("unknown SQLite error");
    };
    // -> true when the runs table has a run_dir column; false with `error` empty: it has none
    auto hasRunDirs = [&]() {
      QSqlQuery q(d);
      if (!q.exec(QStringLiteral("SELECT name FROM pragma_table_info('runs')"))) {
        failed(q.lastError());
        return false;
      }
      bool found = false;
      while (q.next()) found = found || q.value(0).toString() == QLatin1String("run_dir");
      if (q.lastError().isValid()) failed(q.lastError());
      return found && error.isEmpty();
    };
    if (!d.open()) {
      failed(d.lastError());
    } else if (hasRunDirs()) {
      QSqlQuery q(d);
      q.setForwardOnly(true);
      if (!q.exec(QStringLiteral("SELECT id, run_dir FROM runs WHERE run_dir IS NOT NULL AND run_dir != ''"))) {
        failed(q.lastError());
      } else {
        qint64 rows = 0;
        while (q.next()) {
          if (++rows > kMaxRuns) {
            error = QStringLiteral("more than %1 runs").arg(kMaxRuns);
            break;
          }
          const QString dir = QDir::cleanPath(QDir(folder_).absoluteFilePath(q.value(1).toString()));
          byName_[QFileInfo(dir).fileName()].push_back({dir, index, q.value(0).toLongLong()});
        }
        if (error.isEmpty() && q.lastError().isValid()) failed(q.lastError());
      }
    }
    d.close();
  }
  QSqlDatabase::removeDatabase(connection);
  if (!error.isEmpty()) unreadable_.push_back({path, 0, error});
}

std::optional<SiblingUse> SiblingDatabases::useOf(const QString& runDir) const {
  const QString clean = QDir::cleanPath(QFileInfo(runDir).absoluteFilePath());
  const auto it = byName_.constFind(QFileInfo(clean).fileName());
  if (it != byName_.cend()) {
    QString canonical;  // resolved once, only when a name matches
    for (const Named& n : *it) {
      if (n.cleanPath != clean) {
        if (canonical.isNull()) canonical = QFileInfo(clean).canonicalFilePath();
        if (canonical.isEmpty() || QFileInfo(n.cleanPath).canonicalFilePath() != canonical) continue;
      }
      return SiblingUse{databases_[n.database], n.runId, {}};
    }
  }
  if (!unreadable_.empty()) return unreadable_.front();
  return std::nullopt;
}

}  // namespace adamix::app
