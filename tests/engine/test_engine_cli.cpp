// The engine's command line refuses out-of-range values the same way everywhere: --threads and
// --device of train, eval and merge through one validator each (engine/tools/main.cpp), and a
// learning rate through one check (checkLearningRate) for train.learning_rate and merge --lr.
// Torch-free: the real engine runs as a child process; every refusal comes before any file is
// read, so the run directories named here need not exist.
#include <QtCore/QProcess>
#include <QtCore/QTemporaryDir>
#include <QtTest/QtTest>

#include <nlohmann/json.hpp>

#include "config/run_config.h"
#include "io/errors.h"
#include "engine_process.h"

using namespace adamix;
using nlohmann::json;

namespace {

using test::EngineRun;
using test::runEngine;

/// The three subcommands that compute, up to their --threads / --device (`dir`: a run directory).
QList<QStringList> computingCommands(const QString& dir) {
  return {{"train", "--config", dir + "/run.json", "--run-dir", dir},
          {"eval", "--run-dir", dir},
          {"merge", "--run-dir", dir, "--strategy", "uniform"}};
}

}  // namespace

class TestEngineCli : public QObject {
  Q_OBJECT
  QTemporaryDir tmp_;

 private Q_SLOTS:
  void exitCodesNameTheirKinds() {
    // docs/protocol.md's table, both ways: the app names the kind of an engine that exited without
    // its error event from its code (kindOfSilentExit)
    const std::vector<std::pair<ErrorKind, int>> table{
        {ErrorKind::Internal, 1}, {ErrorKind::Usage, 2},       {ErrorKind::Config, 3},
        {ErrorKind::Data, 4},     {ErrorKind::Model, 5},       {ErrorKind::Numerical, 6},
        {ErrorKind::Io, 7},       {ErrorKind::Interrupted, 8}, {ErrorKind::Preempted, 9},
        {ErrorKind::Busy, 10}};
    for (const auto& [kind, code] : table) {
      QCOMPARE(errorKindExitCode(kind), code);
      QVERIFY(errorKindOfExitCode(code) == kind);
    }
    for (int code : {0, 11, 64, 127, 137, -1}) QVERIFY(!errorKindOfExitCode(code).has_value());
  }

  void initTestCase() { QVERIFY(tmp_.isValid()); }

  // train, eval and merge: --threads outside 0–1024 (kMaxComputeThreads) is a usage error (exit 2)
  // with one message; 0 and 1024 pass the command line (the missing run then fails otherwise).
  void threadsOutOfRangeAreRefusedAlikeByEveryCommand() {
    QCOMPARE(kMaxComputeThreads, int64_t{1024});
    for (const QStringList& command : computingCommands(tmp_.filePath("none"))) {
      for (const QString& value : {QStringLiteral("-1"), QStringLiteral("1025"), QStringLiteral("100000")}) {
        const EngineRun r = runEngine(command + QStringList{"--threads", value});
        QCOMPARE(r.exitCode, 2);
        QCOMPARE(r.stderrText.section('\n', 0, 0), QStringLiteral("--threads: Value %1 not in range 0 to 1024").arg(value));
      }
      for (const QString& value : {QStringLiteral("0"), QStringLiteral("1024")}) {
        const EngineRun r = runEngine(command + QStringList{"--threads", value});
        QVERIFY2(r.exitCode != 2 && r.exitCode > 0, qPrintable(command.join(' ') + ": " + r.stderrText));
        QVERIFY2(!r.stderrText.contains("not in range"), qPrintable(r.stderrText));
      }
    }
  }

  // train, eval and merge: --device other than auto, cpu or cuda is a usage error with one message.
  void devicesOutsideTheListAreRefusedAlikeByEveryCommand() {
    for (const QStringList& command : computingCommands(tmp_.filePath("none"))) {
      const EngineRun r = runEngine(command + QStringList{"--device", "gpu"});
      QCOMPARE(r.exitCode, 2);
      QCOMPARE(r.stderrText.section('\n', 0, 0), QStringLiteral("--device: gpu not in {auto,cpu,cuda}"));
    }
  }

  // One check of a learning rate (> 0 and at most 3e38, float32's range) with one message, for
  // the run config (a config error at /train/learning_rate) and for merge --lr (a usage error,
  // exit 2, before the run is read).
  void learningRateBoundIsOneCheck() {
    for (const double lr : {0.0, -1e-3, 1e39, std::nan("")}) {
      for (const auto& [kind, location] : {std::pair{ErrorKind::Config, std::string("/train/learning_rate")},
                                           std::pair{ErrorKind::Usage, std::string("--lr")}}) {
        try {
          checkLearningRate(lr, kind, location);
          QFAIL(qPrintable(QStringLiteral("learning rate %1 accepted").arg(lr)));
        } catch (const EngineError& e) {
          QCOMPARE(int(e.kind()), int(kind));
          QCOMPARE(QString::fromStdString(e.location()), QString::fromStdString(location));
          QCOMPARE(QString::fromStdString(e.message()), QStringLiteral("must be > 0 and at most 3e38 (float32)"));
        }
      }
    }
    checkLearningRate(kMaxLearningRate, ErrorKind::Usage, "--lr");  // the limit itself is a learning rate
    checkLearningRate(1e-8, ErrorKind::Usage, "--lr");
    // the run config goes through it
    json config = runConfigDefaultsJson("rte");
    config["train"]["learning_rate"] = 1e39;
    try {
      parseRunConfig(config);
      QFAIL("learning_rate 1e39 accepted");
    } catch (const EngineError& e) {
      QCOMPARE(QString::fromUtf8(e.what()),
               QStringLiteral("/train/learning_rate: must be > 0 and at most 3e38 (float32)"));
    }
    // and merge --lr, as an `error` event of kind usage naming the option (exit 2)
    const QString dir = tmp_.filePath("none");
    for (const QString& lr : {QStringLiteral("0"), QStringLiteral("1e39")}) {
      const EngineRun r = runEngine({"merge", "--run-dir", dir, "--strategy", "learned", "--lr", lr});
      QCOMPARE(r.exitCode, 2);
      QVERIFY(!r.stdoutLines.isEmpty());
      const json e = json::parse(r.stdoutLines.last().toStdString());
      QCOMPARE(QString::fromStdString(e.at("event").get<std::string>()), QStringLiteral("error"));
      QCOMPARE(QString::fromStdString(e.at("kind").get<std::string>()), QStringLiteral("usage"));
      QCOMPARE(QString::fromStdString(e.at("location").get<std::string>()), QStringLiteral("--lr"));
      QCOMPARE(QString::fromStdString(e.at("message").get<std::string>()),
               QStringLiteral("must be > 0 and at most 3e38 (float32)"));
    }
    // 3e38 is accepted: the merge goes on and fails on the missing run instead
    const EngineRun r = runEngine({"merge", "--run-dir", dir, "--strategy", "learned", "--lr", "3e38"});
    QVERIFY2(r.exitCode != 2 && r.exitCode > 0, qPrintable(r.stderrText));
  }
};

QTEST_GUILESS_MAIN(TestEngineCli)
#include "test_engine_cli.moc"
