// The field's failures, reproduced (issue 16, item 4; docs/reliability.md): store and run-state bugs
// reported against well-known ML tools, replayed against the workspace store, the StudyRunner and
// the `adamix` CLI with the scripted fake engine. Each test names the report it pins. No timed
// assertions: every wait is on a condition, with a generous timeout.
// SPDX-License-Identifier: GPL-3.0-or-later
#include "exec/study_runner.h"
#include "store/store.h"

#include <QCryptographicHash>
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QRegularExpression>
#include <QSqlDatabase>
#include <QSqlQuery>
#include <QSqlRecord>
#include <QTemporaryDir>
#include <QTest>

#include <csignal>
#include <cmath>
#include <tuple>

using namespace adamix::app;
using nlohmann::json;

namespace {

/// Rows of `sql` on `dbPath`, through a read-only connection of its own.
QList<QVariantList> query(const QString& dbPath, const QString& sql) {
  QList<QVariantList> rows;
  {
    QSqlDatabase d = QSqlDatabase::addDatabase("QSQLITE", "field-peek");
    d.setDatabaseName(dbPath);
    d.setConnectOptions("QSQLITE_OPEN_READONLY;QSQLITE_BUSY_TIMEOUT=15000");
    if (d.open()) {
      QSqlQuery q(d);
      if (!q.exec(sql)) qWarning("query failed: %s", qPrintable(sql));
      while (q.next()) {
        QVariantList row;
        for (int i = 0; i < q.record().count(); ++i) row << q.value(i);
        rows << row;
      }
    }
    d.close();
  }
  QSqlDatabase::removeDatabase("field-peek");
  return rows;
}

qint64 scalar(const QString& dbPath, const QString& sql) { return query(dbPath, sql).value(0).value(0).toLongLong(); }

/// True while `pid` is a live process: a zombie (exited, not yet reaped) is not.
bool processAlive(qint64 pid) {
  if (pid <= 0 || ::kill(pid_t(pid), 0) != 0) return false;
  QFile stat(QStringLiteral("/proc/%1/stat").arg(pid));
  if (!stat.open(QIODevice::ReadOnly)) return true;
  const QByteArray s = stat.readAll();
  const int close = s.lastIndexOf(')');
  return !(close > 0 && s.size() > close + 2 && s[close + 2] == 'Z');
}

void writeFile(const QString& path, const QByteArray& data) {
  QDir().mkpath(QFileInfo(path).absolutePath());
  QFile f(path);
  if (!f.open(QIODevice::WriteOnly | QIODevice::Truncate)) qFatal("cannot write %s", qPrintable(path));
  f.write(data);
}

/// Waits (event loop running) until `cond` holds or `timeoutMs` passed; returns `cond()`.
template <class F>
bool waitFor(F&& cond, int timeoutMs) {
  QElapsedTimer t;
  t.start();
  while (!cond() && t.elapsed() < timeoutMs) QTest::qWait(25);
  return cond();
}

}  // namespace

class TestFieldFailuresStore : public QObject {
  Q_OBJECT
  QTemporaryDir tmp_;
  QString mirror_, manifest_, cache_, study_;

  ExecutorOptions options(int jobs) const {
    ExecutorOptions o;
    o.enginePath = QStringLiteral(FAKE_ENGINE_EXE);
    o.jobs = jobs;
    o.threadsPerRun = 1;
    o.heartbeatTimeoutMs = 60000;
    o.cancelGraceMs = 2000;
    return o;
  }
  /// A run of the fake engine stored in `store` and planned for training: `fake` holds its
  /// "fake" settings (steps, step_ms, …).
  PlannedRun fakeRun(Store& store, const QString& key, const QJsonObject& fake) const {
    PlannedRun p;
    p.run.runId = key;
    p.run.configHash = key;
    p.run.task = QStringLiteral("rte");
    p.run.variant = QStringLiteral("v");
    p.run.seed = 1;
    p.run.config =
        json::parse(QJsonDocument(QJsonObject{{"run_id", key}, {"seed", 1}, {"fake", fake}}).toJson().toStdString());
    NewRun nr;
    nr.runKey = key;
    nr.variant = p.run.variant;
    nr.task = p.run.task;
    nr.config = p.run.config;
    nr.runDir = QDir(tmp_.path()).filePath(QStringLiteral("runs/") + key);
    p.runId = store.addRun(nr);
    p.runDir = nr.runDir;
    p.action = PlannedRun::Action::Train;
    return p;
  }
  QProcessEnvironment cliEnv(const QMap<QString, QString>& extra = {}) const {
    QProcessEnvironment e = QProcessEnvironment::systemEnvironment();
    e.insert("ADAMIX_ENGINE", FAKE_ENGINE_EXE);
    e.insert("ADAMIX_ASSET_MANIFEST", manifest_);
    e.insert("ADAMIX_ASSET_MIRROR", mirror_);
    e.insert("ADAMIX_ASSET_CACHE", cache_);
    e.remove("ADAMIX_DB");
    e.remove("FAKE_ENGINE_MODE");
    e.remove("FAKE_ENGINE_FAIL_TASK");
    for (auto it = extra.begin(); it != extra.end(); ++it) e.insert(it.key(), it.value());
    return e;
  }
  /// Runs the CLI to its end; returns (exit code, stdout + stderr).
  std::pair<int, QString> cli(const QStringList& args, const QMap<QString, QString>& extra = {}) const {
    QProcess p;
    p.setProcessEnvironment(cliEnv(extra));
    p.setWorkingDirectory(tmp_.path());
    p.start(ADAMIX_CLI_EXE, args);
    p.closeWriteChannel();
    if (!p.waitForFinished(120000)) {
      p.kill();
      p.waitForFinished();
      return {-1, "TIMEOUT"};
    }
    return {p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1,
            QString::fromUtf8(p.readAllStandardOutput() + p.readAllStandardError())};
  }

 private slots:
  void initTestCase() {
    QVERIFY(tmp_.isValid());
    // A toy asset manifest and mirror for the CLI (as test_cli): one GLUE task and a model stub.
    mirror_ = tmp_.filePath("mirror");
    cache_ = tmp_.filePath("cache");
    manifest_ = tmp_.filePath("manifest.json");
    const QMap<QString, QByteArray> files{{"data/glue/TOYA/train.tsv", "a\t0\n"},
                                          {"data/glue/TOYA/dev.tsv", "b\t1\n"},
                                          {"models/tiny/config.json", "{}"}};
    QJsonObject assets;
    for (const QString& asset : {QString("glue/TOYA"), QString("models/tiny")}) {
      const QString mp = asset.startsWith("glue/") ? "data/" + asset : asset;
      QJsonArray fl;
      for (auto it = files.begin(); it != files.end(); ++it) {
        if (!it.key().startsWith(mp + "/")) continue;
        writeFile(QDir(mirror_).filePath(it.key()), it.value());
        fl << QJsonObject{{"path", it.key().mid(mp.size() + 1)},
                          {"sha256", QString(QCryptographicHash::hash(it.value(), QCryptographicHash::Sha256).toHex())},
                          {"size", it.value().size()}};
      }
      assets[asset] = QJsonObject{{"mirror_path", mp}, {"sources", QJsonArray{}}, {"files", fl}};
    }
    writeFile(manifest_, QJsonDocument(QJsonObject{{"assets", assets}}).toJson());
    study_ = tmp_.filePath("field.json");
    writeFile(study_, R"({
  "name": "field",
  "base": { "model": { "path": "asset:models/tiny" }, "train": { "epochs": 1 } },
  "tasks": [ { "name": "rte", "data_dir": "asset:glue/TOYA" } ],
  "seeds": [1, 2]
})");
  }

  // pins optuna#820: several processes writing trials to one SQLite storage while another reads it
  // failed with "database is locked".
  // Here: 4 writer processes (runs, metric points in batches, heartbeats, results, statuses) and one
  // reader process reading every run's points in a loop, all opening a fresh database at once:
  // no store error in any process, every point stored exactly once with its value, integrity ok.
  void optuna820_processWritersAndLiveReaderNeverSeeLocked() {
    const QString db = tmp_.filePath("optuna820/ws.sqlite");
    QDir().mkpath(QFileInfo(db).absolutePath());
    const QString stop = tmp_.filePath("optuna820/stop");
    const int writers = 4, runs = 3, steps = 300, batch = 10;
    QProcess reader;
    reader.start(STORE_HAMMER_EXE, {"read", db, stop});
    std::vector<std::unique_ptr<QProcess>> procs;
    for (int w = 0; w < writers; ++w) {
      procs.push_back(std::make_unique<QProcess>());
      procs.back()->start(STORE_HAMMER_EXE, {"write", db, QString::number(w), QString::number(runs),
                                             QString::number(steps), QString::number(batch)});
    }
    for (int w = 0; w < writers; ++w) {
      QProcess& p = *procs[w];
      QVERIFY(p.waitForFinished(120000));
      const QString err = QString::fromUtf8(p.readAllStandardError());
      QVERIFY2(!err.contains("locked", Qt::CaseInsensitive) && !err.contains("busy", Qt::CaseInsensitive),
               qPrintable(err));
      QVERIFY2(p.exitStatus() == QProcess::NormalExit && p.exitCode() == 0, qPrintable(err));
      QCOMPARE(QString::fromUtf8(p.readAllStandardOutput()).trimmed(),
               QStringLiteral("wrote %1").arg(runs * steps * 2));
    }
    writeFile(stop, "stop");
    QVERIFY(reader.waitForFinished(120000));
    const QString readerErr = QString::fromUtf8(reader.readAllStandardError());
    QVERIFY2(reader.exitCode() == 0 && !readerErr.contains("locked", Qt::CaseInsensitive), qPrintable(readerErr));
    const QString readerOut = QString::fromUtf8(reader.readAllStandardOutput());
    QVERIFY2(readerOut.startsWith("reads "), qPrintable(readerOut));
    QVERIFY(readerOut.section(' ', 1, 1).toLongLong() >= 1);

    QCOMPARE(scalar(db, "SELECT count(*) FROM runs WHERE status = 'finished'"), qint64(writers * runs));
    QCOMPARE(scalar(db, "SELECT count(*) FROM metric_points"), qint64(writers * runs * steps * 2));
    QCOMPARE(scalar(db,
                    "SELECT count(*) FROM (SELECT 1 FROM metric_points GROUP BY run_id, split, name, step"
                    " HAVING count(*) > 1)"),
             qint64(0));
    // Every point carries its own value: writer · 1000 + run + step / 1e5 (store_hammer).
    for (const auto& row : query(db,
                                 "SELECT r.run_key, p.step, p.value FROM metric_points p JOIN runs r"
                                 " ON r.id = p.run_id WHERE p.split = 'train'")) {
      const QString key = row[0].toString();  // "w<W>-r<R>"
      const int w = key.section('-', 0, 0).mid(1).toInt(), r = key.section('-', 1, 1).mid(1).toInt();
      QCOMPARE(row[2].toDouble(), w * 1000.0 + r + row[1].toLongLong() / 100000.0);
    }
    QCOMPARE(scalar(db, "SELECT count(*) FROM results"), qint64(writers * runs));
    QCOMPARE(query(db, "PRAGMA integrity_check").value(0).value(0).toString(), QStringLiteral("ok"));
    QCOMPARE(query(db, "PRAGMA journal_mode").value(0).value(0).toString(), QStringLiteral("wal"));
  }

  // pins mlflow#4248: a run resumed from a checkpoint logged its steps again, so the tracking store
  // held each step after the checkpoint twice (old and new values).
  // Here: a run killed (SIGKILL) after its checkpoint at step 20 and 6+ more stored steps, resumed
  // (the engine emits steps 21.. again, with other values): each (run, split, name, step) once,
  // steps 1..20 with the first attempt's values and 21..40 with the resumed attempt's.
  void mlflow4248_resumedRunKeepsEachStepOnceWithResumedValues() {
    Store store;
    store.open(tmp_.filePath("mlflow4248.sqlite"));
    StudyRunner runner(store, options(1));
    runner.metricBatchSize = 1;  // every point stored as it arrives: the kill comes after steps > 20 are in
    const int steps = 40;
    const PlannedRun planned =
        fakeRun(store, "resumed", {{"steps", steps}, {"step_ms", 60}, {"resumed_offset", 100.0}});
    const qint64 id = planned.runId;
    QVERIFY(runner.startRun(planned));
    auto storedSteps = [&] {
      const auto ends = store.metricSeriesEnds(id, "train", "loss");
      return ends ? qint64(ends->second.step) : qint64(0);
    };
    QVERIFY(waitFor([&] { return storedSteps() >= 26; }, 60000));
    QVERIFY(QFile::exists(QDir(planned.runDir).filePath("checkpoint/state.safetensors")));
    const auto rec = store.run(id);
    QVERIFY(rec && rec->pid);
    ::kill(pid_t(*rec->pid), SIGKILL);
    QVERIFY(waitFor([&] { return runner.isIdle(); }, 30000));
    QCOMPARE(store.run(id)->status, RunState::Lost);
    const qint64 before = storedSteps();
    QVERIFY(before >= 26 && before < steps);

    const PlannedRun resume = planRerun(*store.run(id), tmp_.filePath("runs"));
    QCOMPARE(int(resume.action), int(PlannedRun::Action::Resume));
    QVERIFY(runner.startRun(resume));
    QVERIFY(waitFor([&] { return runner.isIdle() && store.run(id)->status == RunState::Finished; }, 60000));

    const auto series = store.metricSeries(id, "train", "loss");
    QCOMPARE(int(series.size()), steps);
    for (int i = 0; i < steps; ++i) {
      const qint64 step = i + 1;
      QCOMPARE(series[i].step, step);
      const double expected = 1.0 / double(step) + (step > steps / 2 ? 100.0 : 0.0);
      QVERIFY2(std::abs(series[i].value - expected) < 1e-12,
               qPrintable(QString("step %1: %2, expected %3").arg(step).arg(series[i].value).arg(expected)));
    }
    QCOMPARE(int(store.metricSeries(id, "dev", "accuracy").size()), 1);
    const QString db = store.path();
    QCOMPARE(scalar(db,
                    "SELECT count(*) FROM (SELECT 1 FROM metric_points GROUP BY run_id, split, name, step"
                    " HAVING count(*) > 1)"),
             qint64(0));
  }

  // pins SkyRL#1516: killing the launcher left its run marked RUNNING forever.
  // Here: `adamix study run` (2 runs, --jobs 2) killed with SIGKILL while both engines run. While it
  // lives, another `adamix runs list` leaves its runs `running` (their engines are alive); after the
  // kill (the engines stop on the launcher's death), `runs list` shows them `interrupted`, never
  // `running`; the next `study run` resumes both to `finished`, each step of each series exactly
  // once and none missing (points the killed launcher had not stored come from events.jsonl).
  void skyrl1516_killedLauncherLeavesNoRunRunning() {
    const QString db = tmp_.filePath("skyrl1516/ws.sqlite");
    const int steps = 300;
    const QMap<QString, QString> env{{"FAKE_ENGINE_STEPS", QString::number(steps)}, {"FAKE_ENGINE_STEP_MS", "25"}};
    QProcess launcher;
    launcher.setProcessEnvironment(cliEnv(env));
    launcher.setWorkingDirectory(tmp_.path());
    launcher.start(ADAMIX_CLI_EXE, {"study", "run", study_, "--db", db, "--jobs", "2"});
    QVERIFY(launcher.waitForStarted());
    launcher.closeWriteChannel();
    const QString runs = tmp_.filePath("skyrl1516/runs");
    auto checkpoints = [&] {
      int n = 0;
      for (const QString& d : QDir(runs).entryList(QDir::Dirs | QDir::NoDotAndDotDot))
        n += QFile::exists(runs + "/" + d + "/checkpoint/state.safetensors");
      return n;
    };
    QVERIFY(waitFor([&] { return QFile::exists(db) && checkpoints() == 2; }, 60000));
    QVERIFY(waitFor([&] { return scalar(db, "SELECT count(*) FROM runs WHERE status = 'running' AND pid > 0") == 2; },
                    30000));
    QCOMPARE(launcher.state(), QProcess::Running);
    // Another process looks while the launcher and its engines live: nothing is marked.
    auto [rc, out] = cli({"runs", "list", "--db", db});
    QVERIFY2(rc == 0, qPrintable(out));
    QCOMPARE(scalar(db, "SELECT count(*) FROM runs WHERE status = 'running'"), qint64(2));
    QList<qint64> engines;
    for (const auto& row : query(db, "SELECT pid FROM runs")) engines << row[0].toLongLong();

    ::kill(pid_t(launcher.processId()), SIGKILL);
    QVERIFY(launcher.waitForFinished(30000));
    QCOMPARE(launcher.exitStatus(), QProcess::CrashExit);
    // The engines end on their own (parent-death signal: checkpoint, exit).
    QVERIFY(waitFor([&] { return !processAlive(engines[0]) && !processAlive(engines[1]); }, 30000));
    std::tie(rc, out) = cli({"runs", "list", "--db", db});
    QVERIFY2(rc == 0, qPrintable(out));
    QCOMPARE(scalar(db, "SELECT count(*) FROM runs WHERE status = 'running'"), qint64(0));
    QCOMPARE(scalar(db, "SELECT count(*) FROM runs WHERE status = 'interrupted'"), qint64(2));
    // the status column of `runs list`: no row reads running
    QVERIFY2(!out.contains(QRegularExpression(QStringLiteral("(^|\\n)\\d+\\s+running\\s"))), qPrintable(out));
    QCOMPARE(out.count(QRegularExpression(QStringLiteral("(^|\\n)\\d+\\s+interrupted\\s"))), 2);

    std::tie(rc, out) = cli({"study", "run", study_, "--db", db, "--jobs", "2"}, env);
    QVERIFY2(rc == 0, qPrintable(out));
    QVERIFY2(out.contains("0 to train, 2 to resume, 0 already done"), qPrintable(out));
    QCOMPARE(scalar(db, "SELECT count(*) FROM runs WHERE status = 'finished'"), qint64(2));
    for (const auto& row : query(db,
                                 "SELECT count(*), count(DISTINCT step), min(step), max(step) FROM metric_points"
                                 " WHERE split = 'train' AND name = 'loss' GROUP BY run_id")) {
      QCOMPARE(row[0].toLongLong(), qint64(steps));
      QCOMPARE(row[1].toLongLong(), qint64(steps));
      QCOMPARE(row[2].toLongLong(), qint64(1));
      QCOMPARE(row[3].toLongLong(), qint64(steps));
    }
    QCOMPARE(query(db, "PRAGMA integrity_check").value(0).value(0).toString(), QStringLiteral("ok"));
  }

  // pins aim#2950: many runs tracked concurrently into one repository corrupted it (lost and
  // damaged records).
  // Here: 10 runs of the fake engine, 8 at a time, each emitting 400 steps as fast as it can, into
  // one store while a reader process reads it: every run finished with its results, every run's
  // train/loss has exactly steps 1..400 with value 1/step, integrity ok.
  void aim2950_concurrentRunsKeepEveryPoint() {
    Store store;
    const QString db = tmp_.filePath("aim2950.sqlite");
    store.open(db);
    const QString stop = tmp_.filePath("aim2950.stop");
    QProcess reader;
    reader.start(STORE_HAMMER_EXE, {"read", db, stop});
    StudyRunner runner(store, options(8));
    const int runs = 10, steps = 400;
    std::vector<PlannedRun> planned;
    for (int r = 0; r < runs; ++r)
      planned.push_back(fakeRun(store, QStringLiteral("aim-%1").arg(r), {{"steps", steps}, {"step_ms", 0}}));
    QCOMPARE(runner.start(planned), runs);
    QVERIFY(waitFor([&] { return runner.isIdle(); }, 120000));
    QCOMPARE(runner.outcome()[RunState::Finished], runs);
    writeFile(stop, "stop");
    QVERIFY(reader.waitForFinished(60000));
    QVERIFY2(reader.exitCode() == 0, reader.readAllStandardError().constData());
    for (const PlannedRun& p : planned) {
      QCOMPARE(store.run(p.runId)->status, RunState::Finished);
      const auto series = store.metricSeries(p.runId, "train", "loss");
      QCOMPARE(int(series.size()), steps);
      for (int i = 0; i < steps; ++i) {
        QCOMPARE(series[i].step, qint64(i + 1));
        QCOMPARE(series[i].value, 1.0 / double(i + 1));
      }
      QCOMPARE(int(store.metricSeries(p.runId, "dev", "accuracy").size()), 1);
      QVERIFY(!store.results(p.runId).empty());
    }
    QCOMPARE(scalar(db, "SELECT count(*) FROM metric_points"), qint64(runs * (steps + 1)));
    QCOMPARE(query(db, "PRAGMA integrity_check").value(0).value(0).toString(), QStringLiteral("ok"));
  }
};

QTEST_GUILESS_MAIN(TestFieldFailuresStore)
#include "test_field_failures_store.moc"
