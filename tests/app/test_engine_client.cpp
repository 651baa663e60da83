// EngineClient: one background engine call at a time (and blocking calls); exit code, stdout and stderr come back,
// an abandoned call never reports, a missing engine fails without a process. /bin/sh stands in
// for the engine.
#include "exec/bounded_bytes.h"
#include "exec/engine_client.h"

#include <QSignalSpy>
#include <QtTest>

#include <optional>
#include <random>

using namespace adamix::app;

namespace {

/// Appends `whole` to `b` in chunks of 1 to 70 bytes drawn from `rng`.
void appendInRandomChunks(BoundedBytes& b, const QByteArray& whole, std::mt19937& rng) {
  for (qsizetype pos = 0; pos < whole.size();) {
    const qsizetype n = std::min<qsizetype>(whole.size() - pos, 1 + rng() % 70);
    b.append(QByteArrayView(whole).sliced(pos, n));
    pos += n;
  }
}

}  // namespace

class TestEngineClient : public QObject {
  Q_OBJECT
 private slots:
  void reportsOutputAndExitCode() {
    EngineClient c(QStringLiteral("/bin/sh"));
    std::optional<EngineResult> got;
    c.run({"-c", "echo '{\"a\": 1}'; echo first >&2; echo 'last line' >&2; exit 3"},
          [&](const EngineResult& r) { got = r; });
    QVERIFY(c.isBusy());
    QTRY_VERIFY(got.has_value());
    QVERIFY(!c.isBusy());
    QVERIFY(!got->ok);
    QCOMPARE(got->exitCode, 3);
    QCOMPARE(got->out, QByteArray("{\"a\": 1}\n"));
    QCOMPARE(got->lastErrorLine(), QStringLiteral("last line"));

    got.reset();
    c.run({"-c", "echo ok"}, [&](const EngineResult& r) { got = r; });
    QTRY_VERIFY(got.has_value());
    QVERIFY(got->ok);
    QCOMPARE(got->exitCode, 0);
    QCOMPARE(got->lastErrorLine(), QString());
  }

  void boundedBytesKeepsTheHeadAndTheTail() {
    BoundedBytes b(4, 6);
    b.append("abc");
    QCOMPARE(b.bytes(), QByteArray("abc"));
    b.append("defgh");  // 8 bytes: all kept
    QCOMPARE(b.bytes(), QByteArray("abcdefgh"));
    QCOMPARE(b.leftOut(), 0);
    b.append("ijklmnop");  // 16: "efghij" left out
    QCOMPARE(b.bytes(), QByteArray("abcd\n[... 6 bytes left out ...]\nklmnop"));
    for (int i = 0; i < 1000; ++i) b.append("x");
    QCOMPARE(b.total(), 1016);
    QCOMPARE(b.leftOut(), 1006);
    QCOMPARE(b.bytes(), QByteArray("abcd\n[... 1006 bytes left out ...]\nxxxxxx"));
    BoundedBytes noTail(3, 0);
    noTail.append("hello\n");
    QCOMPARE(noTail.bytes(), QByteArray("hel\n[... 3 bytes left out ...]\n"));
  }

  void boundedBytesMatchesTheWholeStreamCutByHand() {
    // random streams in random chunks against the whole stream's first and last bytes
    std::mt19937 rng(7);
    for (int trial = 0; trial < 200; ++trial) {
      const qsizetype head = rng() % 40, tail = rng() % 40, length = rng() % 300;
      QByteArray whole;
      for (qsizetype i = 0; i < length; ++i) whole += char('a' + rng() % 26);
      BoundedBytes b(head, tail);
      appendInRandomChunks(b, whole, rng);
      QByteArray expected = whole;
      if (length > head + tail) {
        expected = whole.left(head);
        if (head > 0) expected += '\n';
        expected += "[... " + QByteArray::number(length - head - tail) + " bytes left out ...]\n" + whole.right(tail);
      }
      QCOMPARE(b.bytes(), expected);
      QCOMPARE(b.total(), length);
    }
  }

  /// Review: the marker could split a line, or a UTF-8 character in two. Streams of letters,
  /// newlines and 2-, 3- and 4-byte characters against the rule applied to the whole stream, with
  /// the characters' boundaries known from how it was built.
  void boundedBytesKeepsWholeLinesAndCharactersAroundTheMarker() {
    const std::vector<QByteArray> pieces = {"a", "b", "\n", "\xC3\xA9", "\xE2\x82\xAC", "\xF0\x9F\x98\x80"};
    std::mt19937 rng(11);
    for (int trial = 0; trial < 400; ++trial) {
      const qsizetype head = rng() % 60, tail = rng() % 60;
      const bool longLines = trial % 4 == 0;  // lines longer than kLineSlack: cut at a character
      QByteArray whole;
      std::vector<qsizetype> starts;  // where each character starts
      for (int i = 0, n = int(rng() % 200); i < n; ++i) {
        const QByteArray& piece = pieces[rng() % pieces.size()];
        if (longLines && piece == "\n" && rng() % 8 != 0) continue;
        starts.push_back(whole.size());
        whole += piece;
        if (longLines && rng() % 30 == 0) {  // a stretch of letters longer than the slack
          for (qsizetype k = 0; k < BoundedBytes::kLineSlack + 5; ++k) starts.push_back(whole.size() + k);
          whole += QByteArray(BoundedBytes::kLineSlack + 5, 'x');
        }
      }
      starts.push_back(whole.size());
      const qsizetype length = whole.size();
      BoundedBytes b(head, tail);
      appendInRandomChunks(b, whole, rng);
      QByteArray expected = whole;
      if (length > head + tail) {
        qsizetype h = head;  // the head's end
        if (h > 0 && whole[h - 1] != '\n') {
          const qsizetype nl = whole.left(h).lastIndexOf('\n');
          h = nl >= 0 && h - (nl + 1) <= BoundedBytes::kLineSlack
                  ? nl + 1
                  : *std::prev(std::upper_bound(starts.begin(), starts.end(), h));
        }
        qsizetype t = length - tail;  // the tail's start
        if (tail > 0 && whole[t - 1] != '\n') {
          const qsizetype nl = whole.indexOf('\n', t);
          t = nl >= 0 && nl + 1 - (length - tail) <= BoundedBytes::kLineSlack
                  ? nl + 1
                  : *std::lower_bound(starts.begin(), starts.end(), t);
        }
        expected = whole.left(h);
        if (!expected.isEmpty() && !expected.endsWith('\n')) expected += '\n';
        expected += "[... " + QByteArray::number(length - h - (length - t)) + " bytes left out ...]\n" + whole.mid(t);
      }
      QCOMPARE(b.bytes(), expected);
      QCOMPARE(b.total(), length);
    }
  }

  void stderrIsKeptWithinItsBound() {
    // 3 MB of stderr in one line, then the message: the result keeps its start and its last line
    EngineClient c(QStringLiteral("/bin/sh"));
    std::optional<EngineResult> got;
    c.run({"-c", "echo 'first line' >&2; head -c 3000000 /dev/zero | tr '\\0' e >&2; echo >&2; "
                 "echo 'adamix-engine: io error: last line' >&2; exit 7"},
          [&](const EngineResult& r) { got = r; });
    QTRY_VERIFY_WITH_TIMEOUT(got.has_value(), 30000);
    QCOMPARE(got->exitCode, 7);
    QVERIFY2(got->err.size() <= kStderrHeadBytes + kStderrTailBytes + 64, QByteArray::number(got->err.size()));
    QVERIFY(got->err.startsWith("first line\neeee"));
    const qint64 all = 11 + 3000000 + 1 + 35;
    QVERIFY(got->err.contains("[... " + QByteArray::number(all - kStderrHeadBytes - kStderrTailBytes) +
                              " bytes left out ...]\n"));
    QCOMPARE(got->lastErrorLine(), QStringLiteral("adamix-engine: io error: last line"));
  }

  void aNewCallAbandonsTheRunningOne() {
    EngineClient c(QStringLiteral("/bin/sh"));
    int first = 0;
    std::optional<EngineResult> second;
    c.run({"-c", "sleep 10"}, [&](const EngineResult&) { ++first; });
    c.run({"-c", "echo two"}, [&](const EngineResult& r) { second = r; });
    QTRY_VERIFY(second.has_value());
    QCOMPARE(second->out, QByteArray("two\n"));
    QTest::qWait(50);
    QCOMPARE(first, 0);
  }

  void aMissingEngineFails() {
    EngineClient c(QStringLiteral("/nonexistent/adamix-engine"));
    std::optional<EngineResult> got;
    c.run({"inspect"}, [&](const EngineResult& r) { got = r; });
    QTRY_VERIFY(got.has_value());
    QVERIFY(!got->ok);
    QVERIFY(!got->lastErrorLine().isEmpty());
  }

  void blockingCallsReportLikeBackgroundOnes() {
    EngineResult r =
        EngineClient::runBlocking("/bin/sh", {"-c", "echo 'adamix-engine 0.9'; echo warn >&2; exit 0"}, 5000);
    QVERIFY(r.ok);
    QCOMPARE(r.out, QByteArray("adamix-engine 0.9\n"));
    QCOMPARE(r.lastErrorLine(), QStringLiteral("warn"));
    r = EngineClient::runBlocking("/bin/sh", {"-c", "exit 4"}, 5000);
    QVERIFY(!r.ok);
    QCOMPARE(r.exitCode, 4);
    // 3 MB on each channel: both kept within their bounds, first and last lines intact
    r = EngineClient::runBlocking(
        "/bin/sh",
        {"-c", "for c in 1 2; do echo first >&$c; head -c 3000000 /dev/zero | tr '\\0' e >&$c; echo >&$c; echo last >&$c; done"},
        30000);
    QVERIFY(r.ok);
    for (const QByteArray& channel : {r.out, r.err}) {
      QVERIFY2(channel.size() <= kStderrHeadBytes + kStderrTailBytes + 64, QByteArray::number(channel.size()));
      QVERIFY(channel.startsWith("first\neeee"));
      QVERIFY(channel.contains(" bytes left out ...]\neeee"));
      QVERIFY(channel.endsWith("eeee\nlast\n"));
    }
    // a call that does not end in time is killed and fails, naming the call
    r = EngineClient::runBlocking("/bin/sh", {"-c", "sleep 30"}, 200);
    QVERIFY(!r.ok);
    QVERIFY2(r.lastErrorLine().contains("sleep 30"), r.err.constData());
    r = EngineClient::runBlocking("/nonexistent/adamix-engine", {"--version"}, 5000);
    QVERIFY(!r.ok);
    QVERIFY(!r.lastErrorLine().isEmpty());
    QVERIFY(!EngineClient::runBlocking("", {"--version"}, 5000).ok);
  }
};

QTEST_GUILESS_MAIN(TestEngineClient)
#include "test_engine_client.moc"
