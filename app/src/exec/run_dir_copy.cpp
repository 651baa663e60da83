// SPDX-License-Identifier: GPL-3.0-or-later
#include "exec/run_dir_copy.h"

#include <QDir>
#include <QDirIterator>
#include <QFile>
#include <QFileInfo>

namespace adamix::app {

namespace {

QString copyTree(const QString& from, const QString& to, bool top) {
  if (!QDir().mkpath(to)) return QStringLiteral("%1: cannot make the folder").arg(to);
  const QDir src(from);
  const QFileInfoList entries =
      src.entryInfoList(QDir::Files | QDir::Dirs | QDir::Hidden | QDir::NoDotAndDotDot | QDir::NoSymLinks, QDir::Name);
  QStringList later;  // the checkpoint folder, last
  for (const QFileInfo& e : entries) {
    const QString name = e.fileName();
    if (top && (name == QLatin1String(".engine.lock") || name == QLatin1String("owner.json"))) continue;
    const QString target = QDir(to).filePath(name);
    if (e.isDir()) {
      if (top && name == QLatin1String("checkpoint")) {
        later << name;
        continue;
      }
      if (QString why = copyTree(e.filePath(), target, false); !why.isEmpty()) return why;
    } else if (e.isFile()) {
      QFile::remove(target);
      QFile in(e.filePath());
      if (!in.copy(target))
        return QStringLiteral("%1: cannot copy to %2: %3").arg(e.filePath(), target, in.errorString());
    }
  }
  for (const QString& name : later) {  // whole or not at all: copied beside, then renamed
    const QString target = QDir(to).filePath(name), partial = target + QStringLiteral(".copying");
    QDir(partial).removeRecursively();
    if (QString why = copyTree(src.filePath(name), partial, false); !why.isEmpty()) return why;
    QDir(target).removeRecursively();
    if (!QDir().rename(partial, target)) return QStringLiteral("%1: cannot rename to %2").arg(partial, target);
  }
  return {};
}

}  // namespace

QString copyRunDirectory(const QString& from, const QString& to) {
  if (!QFileInfo(from).isDir()) return QStringLiteral("%1: not a folder").arg(from);
  return copyTree(from, to, true);
}

}  // namespace adamix::app
