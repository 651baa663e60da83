// Output of the artifact commands that appears only whole (docs/artifacts.md): export writes into
// a hidden sibling `.<name>.partial-<host>-<pid>` (io/staging_dir.h), and the next export to the
// same folder removes such siblings left by killed processes of this host — only those.
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

/// A pid that no process has: a child that has exited and been reaped.
pid_t deadPid() {
  const pid_t child = ::fork();
  if (child == 0) ::_exit(0);
  int status = 0;
  ::waitpid(child, &status, 0);
  return child;
}

}  // namespace

class TestArtifactSignals : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void initTestCase();
  void staleStagingOfDeadProcessesOfThisHostIsRemoved();

 private:
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
