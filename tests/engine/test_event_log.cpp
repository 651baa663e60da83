// The run directory's event log (events.jsonl) when the disk fails under it: found by the chaos
// test (bench/chaos_test.cpp, docs/reliability.md "Chaos test").
#include <QtTest/QtTest>

#include <csignal>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <sstream>
#include <sys/resource.h>

#include "io/errors.h"
#include "protocol/events.h"
#include "test_support.h"

using namespace adamix;
namespace fs = std::filesystem;

namespace {

/// The lines of a file.
std::vector<std::string> lines(const std::string& path) {
  std::vector<std::string> out;
  std::istringstream in(test::readFile(path));
  for (std::string l; std::getline(in, l);) out.push_back(l);
  return out;
}

/// Lowers this process's file size limit to `bytes` (writes past it fail with EFBIG, SIGXFSZ
/// ignored) until destroyed.
class FileSizeLimit {
 public:
  explicit FileSizeLimit(rlim_t bytes) {
    getrlimit(RLIMIT_FSIZE, &old_);
    old_handler_ = std::signal(SIGXFSZ, SIG_IGN);
    rlimit r = old_;
    r.rlim_cur = bytes;
    setrlimit(RLIMIT_FSIZE, &r);
  }
  ~FileSizeLimit() {
    setrlimit(RLIMIT_FSIZE, &old_);
    std::signal(SIGXFSZ, old_handler_);
  }

 private:
  rlimit old_{};
  void (*old_handler_)(int) = SIG_DFL;
};

}  // namespace

class TestEventLog : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  // A full disk (here: the file size limit) used to drop events from events.jsonl silently
  // (fwrite/fflush unchecked): the run went on and could finish with a log that lacks its
  // `finished` event. Now the first failed write is an io error naming the file.
  void eventLogWriteFailureIsAnIoError() {
    QTemporaryDir tmp;
    const std::string path = tmp.filePath("events.jsonl").toStdString();
    test::writeFile(path, std::string(100, 'x') + "\n");
    EventStream events("r", path, /*echo_stdout=*/false);
    bool thrown = false;
    {
      FileSizeLimit limit(150);
      try {
        // one line (~110 bytes) does not fit beside the 101 bytes already there
        events.emit("metric", {{"step", 1}, {"split", "train"}, {"name", "loss"}, {"value", 0.5}});
      } catch (const EngineError& e) {
        thrown = true;
        QCOMPARE(int(e.kind()), int(ErrorKind::Io));
        QCOMPARE(e.location(), path);
        QVERIFY2(e.message().find("cannot write the event log") != std::string::npos, e.what());
      }
    }
    QVERIFY(thrown);
    // reported once; the error event itself never throws, and nothing more is appended
    events.emit("error", {{"kind", "io"}, {"message", "m"}, {"location", path}});
    events.emit("heartbeat", {{"step", 2}});
    QVERIFY(fs::file_size(path) <= 150);
  }

  // A run cut mid-line (killed mid-write, disk full) and resumed: the resumed `started` event was
  // appended to the torn line and both were lost to every reader of the log.
  void resumeAfterTornLineStartsANewLine() {
    QTemporaryDir tmp;
    const std::string path = tmp.filePath("events.jsonl").toStdString();
    test::writeFile(path, "{\"event\":\"heartbeat\"}\n{\"event\":\"metr");
    {
      EventStream events("r", path, /*echo_stdout=*/false);
      events.emit("started", {{"resumed_from_step", 4}});
    }
    const auto l = lines(path);
    QCOMPARE(l.size(), size_t(3));
    QCOMPARE(l[1], std::string("{\"event\":\"metr"));
    const auto started = nlohmann::json::parse(l[2]);
    QCOMPARE(started.at("event").get<std::string>(), std::string("started"));
    QCOMPARE(started.at("resumed_from_step").get<int>(), 4);
    // an intact log gets no blank line
    {
      EventStream events("r", path, false);
      events.emit("heartbeat");
    }
    QCOMPARE(lines(path).size(), size_t(4));
  }
};

QTEST_GUILESS_MAIN(TestEventLog)
#include "test_event_log.moc"
