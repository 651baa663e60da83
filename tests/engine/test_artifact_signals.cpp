// SIGINT/SIGTERM and half-written output of the artifact commands (eval, merge, generate, export,
// validate; docs/protocol.md "Signals"): a real adamix-engine process signalled while it works
// stops with an `interrupted` error (exit 8) and leaves no output or staging folder; export and
// merge write into a hidden sibling `.<name>.partial-<host>-<pid>` (io/staging_dir.h) whose stale
// copies left by killed processes of this host the next command removes; a merge whose dev
// evaluation fails leaves no folder. No test waits for a time: an engine is signalled once it
// waits on a FIFO (it has it open), or once it has written its first progress event and the test
// stops reading its stdout (the engine then waits in write() once the pipe is full, long before
// its last batch).
#include <QtCore/QProcess>
#include <QtCore/QTemporaryDir>
#include <QtTest/QtTest>
#include <torch/torch.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <vector>

#include "artifacts/export_merged_model.h"
#include "artifacts/export_peft.h"
#include "artifacts/run_artifact.h"
#include "artifacts/run_generate.h"
#include "config/run_config.h"
#include "engine_process.h"
#include "io/errors.h"
#include "io/interrupt.h"
#include "io/safetensors.h"
#include "io/staging_dir.h"
#include "model/checkpoint.h"
#include "model/generation.h"
#include "model/init_model.h"
#include "protocol/events.h"
#include "test_support.h"
#include "tiny_llama.h"
#include "tokenizer/tokenizer.h"
#include "train/nlg_evaluation.h"
#include "train/trainer.h"

using namespace adamix;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

/// The JSON events of an engine's stdout.
std::vector<json> eventsOf(const QByteArray& out) {
  std::vector<json> events;
  for (const auto& line : out.split('\n'))
    if (!line.trimmed().isEmpty()) events.push_back(json::parse(line.toStdString()));
  return events;
}

/// The last event that is not a heartbeat (those come from their own thread).
json lastEvent(const std::vector<json>& events) {
  json last;
  for (const auto& e : events)
    if (e["event"] != "heartbeat") last = e;
  return last;
}

/// The `step` of the last `progress` event (of `phase` when given), 0 when none; `total` gets its
/// `total_steps`.
int64_t lastProgressStep(const std::vector<json>& events, int64_t& total, const std::string& phase = {}) {
  int64_t step = 0;
  for (const auto& e : events)
    if (e["event"] == "progress" && (phase.empty() || e.value("phase", "") == phase)) {
      step = e["step"].get<int64_t>();
      total = e["total_steps"].get<int64_t>();
    }
  return step;
}

/// Waits for the end of `p` (300 s safety net, then killed) and returns its exit code (-1 when it
/// did not exit normally); its remaining stdout is appended to `out`.
int finish(QProcess& p, QByteArray& out) {
  if (!p.waitForFinished(300000)) {
    p.kill();
    p.waitForFinished();
  }
  out += p.readAllStandardOutput();
  return p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1;
}

/// A pid that no process has: a child that has exited and been reaped.
pid_t deadPid() {
  const pid_t child = ::fork();
  if (child == 0) ::_exit(0);
  int status = 0;
  ::waitpid(child, &status, 0);
  return child;
}

/// The entries of `dir` whose name holds ".partial-" (staging folders).
std::vector<std::string> stagingEntries(const std::string& dir) {
  std::vector<std::string> out;
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec))
    if (it->path().filename().string().find(".partial-") != std::string::npos)
      out.push_back(it->path().filename().string());
  return out;
}

/// Clears the interrupt flag when a test that sets it ends, however it ends.
struct InterruptFlagReset {
  ~InterruptFlagReset() { g_interrupt_requested = false; }
};

}  // namespace

class TestArtifactSignals : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void initTestCase();
  void evalStopsAfterTheBatchItWasSignalledIn();
  void evalStopsWhileWaitingForItsDataAndRemovesItsFolder();
  void mergeStopsAfterTheFitStepItWasSignalledIn();
  void mergeSignalledDuringItsDevEvaluationLeavesNoFolder();
  void mergeWhoseDevDataIsBadLeavesNoFolder();
  void exportSignalledWhileLoadingLeavesNoStaging();
  void exportWritersStopBetweenTensors();
  void staleStagingOfDeadProcessesOfThisHostIsRemoved();
  void validateAndGenerateStopOnEitherSignal();
  void decodingPollsBeforeEveryStep();
  void aStopSignalSentBeforeMainIsNotLost();
  void anInheritedIgnoredSigintStaysIgnored();

 private:
  /// A copy of the run (config.json with `task_data_dir` when given, adapters, results) named `name`.
  std::string copyRun(const std::string& name, const std::string& task_data_dir = {});
  /// A data directory with RTE's train.tsv and a FIFO as dev.tsv (returned: the FIFO's path).
  std::string dataDirWithFifoDev(const std::string& name);
  QTemporaryDir tmp_;
  std::string model_dir_, rte_dir_, run_dir_;
};

void TestArtifactSignals::initTestCase() {
  const auto stories = test::sharedPath("models/stories260K");
  rte_dir_ = test::sharedPath("data/glue/RTE");
  if (stories.empty() || rte_dir_.empty()) QSKIP("shared assets (stories260K, RTE) not available");
  QVERIFY(tmp_.isValid());
  model_dir_ = tmp_.filePath("tiny-llama").toStdString();
  test::writeTinyLlama(model_dir_, stories);
  // An AdaMix-LoRA run (M = 2): what eval, merge and every export format but adamix take.
  const json cfg = {{"seed", 5},
                    {"model", {{"path", model_dir_}}},
                    {"task",
                     {{"name", "rte"},
                      {"data_dir", rte_dir_},
                      {"max_seq_length", 40},
                      {"max_train_examples", 32},
                      {"max_dev_examples", 24}}},
                    {"peft",
                     {{"method", "lora"},
                      {"lora", {{"rank", 2}, {"alpha", 4}}},
                      {"adamix", {{"num_modules", 2}, {"sharing", "up"}}}}},
                    {"train",
                     {{"learning_rate", 1e-3},
                      {"epochs", 1},
                      {"batch_size", 8},
                      {"eval_batch_size", 32},
                      {"eval_inference_modes", false},
                      {"threads", 1},
                      {"device", "cpu"}}}};
  auto rc = parseRunConfig(cfg);
  rc.run_id = "run";
  run_dir_ = tmp_.filePath("run").toStdString();
  fs::create_directories(run_dir_);
  TrainOptions opts;
  opts.run_dir = run_dir_;
  EventStream events(rc.run_id, run_dir_ + "/events.jsonl", /*echo_stdout=*/false);
  trainRun(rc, opts, events);
}

std::string TestArtifactSignals::copyRun(const std::string& name, const std::string& task_data_dir) {
  const auto dir = tmp_.filePath(QString::fromStdString(name)).toStdString();
  fs::create_directories(dir);
  for (const char* f : {"adapters.safetensors", "results.json"}) fs::copy_file(run_dir_ + "/" + f, dir + "/" + f);
  auto cfg = json::parse(test::readFile(run_dir_ + "/config.json"));
  if (!task_data_dir.empty()) cfg["task"]["data_dir"] = task_data_dir;
  test::writeFile(dir + "/config.json", cfg.dump(2));
  return dir;
}

std::string TestArtifactSignals::dataDirWithFifoDev(const std::string& name) {
  const auto dir = tmp_.filePath(QString::fromStdString(name)).toStdString();
  fs::create_directories(dir);
  fs::copy_file(rte_dir_ + "/train.tsv", dir + "/train.tsv");
  const auto fifo = dir + "/dev.tsv";
  if (::mkfifo(fifo.c_str(), 0600) != 0) qFatal("mkfifo %s failed", fifo.c_str());
  return fifo;
}

// `eval` of RTE's 3000 test rows in batches of one, signalled after its first batch: it stops
// after the batch in progress (the message names the last batch it reported), with an
// `interrupted` error event and exit 8, and removes the output folder it had made — before the
// fix SIGTERM killed it: no error event, and an empty eval/test-merged/ stayed.
void TestArtifactSignals::evalStopsAfterTheBatchItWasSignalledIn() {
  const auto root = tmp_.filePath("eval-signal-root").toStdString();
  QProcess p;
  p.start(ADAMIX_ENGINE_EXE, {"eval", "--run-dir", QString::fromStdString(run_dir_), "--split", "test", "--batch-size",
                              "1", "--threads", "1", "--out-root", QString::fromStdString(root)});
  QVERIFY(p.waitForStarted());
  QByteArray out = test::readStdoutUntil(p, "\"event\":\"progress\"");
  QVERIFY2(out.contains("\"event\":\"progress\""), out.constData());
  QVERIFY(fs::is_directory(root + "/eval/test-merged"));  // made before the first batch
  ::kill(pid_t(p.processId()), SIGTERM);
  QCOMPARE(finish(p, out), errorKindExitCode(ErrorKind::Interrupted));
  const auto events = eventsOf(out);
  const json err = lastEvent(events);
  QCOMPARE(QString::fromStdString(err.value("event", "")), QStringLiteral("error"));
  QCOMPARE(QString::fromStdString(err["kind"].get<std::string>()), QStringLiteral("interrupted"));
  int64_t total = 0;
  const int64_t last = lastProgressStep(events, total);
  QCOMPARE(total, int64_t(3000));
  QVERIFY2(last >= 1 && last < total, qPrintable(QString::number(last)));
  QCOMPARE(QString::fromStdString(err["message"].get<std::string>()),
           QStringLiteral("interrupted while evaluating (batch %1 of 3000); nothing was written").arg(last));
  for (const auto& e : events) QVERIFY(e["event"] != "finished");
  QVERIFY2(!fs::exists(root), root.c_str());  // the folders it made, gone
}

// `eval --data FIFO` made its output folder, then waits for the FIFO's writer: SIGINT ends the wait
// (interrupted while reading, naming the file) and the folder is removed.
void TestArtifactSignals::evalStopsWhileWaitingForItsDataAndRemovesItsFolder() {
  const auto fifo = tmp_.filePath("eval-fifo-rows.tsv").toStdString();
  QVERIFY(::mkfifo(fifo.c_str(), 0600) == 0);
  const auto root = tmp_.filePath("eval-fifo-root").toStdString();
  QProcess p;
  p.start(ADAMIX_ENGINE_EXE, {"eval", "--run-dir", QString::fromStdString(run_dir_), "--data",
                              QString::fromStdString(fifo), "--out-root", QString::fromStdString(root)});
  QVERIFY(p.waitForStarted());
  QVERIFY2(test::waitUntilFileOpen(p, fifo), "the engine did not reach the FIFO");
  QVERIFY(fs::is_directory(root + "/eval/eval-fifo-rows-merged"));
  ::kill(pid_t(p.processId()), SIGINT);
  QByteArray out;
  QCOMPARE(finish(p, out), 8);
  const json err = lastEvent(eventsOf(out));
  QCOMPARE(QString::fromStdString(err.value("event", "")), QStringLiteral("error"));
  QCOMPARE(QString::fromStdString(err["kind"].get<std::string>()), QStringLiteral("interrupted"));
  QCOMPARE(QString::fromStdString(err["message"].get<std::string>()),
           QStringLiteral("interrupted while reading data file"));
  QCOMPARE(err["location"].get<std::string>(), fifo);
  QVERIFY2(!fs::exists(root), root.c_str());
}

// `merge --strategy learned`, 32 held-out rows in batches of one for 200 epochs (6400 fit steps),
// signalled after its first fit step: it stops after the step in progress, exit 8, and writes
// nothing (the output folder comes after the fit).
void TestArtifactSignals::mergeStopsAfterTheFitStepItWasSignalledIn() {
  const auto root = tmp_.filePath("merge-fit-root").toStdString();
  QProcess p;
  p.start(ADAMIX_ENGINE_EXE,
          {"merge", "--run-dir", QString::fromStdString(run_dir_), "--strategy", "learned", "--batch-size", "1",
           "--epochs", "200", "--threads", "1", "--out-root", QString::fromStdString(root)});
  QVERIFY(p.waitForStarted());
  QByteArray out = test::readStdoutUntil(p, "\"phase\":\"fit\"");
  QVERIFY2(out.contains("\"phase\":\"fit\""), out.constData());
  ::kill(pid_t(p.processId()), SIGTERM);
  QCOMPARE(finish(p, out), 8);
  const auto events = eventsOf(out);
  const json err = lastEvent(events);
  QCOMPARE(QString::fromStdString(err.value("event", "")), QStringLiteral("error"));
  QCOMPARE(QString::fromStdString(err["kind"].get<std::string>()), QStringLiteral("interrupted"));
  int64_t total = 0;
  const int64_t last = lastProgressStep(events, total, "fit");
  QCOMPARE(total, int64_t(6400));
  QVERIFY2(last >= 1 && last < total, qPrintable(QString::number(last)));
  QCOMPARE(QString::fromStdString(err["message"].get<std::string>()),
           QStringLiteral("interrupted while merging (phase fit, batch %1 of 6400); nothing was written").arg(last));
  QVERIFY2(!fs::exists(root), root.c_str());
}

// A merge whose dev.tsv is a FIFO has written merged.safetensors into its staging folder when it
// waits for the dev rows: SIGTERM then leaves neither the staging folder nor merges/ (before: the
// process died, and merges/uniform/ held merged.safetensors without merge.json).
void TestArtifactSignals::mergeSignalledDuringItsDevEvaluationLeavesNoFolder() {
  const auto fifo = dataDirWithFifoDev("merge-signal-data");
  const auto run = copyRun("run-merge-signal", fs::path(fifo).parent_path().string());
  QProcess p;
  p.start(ADAMIX_ENGINE_EXE, {"merge", "--run-dir", QString::fromStdString(run), "--strategy", "uniform"});
  QVERIFY(p.waitForStarted());
  QVERIFY2(test::waitUntilFileOpen(p, fifo), "the engine did not reach the dev FIFO");
  const auto final_dir = fs::path(run) / "merges" / "uniform";
  const auto staging = stagingPathFor(final_dir, stagingHostName(), long(p.processId()));
  QVERIFY2(fs::exists(staging / "merged.safetensors"), staging.c_str());
  QVERIFY(!fs::exists(final_dir));
  ::kill(pid_t(p.processId()), SIGTERM);
  QByteArray out;
  QCOMPARE(finish(p, out), 8);
  const json err = lastEvent(eventsOf(out));
  QCOMPARE(QString::fromStdString(err["kind"].get<std::string>()), QStringLiteral("interrupted"));
  QCOMPARE(QString::fromStdString(err["message"].get<std::string>()),
           QStringLiteral("interrupted while reading data file"));
  QCOMPARE(err["location"].get<std::string>(), fifo);
  QVERIFY2(!fs::exists(run + "/merges"), run.c_str());
}

// A merge whose dev rows turn out bad after the held-out part (a FIFO whose rows come once the
// merge waits for them): a data error naming dev.tsv and its line, and no folder — neither the
// default one (which the next try then takes, not uniform-2) nor a staging folder; a pre-existing
// empty folder given with --out stays as it was. The next merge also removes a staging folder a
// killed merge (a pid that no longer exists) left beside it.
void TestArtifactSignals::mergeWhoseDevDataIsBadLeavesNoFolder() {
  const auto fifo = dataDirWithFifoDev("merge-bad-data");
  const auto run = copyRun("run-merge-bad", fs::path(fifo).parent_path().string());
  const std::string bad_rows =
      "index\tsentence1\tsentence2\tlabel\n0\tA cat sat.\tA cat is sitting.\tentailment\n1\tonly two fields\n";
  auto mergeWithBadDev = [&](const QStringList& extra) {
    QProcess p;
    p.start(ADAMIX_ENGINE_EXE,
            QStringList{"merge", "--run-dir", QString::fromStdString(run), "--strategy", "uniform"} + extra);
    if (!p.waitForStarted() || !test::waitUntilFileOpen(p, fifo)) qFatal("the merge did not reach the dev FIFO");
    { std::ofstream(fifo) << bad_rows; }
    QByteArray out;
    const int code = finish(p, out);
    return std::make_pair(code, lastEvent(eventsOf(out)));
  };
  auto expectDataError = [&](const std::pair<int, json>& r) {
    QCOMPARE(r.first, errorKindExitCode(ErrorKind::Data));
    QCOMPARE(QString::fromStdString(r.second.value("event", "")), QStringLiteral("error"));
    QCOMPARE(QString::fromStdString(r.second["kind"].get<std::string>()), QStringLiteral("data"));
    QCOMPARE(r.second["location"].get<std::string>(), fifo + ":3");
  };
  // --out: an empty folder the user made
  const auto empty = tmp_.filePath("merge-empty-out").toStdString();
  fs::create_directories(empty);
  expectDataError(mergeWithBadDev({"--out", QString::fromStdString(empty)}));
  QVERIFY(fs::is_directory(empty) && fs::is_empty(empty));
  QVERIFY(stagingEntries(tmp_.path().toStdString()).empty());
  // the default folder
  expectDataError(mergeWithBadDev({}));
  QVERIFY2(!fs::exists(run + "/merges"), run.c_str());
  // good dev rows: the default folder is free; a dead merge's staging folder is removed
  fs::remove(fifo);
  fs::copy_file(rte_dir_ + "/dev.tsv", fifo);
  const auto final_dir = fs::path(run) / "merges" / "uniform";
  const auto stale = stagingPathFor(final_dir, stagingHostName(), long(deadPid()));
  test::writeFile((stale / "merged.safetensors").string(), "cut off");
  QProcess p;
  p.start(ADAMIX_ENGINE_EXE, {"merge", "--run-dir", QString::fromStdString(run), "--strategy", "uniform"});
  QByteArray out;
  QCOMPARE(finish(p, out), 0);
  const json finished = lastEvent(eventsOf(out));
  QCOMPARE(QString::fromStdString(finished["event"].get<std::string>()), QStringLiteral("finished"));
  QCOMPARE(finished["out"].get<std::string>(), final_dir.string());
  for (const char* f : {"merged.safetensors", "merge.json", "metrics.json", "predictions.tsv"})
    QVERIFY2(fs::exists(final_dir / f), f);
  // metrics.json names the folder it is in, not the staging folder it was written into
  QCOMPARE(json::parse(test::readFile((final_dir / "metrics.json").string()))["out"].get<std::string>(),
           final_dir.string());
  QVERIFY(stagingEntries(final_dir.parent_path().string()).empty());
}

// `export` makes its staging folder first, then loads the run: signalled while it waits for the
// run's config.json (a FIFO), it stops (exit 8, the error on stderr, nothing on stdout) and leaves
// neither the output, the staging folder nor the parent folder it made.
void TestArtifactSignals::exportSignalledWhileLoadingLeavesNoStaging() {
  const auto run = tmp_.filePath("run-export-fifo").toStdString();
  fs::create_directories(run);
  for (const char* f : {"adapters.safetensors", "results.json"}) fs::copy_file(run_dir_ + "/" + f, run + "/" + f);
  const auto fifo = run + "/config.json";
  QVERIFY(::mkfifo(fifo.c_str(), 0600) == 0);
  const auto parent = tmp_.filePath("export-signal").toStdString();
  const auto out = parent + "/peft";
  QProcess p;
  p.start(ADAMIX_ENGINE_EXE, {"export", "--run-dir", QString::fromStdString(run), "--format", "peft", "--out",
                              QString::fromStdString(out)});
  QVERIFY(p.waitForStarted());
  QVERIFY2(test::waitUntilFileOpen(p, fifo), "the engine did not reach the FIFO");
  const auto staging = stagingPathFor(out, stagingHostName(), long(p.processId()));
  QVERIFY2(fs::is_directory(staging), staging.c_str());
  ::kill(pid_t(p.processId()), SIGTERM);
  QByteArray stdout_text;
  QCOMPARE(finish(p, stdout_text), 8);
  QVERIFY2(stdout_text.isEmpty(), stdout_text.constData());
  QCOMPARE(
      QString::fromUtf8(p.readAllStandardError()),
      QString::fromStdString("adamix-engine: interrupted error: " + fifo + ": interrupted while reading run config\n"));
  QVERIFY2(!fs::exists(parent), parent.c_str());
}

// The export writers poll the interrupt per tensor: with the flag set, PEFT stops before the first
// tensor of adapter_model.safetensors (no file, no temporary file), merged-model before folding
// the first projection. The trainer's checkpoint writes (not interruptible) are not stopped.
void TestArtifactSignals::exportWritersStopBetweenTensors() {
  InterruptFlagReset reset;
  auto run = loadRun(run_dir_);
  const auto peft_ok = tmp_.filePath("peft-uninterrupted").toStdString();
  const auto merged_ok = tmp_.filePath("merged-uninterrupted").toStdString();
  exportPeft(run, peft_ok);
  exportMergedModel(run, merged_ok);
  const auto peft_tensors = loadSafetensors(peft_ok + "/adapter_model.safetensors").tensors;
  const auto merged_tensors = loadSafetensors(merged_ok + "/model.safetensors").tensors;

  g_interrupt_requested = true;
  const auto peft_dir = tmp_.filePath("peft-interrupted").toStdString();
  auto e = test::expectError([&] { exportPeft(run, peft_dir); });
  QCOMPARE(e.kind(), ErrorKind::Interrupted);
  QCOMPARE(QString::fromStdString(e.message()), QStringLiteral("interrupted while writing"));
  QCOMPARE(e.location(), peft_dir + "/adapter_model.safetensors:" + peft_tensors.begin()->first);
  for (const auto& entry : fs::directory_iterator(peft_dir))
    QVERIFY2(entry.path().filename().string().find("safetensors") == std::string::npos, entry.path().c_str());

  const auto merged_dir = tmp_.filePath("merged-interrupted").toStdString();
  e = test::expectError([&] { exportMergedModel(run, merged_dir); });
  QCOMPARE(e.kind(), ErrorKind::Interrupted);
  QCOMPARE(QString::fromStdString(e.message()), QStringLiteral("interrupted while folding LoRA into the base weights"));
  QVERIFY2(merged_tensors.count(e.location()), e.location().c_str());  // a projection's weight
  QVERIFY(!fs::exists(merged_dir));

  const auto kept = tmp_.filePath("checkpoint-like.safetensors").toStdString();
  saveSafetensors(kept, peft_tensors);
  const auto back = loadSafetensors(kept).tensors;
  QCOMPARE(back.size(), peft_tensors.size());
  for (const auto& [name, t] : peft_tensors) QVERIFY2(torch::equal(back.at(name), t), name.c_str());
}

// Staging folders beside the export's output: only the one of this host whose process no longer
// exists is removed; one of a live process (this test's), of another host, of a host whose name
// begins with this one's, of the old name without a host, or of another output stays.
void TestArtifactSignals::staleStagingOfDeadProcessesOfThisHostIsRemoved() {
  const auto parent = fs::path(tmp_.filePath("stale").toStdString());
  const auto out = parent / "peft";
  const std::string host = stagingHostName();
  QVERIFY(!host.empty());
  const pid_t dead = deadPid();
  QVERIFY(::kill(dead, 0) == -1 && errno == ESRCH);
  const auto stale = stagingPathFor(out, host, dead);
  const std::vector<fs::path> others = {
      stagingPathFor(out, host, long(::getpid())),         // alive
      stagingPathFor(out, "another-host", dead),           // another host's
      stagingPathFor(out, host + "-2", dead),              // a host named this one's + "-2"
      parent / (".peft.partial-" + std::to_string(dead)),  // the name before the host was in it
      stagingPathFor(parent / "other", host, dead),
  };
  QCOMPARE(QString::fromStdString(stale.filename().string()),
           QString::fromStdString(".peft.partial-" + host + "-" + std::to_string(dead)));
  test::writeFile((stale / "adapter_model.safetensors").string(), "cut off");
  for (const auto& dir : others) test::writeFile((dir / "adapter_model.safetensors").string(), "someone else's");
  const auto r = test::runEngine({"export", "--run-dir", QString::fromStdString(run_dir_), "--format", "peft", "--out",
                                  QString::fromStdString(out.string())});
  QCOMPARE(r.exitCode, 0);
  QVERIFY(fs::exists(out / "adapter_model.safetensors"));
  QVERIFY2(!fs::exists(stale), stale.c_str());
  for (const auto& dir : others) {
    QVERIFY2(fs::exists(dir / "adapter_model.safetensors"), dir.c_str());
    QCOMPARE(QString::fromStdString(test::readFile((dir / "adapter_model.safetensors").string())),
             QStringLiteral("someone else's"));
  }
}

// validate and generate stop on SIGTERM and on SIGINT while they wait for a config file (a FIFO):
// exit 8 and the interrupted error on stderr, naming the file; nothing on stdout. Before the fix
// either signal killed them.
void TestArtifactSignals::validateAndGenerateStopOnEitherSignal() {
  for (const int sig : {SIGTERM, SIGINT}) {
    const auto dir = tmp_.filePath(QStringLiteral("config-fifo-%1").arg(sig)).toStdString();
    fs::create_directories(dir);
    const auto fifo = dir + "/config.json";
    QVERIFY(::mkfifo(fifo.c_str(), 0600) == 0);
    for (const QStringList& args :
         {QStringList{"validate", "--config", QString::fromStdString(fifo)},
          QStringList{"generate", "--run-dir", QString::fromStdString(dir), "--prompt", "x"}}) {
      QProcess p;
      p.start(ADAMIX_ENGINE_EXE, args);
      QVERIFY(p.waitForStarted());
      QVERIFY2(test::waitUntilFileOpen(p, fifo), qPrintable(args.first()));
      ::kill(pid_t(p.processId()), sig);
      QByteArray out;
      QCOMPARE(finish(p, out), 8);
      QVERIFY2(out.isEmpty(), out.constData());
      QCOMPARE(QString::fromUtf8(p.readAllStandardError()),
               QString::fromStdString("adamix-engine: interrupted error: " + fifo +
                                      ": interrupted while reading run config\n"));
    }
  }
}

// Decoding polls before every step: `generate --run-dir` (generateWithRun) stops with
// "interrupted while generating" once the flag is set, greedy decoding (`generate --model`) calls
// its hook once per generated token, and generateTexts reports every decoded batch (eval's
// progress and interrupt check on generation tasks).
void TestArtifactSignals::decodingPollsBeforeEveryStep() {
  InterruptFlagReset reset;
  const auto stories = test::sharedPath("models/stories260K");
  const json cfg = {{"seed", 2},
                    {"model", {{"path", stories}}},
                    {"task", {{"name", "e2e"}, {"data_dir", tmp_.path().toStdString()}, {"max_seq_length", 64}}},
                    {"peft", {{"method", "lora"}, {"lora", {{"rank", 2}, {"alpha", 4}}}}},
                    {"train", {{"threads", 1}, {"device", "cpu"}}},
                    {"generation", {{"strategy", "greedy"}, {"max_new_tokens", 4}, {"batch_size", 1}}}};
  auto run = buildRunModel(parseRunConfig(cfg));
  const std::string mr = "name : Zizzi | food : Thai";
  const auto text = generateWithRun(run, mr, 0);  // not interrupted: decodes
  g_interrupt_requested = true;
  const auto e = test::expectError([&] { generateWithRun(run, mr, 0); });
  QCOMPARE(e.kind(), ErrorKind::Interrupted);
  QCOMPARE(QString::fromStdString(e.message()), QStringLiteral("interrupted while generating"));
  g_interrupt_requested = false;
  QCOMPARE(generateWithRun(run, mr, 0), text);

  // greedy decoding: one hook call per generated token (no end token in 5 here: 5 calls)
  auto lm = loadTaskModel(stories, HeadType::CausalLM, 0, 0);
  auto tok = loadTokenizer(stories, lm->config().vocab_size);
  std::vector<int64_t> ids = {tok->bosId()};
  for (auto t : tok->encode("Once upon a time")) ids.push_back(t);
  int calls = 0;
  const auto tokens = greedyGenerate(*lm, ids, 5, {}, true, [&] { ++calls; });
  QCOMPARE(tokens.size(), size_t(5));
  QCOMPARE(calls, 5);
  // a hook that throws ends the decoding
  calls = 0;
  QVERIFY_EXCEPTION_THROWN(greedyGenerate(*lm, ids, 5, {}, true,
                                          [&] {
                                            if (++calls == 3) throw EngineError(ErrorKind::Interrupted, "stop");
                                          }),
                           EngineError);
  QCOMPARE(calls, 3);

  // generateTexts: after_batch per decoded batch (done, total), before_step per step
  std::vector<std::vector<int64_t>> prompts;
  for (const char* p : {"One day", "A cat", "The sun"}) {
    std::vector<int64_t> v = {tok->bosId()};
    for (auto t : tok->encode(p)) v.push_back(t);
    prompts.push_back(v);
  }
  GenerationConfig g;
  g.strategy = "greedy";
  g.max_new_tokens = 3;
  g.batch_size = 2;
  std::vector<std::pair<int64_t, int64_t>> batches;
  int steps = 0;
  const auto texts = generateTexts(
      *run.model, *run.peft.routes, run.peft.num_modules, prompts, g, *run.tokenizer, 2,
      [&](int64_t done, int64_t total) { batches.emplace_back(done, total); }, [&] { ++steps; });
  QCOMPARE(texts.size(), size_t(3));
  QCOMPARE(batches, (std::vector<std::pair<int64_t, int64_t>>{{1, 2}, {2, 2}}));
  QCOMPARE(steps, 6);  // 3 per batch: no prompt here draws an end token within its 3 new tokens
}

// Review: the handlers were installed in main(), after LibTorch's static initialization (0.3-0.7
// s): a Cancel in that window killed the engine by the default action, without its `interrupted`
// error. They are installed before the libraries' initializers now, and the stop signals
// unblocked. Without timing: the engine starts with SIGTERM (or SIGINT) blocked and already
// pending — sent before exec, which keeps both mask and pending signals — so it is delivered
// exactly when the engine unblocks it, before its libraries' initializers. Before the fix it
// stayed blocked: eval ran to its end, exit 0.
void TestArtifactSignals::aStopSignalSentBeforeMainIsNotLost() {
  for (const int sig : {SIGTERM, SIGINT}) {
    const auto root = tmp_.filePath(QStringLiteral("early-signal-%1").arg(sig)).toStdString();
    QProcess p;
    p.setChildProcessModifier([sig] {  // in the child, between fork and exec
      sigset_t block;
      sigemptyset(&block);
      sigaddset(&block, sig);
      sigprocmask(SIG_BLOCK, &block, nullptr);
      ::raise(sig);  // pending from now on, through exec
    });
    p.start(ADAMIX_ENGINE_EXE, {"eval", "--run-dir", QString::fromStdString(run_dir_), "--split", "test",
                                "--batch-size", "1", "--threads", "1", "--out-root", QString::fromStdString(root)});
    QVERIFY(p.waitForStarted());
    QByteArray out;
    QCOMPARE(finish(p, out), errorKindExitCode(ErrorKind::Interrupted));
    const json err = lastEvent(eventsOf(out));
    QCOMPARE(QString::fromStdString(err.value("event", "")), QStringLiteral("error"));
    QCOMPARE(QString::fromStdString(err["kind"].get<std::string>()), QStringLiteral("interrupted"));
    QCOMPARE(QString::fromStdString(err["message"].get<std::string>()),
             QStringLiteral("interrupted while reading run config"));  // its first poll, before any work
    for (const auto& e : eventsOf(out)) QVERIFY(e["event"] != "finished");
    QVERIFY2(!fs::exists(root), root.c_str());
  }
}

// An engine started with SIGINT ignored (a background job of a shell script: `engine … &`) took a
// SIGINT in its first 0.15-0.3 s as ignored — the inherited disposition, before any engine code
// runs — and one after that as a stop: the same signal, two outcomes by timing (found by a bad-input
// review). It keeps the ignored SIGINT now, as shell conventions expect; SIGTERM stops it. Without
// timing: SIGINT ignored, blocked and pending through exec (a blocked signal is queued even when
// ignored), then unblocked by the engine: discarded, eval runs to its end. Before the fix the
// engine's handler took it: exit 8.
void TestArtifactSignals::anInheritedIgnoredSigintStaysIgnored() {
  for (const int sig : {SIGINT, SIGTERM}) {
    const auto root = tmp_.filePath(QStringLiteral("ignored-sigint-%1").arg(sig)).toStdString();
    QProcess p;
    p.setChildProcessModifier([sig] {  // in the child, between fork and exec
      std::signal(SIGINT, SIG_IGN);
      sigset_t block;
      sigemptyset(&block);
      sigaddset(&block, sig);
      sigprocmask(SIG_BLOCK, &block, nullptr);
      ::raise(sig);  // SIGINT: pending although ignored (blocked); SIGTERM: pending, not ignored
    });
    p.start(ADAMIX_ENGINE_EXE, {"eval", "--run-dir", QString::fromStdString(run_dir_), "--split", "test",
                                "--batch-size", "1", "--threads", "1", "--out-root", QString::fromStdString(root)});
    QVERIFY(p.waitForStarted());
    QByteArray out;
    const int code = finish(p, out);
    const json last = lastEvent(eventsOf(out));
    if (sig == SIGINT) {
      QCOMPARE(code, 0);
      QCOMPARE(QString::fromStdString(last.value("event", "")), QStringLiteral("finished"));
    } else {
      QCOMPARE(code, errorKindExitCode(ErrorKind::Interrupted));
      QCOMPARE(QString::fromStdString(last["kind"].get<std::string>()), QStringLiteral("interrupted"));
    }
  }
}

QTEST_GUILESS_MAIN(TestArtifactSignals)
#include "test_artifact_signals.moc"
