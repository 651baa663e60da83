// SPDX-License-Identifier: GPL-3.0-or-later
#include "exec/run_dir_copy.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>

namespace adamix::app {

namespace {

/// Copies one regular file over `to`; "" or what failed.
QString copyFile(const QString& from, const QString& to) {
  QFile::remove(to);
  QFile in(from);
  if (!in.copy(to)) return QStringLiteral("%1: cannot copy to %2: %3").arg(from, to, in.errorString());
  return {};
}

/// Copies the folder `from` (regular files and folders, links and special files left out) to `to`.
QString copyTree(const QString& from, const QString& to) {
  if (!QDir().mkpath(to)) return QStringLiteral("%1: cannot make the folder").arg(to);
  for (const QFileInfo& e : QDir(from).entryInfoList(
           QDir::Files | QDir::Dirs | QDir::Hidden | QDir::NoDotAndDotDot | QDir::NoSymLinks, QDir::Name)) {
    const QString target = QDir(to).filePath(e.fileName());
    const QString why = e.isDir()    ? copyTree(e.filePath(), target)
                        : e.isFile() ? copyFile(e.filePath(), target)
                                     : QString();
    if (!why.isEmpty()) return why;
  }
  return {};
}

}  // namespace

QString copyRunDirectory(const QString& from, const QString& to) {
  if (!QFileInfo(from).isDir()) return QStringLiteral("%1: not a folder").arg(from);
  if (!QDir().mkpath(to)) return QStringLiteral("%1: cannot make the folder").arg(to);
  const QDir src(from), dst(to);
  if (const QFileInfo log(src.filePath(QStringLiteral("events.jsonl"))); log.isFile() && !log.isSymLink())
    if (QString why = copyFile(log.filePath(), dst.filePath(log.fileName())); !why.isEmpty()) return why;
  // the checkpoint whole or not at all: copied beside, then renamed
  const QString checkpoint = src.filePath(QStringLiteral("checkpoint"));
  if (!QFileInfo(checkpoint).isDir() || QFileInfo(checkpoint).isSymLink()) return {};
  const QString target = dst.filePath(QStringLiteral("checkpoint")), partial = target + QStringLiteral(".copying");
  QDir(partial).removeRecursively();
  if (QString why = copyTree(checkpoint, partial); !why.isEmpty()) {
    QDir(partial).removeRecursively();
    return why;
  }
  QDir(target).removeRecursively();
  if (!QDir().rename(partial, target)) return QStringLiteral("%1: cannot rename to %2").arg(partial, target);
  return {};
}

}  // namespace adamix::app
