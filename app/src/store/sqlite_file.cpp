// SPDX-License-Identifier: GPL-3.0-or-later
#include "store/sqlite_file.h"

#include <QDir>
#include <QFile>

#include <sys/stat.h>

namespace adamix::app {

bool sqliteSideFile(const QString& fileName) {
  for (const char* suffix : {"-wal", "-shm", "-journal"})
    if (fileName.endsWith(QLatin1String(suffix))) return true;
  return false;
}

SqliteFileKind sqliteFileKind(const QFileInfo& f) {
  static const QByteArray header("SQLite format 3\0", 16);
  if (sqliteSideFile(f.fileName())) return SqliteFileKind::SideFile;
  if (f.size() < 100) return SqliteFileKind::Other;  // smaller than a header page: no database
  QFile file(f.filePath());
  if (!file.open(QIODevice::ReadOnly)) return SqliteFileKind::Unreadable;
  return file.read(16) == header ? SqliteFileKind::Database : SqliteFileKind::Other;
}

std::optional<FileId> fileIdOf(const QString& path) {
  struct stat st = {};
  if (::stat(QFile::encodeName(path).constData(), &st) != 0) return std::nullopt;
  return FileId{quint64(st.st_dev), quint64(st.st_ino)};
}

SameFileAs::SameFileAs(const QString& path) : path_(path), id_(fileIdOf(path)) {}

bool SameFileAs::operator()(const QString& other) const {
  return id_ ? fileIdOf(other) == id_ : canonicalOrClean(other) == canonicalOrClean(path_);
}

QString canonicalOrClean(const QString& path) {
  const QString c = QFileInfo(path).canonicalFilePath();
  return c.isEmpty() ? QDir::cleanPath(QFileInfo(path).absoluteFilePath()) : c;
}

}  // namespace adamix::app
