// adamix run eval | run predict | run export: a finished run's weights through adamix-engine.
// SPDX-License-Identifier: GPL-3.0-or-later
#include "cli_common.h"
#include "cli_store.h"
#include "commands.h"
#include "progress.h"
#include "signal_guard.h"

#include "exec/engine_job.h"
#include "exec/local_executor.h"
#include "exec/study_launch.h"
#include "io/file_kind.h"

#include <QDir>
#include <QEventLoop>
#include <QFile>
#include <QFileInfo>

namespace adamix::cli {

namespace {

/// Options every `run` subcommand takes: --db, --engine.
void addCommonOptions(QCommandLineParser& p) {
  addDbOption(p);
  p.addOption({"engine", "adamix-engine executable (default: $ADAMIX_ENGINE, next to adamix, build tree, PATH).",
               "PATH"});
}

/// Parses the command line, opens the store and finds RUN. Returns -1 to continue, else an exit code.
int prepare(QCommandLineParser& p, const QString& words, const QStringList& args, app::Store& store,
            std::optional<app::RunRecord>* run) {
  if (int rc = parseCommand(p, words, args); rc >= 0) return rc;
  if (p.positionalArguments().size() != 1) {
    err() << "adamix " << words << ": give exactly one RUN (its id or config hash prefix)\n";
    return kUsage;
  }
  if (!openStore(p, store, true)) return kStoreError;
  try {
    *run = findRunOrFail(store, p.positionalArguments().first());
  } catch (const std::exception& e) {
    return storeFailure(store, e);
  }
  if (!*run) return kBadInput;
  if (const QString why = app::artifactBlocker(**run, store.path()); !why.isEmpty()) {
    err() << "adamix " << words << ": " << why << "\n";
    return kBadInput;
  }
  return -1;
}

/// "rte · AdaMix · s1 (#3)".
QString runLabel(const app::RunRecord& r) {
  return QStringLiteral("%1 · %2 · s%3 (#%4)")
      .arg(r.task, r.variant.isEmpty() ? QStringLiteral("base") : r.variant)
      .arg(r.seed)
      .arg(r.id);
}

/// The engine to use (--engine, $ADAMIX_ENGINE, …); "" after printing why there is none (exit kEngineError).
QString engineOrFail(const QCommandLineParser& p) {
  app::ExecutorOptions eo;
  eo.enginePath = app::locateEngine(p.value("engine"));
  if (app::engineUsable(eo)) return eo.enginePath;
  err() << "adamix: adamix-engine not found" << (eo.enginePath.isEmpty() ? QString() : " at " + eo.enginePath)
        << " (use --engine PATH or $ADAMIX_ENGINE)\n";
  return {};
}

/// Runs `start` on `job`, printing progress, and waits for its end. The exit code follows the kind of
/// the engine's error (EngineJob::failureKind(): its `error` event's kind, else — `export` reports
/// its errors on stderr only — the kind of its exit code): 0; 7 for `io` (the output folder is a
/// file or read-only, the disk is full); 2 for `usage`, an option the engine refuses for this run
/// (module:5 of a 2-module run, more held-out examples than the train split, merging a one-module
/// run, exporting into a folder that is not empty), as the CLI's own option checks; else 1 (the
/// printed error) — also for app::kCommandLineRejected, the engine's parser refusing the command
/// line adamix built (another engine version), which is no fault of the user's options.
/// SIGINT/SIGTERM (SignalGuard, as `study run`): the engine gets SIGTERM once and is read to its end,
/// so that it stops cleanly and leaves no partial output (docs/protocol.md "Signals"); a second
/// signal kills it. Then 130 (kInterrupted), after "interrupted" and what was recorded.
int runJob(app::EngineJob& job, const QString& words, const std::function<void(app::EngineJob&)>& start) {
  JobProgress progress(job, runLabel(job.run()), stdoutIsTty());
  bool ok = false;
  QString message;
  QString signalName;
  QEventLoop loop;
  QObject::connect(&job, &app::EngineJob::finished, &loop, [&](bool good, const QString& m) {
    ok = good;
    message = m;
    loop.quit();
  });
  SignalGuard guard([&](int sig) {
    if (!job.isRunning()) return;
    const QString name = sig == SIGINT ? QStringLiteral("SIGINT") : QStringLiteral("SIGTERM");
    if (signalName.isEmpty())
      progress.log(QStringLiteral("%1: stopping adamix-engine (again to kill it)…").arg(name));
    else
      progress.log(QStringLiteral("%1: killing adamix-engine…").arg(name));
    signalName = name;
    job.interrupt();
  });
  start(job);
  if (job.isRunning()) loop.exec();
  progress.finish();
  if (job.wasInterrupted() && !ok) {
    err() << "adamix " << words << ": interrupted by " << signalName << " (" << message << "); "
          << (job.evaluations().empty() ? QStringLiteral("nothing recorded")
                                        : QStringLiteral("%1 step(s) recorded").arg(job.evaluations().size()))
          << "\n";
    return kInterrupted;
  }
  if (!ok) {
    err() << "adamix " << words << ": " << message << "\n";
    const QString kind = job.failureKind();
    if (kind == QLatin1String("io")) return kOutputError;
    if (kind == QLatin1String("usage")) return kUsage;
    return kRunsFailed;
  }
  return kOk;
}

/// The stored evaluation's files and metrics, one per line.
void printEvaluation(const app::Evaluation& e) {
  out() << "out         " << e.outDir << "\n";
  if (!e.predictions.isEmpty()) out() << "predictions " << QDir(e.outDir).filePath(e.predictions) << "\n";
  if (!e.submission.isEmpty()) out() << "submission  " << QDir(e.outDir).filePath(e.submission) << "\n";
  for (const auto& [name, value] : e.metrics)
    out() << QStringLiteral("%1 %2").arg(name.leftJustified(11)).arg(value, 0, 'f', 4) << "\n";
}

}  // namespace

int cmdRunEval(const QStringList& args) {
  QCommandLineParser p;
  p.setApplicationDescription(
      "Evaluates a finished run's saved weights on a split of its task or on a data file in the task's\n"
      "layout, and stores the metrics beside the run's own results (split and inference mode recorded).");
  addCommonOptions(p);
  p.addPositionalArgument("RUN", "The run: its id or config hash prefix (see 'adamix runs list').");
  p.addOptions({
      {"split", "dev, test, dev_matched, dev_mismatched, test_matched, test_mismatched or ax (default dev).", "S"},
      {"data", "A data file in the task's layout instead of a split.", "FILE"},
      {"inference", "merged, random, ensemble or module:K (default: the run's own setting).", "I"},
      {"out",
       "Output directory (default: RUN_DIR/eval/<split>-<inference>/; a run whose directory is in another "
       "workspace's runs folder: the same under this workspace's runs/<run id>/).",
       "DIR"},
  });
  app::Store store;
  std::optional<app::RunRecord> run;
  if (int rc = prepare(p, "run eval", args, store, &run); rc >= 0) return rc;
  app::EvalRequest r;
  r.split = p.value("split");
  r.dataFile = p.value("data");
  r.inference = p.value("inference");
  r.outDir = p.value("out");
  if (!r.split.isEmpty() && !r.dataFile.isEmpty()) {
    err() << "adamix run eval: give --split or --data, not both\n";
    return kUsage;
  }
  if (!r.inference.isEmpty() && !app::isValidInference(r.inference)) {
    err() << "adamix run eval: --inference must be merged, random, ensemble or module:K, got '" << r.inference << "'\n";
    return kUsage;
  }
  // what the path is when it is no file: "no such file", "is a directory", "is not a regular file (a FIFO)"
  if (!r.dataFile.isEmpty()) {
    if (const QString why =
            QString::fromStdString(adamix::whyNotARegularFile(QFile::encodeName(r.dataFile).toStdString()));
        !why.isEmpty()) {
      err() << "adamix run eval: --data " << r.dataFile << ": "
            << (why == QLatin1String("no such file") ? why : QStringLiteral("is ") + why) << "\n";
      return kBadInput;
    }
  }
  const QString engine = engineOrFail(p);
  if (engine.isEmpty()) return kEngineError;
  app::EngineJob job(store, *run, engine);
  const int rc = runJob(job, "run eval", [&](app::EngineJob& j) { j.startEval({r}); });
  if (rc == kOk)
    for (const app::Evaluation& e : job.evaluations()) printEvaluation(e);
  return rc;
}

int cmdRunMerge(const QStringList& args) {
  QCommandLineParser p;
  p.setApplicationDescription(
      "Merges a finished AdaMix run's modules anew, without retraining, and scores the result on the run's\n"
      "dev set: uniform (the paper's averaging), greedy-soup (Wortsman et al. 2022: modules in decreasing\n"
      "order of their own held-out score, each kept only if the held-out score does not drop) or learned\n"
      "(softmax weights per projection fitted on held-out data). The held-out examples are a seeded sample\n"
      "of the train split, never dev. Stored as an evaluation of the run named after the strategy.");
  addCommonOptions(p);
  p.addPositionalArgument("RUN", "The run: its id or config hash prefix (see 'adamix runs list').");
  p.addOptions({
      {"strategy", "uniform, greedy-soup or learned (several: comma-separated).", "S"},
      {"heldout-examples", "Train examples the strategy is fitted on (default: the engine's, min(1000, train size)).",
       "N"},
  });
  app::Store store;
  std::optional<app::RunRecord> run;
  if (int rc = prepare(p, "run merge", args, store, &run); rc >= 0) return rc;
  std::vector<app::EvalRequest> requests;
  int heldout = 0;
  if (!intOption(p, "heldout-examples", 1, &heldout)) return kUsage;
  for (const QString& s : p.value("strategy").split(QLatin1Char(','), Qt::SkipEmptyParts)) {
    if (!app::mergeStrategies().contains(s.trimmed())) {
      err() << "adamix run merge: --strategy must be " << app::mergeStrategies().join(", ") << ", got '" << s << "'\n";
      return kUsage;
    }
    app::EvalRequest r;
    r.mergeStrategy = s.trimmed();
    r.heldoutExamples = heldout;
    requests.push_back(r);
  }
  if (requests.empty()) {
    err() << "adamix run merge: --strategy is required (" << app::mergeStrategies().join(", ") << ")\n";
    return kUsage;
  }
  const QString engine = engineOrFail(p);
  if (engine.isEmpty()) return kEngineError;
  app::EngineJob job(store, *run, engine);
  const int rc = runJob(job, "run merge", [&](app::EngineJob& j) { j.startEval(requests); });
  if (rc == kOk)
    for (const app::Evaluation& e : job.evaluations()) {
      out() << "strategy    " << e.inference << "\n";
      printEvaluation(e);
    }
  return rc;
}

int cmdRunPredict(const QStringList& args) {
  QCommandLineParser p;
  p.setApplicationDescription(
      "Predicts the test split(s) of a finished run's task (MNLI: test_matched, test_mismatched, ax) and\n"
      "prints the GLUE-benchmark submission file(s) the engine wrote.");
  addCommonOptions(p);
  p.addPositionalArgument("RUN", "The run: its id or config hash prefix (see 'adamix runs list').");
  p.addOption({"inference", "merged, random, ensemble or module:K (default: the run's own setting).", "I"});
  app::Store store;
  std::optional<app::RunRecord> run;
  if (int rc = prepare(p, "run predict", args, store, &run); rc >= 0) return rc;
  const QString inference = p.value("inference");
  if (!inference.isEmpty() && !app::isValidInference(inference)) {
    err() << "adamix run predict: --inference must be merged, random, ensemble or module:K, got '" << inference
          << "'\n";
    return kUsage;
  }
  std::vector<app::EvalRequest> requests;
  for (const QString& split : app::testSplitsFor(run->task)) requests.push_back({split, {}, inference, {}});
  const QString engine = engineOrFail(p);
  if (engine.isEmpty()) return kEngineError;
  app::EngineJob job(store, *run, engine);
  const int rc = runJob(job, "run predict", [&](app::EngineJob& j) { j.startEval(requests); });
  if (rc == kOk) {
    for (const app::Evaluation& e : job.evaluations()) {
      if (e.submission.isEmpty())
        out() << "predictions " << QDir(e.outDir).filePath(e.predictions) << " (" << e.target()
              << ": no GLUE submission file for this task)\n";
      else
        out() << "submission " << QDir(e.outDir).filePath(e.submission) << "\n";
    }
  }
  return rc;
}

int cmdRunExport(const QStringList& args) {
  QCommandLineParser p;
  p.setApplicationDescription(
      "Exports a finished run's weights: peft (a Hugging Face PEFT LoRA adapter), merged-model (LoRA folded\n"
      "into a plain Hugging Face model) or adamix (the official microsoft/AdaMix layout, all modules).");
  addCommonOptions(p);
  p.addPositionalArgument("RUN", "The run: its id or config hash prefix (see 'adamix runs list').");
  p.addOptions({{"format", "peft, merged-model or adamix.", "F"}, {"out", "Output directory.", "DIR"}});
  app::Store store;
  std::optional<app::RunRecord> run;
  if (int rc = prepare(p, "run export", args, store, &run); rc >= 0) return rc;
  const QString format = p.value("format");
  if (!app::exportFormats().contains(format)) {
    err() << "adamix run export: --format must be peft, merged-model or adamix\n";
    return kUsage;
  }
  if (p.value("out").isEmpty()) {
    err() << "adamix run export: --out DIR is required\n";
    return kUsage;
  }
  const QString engine = engineOrFail(p);
  if (engine.isEmpty()) return kEngineError;
  app::EngineJob job(store, *run, engine);
  const int rc = runJob(job, "run export", [&](app::EngineJob& j) { j.startExport(format, p.value("out")); });
  if (rc == kOk && job.exportedEvent()) {
    const app::ExportedEvent& x = *job.exportedEvent();
    out() << "exported " << x.format << " to " << x.out << "\n";
    for (const QString& f : x.files) out() << "  " << f << "\n";
    for (const QString& n : x.notes) out() << "note: " << n << "\n";
  }
  return rc;
}

}  // namespace adamix::cli
