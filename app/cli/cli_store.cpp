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

std::optional<app::RunRecord> findRunOrFail(app::Store& store, const QString& text) {
  bool isId = false;
  const qint64 id = text.toLongLong(&isId);
  if (isId)
    if (auto r = store.run(id)) return r;
  std::vector<app::RunRecord> matches;
  for (app::RunRecord& r : store.listRuns()) {
    const bool byKey = text.size() >= 4 && r.runKey.startsWith(text, Qt::CaseInsensitive);
    const bool byName = r.config.is_object() && r.config.value("run_id", std::string()) == text.toStdString();
    if (byKey || byName) matches.push_back(std::move(r));
  }
  if (matches.size() == 1) return matches.front();
  if (matches.empty())
    err() << "adamix: no run '" << text << "' in " << store.path()
          << " (give its id or a config hash prefix of at least 4 characters, see 'adamix runs list')\n";
  else
    err() << "adamix: '" << text << "' matches " << matches.size() << " runs in " << store.path()
          << "; give its id (see 'adamix runs list')\n";
  return std::nullopt;
}

int storeFailure(const app::Store& store, const std::exception& e) {
  err() << "adamix: database " << store.path() << ": " << e.what() << "\n";
  return kStoreError;
}

}  // namespace adamix::cli
