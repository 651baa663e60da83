// EngineClient: one background engine call at a time (and blocking calls); exit code, stdout and stderr come back,
// an abandoned call never reports, a missing engine fails without a process. /bin/sh stands in
// for the engine.
#include "exec/engine_client.h"

#include <QSignalSpy>
#include <QtTest>

#include <optional>

using namespace adamix::app;

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
