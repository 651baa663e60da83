// Two launchers, one workspace (issue 16, item 5), through the real GUI: the app launches a study
// while an `adamix study run` of the same study on the same database runs beside it. Each run is
// trained once (the scripted fake engine logs every `train`), by whichever launcher claimed it;
// the other follows it, and the Monitor shows the followed runs as the store states them.
#include "exec/run_state.h"
#include "monitor/monitor_view.h"
#include "shell/main_window.h"
#include "study/study.h"
#include "workspace/workspace.h"

#include <QDir>
#include <QFile>
#include <QProcess>
#include <QSettings>
#include <QSqlDatabase>
#include <QSqlQuery>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTreeWidget>
#include <QtTest>

using namespace adamix;
using namespace adamix::app;

namespace {

enum MonitorCol { ColRun, ColState };  // the Monitor's run and state columns

void write(const QString& path, const QByteArray& data) {
  QDir().mkpath(QFileInfo(path).absolutePath());
  QFile f(path);
  if (!f.open(QIODevice::WriteOnly | QIODevice::Truncate)) qFatal("cannot write %s", qPrintable(path));
  f.write(data);
}

/// The fake engine's invocation log: run id → "train" / "resume", in order.
QMap<QString, QStringList> invocations(const QString& path) {
  QMap<QString, QStringList> out;
  QFile f(path);
  if (!f.open(QIODevice::ReadOnly | QIODevice::Text)) return out;
  for (const QString& line : QString::fromUtf8(f.readAll()).split('\n', Qt::SkipEmptyParts)) {
    const QStringList parts = line.split(' ');
    if (parts.size() == 3) out[parts[0]] << parts[1];
  }
  return out;
}

int startedEvents(const QString& runDir) {
  QFile f(runDir + "/events.jsonl");
  if (!f.open(QIODevice::ReadOnly)) return -1;
  return int(QString::fromUtf8(f.readAll()).count("\"event\":\"started\""));
}

}  // namespace

class TestTwoLaunchers : public QObject {
  Q_OBJECT
  QTemporaryDir dir_;
  QString study_, log_;

  /// One value of a query on the workspace's database, through the GUI's own store.
  qint64 scalar(ui::MainWindow& w, const QString& sql) {
    QSqlQuery q(QSqlDatabase::database(w.workspace()->store().connectionName()));
    if (!q.exec(sql) || !q.next()) return -1;
    return q.value(0).toLongLong();
  }
  /// `adamix study run` of the study on `db`, as a second launcher beside the app.
  void startCli(QProcess& cli, const QString& db) {
    cli.setProcessEnvironment(QProcessEnvironment::systemEnvironment());
    cli.setProcessChannelMode(QProcess::MergedChannels);
    cli.start(ADAMIX_CLI_EXE, {"study", "run", study_, "--db", db, "--jobs", "2", "--no-export"});
    QVERIFY(cli.waitForStarted());
  }
  /// Checks that every run of the workspace was trained exactly once and is stored once.
  void checkEachRunTrainedOnce(ui::MainWindow& w, const QString& log) {
    const auto calls = invocations(log);
    QCOMPARE(calls.size(), 8);
    for (auto it = calls.begin(); it != calls.end(); ++it)
      QVERIFY2(it.value() == QStringList{"train"}, qPrintable(it.key() + ": " + it.value().join(',')));
    for (const RunRecord& r : w.workspace()->store().listRuns()) {
      QCOMPARE(r.status, RunState::Finished);
      QCOMPARE(startedEvents(r.runDir), 1);
    }
    QCOMPARE(scalar(w, "SELECT count(*) FROM runs"), 8);
    QCOMPARE(scalar(w,
                    "SELECT count(*) FROM (SELECT 1 FROM metric_points GROUP BY run_id, split, name, step"
                    " HAVING count(*) > 1)"),
             0);
    QCOMPARE(scalar(w, "SELECT count(*) FROM metric_points"), 8 * 11);  // 10 training losses + 1 dev accuracy
    QCOMPARE(scalar(w, "SELECT count(*) FROM run_claims"), 0);
  }

 private slots:
  void initTestCase() {
    QStandardPaths::setTestModeEnabled(true);
    QCoreApplication::setOrganizationName("AdaMixTest");
    QCoreApplication::setApplicationName("test_two_launchers");
    QSettings().clear();
    QVERIFY(dir_.isValid());
    // a study on plain paths (no assets to fetch): 2 tasks × 2 variants × 2 seeds = 8 runs
    for (const char* f : {"glue/TOYA/train.tsv", "glue/TOYA/dev.tsv", "glue/TOYB/train.tsv", "glue/TOYB/dev.tsv"})
      write(dir_.filePath(f), "a\t0\n");
    write(dir_.filePath("models/tiny/config.json"), "{}");
    study_ = dir_.filePath("toy.json");
    write(study_, QStringLiteral(R"({
  "name": "toy",
  "base": { "model": { "path": "%1" }, "train": { "epochs": 1 } },
  "tasks": [ { "name": "rte", "data_dir": "%2" }, { "name": "wnli", "data_dir": "%3" } ],
  "axes": [ { "name": "variant", "values": [
      { "label": "Adapter", "set": { "/peft/method": "adapter", "/peft/adamix/num_modules": 1 } },
      { "label": "AdaMix", "set": { "/peft/method": "adapter", "/peft/adamix/num_modules": 4 } } ] } ],
  "seeds": [1, 2]
})")
                      .arg(dir_.filePath("models/tiny"), dir_.filePath("glue/TOYA"), dir_.filePath("glue/TOYB"))
                      .toUtf8());
    // the app and the CLI start the same scripted engine: 10 steps of 100 ms per run
    qputenv("ADAMIX_ENGINE", FAKE_ENGINE_EXE);
    qputenv("FAKE_ENGINE_STEPS", "10");
    qputenv("FAKE_ENGINE_STEP_MS", "100");
    qunsetenv("FAKE_ENGINE_MODE");
    qunsetenv("ADAMIX_DB");
  }

  /// The app launches first and claims the runs; the CLI follows them and says so.
  void appLaunchesCliFollows() {
    const QString log = dir_.filePath("gui-first.log");
    qputenv("FAKE_ENGINE_INVOCATIONS", log.toUtf8());
    const QString db = dir_.filePath("gui-first/ws.sqlite");
    ui::MainWindow w;
    w.resize(1400, 900);
    w.show();
    QVERIFY(w.openWorkspace(db, true));
    QString error;
    const int queued = w.workspace()->launchStudy(loadStudyFile(study_), study_, false, &error);
    QVERIFY2(queued == 8, qPrintable(error));
    QVERIFY(w.workspace()->isBusy());
    QProcess cli;
    startCli(cli, db);
    QTRY_VERIFY_WITH_TIMEOUT(cli.state() == QProcess::NotRunning, 120000);
    const QString out = QString::fromUtf8(cli.readAll());
    QVERIFY2(cli.exitStatus() == QProcess::NormalExit && cli.exitCode() == 0, qPrintable(out));
    QTRY_VERIFY_WITH_TIMEOUT(!w.workspace()->isBusy(), 120000);
    checkEachRunTrainedOnce(w, log);
    // the CLI trained none: it followed the runs the app had claimed (pid of this process) to their end
    QCOMPARE(int(out.count(QRegularExpression("^started   ", QRegularExpression::MultilineOption))), 0);
    const QRegularExpression followed(
        QStringLiteral(
            R"(^run (\d+) \(([^)]*)\) is being trained by another launcher: pid %1 on host \S+; following it$)")
            .arg(QCoreApplication::applicationPid()),
        QRegularExpression::MultilineOption);
    const QRegularExpression header(R"((\d+) to train, (\d+) to resume, (\d+) already done)");
    const int alreadyDone = header.match(out).captured(3).toInt();  // finished by the app before the CLI planned
    QCOMPARE(int(out.count(followed)), 8 - alreadyDone);
    QVERIFY2(8 - alreadyDone >= 1, qPrintable(out));
    for (auto m = followed.globalMatch(out); m.hasNext();)
      QVERIFY2(out.contains("finished  " + m.next().captured(2)), qPrintable(out));
    QVERIFY2(out.contains(QString("done: %1 finished, 0 failed").arg(8 - alreadyDone)), qPrintable(out));
    // the app's Monitor lists its 8 runs, all finished
    ui::MonitorView* m = w.monitor();
    QCOMPARE(m->runKeys().size(), 8);
    for (const QString& k : m->runKeys()) QCOMPARE(m->liveRun(k)->progress.state, RunState::Finished);
    w.workspace()->close();
  }

  /// The CLI launches first; the app's launch follows the CLI's runs, and its Monitor shows them
  /// as the store states them (queued or running, by another launcher), then finished.
  void cliLaunchesAppFollows() {
    const QString log = dir_.filePath("cli-first.log");
    qputenv("FAKE_ENGINE_INVOCATIONS", log.toUtf8());
    const QString db = dir_.filePath("cli-first/ws.sqlite");
    QProcess cli;
    startCli(cli, db);
    // wait until the CLI has claimed its runs and trains two of them
    QTRY_VERIFY_WITH_TIMEOUT(QFile::exists(log) && invocations(log).size() >= 2, 60000);
    ui::MainWindow w;
    w.resize(1400, 900);
    w.show();
    QVERIFY(w.openWorkspace(db, true));
    QString error;
    const int n = w.workspace()->launchStudy(loadStudyFile(study_), study_, false, &error);
    QVERIFY2(n >= 1, qPrintable(error));  // followed (or already done)
    ui::MonitorView* m = w.monitor();
    // a followed run in flight reads "running · another launcher" (or "queued · …"), never failed
    QTreeWidget* rows = m->findChild<QTreeWidget*>("monitorRuns");
    QVERIFY(rows);
    QTRY_VERIFY_WITH_TIMEOUT(
        [&] {
          for (int i = 0; i < rows->topLevelItemCount(); ++i)
            if (rows->topLevelItem(i)->text(ColState).endsWith(" · another launcher")) return true;
          return false;
        }(),
        30000);
    QTRY_VERIFY_WITH_TIMEOUT(cli.state() == QProcess::NotRunning, 120000);
    const QString out = QString::fromUtf8(cli.readAll());
    QVERIFY2(cli.exitStatus() == QProcess::NormalExit && cli.exitCode() == 0, qPrintable(out));
    QTRY_VERIFY_WITH_TIMEOUT(!w.workspace()->isBusy(), 120000);
    checkEachRunTrainedOnce(w, log);
    QVERIFY2(out.contains("done: 8 finished, 0 failed"), qPrintable(out));  // the CLI trained them all
    for (const QString& k : m->runKeys()) {
      QCOMPARE(m->liveRun(k)->progress.state, RunState::Finished);
      for (int i = 0; i < rows->topLevelItemCount(); ++i)
        QVERIFY(!rows->topLevelItem(i)->text(ColState).contains("another launcher"));
    }
    w.workspace()->close();
  }
};

QTEST_MAIN(TestTwoLaunchers)
#include "test_two_launchers.moc"
