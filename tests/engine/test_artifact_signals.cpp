// Output of the artifact commands that appears only whole (docs/artifacts.md): export and merge
// write into a hidden sibling `.<name>.partial-<host>-<pid>` (io/staging_dir.h), and the next
// command to the same folder removes such siblings left by killed processes of this host — only
// those; a merge whose dev evaluation fails leaves no folder. No test waits for a time: a merge
// is fed its dev rows once it waits on their FIFO (it has it open).
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

#include "config/run_config.h"
#include "engine_process.h"
#include "io/errors.h"
#include "io/staging_dir.h"
#include "model/init_model.h"
#include "protocol/events.h"
#include "test_support.h"
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

}  // namespace

class TestArtifactSignals : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void initTestCase();
  void mergeWhoseDevDataIsBadLeavesNoFolder();
  void staleStagingOfDeadProcessesOfThisHostIsRemoved();

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
  RandomLlamaSpec spec;
  spec.hidden_size = 32;
  spec.num_hidden_layers = 2;
  spec.num_attention_heads = 4;
  spec.num_key_value_heads = 2;
  spec.intermediate_size = 64;
  writeRandomModel(model_dir_, llamaConfigJson(spec), 11, stories);
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

QTEST_GUILESS_MAIN(TestArtifactSignals)
#include "test_artifact_signals.moc"
