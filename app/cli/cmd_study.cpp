// adamix study run / study status
// SPDX-License-Identifier: GPL-3.0-or-later
#include "cli_common.h"
#include "cli_store.h"
#include "cluster_followers.h"
#include "commands.h"
#include "executor_options.h"
#include "signal_guard.h"
#include "progress.h"

#include "assets/assets.h"
#include "exec/follow_spec.h"
#include "exec/study_launch.h"
#include "exec/study_runner.h"
#include "export/curves.h"
#include "export/pivot.h"
#include "export/result_set.h"
#include "store/run_dir_owner.h"
#include "store/store.h"
#include "study/study.h"

#include <QCoreApplication>
#include <QDir>
#include <QFileInfo>
#include <QSaveFile>
#include <QEventLoop>
#include <QRegularExpression>
#include <QSocketNotifier>

#include <functional>
#include <memory>
#include <optional>

#include <csignal>
#ifdef Q_OS_UNIX
#include <unistd.h>
#endif

namespace adamix::cli {

namespace {

bool writeText(const QString& path, const QString& text, QString* error) {
  QSaveFile f(path);
  if (!f.open(QIODevice::WriteOnly | QIODevice::Text) || f.write(text.toUtf8()) < 0 || !f.commit()) {
    *error = QStringLiteral("cannot write %1: %2").arg(path, f.errorString());
    return false;
  }
  return true;
}

/// A study name as a file name: other characters than [A-Za-z0-9._-] become '_', and leading dots
/// go (a name such as "../../x" wrote hidden files, ".._.._x.md").
QString safeFileName(QString s) {
  s.replace(QRegularExpression(QStringLiteral("[^A-Za-z0-9._-]+")), QStringLiteral("_"));
  while (s.startsWith(QLatin1Char('.'))) s.remove(0, 1);
  return s.isEmpty() ? QStringLiteral("study") : s;
}

}  // namespace

/// Writes <dir>/<study>.{md,tex,csv} (results pivot) and <study>-curves.csv; returns the paths.
QStringList exportStudyTables(app::Store& store, qint64 studyId, const QString& studyName, const QString& dir,
                              QString* error) {
  const app::ResultSet results = app::resultSetFromStore(store, studyId);
  if (results.runs.empty()) return {};
  const app::PivotTable table = app::buildPivot(results);
  const QString base = QDir(dir).filePath(safeFileName(studyName));
  const QList<std::pair<QString, QString>> files{
      {base + ".md", app::pivotToMarkdown(table)},
      {base + ".tex", app::pivotToLatex(table)},
      {base + ".csv", app::pivotToCsv(table)},
  };
  QStringList paths;
  for (const auto& [path, text] : files) {
    if (!writeText(path, text, error)) return {};
    paths << path;
  }
  // the curves are streamed from the store into the file (they can be millions of points)
  const QString curves = base + "-curves.csv";
  QSaveFile f(curves);
  bool ok = f.open(QIODevice::WriteOnly | QIODevice::Text);
  try {
    if (ok) app::writeCurvesCsv(store, studyId, {}, {}, f);
  } catch (const app::StoreError&) {
    throw;
  } catch (const std::runtime_error&) {
    ok = false;
  }
  if (!ok || !f.commit()) {
    *error = QStringLiteral("cannot write %1: %2").arg(curves, f.errorString());
    return {};
  }
  paths << curves;
  return paths;
}

int cmdStudyRun(const QStringList& args) {
  QCommandLineParser p;
  p.setApplicationDescription(
      "Expands a study file into runs, trains those not already finished (resuming interrupted\n"
      "ones from their checkpoints), stores everything in the database and writes the result\n"
      "tables (Markdown, LaTeX, CSV) next to it.");
  p.addPositionalArgument("FILE", "Study file (JSON, docs/study-files.md).");
  addDbOption(p);
  p.addOptions({
      {"jobs", "Runs trained at the same time (default 1).", "N"},
      {"threads", "Threads per run (default 1).", "N"},
      {"force", "Train again even when an identical config already finished."},
      {"runs-dir", "Run directories (default: <db dir>/runs).", "DIR"},
      {"engine", "adamix-engine executable (default: $ADAMIX_ENGINE, next to adamix, build tree, PATH).", "PATH"},
      {"cache", "Asset cache (default: $ADAMIX_ASSET_CACHE or ~/.cache/adamix/assets).", "DIR"},
      {"mirror", "Copy assets from this directory laid out like ../shared (default: $ADAMIX_ASSET_MIRROR).", "DIR"},
      {"heartbeat-timeout",
       QStringLiteral("Seconds without engine output before a run is marked lost (default %1).")
           .arg(app::kDefaultHeartbeatTimeoutS),
       "S"},
      {"no-export", "Do not write result tables at the end."},
  });
  addExecutorOptions(p);
  if (int rc = parseCommand(p, "study run", args); rc >= 0) return rc;
  if (p.positionalArguments().size() != 1) {
    err() << "adamix study run: expected one study FILE\n";
    return kUsage;
  }
  int jobs = 1, threads = 1, heartbeatS = app::kDefaultHeartbeatTimeoutS;
  if (!intOption(p, "jobs", 1, &jobs) || !intOption(p, "threads", 1, &threads) ||
      !intOption(p, "heartbeat-timeout", 1, &heartbeatS))
    return kUsage;
  const QString file = p.positionalArguments().first();

  // 1. the study file, and where its runs execute (its executor section, then the options)
  app::Study study;
  try {
    study = app::loadStudyFile(file);
  } catch (const std::exception& e) {
    err() << e.what() << "\n";
    return kBadInput;
  }
  app::ExecutorSpec spec = study.executor;
  if (!applyExecutorOptions(p, &spec)) return kUsage;
  // --jobs: runs at once (Slurm: the array's %K; without it or a study value, no limit)
  if (p.isSet("jobs")) spec.jobs = jobs;
  else if (spec.jobs > 0) jobs = spec.jobs;
  else if (!spec.isSlurm()) spec.jobs = jobs;
  if (spec.threads > 0 && !p.isSet("threads")) threads = spec.threads;
  spec.threads = threads;
  if (spec.isSlurm() && p.isSet("heartbeat-timeout")) {
    // Slurm's own check (the executor section's heartbeat_timeout_s); stored with each run submitted
    if (heartbeatS < app::kMinSlurmHeartbeatTimeoutS) {
      err() << "adamix: --heartbeat-timeout: on Slurm at least " << app::kMinSlurmHeartbeatTimeoutS
            << " seconds (a poll must see the event log grow in time), got " << heartbeatS << "\n";
      return kUsage;
    }
    spec.slurm.heartbeatTimeoutS = heartbeatS;
  }

  // 2. the assets it names, and the runs
  const app::AssetCache cache(p.value("cache"));
  app::FetchOptions fo;
  fo.mirrorDir = p.value("mirror");
  fo.log = [](const QString& s) {
    out() << "  " << s << "\n";
    out().flush();
  };
  std::vector<app::ExpandedRun> runs;
  try {
    runs = app::fetchAndExpand(study, cache, fo, [](const QString& name, const app::FetchResult& r) {
      for (const QString& w : r.warnings) err() << "warning: " << w << "\n";
      if (r.ok)
        out() << "asset " << name << ": " << r.path
              << (r.copied ? QStringLiteral(" (%1 files fetched)").arg(r.copied) : QString()) << "\n";
    });
  } catch (const app::LaunchError& e) {
    err() << "adamix: asset " << e.subject() << ": " << e.detail() << "\n";
    return kAssetError;
  } catch (const std::exception& e) {
    err() << QFileInfo(file).fileName() << ": " << e.what() << "\n";
    return kBadInput;
  }

  // 3. the store and the plan. From here on the store holds this launch's runs: a stop signal
  // (SIGINT, SIGTERM) is taken from the event loop, never the default action, which would leave
  // the runs planned so far queued with no launcher. One that comes while the runs are planned (the
  // engine's version is asked, ~0.5–1 s) stops the launch before it starts any (below).
  int stopSignal = 0;
  std::function<void(int)> onStop = [&](int sig) { stopSignal = sig; };
  std::optional<SignalGuard> guard(std::in_place, [&](int sig) { onStop(sig); });
  app::Store store;
  if (!openStore(p, store, false)) return kStoreError;
  const QString db = store.path();
  app::LaunchPlan plan;
  app::ExecutorOptions eo;
  eo.jobs = jobs;
  eo.threadsPerRun = threads;
  eo.heartbeatTimeoutMs = heartbeatS * 1000;
  eo.enginePath = app::locateEngine(p.value("engine"));
  const QString runsDir =
      p.isSet("runs-dir") ? QDir(p.value("runs-dir")).absolutePath() : app::workspaceRunsDir(db);
  std::unique_ptr<app::StudyRunner> runner;
  try {
    const int stale = app::StudyRunner::markDeadRunsInterrupted(store, heartbeatS);
    if (stale) out() << stale << " run(s) left running by an earlier invocation marked interrupted\n";
    runner = std::make_unique<app::StudyRunner>(
        store, app::createExecutor(spec, eo, QFileInfo(db).absoluteDir().filePath("slurm"), study.name));
    app::PlanOptions po;
    po.runsDir = runsDir;
    po.force = p.isSet("force");
    plan = app::planLaunch(*runner, study, QFileInfo(file).absoluteFilePath(), runs, po);
  } catch (const std::exception& e) {
    return storeFailure(store, e);
  }
  // runs an earlier launch submitted to Slurm and that are still queued or running there: followed
  // through Slurm (docs/cluster.md), each with the settings it was submitted with (app::followSpecFor:
  // not this launch's, nor the study file's), never by this launch's runner
  std::vector<app::RunRecord> onCluster;
  std::unique_ptr<ClusterFollowers> cluster;
  app::LaunchPlan own = plan;  // what this launch's runner starts
  try {
    onCluster = app::takeRunsToFollow(store, own);
    if (!onCluster.empty()) cluster = std::make_unique<ClusterFollowers>(store, onCluster, stdoutIsTty());
  } catch (const std::exception& e) {
    return storeFailure(store, e);
  }
  const int train = plan.count(app::PlannedRun::Action::Train);
  const int resume = plan.count(app::PlannedRun::Action::Resume);
  const int inFlight = plan.inFlight();
  const int skip = plan.count(app::PlannedRun::Action::Skip) - inFlight;
  // runs on Slurm from an earlier launch, or trained by another launcher now: followed to their end
  const bool follow = inFlight > 0;
  out() << "study " << study.name << ": " << plan.runs.size() << " runs — " << train << " to train, " << resume
        << " to resume, " << skip << " already done";
  const int elsewhere = inFlight - int(onCluster.size());
  if (!onCluster.empty()) out() << ", " << onCluster.size() << " still queued or running on Slurm (followed)";
  if (elsewhere > 0) out() << ", " << elsewhere << " still queued or running by another launcher (followed)";
  out() << "\n";
  out() << "database " << db << "\n";
  for (const app::PlannedRun& r : plan.runs)
    if (const QString beside =
            r.otherWorkspace.isEmpty() ? QString() : app::databaseBesideOwning(r.otherWorkspaceRunDir, db);
        !beside.isEmpty())
      // another database in this folder owns the directory (a copy beside, or one that trained the same study)
      out() << "note: " << r.run.runId << ": " << (r.previousState ? "its stored" : "its") << " run directory "
            << r.otherWorkspaceRunDir << " belongs to " << beside << ", a database beside this one; it runs in "
            << r.runDir
            << " instead, leaving that directory "
               "untouched\n";
    else if (!r.otherWorkspace.isEmpty())
      out() << "note: " << r.run.runId << ": its stored run directory " << r.otherWorkspaceRunDir
            << " is in the runs folder of another workspace, " << r.otherWorkspace
            << " (is this database a copy of that workspace's?); it runs in " << r.runDir << " instead, leaving "
            << r.otherWorkspace << " untouched\n";
    else if (r.sharedWith)
      out() << "note: " << r.run.runId << ": its stored run directory " << r.otherWorkspaceRunDir
            << " (made before owner files) "
            << (r.sharedWith->unreadable.isEmpty()
                    ? QStringLiteral(
                          "is also that of run #%1 of %2, a database beside this one (is one a copy of the other?)")
                          .arg(r.sharedWith->runId)
                          .arg(r.sharedWith->database)
                    : QStringLiteral("may be used by %1 beside this database, which could not be read (%2)")
                          .arg(r.sharedWith->database, r.sharedWith->unreadable))
            << (r.copyFrom.isEmpty() ? QStringLiteral("; it trains in %1 instead").arg(r.runDir)
                                     : QStringLiteral("; it resumes in %1 from a copy of it").arg(r.runDir))
            << ", leaving that directory untouched\n";
  out().flush();  // the plan, before the engine is asked its version (~0.5–1 s)
  if (const int older = plan.skippedFromOtherEngine(runner->engineVersion()))
    out() << "note: " << older << " already-done run(s) were trained by another adamix-engine version than "
          << runner->engineVersion()
          << " (their numbers may predate its training semantics); --force trains them again\n";
  out().flush();

  bool interrupted = false;
  QCoreApplication::processEvents();  // a stop signal that came while planning
  if (stopSignal != 0) {              // nothing is started; the tables are not written either
    const QString name = stopSignal == SIGINT ? QStringLiteral("SIGINT") : QStringLiteral("SIGTERM");
    const int ended = runner->endUnstarted(
        own.runs, app::RunState::Cancelled,
        {QStringLiteral("cancelled"), QStringLiteral("cancelled before it started (%1)").arg(name), {}, -1});
    out() << name << ": stopped before starting any run; " << ended << " new run(s) cancelled\n";
    return kInterrupted;
  }
  if (train + resume > 0 || follow) {
    if (train + resume > 0 && !app::engineUsable(eo)) {
      const QString where = eo.enginePath.isEmpty() ? QString() : " at " + eo.enginePath;
      err() << "adamix: adamix-engine not found" << where << " (use --engine PATH or $ADAMIX_ENGINE)\n";
      runner->endUnstarted(
          own.runs, app::RunState::Failed,
          {QStringLiteral("engine"), QStringLiteral("not started: adamix-engine not found%1").arg(where), {}, -1});
      return kEngineError;
    }
    if (spec.isSlurm())
      out() << "engine " << eo.enginePath << ", Slurm job array ("
            << (spec.jobs > 0 ? QStringLiteral("at most %1 run(s) at once").arg(spec.jobs)
                              : QStringLiteral("no limit of runs at once"))
            << ") × " << threads << " thread(s)\n";
    else
      out() << "engine " << eo.enginePath << ", " << jobs << " job(s) × " << threads << " thread(s)\n";
    Progress progress(*runner, stdoutIsTty());
    QEventLoop loop;
    // onStop below refers to `progress` and `loop`: back to the flag before they go, on every way out
    struct OnStopReset {
      std::function<void(int)>& onStop;
      int& stopSignal;
      ~OnStopReset() {
        onStop = [&s = stopSignal](int sig) { s = sig; };
      }
    } onStopReset{onStop, stopSignal};
    auto allIdle = [&] { return runner->isIdle() && (!cluster || cluster->isIdle()); };
    QObject::connect(runner.get(), &app::StudyRunner::allFinished, &loop, [&] {
      if (allIdle()) loop.quit();
    });
    if (cluster)
      cluster->onAllFinished(&loop, [&] {
        if (allIdle()) loop.quit();
      });
    onStop = [&](int sig) {
      const char* name = sig == SIGINT ? "SIGINT" : "SIGTERM";
      if (spec.isSlurm() || (cluster && !cluster->isIdle() && runner->isIdle())) {
        // the jobs belong to the cluster: stop following, they go on (adamix study follow/cancel)
        progress.log(QStringLiteral("%1: stopped following; the Slurm jobs go on (adamix study follow %2 to watch "
                                    "them again, adamix study cancel %2 to stop them)")
                         .arg(name, study.name));
        interrupted = true;
        loop.quit();
        return;
      }
      if (!interrupted) progress.log(QStringLiteral("%1: cancelling runs (they stay resumable)…").arg(name));
      interrupted = true;
      runner->cancelAll();
      if (cluster) {  // the Slurm jobs go on; stop following them
        cluster->finish();
        cluster.reset();
      }
    };
    int started = app::startLaunch(*runner, own);
    if (cluster) started += cluster->reattach();
    if (spec.isSlurm() && p.isSet("detach")) {
      QCoreApplication::processEvents();  // the submission (sbatch) of the runs just queued
      progress.finish();
      const auto ended = runner->outcome();  // a refused submission ends its runs failed at once
      if (const auto failed = ended.find(app::RunState::Failed); failed != ended.end() && failed->second > 0) {
        err() << "adamix: " << failed->second << " run(s) could not be submitted (see above)\n";
        return kRunsFailed;
      }
      out() << "submitted; the jobs run on the cluster: adamix study follow " << study.name
            << " (or study status) follows them\n";
      return kOk;
    }
    if (started > 0 && !allIdle()) loop.exec();
    progress.finish();
    if (cluster) cluster->finish();
  }
  guard.reset();  // the tables: the default action again

  // 4. summary and tables
  auto outcome = runner->outcome();
  if (cluster)
    for (const auto& [state, n] : cluster->outcome()) outcome[state] += n;
  auto count = [&](app::RunState s) {
    auto it = outcome.find(s);
    return it == outcome.end() ? 0 : it->second;
  };
  if (train + resume > 0 || follow) {
    out() << "done: " << count(app::RunState::Finished) << " finished, " << count(app::RunState::Failed) << " failed, "
          << count(app::RunState::Lost) << " lost, " << count(app::RunState::Cancelled) << " cancelled\n";
  }
  if (!p.isSet("no-export")) {
    QString error;
    QStringList paths;
    try {
      paths = exportStudyTables(store, plan.studyId, study.name, QFileInfo(db).absolutePath(), &error);
    } catch (const std::exception& e) {
      error = QString::fromUtf8(e.what());
    }
    if (!error.isEmpty()) {
      err() << "adamix: export: " << error << "\n";
      return kOutputError;
    }
    if (paths.isEmpty()) out() << "no finished runs yet: no tables written\n";
    for (const QString& path : paths) out() << "wrote " << path << "\n";
  }
  out().flush();
  if (interrupted) return kInterrupted;
  const int bad = count(app::RunState::Failed) + count(app::RunState::Lost) + count(app::RunState::Interrupted);
  return bad > 0 ? kRunsFailed : kOk;
}

int cmdStudyStatus(const QStringList& args) {
  QCommandLineParser p;
  p.setApplicationDescription("Counts of runs per status for each study in the database.");
  addDbOption(p);
  p.addOption({"study", "Only this study; also lists its runs that are not finished.", "NAME"});
  if (int rc = parseCommand(p, "study status", args); rc >= 0) return rc;
  if (!p.positionalArguments().isEmpty()) {
    err() << "adamix study status: unexpected argument '" << p.positionalArguments().first() << "'\n";
    return kUsage;
  }
  app::Store store;
  if (!openStore(p, store, true)) return kStoreError;
  try {
    app::StudyRunner::markDeadRunsInterrupted(store, app::kDefaultHeartbeatTimeoutS);
    std::optional<qint64> only;
    if (p.isSet("study")) {
      const auto s = findStudyOrFail(store, p.value("study"));
      if (!s) return kBadInput;
      only = s->id;
    }
    refreshClusterRuns(store, only);  // runs on Slurm: their state now, from Slurm and their logs
    const QList<app::RunState> order{app::RunState::Finished,   app::RunState::Running, app::RunState::Queued,
                                     app::RunState::Failed,     app::RunState::Lost,    app::RunState::Cancelled,
                                     app::RunState::Interrupted};
    QStringList header{"study", "runs"};
    for (auto s : order) header << app::runStateName(s);
    QList<QStringList> rows;
    std::vector<app::StudyRecord> studies = store.listStudies();
    if (p.isSet("study")) {
      const auto s = findStudyOrFail(store, p.value("study"));
      if (!s) return kBadInput;
      studies = {*s};
    }
    for (const app::StudyRecord& s : studies) {
      app::RunFilter f;
      f.studyId = s.id;
      const auto runs = store.listRuns(f);
      QStringList row{s.name, QString::number(runs.size())};
      for (auto st : order)
        row << QString::number(std::count_if(runs.begin(), runs.end(), [&](const auto& r) { return r.status == st; }));
      rows << row;
      if (p.isSet("study")) {
        out() << formatTable(header, rows) << "\n";
        QList<QStringList> open;
        bool cluster = false;
        for (const auto& r : runs) cluster = cluster || !r.jobId.isEmpty();
        for (const auto& r : runs) {
          if (r.status == app::RunState::Finished) continue;
          QStringList row{QString::number(r.id), app::runStateName(r.status), r.task, app::variantDisplayName(r.variant),
                          QString::number(r.seed)};
          if (cluster)
            row << r.jobId
                << (r.jobState.isEmpty() ? QString()
                                         : r.jobState + (r.jobReason.isEmpty() ? QString() : " (" + r.jobReason + ")"));
          row << (r.errorKind.isEmpty() ? QString() : r.errorKind + ": " + r.errorMessage.left(60));
          open << row;
        }
        QStringList openHeader{"id", "status", "task", "variant", "seed"};
        if (cluster) openHeader << "slurm job" << "slurm state";
        openHeader << "error";
        if (!open.isEmpty()) out() << formatTable(openHeader, open);
        return kOk;
      }
    }
    out() << formatTable(header, rows);
  } catch (const std::exception& e) {
    return storeFailure(store, e);
  }
  return kOk;
}

}  // namespace adamix::cli
