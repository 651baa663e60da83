// The run directory's lock (docs/protocol.md, schema 1.1): `adamix-engine train` on a directory
// whose .engine.lock another process holds is refused at once with a `busy` error event and exit
// code 10, and touches nothing of the holder's; the lock is released when the engine exits.
// Torch-free: the real engine runs as a child process; the test holds the lock as an engine would.
#include <QtCore/QDir>
#include <QtCore/QProcess>
#include <QtCore/QTemporaryDir>
#include <QtTest/QtTest>

#include <unistd.h>

#include <filesystem>
#include <map>

#include <nlohmann/json.hpp>

#include "io/run_dir_lock.h"
#include "test_support.h"
#include "engine_process.h"

using namespace adamix;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

/// Every regular file under `dir` (relative path → content).
std::map<std::string, std::string> snapshot(const std::string& dir) {
  std::map<std::string, std::string> files;
  for (const auto& e : fs::recursive_directory_iterator(dir))
    if (e.is_regular_file()) files[fs::relative(e.path(), dir).string()] = test::readFile(e.path().string());
  return files;
}

using test::EngineRun;
using test::runEngine;

}  // namespace

class TestRunLock : public QObject {
  Q_OBJECT
  QTemporaryDir tmp_;

 private Q_SLOTS:
  void initTestCase() { QVERIFY(tmp_.isValid()); }

  void lockIsExclusiveAndNamesItsHolder() {
    const std::string dir = tmp_.filePath("exclusive").toStdString();
    fs::create_directories(dir);
    QVERIFY(!runDirLockHolder(dir));  // no lock file yet: nobody holds it
    {
      RunDirLock first(dir);
      QVERIFY(first.held());
      QCOMPARE(test::readFile(dir + "/.engine.lock"), std::to_string(::getpid()) + "\n");
      QCOMPARE(runDirLockHolder(dir).value_or(-1), long(::getpid()));
      RunDirLock second(dir);  // another open file: flock() refuses it even in the same process
      QVERIFY(!second.held());
      QCOMPARE(second.holderPid().value_or(-1), long(::getpid()));
    }
    QVERIFY(!runDirLockHolder(dir));  // released with the holder
    RunDirLock again(dir);
    QVERIFY(again.held());
  }

  void secondEngineIsRefusedAsBusyAndTouchesNothing() {
    const std::string dir = tmp_.filePath("busy").toStdString();
    // what a running engine has written so far
    test::writeFile(dir + "/run.json", R"({"run_id": "busy"})");
    test::writeFile(dir + "/config.json", R"({"run_id": "busy", "seed": 7})");
    test::writeFile(dir + "/events.jsonl", "{\"event\":\"started\",\"schema\":\"1.1\",\"run\":\"busy\",\"time\":1}\n");
    test::writeFile(dir + "/checkpoint/state.safetensors", std::string("\x08\x00\x00\x00\x00\x00\x00\x00{}      ", 16));
    RunDirLock holder(dir);  // this test stands in for the engine that holds the directory
    QVERIFY(holder.held());
    const auto before = snapshot(dir);
    const QString qdir = QString::fromStdString(dir);
    for (const QStringList& extra : {QStringList{}, QStringList{"--resume"}}) {
      const EngineRun r = runEngine(QStringList{"train", "--config", qdir + "/run.json", "--run-dir", qdir} + extra);
      QCOMPARE(r.exitCode, 10);
      QCOMPARE(r.stdoutLines.size(), 1);  // the refusal, and nothing else
      const json e = json::parse(r.stdoutLines.first().toStdString());
      QCOMPARE(QString::fromStdString(e.at("event").get<std::string>()), QString("error"));
      QCOMPARE(QString::fromStdString(e.at("kind").get<std::string>()), QString("busy"));
      QCOMPARE(QString::fromStdString(e.at("schema").get<std::string>()), QString("1.3"));
      QCOMPARE(QString::fromStdString(e.at("run").get<std::string>()), QString("busy"));
      const QString message = QString::fromStdString(e.at("message").get<std::string>());
      QVERIFY2(message.contains(qdir) && message.contains(QString("pid %1").arg(::getpid())), qPrintable(message));
      QCOMPARE(QString::fromStdString(e.at("location").get<std::string>()), qdir + "/.engine.lock");
      QVERIFY2(r.stderrText.contains("busy error"), qPrintable(r.stderrText));
      // the holder's files are as they were, byte for byte, and nothing was added
      QVERIFY(snapshot(dir) == before);
    }
    QCOMPARE(runDirLockHolder(dir).value_or(-1), long(::getpid()));  // still the holder's
  }

  void engineHoldsTheLockUntilItExits() {
    // an engine that stops early (a config error, exit 3) took the lock and left it free behind it
    const std::string dir = tmp_.filePath("released").toStdString();
    test::writeFile(dir + "/run.json", "{ not json");
    const QString qdir = QString::fromStdString(dir);
    const EngineRun r = runEngine({"train", "--config", qdir + "/run.json", "--run-dir", qdir});
    QCOMPARE(r.exitCode, 3);
    const json e = json::parse(r.stdoutLines.last().toStdString());
    QCOMPARE(QString::fromStdString(e.at("kind").get<std::string>()), QString("config"));
    QVERIFY(fs::exists(dir + "/.engine.lock"));
    const std::string pid = test::readFile(dir + "/.engine.lock");
    QVERIFY2(std::stol(pid) > 0 && std::stol(pid) != long(::getpid()), pid.c_str());  // the engine's pid
    QVERIFY(!runDirLockHolder(dir));
    RunDirLock next(dir);  // the next engine gets it
    QVERIFY(next.held());
  }
};

QTEST_GUILESS_MAIN(TestRunLock)
#include "test_run_lock.moc"
