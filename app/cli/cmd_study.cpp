// adamix study run / study status
// SPDX-License-Identifier: GPL-3.0-or-later
#include "cli_common.h"
#include "cli_store.h"
#include "commands.h"
#include "progress.h"

#include "assets/assets.h"
#include "exec/study_launch.h"
#include "exec/study_runner.h"
#include "export/curves.h"
#include "export/pivot.h"
#include "export/result_set.h"
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

#include <csignal>
#ifdef Q_OS_UNIX
#include <unistd.h>
#endif

namespace adamix::cli {

namespace {

int g_signalPipe[2] = {-1, -1};

void onSignal(int sig) {
  const char c = char(sig);
  if (g_signalPipe[1] >= 0) (void)!::write(g_signalPipe[1], &c, 1);
}

/// Routes SIGINT/SIGTERM into the event loop (self-pipe); `handler` runs there.
class SignalGuard {
 public:
  explicit SignalGuard(std::function<void(int)> handler) {
#ifdef Q_OS_UNIX
    if (::pipe(g_signalPipe) != 0) return;
    notifier_ = new QSocketNotifier(g_signalPipe[0], QSocketNotifier::Read);
    QObject::connect(notifier_, &QSocketNotifier::activated, [handler] {
      char c = 0;
      if (::read(g_signalPipe[0], &c, 1) == 1) handler(int(c));
    });
    struct sigaction sa {};
    sa.sa_handler = onSignal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    ::sigaction(SIGINT, &sa, &oldInt_);
    ::sigaction(SIGTERM, &sa, &oldTerm_);
#endif
  }
  ~SignalGuard() {
#ifdef Q_OS_UNIX
    ::sigaction(SIGINT, &oldInt_, nullptr);
    ::sigaction(SIGTERM, &oldTerm_, nullptr);
    delete notifier_;
    if (g_signalPipe[0] >= 0) ::close(g_signalPipe[0]);
    if (g_signalPipe[1] >= 0) ::close(g_signalPipe[1]);
    g_signalPipe[0] = g_signalPipe[1] = -1;
#endif
  }

 private:
  QSocketNotifier* notifier_ = nullptr;
#ifdef Q_OS_UNIX
  struct sigaction oldInt_ {
  }, oldTerm_{};
#endif
};

bool writeText(const QString& path, const QString& text, QString* error) {
  QSaveFile f(path);
  if (!f.open(QIODevice::WriteOnly | QIODevice::Text) || f.write(text.toUtf8()) < 0 || !f.commit()) {
    *error = QStringLiteral("cannot write %1: %2").arg(path, f.errorString());
    return false;
  }
  return true;
}

QString safeFileName(QString s) {
  s.replace(QRegularExpression(QStringLiteral("[^A-Za-z0-9._-]+")), QStringLiteral("_"));
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
      {base + "-curves.csv", app::curvesToCsv(app::curvesFromStore(store, studyId))},
  };
  QStringList paths;
  for (const auto& [path, text] : files) {
    if (!writeText(path, text, error)) return {};
    paths << path;
  }
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

  // 1. the study file
  app::Study study;
  try {
    study = app::loadStudyFile(file);
  } catch (const std::exception& e) {
    err() << e.what() << "\n";
    return kBadInput;
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

  // 3. the store and the plan
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
      p.isSet("runs-dir") ? QDir(p.value("runs-dir")).absolutePath() : QFileInfo(db).absoluteDir().filePath("runs");
  std::unique_ptr<app::StudyRunner> runner;
  try {
    const int stale = app::StudyRunner::markDeadRunsInterrupted(store, heartbeatS);
    if (stale) out() << stale << " run(s) left running by an earlier invocation marked interrupted\n";
    runner = std::make_unique<app::StudyRunner>(store, eo);
    app::PlanOptions po;
    po.runsDir = runsDir;
    po.force = p.isSet("force");
    plan = app::planLaunch(*runner, study, QFileInfo(file).absoluteFilePath(), runs, po);
  } catch (const std::exception& e) {
    return storeFailure(store, e);
  }
  const int train = plan.count(app::PlannedRun::Action::Train);
  const int resume = plan.count(app::PlannedRun::Action::Resume);
  const int skip = plan.count(app::PlannedRun::Action::Skip);
  out() << "study " << study.name << ": " << plan.runs.size() << " runs — " << train << " to train, " << resume
        << " to resume, " << skip << " already done\n";
  out() << "database " << db << "\n";
  if (const int older = plan.skippedFromOtherEngine(runner->engineVersion()))
    out() << "note: " << older << " already-done run(s) were trained by another adamix-engine version than "
          << runner->engineVersion() << " (their numbers may predate its training semantics); --force trains them again\n";
  out().flush();

  bool interrupted = false;
  if (train + resume > 0) {
    if (!app::engineUsable(eo)) {
      err() << "adamix: adamix-engine not found" << (eo.enginePath.isEmpty() ? QString() : " at " + eo.enginePath)
            << " (use --engine PATH or $ADAMIX_ENGINE)\n";
      return kEngineError;
    }
    out() << "engine " << eo.enginePath << ", " << jobs << " job(s) × " << threads << " thread(s)\n";
    Progress progress(*runner, stdoutIsTty());
    QEventLoop loop;
    QObject::connect(runner.get(), &app::StudyRunner::allFinished, &loop, &QEventLoop::quit);
    SignalGuard guard([&](int sig) {
      if (!interrupted)
        progress.log(
            QStringLiteral("%1: cancelling runs (they stay resumable)…").arg(sig == SIGINT ? "SIGINT" : "SIGTERM"));
      interrupted = true;
      runner->cancelAll();
    });
    if (app::startLaunch(*runner, plan) > 0 && !runner->isIdle()) loop.exec();
    progress.finish();
  }

  // 4. summary and tables
  const auto outcome = runner->outcome();
  auto count = [&](app::RunState s) {
    auto it = outcome.find(s);
    return it == outcome.end() ? 0 : it->second;
  };
  if (train + resume > 0) {
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
        for (const auto& r : runs)
          if (r.status != app::RunState::Finished)
            open << QStringList{QString::number(r.id),
                                app::runStateName(r.status),
                                r.task,
                                r.variant,
                                QString::number(r.seed),
                                r.errorKind.isEmpty() ? QString() : r.errorKind + ": " + r.errorMessage.left(60)};
        if (!open.isEmpty()) out() << formatTable({"id", "status", "task", "variant", "seed", "error"}, open);
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
