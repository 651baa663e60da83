// A scripted stand-in for adamix-engine, used by the executor and CLI tests.
// It speaks protocol 1.0 (docs/protocol.md) and misbehaves on request.
//
// Behaviour: config field "fake": {"mode": M, "steps": N, "step_ms": T} in run.json, or the
// environment variables FAKE_ENGINE_MODE / FAKE_ENGINE_STEPS / FAKE_ENGINE_STEP_MS (the config
// wins). Modes:
//   normal    started, progress + train-loss metric per step, dev metrics, checkpoint, finished; exit 0
//   crash     a few progress events, then abort()
//   hang      started, then silence forever (no heartbeat)
//   garbage   like normal, with non-JSON and non-event lines mixed into stdout
//   partial   like normal, each line written in several flushed pieces with pauses in between
//   error     started, then an `error` event (kind data, location file:line) and exit 4
//   nofinish  a few progress events, then exit 0 without `finished`
//   badschema events with schema "2.0", then silence
//   stubborn  ignores SIGTERM, sends heartbeats forever (only SIGKILL ends it)
// "fake": {"resumed_offset": X} (or FAKE_ENGINE_RESUMED_OFFSET): a resumed attempt's train losses are
// 1/step + X (0 by default), so tests can tell the resumed values from the interrupted attempt's.
// FAKE_ENGINE_FAIL_TASK=<task>: runs whose task.name matches use mode "error".
// FAKE_ENGINE_EVAL_MODES=1: a run with adamix.num_modules M > 1 ends (before `finished`) with one
// `evaluation` event (schema 1.2) per mode module:0 … module:M-1, random, ensemble; accuracy =
// the run's − 0.02·(k+1) for module:k, − 0.01 random, + 0.005 ensemble. Every finished run writes
// predictions/dev.tsv: 20 examples, label i % 2, right on the first round(accuracy · 20).
// `merge --run-dir RUN --strategy S [--heldout-examples N] [--out DIR]`: started (mode merge), a
// progress event, finished with strategy, heldout {split train, examples N (default 7), seed} and
// dev accuracy evalAccuracy("dev", S) on 12 examples, heldout_score 0.625 and for greedy-soup
// kept [0, 2]; writes predictions.tsv and metrics.json.
// SIGTERM/SIGINT: writes a checkpoint, an `error` event of kind interrupted, exits 8.
// --resume continues from checkpoint/state.json.
// `train` takes the run directory's lock as the engine does (flock on DIR/.engine.lock holding the
// pid); when another process holds it: an `error` event of kind busy on stdout only, exit 10.
// FAKE_ENGINE_INVOCATIONS=<file>: each `train` that got the lock appends "<run id> train|resume <pid>".
// `eval --run-dir RUN [--split S | --data F] [--inference I] [--out DIR]` (docs/protocol.md): started
// (mode eval), 3 progress events, on a labelled split metric events (accuracy = evalAccuracy()) and
// finished; on a test split a GLUE submission file instead; writes predictions.tsv and metrics.json.
// FAKE_ENGINE_MODE=error → an `error` event (kind data) and exit 4; hang → silence forever (SIGTERM:
// an `error` event of kind interrupted, the output folder removed, exit 8); stubborn → silence, SIGTERM
// ignored;
// usage → an `error` event of kind usage (location --inference: "module:5 does not exist …") and
// exit 2, as the engine refuses an option that does not fit the run. `merge` with
// FAKE_ENGINE_MODE=usage: the same for --heldout-examples ("… the run's training split has 64").
// `merge` writes into a hidden sibling of its output folder (.<name>.partial-fake-<pid>), renamed
// into place at the end; a signal removes it. FAKE_ENGINE_HANG_STRATEGY=<strategy>: `merge` of
// that strategy hangs after `started` (SIGTERM: an `error` event of kind interrupted, exit 8).
// A finished `train` writes adapters.safetensors: a valid safetensors file of one F32 tensor.
// `export --run-dir RUN --format F --out DIR`: writes placeholder files of the format and the one
// `exported` line; errors go to stderr only, as the engine's export reports them (no `error`
// event): merged-model of an adapter run (exit 5), an output folder that is a file (io, exit 7),
// one that is not empty (usage, exit 2);
// FAKE_ENGINE_MODE=usage → a two-line usage error on stderr, exit 2 (no event at all).
// FAKE_ENGINE_MODE=silentio → exit 7 after step 2 without an `error` event (an unwritable run dir).
// SPDX-License-Identifier: GPL-3.0-or-later
#include <QCommandLineParser>
#include <QCoreApplication>
#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QFileInfo>
#include <QMap>
#include <QJsonObject>
#include <QThread>

#include <cmath>
#include <csignal>
#include <cstdio>
#include <cstdlib>

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

namespace {

volatile std::sig_atomic_t g_stop = 0;
void onSignal(int) { g_stop = 1; }

QString g_run;
QString g_runDir;
QString g_schema = "1.0";
bool g_partial = false;
bool g_evalCommand = false;  ///< `eval`: a signal stops it as the engine's eval does (below)

double now() { return QDateTime::currentMSecsSinceEpoch() / 1000.0; }

void writeRaw(const QByteArray& bytes) {
  std::fwrite(bytes.constData(), 1, size_t(bytes.size()), stdout);
  std::fflush(stdout);
}

void emitEvent(const char* name, QJsonObject fields) {
  fields["event"] = name;
  fields["schema"] = g_schema;
  fields["run"] = g_run;
  fields["time"] = now();
  const QByteArray line = QJsonDocument(fields).toJson(QJsonDocument::Compact) + '\n';
  if (g_partial) {
    const int n = 3;
    const qsizetype piece = line.size() / n + 1;
    for (qsizetype i = 0; i < line.size(); i += piece) {
      writeRaw(line.mid(i, piece));
      QThread::msleep(15);
    }
  } else {
    writeRaw(line);
  }
  QFile f(QDir(g_runDir).filePath("events.jsonl"));
  if (f.open(QIODevice::Append)) f.write(line);
}

void writeJson(const QString& path, const QJsonObject& o) {
  QFile f(path);
  if (f.open(QIODevice::WriteOnly | QIODevice::Truncate)) f.write(QJsonDocument(o).toJson());
}

void checkpoint(int step) {
  QDir(g_runDir).mkpath("checkpoint");
  writeJson(QDir(g_runDir).filePath("checkpoint/state.json"), {{"step", step}});
  QFile f(QDir(g_runDir).filePath("checkpoint/state.safetensors"));
  if (f.open(QIODevice::WriteOnly | QIODevice::Truncate)) f.write("fake");
  emitEvent("checkpoint", {{"step", step}, {"path", "checkpoint/state.safetensors"}});
}

[[noreturn]] void interrupted(int step) {
  if (g_evalCommand) {  // as the engine's eval: no checkpoint, its unfinished output folder removed
    emitEvent("error", {{"kind", "interrupted"}, {"message", "stopped by signal; nothing written"}, {"location", ""}});
    QDir(g_runDir).removeRecursively();
    std::exit(8);
  }
  checkpoint(step);
  emitEvent("error", {{"kind", "interrupted"}, {"message", "stopped by signal; checkpoint written"}, {"location", ""}});
  std::fprintf(stderr, "fake-engine: interrupted at step %d\n", step);
  std::exit(8);
}

void sleepMs(int ms, int step) {
  for (int waited = 0; waited < ms; waited += 10) {
    if (g_stop) interrupted(step);
    QThread::msleep(10);
  }
}

QJsonObject readJson(const QString& path) {
  QFile f(path);
  return f.open(QIODevice::ReadOnly) ? QJsonDocument::fromJson(f.readAll()).object() : QJsonObject();
}

/// The accuracy fake eval reports: depends on split and inference so tests can tell them apart.
double evalAccuracy(const QString& split, const QString& inference) {
  return 0.5 + 0.01 * double(split.size()) + 0.001 * double(inference.size());
}

/// GLUE-benchmark submission file name of a task's test split ("" when none).
QString submissionName(const QString& task, const QString& split) {
  const QString t = task.toLower();
  if (t == "mnli") return split == "test_matched" ? "MNLI-m.tsv" : "MNLI-mm.tsv";
  const QMap<QString, QString> names{{"rte", "RTE.tsv"},   {"cola", "CoLA.tsv"},  {"sst2", "SST-2.tsv"},
                                     {"mrpc", "MRPC.tsv"}, {"stsb", "STS-B.tsv"}, {"qqp", "QQP.tsv"},
                                     {"qnli", "QNLI.tsv"}, {"wnli", "WNLI.tsv"}};
  return names.value(t);
}

int fakeEval(const QCommandLineParser& p) {
  const QString runDir = p.value("run-dir");
  const QJsonObject config = readJson(QDir(runDir).filePath("config.json"));
  if (config.isEmpty()) {
    std::fprintf(stderr, "adamix-engine: io error: %s: cannot read config.json\n", qPrintable(runDir));
    return 7;
  }
  g_run = config.value("run_id").toString();
  const QString task = config.value("task").toObject().value("name").toString();
  const QString dataFile = p.value("data");
  const QString split = dataFile.isEmpty() ? (p.value("split").isEmpty() ? "dev" : p.value("split"))
                                           : QFileInfo(dataFile).completeBaseName();
  QString inference = p.value("inference");
  if (inference.isEmpty())
    inference = config.value("peft").toObject().value("adamix").toObject().value("inference").toString("merged");
  QString outDir = p.value("out");
  // as the engine: the default under the run directory, or under --out-root
  const QString root = p.value("out-root").isEmpty() ? runDir : p.value("out-root");
  if (outDir.isEmpty()) outDir = QDir(root).filePath("eval/" + split + "-" + QString(inference).replace(':', '-'));
  outDir = QDir(outDir).absolutePath();
  QDir().mkpath(outDir);
  g_runDir = outDir;  // events.jsonl of the eval goes there; the run's own stays as training wrote it
  g_evalCommand = true;
  const bool labelled = !split.startsWith("test");
  const int examples = 12, batches = 3;
  const QJsonObject params{
      {"total", 1000}, {"trainable", 100}, {"trainable_peft", 80}, {"inference_peft", 20}, {"head", 20}};
  const int weightsStep = readJson(QDir(runDir).filePath("results.json")).value("best_step").toInt();
  emitEvent("started", {{"config", config},
                        {"device", "cpu"},
                        {"threads", 1},
                        {"params", params},
                        {"total_steps", batches},
                        {"resumed_from_step", 0},
                        {"mode", "eval"},
                        {"split", split},
                        {"inference", inference},
                        {"examples", examples}});
  const QString mode = qEnvironmentVariable("FAKE_ENGINE_MODE");
  if (mode == "hang")
    for (;;) sleepMs(1000, 0);
  if (mode == "stubborn") {  // only SIGKILL ends it, or a minute (no orphan when a test dies)
    std::signal(SIGTERM, SIG_IGN);
    std::signal(SIGINT, SIG_IGN);
    for (int i = 0; i < 600; ++i) QThread::msleep(100);
    return 1;
  }
  if (mode == "error") {
    emitEvent("error", {{"kind", "data"}, {"message", "bad label 'maybe'"}, {"location", "dev.tsv:3"}});
    std::fprintf(stderr, "adamix-engine: data error: dev.tsv:3: bad label 'maybe'\n");
    return 4;
  }
  if (mode == "usage") {  // as the engine refuses module:5 of a 2-module run
    emitEvent("error", {{"kind", "usage"},
                        {"message", "module:5 does not exist: the run has 2 module(s) (0-based)"},
                        {"location", "--inference"}});
    std::fprintf(stderr, "adamix-engine: usage error: --inference: module:5 does not exist\n");
    return 2;
  }
  for (int b = 1; b <= batches; ++b) {
    sleepMs(10, 0);
    emitEvent("progress", {{"step", b}, {"total_steps", batches}});
  }
  QJsonObject metrics;
  if (labelled) {
    const double acc = evalAccuracy(split, inference);
    emitEvent("metric", {{"step", weightsStep}, {"epoch", 0}, {"split", split}, {"name", "accuracy"}, {"value", acc}});
    metrics = {{split, QJsonObject{{"accuracy", acc}}}};
  }
  QFile pred(QDir(outDir).filePath("predictions.tsv"));
  if (pred.open(QIODevice::WriteOnly | QIODevice::Truncate)) {
    pred.write(labelled ? "index\tprediction\tlabel\tprob_0\tprob_1\n" : "index\tprediction\tprob_0\tprob_1\n");
    for (int i = 0; i < examples; ++i)
      pred.write(labelled ? QStringLiteral("%1\t%2\t%2\t0.4\t0.6\n").arg(i).arg(i % 2).toUtf8()
                          : QStringLiteral("%1\t%2\t0.4\t0.6\n").arg(i).arg(i % 2).toUtf8());
  }
  QJsonObject finished{{"mode", "eval"},
                       {"final", metrics},
                       {"best", metrics},
                       {"best_step", weightsStep},
                       {"primary_metric", "accuracy"},
                       {"wall_s", 0.05},
                       {"params", params},
                       {"split", split},
                       {"inference", inference},
                       {"examples", examples},
                       {"out", outDir},
                       {"predictions", "predictions.tsv"}};
  const QString submission = labelled || !dataFile.isEmpty() ? QString() : submissionName(task, split);
  if (!submission.isEmpty()) {
    QFile sub(QDir(outDir).filePath(submission));
    if (sub.open(QIODevice::WriteOnly | QIODevice::Truncate)) {
      sub.write("index\tprediction\n");
      for (int i = 0; i < examples; ++i)
        sub.write(QStringLiteral("%1\t%2\n").arg(i).arg(i % 2 ? "entailment" : "not_entailment").toUtf8());
    }
    finished["submission"] = submission;
  }
  writeJson(QDir(outDir).filePath("metrics.json"), finished);
  emitEvent("finished", finished);
  return 0;
}

int fakeMerge(const QCommandLineParser& p) {
  const QString runDir = p.value("run-dir");
  const QJsonObject config = readJson(QDir(runDir).filePath("config.json"));
  g_run = config.value("run_id").toString();
  const QString strategy = p.value("strategy");
  QString outDir = p.value("out");
  if (outDir.isEmpty())
    outDir = QDir(p.value("out-root").isEmpty() ? runDir : p.value("out-root")).filePath("merges/" + strategy);
  outDir = QDir(outDir).absolutePath();
  // as the engine: written into a hidden sibling, renamed into place once complete (a signal removes it)
  const QString staging = QFileInfo(outDir).absolutePath() + "/." + QFileInfo(outDir).fileName() + ".partial-fake-" +
                          QString::number(::getpid());
  QDir().mkpath(staging);
  g_runDir = staging;
  emitEvent("started", {{"config", config},
                        {"device", "cpu"},
                        {"threads", 1},
                        {"total_steps", 1},
                        {"resumed_from_step", 0},
                        {"mode", "merge"},
                        {"split", "dev"}});
  if (qEnvironmentVariable("FAKE_ENGINE_MODE") == "usage") {  // as the engine refuses too many held-out examples
    emitEvent("error", {{"kind", "usage"},
                        {"message", "100000 held-out examples asked, the run's training split has 64"},
                        {"location", "--heldout-examples"}});
    std::fprintf(stderr, "adamix-engine: usage error: --heldout-examples: 100000 held-out examples asked\n");
    return 2;
  }
  g_evalCommand = true;  // a signal stops it as the engine's merge does: its unfinished output folder removed
  if (qEnvironmentVariable("FAKE_ENGINE_HANG_STRATEGY") == strategy)  // one step of a multi-step job hangs
    for (;;) sleepMs(1000, 0);
  emitEvent("progress", {{"step", 1}, {"total_steps", 1}});
  const double acc = evalAccuracy("dev", strategy);
  const QJsonObject metrics{{"dev", QJsonObject{{"accuracy", acc}}}};
  const int heldout = p.value("heldout-examples").isEmpty() ? 7 : p.value("heldout-examples").toInt();
  QFile pred(QDir(staging).filePath("predictions.tsv"));
  if (pred.open(QIODevice::WriteOnly | QIODevice::Truncate)) pred.write("index\tprediction\tlabel\n0\t1\t1\n");
  QJsonObject finished{
      {"mode", "merge"},
      {"strategy", strategy},
      {"final", metrics},
      {"best", metrics},
      {"best_step", 5},
      {"primary_metric", "accuracy"},
      {"wall_s", 0.25},
      {"split", "dev"},
      {"examples", 12},
      {"out", outDir},
      {"predictions", "predictions.tsv"},
      {"heldout", QJsonObject{{"split", "train"}, {"examples", heldout}, {"seed", config.value("seed").toInt(1)}}},
      {"heldout_score", 0.625}};
  if (strategy == "greedy-soup") finished["kept"] = QJsonArray{0, 2};
  writeJson(QDir(staging).filePath("metrics.json"), finished);
  if (!QFileInfo::exists(outDir)) {
    QDir().mkpath(QFileInfo(outDir).absolutePath());
    QDir().rename(staging, outDir);
  } else {  // a folder with an earlier merge: its files replaced
    for (const QString& f : QDir(staging).entryList(QDir::Files)) {
      QFile::remove(QDir(outDir).filePath(f));
      QFile::rename(QDir(staging).filePath(f), QDir(outDir).filePath(f));
    }
    QDir(staging).removeRecursively();
  }
  g_runDir = outDir;
  emitEvent("finished", finished);
  return 0;
}

int fakeExport(const QCommandLineParser& p) {
  if (qEnvironmentVariable("FAKE_ENGINE_MODE") == "usage") {  // an engine without `export`, as CLI11 answers
    std::fprintf(stderr, "A subcommand is required\nRun with --help for more information.\n");
    return 2;
  }
  const QString runDir = p.value("run-dir");
  const QJsonObject config = readJson(QDir(runDir).filePath("config.json"));
  const QString format = p.value("format");
  if (config.isEmpty()) {
    std::fprintf(stderr, "adamix-engine: io error: %s: cannot read config.json\n", qPrintable(runDir));
    return 7;
  }
  const QString method = config.value("peft").toObject().value("method").toString();
  if (format == "merged-model" && method == "adapter") {
    std::fprintf(stderr,
                 "adamix-engine: model error: adapters are non-linear and cannot be folded into the base "
                 "weights; export them as adamix instead\n");
    return 5;
  }
  QStringList files;
  if (format == "peft")
    files = {"adapter_config.json", "adapter_model.safetensors"};
  else if (format == "merged-model")
    files = {"config.json", "model.safetensors", "tokenizer.json"};
  else if (format == "adamix")
    files = {"config.json", "pytorch_model.bin"};
  else {
    std::fprintf(stderr, "adamix-engine: config error: --format: unknown format '%s'\n", qPrintable(format));
    return 3;
  }
  const QString outDir = QDir(p.value("out")).absolutePath();
  if (QFileInfo(outDir).isFile()) {  // as the engine's export: its io error on stderr only, exit 7
    std::fprintf(stderr, "adamix-engine: io error: %s: cannot create the output directory: Not a directory\n",
                 qPrintable(outDir));
    return 7;
  }
  if (QDir(outDir).exists() && !QDir(outDir).isEmpty(QDir::AllEntries | QDir::NoDotAndDotDot | QDir::Hidden)) {
    std::fprintf(stderr,
                 "adamix-engine: usage error: %s: the output directory is not empty (it holds …): export "
                 "into a new or empty directory; an export never replaces files, nothing was written\n",
                 qPrintable(outDir));
    return 2;
  }
  QDir().mkpath(outDir);
  for (const QString& f : files) writeJson(QDir(outDir).filePath(f), {{"fake", format}});
  QJsonArray fl;
  for (const QString& f : files) fl << f;
  const QJsonObject line{{"event", "exported"}, {"schema", "1.0"},
                         {"format", format},    {"out", outDir},
                         {"files", fl},         {"notes", QJsonArray{QString("fake export of %1").arg(format)}}};
  writeRaw(QJsonDocument(line).toJson(QJsonDocument::Compact) + '\n');
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  QCoreApplication app(argc, argv);
  std::signal(SIGTERM, onSignal);
  std::signal(SIGINT, onSignal);

  QCommandLineParser p;
  p.addPositionalArgument("command", "train");
  p.addOption({"config", "run config", "FILE"});
  p.addOption({"run-dir", "run directory", "DIR"});
  p.addOption({"threads", "threads", "N"});
  p.addOption({"resume", "resume"});
  p.addOption({"version", "version"});
  for (const char* o : {"split", "data", "inference", "out", "out-root", "format", "strategy", "heldout-examples"})
    p.addOption({o, o, "V"});
  p.process(app);
  if (p.isSet("version")) {
    // FAKE_ENGINE_VERSION_DELAY_MS: answers after that long, as the engine after LibTorch's start-up
    QThread::msleep(qEnvironmentVariableIntValue("FAKE_ENGINE_VERSION_DELAY_MS"));
    std::printf("adamix-engine 0.0.0-fake\n");
    return 0;
  }
  if (p.positionalArguments().value(0) == "eval" && p.isSet("run-dir")) return fakeEval(p);
  if (p.positionalArguments().value(0) == "export" && p.isSet("run-dir")) return fakeExport(p);
  if (p.positionalArguments().value(0) == "merge" && p.isSet("run-dir")) return fakeMerge(p);
  if (p.positionalArguments().value(0) != "train" || !p.isSet("config") || !p.isSet("run-dir")) {
    std::fprintf(stderr, "usage: fake_engine train --config FILE --run-dir DIR\n");
    return 2;
  }

  g_runDir = p.value("run-dir");
  QDir().mkpath(g_runDir);
  // one engine per run directory (docs/protocol.md, "busy"): the lock is held until exit
  const QByteArray lockPath = QFile::encodeName(QDir(g_runDir).filePath(".engine.lock"));
  const int lockFd = ::open(lockPath.constData(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (lockFd < 0 || ::flock(lockFd, LOCK_EX | LOCK_NB) != 0) {
    char holder[32] = {};
    if (lockFd >= 0) ::pread(lockFd, holder, sizeof(holder) - 1, 0);
    g_run = QFileInfo(QDir::cleanPath(g_runDir)).fileName();
    const QString message = QStringLiteral("run directory %1 is held by another adamix-engine (pid %2)")
                                .arg(g_runDir, QString::fromLatin1(holder).trimmed());
    const QString runDir = g_runDir;
    g_runDir.clear();  // stdout only: the holder's events.jsonl is not touched
    QJsonObject fields{{"kind", "busy"}, {"message", message}, {"location", QString::fromLocal8Bit(lockPath)}};
    fields["event"] = "error";
    fields["schema"] = g_schema;
    fields["run"] = g_run;
    fields["time"] = now();
    writeRaw(QJsonDocument(fields).toJson(QJsonDocument::Compact) + '\n');
    std::fprintf(stderr, "fake-engine: busy: %s\n", qPrintable(runDir));
    return 10;
  }
  const QByteArray pidText = QByteArray::number(qint64(::getpid())) + '\n';
  if (::ftruncate(lockFd, 0) != 0 || ::pwrite(lockFd, pidText.constData(), size_t(pidText.size()), 0) < 0)
    std::fprintf(stderr, "fake-engine: cannot write %s\n", lockPath.constData());
  QFile cf(p.value("config"));
  QJsonObject config;
  if (cf.open(QIODevice::ReadOnly)) config = QJsonDocument::fromJson(cf.readAll()).object();
  const QJsonObject fake = config.value("fake").toObject();
  auto setting = [&](const char* key, const char* env, const QString& def) {
    if (fake.contains(key)) return fake.value(key).toVariant().toString();
    const QString e = qEnvironmentVariable(env);
    return e.isEmpty() ? def : e;
  };
  QString mode = setting("mode", "FAKE_ENGINE_MODE", "normal");
  // FAKE_ENGINE_FAIL_TASK=<task name>: runs of that task use mode "error" (per-run failures in CLI tests)
  const QString failTask = qEnvironmentVariable("FAKE_ENGINE_FAIL_TASK");
  if (!failTask.isEmpty() && config.value("task").toObject().value("name").toString() == failTask) mode = "error";
  const int steps = setting("steps", "FAKE_ENGINE_STEPS", "5").toInt();
  const int stepMs = setting("step_ms", "FAKE_ENGINE_STEP_MS", "20").toInt();
  const double resumedOffset = setting("resumed_offset", "FAKE_ENGINE_RESUMED_OFFSET", "0").toDouble();
  g_run = config.value("run_id").toString(QFileInfo(QDir::cleanPath(g_runDir)).fileName());
  g_partial = mode == "partial";
  if (const QString log = qEnvironmentVariable("FAKE_ENGINE_INVOCATIONS"); !log.isEmpty()) {
    QFile f(log);
    if (f.open(QIODevice::Append | QIODevice::Text))
      f.write(QStringLiteral("%1 %2 %3\n").arg(g_run, p.isSet("resume") ? "resume" : "train").arg(::getpid()).toUtf8());
  }
  if (mode == "badschema") g_schema = "2.0";

  std::fprintf(stderr, "fake-engine: mode=%s steps=%d threads=%s\n", qPrintable(mode), steps,
               qPrintable(p.value("threads")));
  writeJson(QDir(g_runDir).filePath("config.json"), config);

  int step = 0;
  if (p.isSet("resume")) {
    QFile sf(QDir(g_runDir).filePath("checkpoint/state.json"));
    if (sf.open(QIODevice::ReadOnly)) step = QJsonDocument::fromJson(sf.readAll()).object().value("step").toInt();
  }
  const int modules = config.value("peft").toObject().value("adamix").toObject().value("num_modules").toInt(1);
  const QJsonObject params{{"total", 1000},
                           {"trainable", 20 + 20 * modules},
                           {"trainable_peft", 20 * modules},
                           {"inference_peft", 20},
                           {"head", 20},
                           {"base", 900}};
  // FAKE_ENGINE_BLAS_CORE: the kernel set it reports (schema 1.3), e.g. a cluster's other node type
  const QString blas_core = qEnvironmentVariable("FAKE_ENGINE_BLAS_CORE", QStringLiteral("Haswell"));
  emitEvent("started", {{"config", config},
                        {"device", "cpu"},
                        {"threads", p.value("threads").toInt()},
                        {"kernels", QJsonObject{{"blas_core", blas_core}, {"fused_cpu_kernels", false}}},
                        {"params", params},
                        {"total_steps", steps},
                        {"resumed_from_step", step}});

  if (mode == "hang" || mode == "badschema") {
    for (;;) sleepMs(1000, step);
  }
  if (mode == "stubborn") {
    std::signal(SIGTERM, SIG_IGN);
    std::signal(SIGINT, SIG_IGN);
    for (;;) {
      emitEvent("heartbeat", {{"step", step}});
      QThread::msleep(100);
    }
  }
  if (mode == "error") {
    emitEvent("error", {{"kind", "data"}, {"message", "bad label 'maybe'"}, {"location", "train.tsv:12"}});
    std::fprintf(stderr, "fake-engine: data error\n");
    return 4;
  }

  const int seed = config.value("seed").toInt(1);
  const double base = 0.6 + 0.01 * seed +
                      0.05 * config.value("peft").toObject().value("adamix").toObject().value("num_modules").toInt(1);
  for (++step; step <= steps; ++step) {
    sleepMs(stepMs, step - 1);
    if (mode == "garbage") {
      writeRaw("this is not json\n");
      writeRaw("{\"no_event_field\": 1}\n");
      writeRaw("[1,2,3]\n");
    }
    const double loss = 1.0 / step + (p.isSet("resume") ? resumedOffset : 0.0);
    emitEvent("progress", {{"step", step},
                           {"total_steps", steps},
                           {"epoch", double(step) / steps},
                           {"loss", loss},
                           {"lr", 1e-3},
                           {"examples_per_s", 100.0},
                           {"tokens_per_s", 1000.0}});
    emitEvent("metric",
              {{"step", step}, {"epoch", double(step) / steps}, {"split", "train"}, {"name", "loss"}, {"value", loss}});
    emitEvent("heartbeat", {{"step", step}});
    if (mode == "crash" && step == 2) {
      std::fprintf(stderr, "fake-engine: crashing\n");
      std::abort();
    }
    if (mode == "nofinish" && step == 2) return 0;
    if (mode == "silentio" && step == 2) return 7;  // the engine's io exit code without its error event
    if (step == steps / 2) checkpoint(step);
  }
  const double acc = base;
  emitEvent("metric", {{"step", steps}, {"epoch", 1.0}, {"split", "dev"}, {"name", "accuracy"}, {"value", acc}});
  const QJsonObject dev{{"dev", QJsonObject{{"accuracy", acc}, {"loss", 0.5}}}};
  QDir(g_runDir).mkpath("predictions");
  QFile pred(QDir(g_runDir).filePath("predictions/dev.tsv"));
  if (pred.open(QIODevice::WriteOnly | QIODevice::Truncate)) {
    pred.write("index\tprediction\tlabel\n");
    const int right = int(std::lround(acc * 20));
    for (int i = 0; i < 20; ++i)
      pred.write(QStringLiteral("%1\t%2\t%3\n").arg(i).arg(i < right ? i % 2 : 1 - i % 2).arg(i % 2).toUtf8());
  }
  if (qEnvironmentVariable("FAKE_ENGINE_EVAL_MODES") == "1" && modules > 1) {
    auto evaluation = [&](const QString& inference, double value) {
      const QString out = QDir(g_runDir).absoluteFilePath("eval/dev-" + QString(inference).replace(':', '-'));
      emitEvent("evaluation", {{"split", "dev"},
                               {"inference", inference},
                               {"weights_step", steps},
                               {"examples", 20},
                               {"metrics", QJsonObject{{"accuracy", value}}},
                               {"primary_metric", "accuracy"},
                               {"out", out},
                               {"predictions", "predictions.tsv"},
                               {"wall_s", 0.01}});
    };
    for (int k = 0; k < modules; ++k) evaluation(QStringLiteral("module:%1").arg(k), acc - 0.02 * (k + 1));
    evaluation("random", acc - 0.01);
    evaluation("ensemble", acc + 0.005);
  }
  const QJsonObject finished{{"final", dev},  {"best", dev},     {"best_step", steps}, {"primary_metric", "accuracy"},
                             {"wall_s", 0.1}, {"params", params}};
  writeJson(QDir(g_runDir).filePath("results.json"), finished);
  // the run's trained weights, as the engine writes them when a run finishes: one F32 tensor [2]
  QFile adapters(QDir(g_runDir).filePath("adapters.safetensors"));
  if (adapters.open(QIODevice::WriteOnly | QIODevice::Truncate)) {
    const QByteArray header = R"({"head.weight":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})";
    QByteArray length(8, '\0');
    for (int i = 0; i < 8; ++i) length[i] = char((quint64(header.size()) >> (8 * i)) & 0xff);
    adapters.write(length + header + QByteArray(8, '\0'));
  }
  emitEvent("finished", finished);
  return 0;
}
