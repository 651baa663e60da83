// EngineClient: one background engine call at a time; exit code, stdout and stderr come back,
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
};

QTEST_GUILESS_MAIN(TestEngineClient)
#include "test_engine_client.moc"
