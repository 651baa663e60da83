// adamix runs list
// SPDX-License-Identifier: GPL-3.0-or-later
#include "cli_common.h"
#include "cli_store.h"
#include "commands.h"

#include "exec/study_runner.h"
#include "store/store.h"

#include <QDateTime>
#include <QFileInfo>

namespace adamix::cli {

int cmdRunsList(const QStringList& args) {
  QCommandLineParser p;
  p.setApplicationDescription("Lists the runs in the database, oldest first.");
  addDbOption(p);
  p.addOption({"status",
               "Only runs with this status (queued, running, finished, failed, cancelled, lost, "
               "interrupted); may be repeated.",
               "S"});
  p.addOption({"study", "Only runs of this study.", "NAME"});
  if (int rc = parseCommand(p, "runs list", args); rc >= 0) return rc;
  if (!p.positionalArguments().isEmpty()) {
    err() << "adamix runs list: unexpected argument '" << p.positionalArguments().first() << "'\n";
    return kUsage;
  }
  app::RunFilter f;
  for (const QString& s : p.values("status")) {
    app::RunState st;
    if (!app::parseRunState(s, &st)) {
      err() << "adamix runs list: unknown status '" << s << "'\n";
      return kUsage;
    }
    f.statuses.push_back(st);
  }
  app::Store store;
  if (!openStore(p, store, true)) return kStoreError;
  try {
    app::StudyRunner::markDeadRunsInterrupted(store, app::kDefaultHeartbeatTimeoutS);
    if (p.isSet("study")) {
      const auto s = findStudyOrFail(store, p.value("study"));
      if (!s) return kBadInput;
      f.studyId = s->id;
    }
    QList<QStringList> rows;
    for (const app::RunRecord& r : store.listRuns(f)) {
      QString started, duration;
      if (r.started) started = QDateTime::fromMSecsSinceEpoch(qint64(*r.started * 1000)).toString("yyyy-MM-dd HH:mm");
      if (r.started && r.finished) duration = formatDuration(*r.finished - *r.started);
      QString error = r.errorKind;
      if (!r.errorMessage.isEmpty())
        error += ": " + (r.errorMessage.size() > 60 ? r.errorMessage.left(59) + "…" : r.errorMessage);
      if (!r.errorLocation.isEmpty()) error += " @ " + r.errorLocation;
      rows << QStringList{QString::number(r.id),
                          app::runStateName(r.status),
                          r.task,
                          r.variant,
                          QString::number(r.seed),
                          r.runKey.left(8),
                          started,
                          duration,
                          error};
    }
    out() << formatTable({"id", "status", "task", "variant", "seed", "key", "started", "took", "error"}, rows);
  } catch (const std::exception& e) {
    return storeFailure(store, e);
  }
  return kOk;
}

}  // namespace adamix::cli
