// SPDX-License-Identifier: GPL-3.0-or-later
#include "shell/demo_locator.h"

#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QStandardPaths>

namespace adamix::ui {

QString findDemoStudy() {
  QStringList candidates;
  const QString env = qEnvironmentVariable("ADAMIX_DEMO_STUDY");
  if (!env.isEmpty()) candidates << env;
  const QDir app(QCoreApplication::applicationDirPath());
  // installed (packaging/: the examples carry the study extension), then the source tree
  candidates << app.filePath("../share/adamix/experiments/demo.adamix.json") << app.filePath("../experiments/demo.json")
             << app.filePath("../../experiments/demo.json") << QDir::current().filePath("experiments/demo.json");
#ifdef ADAMIX_SOURCE_DIR_HINT
  candidates << QDir(QStringLiteral(ADAMIX_SOURCE_DIR_HINT)).filePath("experiments/demo.json");
#endif
  for (const QString& c : candidates)
    if (QFile::exists(c)) return QDir::cleanPath(QDir(c).absolutePath());
  return {};
}

QString defaultDemoWorkspace(const QString& demoStudy) {
  if (!demoStudy.isEmpty()) {
    const QString trained = QFileInfo(demoStudy).absoluteDir().filePath(QStringLiteral("../workspace/demo.sqlite"));
    if (QFile::exists(trained)) return QDir::cleanPath(trained);
  }
  const QString base = QStandardPaths::writableLocation(QStandardPaths::AppDataLocation);
  return QDir(base).filePath(QStringLiteral("demo/demo.sqlite"));
}

}  // namespace adamix::ui
