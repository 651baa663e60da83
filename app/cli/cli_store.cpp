// SPDX-License-Identifier: GPL-3.0-or-later
#include "cli_store.h"

#include "cli_common.h"

#include <QDir>
#include <QFileInfo>

namespace adamix::cli {

bool openStore(const QCommandLineParser& parser, app::Store& store, bool mustExist) {
  const QString db = mustExist ? existingDbPath(parser) : dbPath(parser);
  if (db.isEmpty()) return false;
  try {
    if (!mustExist) QDir().mkpath(QFileInfo(db).absolutePath());
    store.open(db);
  } catch (const std::exception& e) {
    storeFailure(store, e);
    return false;
  }
  return true;
}

std::optional<app::StudyRecord> findStudyOrFail(app::Store& store, const QString& name) {
  auto s = store.findStudy(name);
  if (!s) err() << "adamix: no study named '" << name << "' in " << store.path() << "\n";
  return s;
}

int storeFailure(const app::Store& store, const std::exception& e) {
  err() << "adamix: database " << store.path() << ": " << e.what() << "\n";
  return kStoreError;
}

}  // namespace adamix::cli
