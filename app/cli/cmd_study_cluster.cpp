// adamix study follow / study cancel, and the scheduler refresh of `study status`: runs that
// execute on a cluster (Slurm) outlive the command that submitted them.
// SPDX-License-Identifier: GPL-3.0-or-later
#include "cli_common.h"
#include "cli_store.h"
#include "cluster_followers.h"
#include "commands.h"
#include "signal_guard.h"

#include "exec/follow_spec.h"
#include "exec/slurm/slurm_executor.h"
#include "exec/study_runner.h"
#include "store/store.h"

#include <QDir>
#include <QEventLoop>
#include <QFileInfo>
#include <QTimer>

#include <functional>
#include <map>
#include <memory>

namespace adamix::cli {

namespace {

int printOutcome(const std::map<app::RunState, int>& outcome) {
  auto count = [&](app::RunState s) {
    auto it = outcome.find(s);
    return it == outcome.end() ? 0 : it->second;
  };
  out() << "done: " << count(app::RunState::Finished) << " finished, " << count(app::RunState::Failed) << " failed, "
        << count(app::RunState::Lost) << " lost, " << count(app::RunState::Cancelled) << " cancelled\n";
  return count(app::RunState::Failed) + count(app::RunState::Lost) + count(app::RunState::Interrupted);
}

/// Follows `runs` until they end (or SIGINT/SIGTERM: the jobs go on), each with the settings it
/// was submitted with (ClusterFollowers). `cancel`: scancel them first.
int followRuns(app::Store& store, const app::StudyRecord& study, const std::vector<app::RunRecord>& runs, bool cancel,
               bool exportTables) {
  auto followers = std::make_unique<ClusterFollowers>(store, runs, stdoutIsTty());
  QEventLoop loop;
  followers->onAllFinished(&loop, [&] {
    if (followers->isIdle()) loop.quit();
  });
  bool stopped = false;
  SignalGuard guard([&](int) {
    followers->log(QStringLiteral("stopped following; the Slurm jobs go on (adamix study follow %1)").arg(study.name));
    stopped = true;
    loop.quit();
  });
  const int n = followers->reattach();
  out() << "following " << n << " run(s) of study " << study.name << " on Slurm\n";
  out().flush();
  if (cancel) followers->cancelAll();
  if (n > 0 && !followers->isIdle()) loop.exec();
  followers->finish();
  if (stopped) return kInterrupted;
  const int bad = printOutcome(followers->outcome());
  followers.reset();
  if (exportTables) {
    QString error;
    QStringList paths;
    try {
      paths = exportStudyTables(store, study.id, study.name, QFileInfo(store.path()).absolutePath(), &error);
    } catch (const std::exception& e) {
      error = QString::fromUtf8(e.what());
    }
    if (!error.isEmpty()) {
      err() << "adamix: export: " << error << "\n";
      return kOutputError;
    }
    for (const QString& path : paths) out() << "wrote " << path << "\n";
  }
  return cancel || bad == 0 ? kOk : kRunsFailed;
}

}  // namespace

int refreshClusterRuns(app::Store& store, std::optional<qint64> studyId) {
  const std::vector<app::RunRecord> runs = app::runsInFlightOnScheduler(store, studyId);
  int n = 0;
  // one runner per study and launch settings: each run is asked about as it was submitted
  for (const app::FollowGroup& g : app::groupRunsToFollow(store, runs)) {
    auto runner = clusterRunner(store, g.study.name, g.spec);
    auto* slurm = qobject_cast<app::SlurmExecutor*>(&runner->executor());
    if (!slurm) continue;
    QEventLoop loop;
    QObject::connect(slurm, &app::SlurmExecutor::pollFinished, &loop, &QEventLoop::quit);
    reportExecutorWarnings(*runner, &loop);  // a Slurm command that failed: on stderr
    QTimer::singleShot(120000, &loop, &QEventLoop::quit);  // a controller that does not answer
    if (runner->reattach(g.runs) > 0) loop.exec();
    n += int(g.runs.size());
  }
  return n;
}

namespace {

/// "nothing of study S is queued or running on a cluster"; kOk.
int nothingInFlight(const app::StudyRecord& study) {
  out() << "nothing of study " << study.name << " is queued or running on a cluster\n";
  return kOk;
}

/// The common part of `study follow` and `study cancel`: parses `p` (one STUDY argument), opens
/// the store, finds the study and its runs in flight on a cluster, and calls `act` with them.
/// Store failures are reported as for every command.
int onRunsInFlight(QCommandLineParser& p, const QStringList& args, const QString& words,
                   const std::function<int(app::Store&, const app::StudyRecord&, std::vector<app::RunRecord>&)>& act) {
  p.addPositionalArgument("STUDY", "Study name (as in `study status`).");
  addDbOption(p);
  if (int rc = parseCommand(p, words, args); rc >= 0) return rc;
  if (p.positionalArguments().size() != 1) {
    err() << "adamix " << words << ": expected one STUDY name\n";
    return kUsage;
  }
  app::Store store;
  if (!openStore(p, store, true)) return kStoreError;
  try {
    const auto study = findStudyOrFail(store, p.positionalArguments().first());
    if (!study) return kBadInput;
    std::vector<app::RunRecord> runs = app::runsInFlightOnScheduler(store, study->id);
    return act(store, *study, runs);
  } catch (const std::exception& e) {
    return storeFailure(store, e);
  }
}

}  // namespace

int cmdStudyFollow(const QStringList& args) {
  QCommandLineParser p;
  p.setApplicationDescription(
      "Follows the runs of a study that are queued or running on Slurm (submitted by `study run\n"
      "--executor slurm`, also from an earlier session): their events go into the database as\n"
      "they run; at the end the result tables are written as by `study run`. Ctrl-C stops\n"
      "following; the jobs go on.");
  p.addOption({"no-export", "Do not write result tables at the end."});
  return onRunsInFlight(p, args, "study follow", [&](app::Store& store, const app::StudyRecord& study, auto& runs) {
    return runs.empty() ? nothingInFlight(study) : followRuns(store, study, runs, false, !p.isSet("no-export"));
  });
}

int cmdStudyCancel(const QStringList& args) {
  QCommandLineParser p;
  p.setApplicationDescription(
      "Cancels the runs of a study that are queued or running on Slurm (scancel); running engines\n"
      "checkpoint first, so `study run` resumes them. Waits until Slurm reports them cancelled.");
  p.addOption({"run", "Only this run (database id; repeatable).", "ID"});
  return onRunsInFlight(p, args, "study cancel", [&](app::Store& store, const app::StudyRecord& study, auto& runs) {
    std::vector<app::RunRecord> chosen;
    for (const QString& text : p.values("run")) {
      bool ok = false;
      const qint64 id = text.toLongLong(&ok);
      auto it = std::find_if(runs.begin(), runs.end(), [&](const app::RunRecord& r) { return ok && r.id == id; });
      if (it == runs.end()) {
        err() << "adamix study cancel: run " << text << " of study " << study.name
              << " is not queued or running on a cluster\n";
        return int(kBadInput);
      }
      chosen.push_back(*it);
    }
    if (!p.isSet("run")) chosen = runs;
    return chosen.empty() ? nothingInFlight(study) : followRuns(store, study, chosen, true, false);
  });
}

}  // namespace adamix::cli
