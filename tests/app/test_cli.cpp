// The `adamix` CLI end to end, with the scripted fake engine and a toy asset manifest/mirror.
// SPDX-License-Identifier: GPL-3.0-or-later
#include <QCryptographicHash>
#include <QDir>
#include <QDirIterator>
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

#include <nlohmann/json.hpp>

#include <cmath>

#include <csignal>

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

namespace {

struct Result {
  int rc = -1;
  QString out, err;
};

}  // namespace

class TestCli : public QObject {
  Q_OBJECT
  QTemporaryDir tmp_;
  QString mirror_, manifest_, study_, cache_;

  static void write(const QString& path, const QByteArray& data) {
    QDir().mkpath(QFileInfo(path).absolutePath());
    QFile f(path);
    if (!f.open(QIODevice::WriteOnly | QIODevice::Truncate)) qFatal("cannot write %s", qPrintable(path));
    f.write(data);
  }
  QProcessEnvironment env(const QMap<QString, QString>& extra = {}) const {
    QProcessEnvironment e = QProcessEnvironment::systemEnvironment();
    e.insert("ADAMIX_ENGINE", FAKE_ENGINE_EXE);
    e.insert("ADAMIX_ASSET_MANIFEST", manifest_);
    e.insert("ADAMIX_ASSET_MIRROR", mirror_);
    e.insert("ADAMIX_ASSET_CACHE", cache_);
    e.insert("FAKE_ENGINE_STEPS", "4");
    e.insert("FAKE_ENGINE_STEP_MS", "10");
    e.remove("ADAMIX_DB");
    e.remove("FAKE_ENGINE_MODE");
    e.remove("FAKE_ENGINE_FAIL_TASK");
    for (auto it = extra.begin(); it != extra.end(); ++it) e.insert(it.key(), it.value());
    return e;
  }
  /// Runs `adamix args…` in `workDir` (default: the test's temporary folder).
  Result run(const QStringList& args, const QMap<QString, QString>& extra = {}, int timeoutMs = 60000,
             const QByteArray& input = {}, const QString& workDir = {}) {
    QProcess p;
    p.setProcessEnvironment(env(extra));
    p.setWorkingDirectory(workDir.isEmpty() ? tmp_.path() : workDir);
    p.start(ADAMIX_CLI_EXE, args);
    if (p.waitForStarted()) {
      p.write(input);
      p.closeWriteChannel();  // a prompt without an answer reads end of file
    }
    Result r;
    if (!p.waitForFinished(timeoutMs)) {
      p.kill();
      p.waitForFinished();
      r.err = "TIMEOUT";
    }
    r.rc = p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1;
    r.out += QString::fromUtf8(p.readAllStandardOutput());
    r.err += QString::fromUtf8(p.readAllStandardError());
    return r;
  }
  QString db(const QString& name) const { return tmp_.filePath(name + "/ws.sqlite"); }
  static QString dump(const Result& r) {
    return QStringLiteral("rc=%1\nstdout:\n%2\nstderr:\n%3").arg(r.rc).arg(r.out, r.err);
  }
  /// Every file under `dir` (relative path → contents): a snapshot to compare before and after.
  static QMap<QString, QByteArray> filesUnder(const QString& dir) {
    QMap<QString, QByteArray> files;
    QDirIterator it(dir, QDir::Files | QDir::Hidden, QDirIterator::Subdirectories);
    while (it.hasNext()) {
      const QString path = it.next();
      QFile f(path);
      files[QDir(dir).relativeFilePath(path)] = f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray("<unreadable>");
    }
    return files;
  }

  /// SELECT over a database the CLI wrote (read only).
  static QList<QVariantList> query(const QString& dbPath, const QString& sql) {
    QList<QVariantList> rows;
    {
      QSqlDatabase d = QSqlDatabase::addDatabase("QSQLITE", "peek");
      d.setDatabaseName(dbPath);
      d.setConnectOptions("QSQLITE_OPEN_READONLY;QSQLITE_BUSY_TIMEOUT=5000");
      if (d.open()) {
        QSqlQuery q(d);
        q.exec(sql);
        while (q.next()) {
          QVariantList row;
          for (int i = 0; i < q.record().count(); ++i) row << q.value(i);
          rows << row;
        }
      }
      d.close();
    }
    QSqlDatabase::removeDatabase("peek");
    return rows;
  }
  /// Runs one statement on a database the CLI wrote (read-write); false when it fails.
  static bool execSql(const QString& dbPath, const QString& sql) {
    bool ok = false;
    {
      QSqlDatabase d = QSqlDatabase::addDatabase("QSQLITE", "poke");
      d.setDatabaseName(dbPath);
      d.setConnectOptions("QSQLITE_BUSY_TIMEOUT=5000");
      if (d.open()) ok = QSqlQuery(d).exec(sql);
      d.close();
    }
    QSqlDatabase::removeDatabase("poke");
    return ok;
  }

  /// The fake engine's invocation log (FAKE_ENGINE_INVOCATIONS): run id → "train" / "resume", in order.
  static QMap<QString, QStringList> invocations(const QString& path) {
    QMap<QString, QStringList> out;
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly | QIODevice::Text)) return out;
    for (const QString& line : QString::fromUtf8(f.readAll()).split('\n', Qt::SkipEmptyParts)) {
      const QStringList parts = line.split(' ');
      if (parts.size() == 3) out[parts[0]] << parts[1];
    }
    return out;
  }
  /// How many `started` events a run directory's events.jsonl holds.
  static int startedEvents(const QString& runDir) {
    QFile f(runDir + "/events.jsonl");
    if (!f.open(QIODevice::ReadOnly)) return -1;
    return int(QString::fromUtf8(f.readAll()).count("\"event\":\"started\""));
  }
  /// Metric points stored more than once (same run, split, name and step) in a workspace.
  static int duplicatePoints(const QString& dbPath) {
    return query(dbPath,
                 "SELECT count(*) FROM (SELECT 1 FROM metric_points GROUP BY run_id, split, name, step"
                 " HAVING count(*) > 1)")
        .value(0)
        .value(0)
        .toInt();
  }
  /// Waits for a running CLI's stdout to contain `text` (what it printed so far goes to `out`).
  static bool waitForOutput(QProcess& p, QString* out, const QString& text, int timeoutMs) {
    QElapsedTimer t;
    t.start();
    while (!out->contains(text) && t.elapsed() < timeoutMs && p.state() != QProcess::NotRunning) {
      p.waitForReadyRead(200);
      *out += QString::fromUtf8(p.readAllStandardOutput());
    }
    *out += QString::fromUtf8(p.readAllStandardOutput());
    return out->contains(text);
  }

  /// Runs stored in a workspace (0 when the database does not exist).
  /// Trains the study into database `db` (its runs folder beside it), then removes the owner files
  /// of its run directories, as runs launched before owner files have none. False on a failure.
  bool trainWithoutOwnerFiles(const QString& db) {
    const Result r = run({"study", "run", study_, "--db", db});
    if (r.rc != 0) {
      qWarning("%s", qPrintable(dump(r)));
      return false;
    }
    const QString runs = QFileInfo(db).absolutePath() + "/runs";
    for (const QString& dir : QDir(runs).entryList(QDir::Dirs | QDir::NoDotAndDotDot))
      if (!QFile::remove(runs + "/" + dir + "/owner.json")) return false;
    return true;
  }
  static int runCount(const QString& dbPath) {
    const auto rows = query(dbPath, "SELECT count(*) FROM runs");
    return rows.isEmpty() ? 0 : rows[0][0].toInt();
  }
  /// A run directory for the import tests: a valid run config and an event log of a run that
  /// started and finished, either replaced by the test.
  QString importDir(const QString& name) {
    const QString dir = tmp_.filePath("import-cases/" + name);
    write(dir + "/config.json", R"({"run_id":"x","seed":2,"model":{"path":"/x/model"},"task":{"name":"rte","data_dir":"/x"}})");
    write(dir + "/events.jsonl", R"({"event":"started","schema":"1.0","time":1}
{"event":"finished","schema":"1.0","time":2,"final":{"dev":{"accuracy":0.5}},"best":{},"best_step":1}
)");
    return dir;
  }
  /// A workspace holding one imported run, for checking that a refused import adds none.
  QString importWorkspace(const QString& name) {
    const QString d = db(name);
    const Result r = run({"import", importDir(name + "-ok"), "--db", d});
    if (r.rc != 0 || runCount(d) != 1) qFatal("import workspace: %s", qPrintable(dump(r)));
    return d;
  }
  /// Expects `adamix import dir` to be refused with exit 3 and a message containing `expected`,
  /// with nothing added to the database `d`.
  void expectImportRefused(const QString& dir, const QString& d, const QString& expected) {
    const Result r = run({"import", dir, "--db", d}, {}, 60000);
    QVERIFY2(r.rc == 3, qPrintable(dir + "\n" + dump(r)));
    QVERIFY2(r.err.contains(expected), qPrintable(QStringLiteral("expected '%1' in\n%2").arg(expected, dump(r))));
    QVERIFY2(!r.err.contains("database") && !r.err.contains("json.exception"), qPrintable(dump(r)));
    QCOMPARE(runCount(d), 1);
  }

 private slots:
  void initTestCase() {
    QVERIFY(tmp_.isValid());
    mirror_ = tmp_.filePath("mirror");
    cache_ = tmp_.filePath("cache");
    manifest_ = tmp_.filePath("manifest.json");
    const QMap<QString, QByteArray> files{{"data/glue/TOYA/train.tsv", "a\t0\n"},
                                          {"data/glue/TOYA/dev.tsv", "b\t1\n"},
                                          {"data/glue/TOYB/train.tsv", "c\t0\n"},
                                          {"data/glue/TOYB/dev.tsv", "d\t1\n"},
                                          {"models/tiny/config.json", "{}"}};
    QJsonObject assets;
    for (const QString& asset : {QString("glue/TOYA"), QString("glue/TOYB"), QString("models/tiny")}) {
      const QString mp = asset.startsWith("glue/") ? "data/" + asset : asset;
      QJsonArray fl;
      for (auto it = files.begin(); it != files.end(); ++it) {
        if (!it.key().startsWith(mp + "/")) continue;
        write(QDir(mirror_).filePath(it.key()), it.value());
        fl << QJsonObject{{"path", it.key().mid(mp.size() + 1)},
                          {"sha256", QString(QCryptographicHash::hash(it.value(), QCryptographicHash::Sha256).toHex())},
                          {"size", it.value().size()}};
      }
      assets[asset] = QJsonObject{{"mirror_path", mp}, {"sources", QJsonArray{}}, {"files", fl}};
    }
    write(manifest_, QJsonDocument(QJsonObject{{"assets", assets}}).toJson());
    study_ = tmp_.filePath("toy.json");
    write(study_, R"({
  "name": "toy",
  // comments are allowed in study files
  "base": { "model": { "path": "asset:models/tiny" }, "train": { "epochs": 1 } },
  "tasks": [ { "name": "rte", "data_dir": "asset:glue/TOYA" }, { "name": "wnli", "data_dir": "asset:glue/TOYB" } ],
  "axes": [ { "name": "variant", "values": [
      { "label": "Adapter", "set": { "/peft/method": "adapter", "/peft/adamix/num_modules": 1 } },
      { "label": "AdaMix", "set": { "/peft/method": "adapter", "/peft/adamix/num_modules": 4 } } ] } ],
  "seeds": [1, 2]
})");
  }

  void helpAndUsage() {
    Result r = run({"--help"});
    QCOMPARE(r.rc, 0);
    QVERIFY(r.out.contains("study run FILE"));
    for (const QStringList& cmd : {QStringList{"study", "run"}, QStringList{"study", "status"},
                                   QStringList{"runs", "list"}, QStringList{"export"}, QStringList{"import"},
                                   QStringList{"assets", "fetch"}, QStringList{"assets", "list"},
                                   QStringList{"run", "eval"}, QStringList{"run", "predict"},
                                   QStringList{"run", "export"}, QStringList{"run", "delete"},
                                   QStringList{"run", "merge"},
                                   QStringList{"study", "delete"}}) {
      r = run(cmd + QStringList{"--help"});
      QVERIFY2(r.rc == 0, qPrintable(dump(r)));
      QVERIFY2(r.out.startsWith("Usage: adamix " + cmd.join(' ')), qPrintable(r.out));
    }
    // a command group asked for help lists its subcommands; without a subcommand it is a usage error
    for (const QString& group : {"study", "runs", "run", "assets"}) {
      r = run({group, "--help"});
      QVERIFY2(r.rc == 0, qPrintable(dump(r)));
      QVERIFY2(r.out.startsWith("Usage: adamix " + group + " SUBCOMMAND"), qPrintable(r.out));
      r = run({group});
      QCOMPARE(r.rc, 2);
      QVERIFY2(r.err.startsWith("Usage: adamix " + group + " SUBCOMMAND"), qPrintable(dump(r)));
    }
    QVERIFY(run({"study", "--help"}).out.contains("  study run FILE"));
    QVERIFY(run({"study", "--help"}).out.contains("  study status"));
    QVERIFY(!run({"study", "--help"}).out.contains("assets"));
    QCOMPARE(run({"study", "frobnicate"}).rc, 2);
    QCOMPARE(run({"frobnicate"}).rc, 2);
    QCOMPARE(run({"study", "run", study_, "--no-such-option"}).rc, 2);
    QCOMPARE(run({"study", "run"}).rc, 2);
    QCOMPARE(run({"study", "run", study_, "--jobs", "zero"}).rc, 2);
    QCOMPARE(run({"export", "--format", "docx", "--db", db("none")}).rc, 2);
    QCOMPARE(run({}).rc, 2);
  }

  void studyRunTrainsStoresExportsAndSkipsDone() {
    Result r = run({"study", "run", study_, "--db", db("a"), "--jobs", "2"});
    QVERIFY2(r.rc == 0, qPrintable(dump(r)));
    QVERIFY(r.out.contains("8 runs — 8 to train, 0 to resume, 0 already done"));
    QVERIFY(r.out.contains("done: 8 finished, 0 failed, 0 lost, 0 cancelled"));
    for (const char* ext : {".md", ".tex", ".csv", "-curves.csv"}) {
      const QString path = tmp_.filePath(QString("a/toy") + ext);
      QVERIFY2(QFile::exists(path), qPrintable(path));
      QVERIFY(r.out.contains("wrote " + path));
    }
    QFile md(tmp_.filePath("a/toy.md"));
    QVERIFY(md.open(QIODevice::ReadOnly));
    const QString table = QString::fromUtf8(md.readAll());
    QVERIFY2(table.contains("AdaMix") && table.contains("Adapter") && table.contains("±"), qPrintable(table));
    // metric points and results reached the store; run dirs hold run.json and stderr.log
    QCOMPARE(query(db("a"), "SELECT count(*) FROM runs WHERE status = 'finished'").value(0).value(0).toInt(), 8);
    QVERIFY(query(db("a"), "SELECT count(*) FROM metric_points").value(0).value(0).toInt() >= 8 * 5);
    // what computed each run, from its `started` event (the fake engine reports Haswell): one way, no note
    const auto computes = query(db("a"), "SELECT DISTINCT compute FROM runs");
    QCOMPARE(computes.size(), qsizetype(1));
    QVERIFY(nlohmann::json::parse(computes[0][0].toString().toStdString()) ==
            nlohmann::json::parse(R"({"device":"cpu","blas_core":"Haswell","fused_cpu_kernels":false})"));
    QVERIFY2(!table.contains("computed differently"), qPrintable(table));
    const QString runDir = query(db("a"), "SELECT run_dir FROM runs LIMIT 1").value(0).value(0).toString();
    QVERIFY(QFile::exists(runDir + "/run.json"));
    QVERIFY(QFile::exists(runDir + "/stderr.log"));
    // the asset references were resolved to the cache
    QFile rj(runDir + "/run.json");
    QVERIFY(rj.open(QIODevice::ReadOnly));
    QVERIFY(QString::fromUtf8(rj.readAll()).contains(cache_ + "/glue/TOY"));

    r = run({"study", "run", study_, "--db", db("a")});
    QVERIFY2(r.rc == 0, qPrintable(dump(r)));
    QVERIFY2(r.out.contains("0 to train, 0 to resume, 8 already done"), qPrintable(r.out));
    QVERIFY2(!r.out.contains("note:"), qPrintable(r.out));
    // Finished runs that another engine version trained are still reused, but the CLI says so.
    QVERIFY(!query(db("a"), "SELECT engine_version FROM runs LIMIT 1").value(0).value(0).toString().isEmpty());
    QVERIFY(execSql(db("a"), "UPDATE runs SET engine_version = 'adamix-engine-old' WHERE id IN "
                             "(SELECT id FROM runs ORDER BY id LIMIT 3)"));
    r = run({"study", "run", study_, "--db", db("a")});
    QVERIFY2(r.rc == 0 && r.out.contains("0 to train, 0 to resume, 8 already done"), qPrintable(dump(r)));
    QVERIFY2(r.out.contains("note: 3 already-done run(s) were trained by another adamix-engine version"),
             qPrintable(r.out));

    r = run({"runs", "list", "--db", db("a"), "--status", "finished"});
    QCOMPARE(r.rc, 0);
    QCOMPARE(r.out.count("finished"), 8);
    r = run({"study", "status", "--db", db("a")});
    QCOMPARE(r.rc, 0);
    QVERIFY(r.out.contains("toy"));

    r = run({"export", "--db", db("a"), "--format", "latex"});
    QVERIFY2(r.rc == 0 && r.out.contains("\\toprule") && r.out.contains("\\bottomrule"), qPrintable(dump(r)));
    r = run({"export", "--db", db("a"), "--format", "csv", "--out", tmp_.filePath("a/out.csv")});
    QCOMPARE(r.rc, 0);
    QVERIFY(QFile::exists(tmp_.filePath("a/out.csv")));
    r = run({"export", "--db", db("a"), "--curves", "--split", "train"});
    QVERIFY2(r.rc == 0 && r.out.startsWith("run,variant,task,seed,status,step,epoch,split,name,value\n"),
             qPrintable(dump(r)));
    QCOMPARE(run({"export", "--db", db("a"), "--curves", "--format", "md"}).rc, 2);
    QCOMPARE(run({"export", "--db", db("a"), "--study", "nope"}).rc, 3);
  }

  void failedRunsAreReportedAndRerun() {
    Result r = run({"study", "run", study_, "--db", db("b"), "--jobs", "2"}, {{"FAKE_ENGINE_FAIL_TASK", "wnli"}});
    QVERIFY2(r.rc == 1, qPrintable(dump(r)));
    QVERIFY(r.out.contains("done: 4 finished, 4 failed"));
    QVERIFY2(r.out.contains("data: bad label 'maybe' (at train.tsv:12)"), qPrintable(r.out));
    const auto rows = query(db("b"), "SELECT error_kind, error_location, exit_code FROM runs WHERE status = 'failed'");
    QCOMPARE(rows.size(), 4);
    QCOMPARE(rows[0][0].toString(), QString("data"));
    QCOMPARE(rows[0][1].toString(), QString("train.tsv:12"));
    QCOMPARE(rows[0][2].toInt(), 4);
    r = run({"runs", "list", "--db", db("b"), "--status", "failed"});
    QCOMPARE(r.out.count("failed"), 4);
    // the next invocation trains only what is missing
    r = run({"study", "run", study_, "--db", db("b")});
    QVERIFY2(r.rc == 0, qPrintable(dump(r)));
    QVERIFY2(r.out.contains("4 to train, 0 to resume, 4 already done"), qPrintable(r.out));
    QCOMPARE(query(db("b"), "SELECT count(*) FROM runs WHERE status = 'finished'").value(0).value(0).toInt(), 8);
  }

  void sigintCancelsRunsWhichResumeLater() {
    QProcess p;
    p.setProcessEnvironment(env({{"FAKE_ENGINE_STEPS", "400"}, {"FAKE_ENGINE_STEP_MS", "20"}}));
    p.start(ADAMIX_CLI_EXE, {"study", "run", study_, "--db", db("c"), "--jobs", "2"});
    QVERIFY(p.waitForStarted());
    QString out;
    QElapsedTimer t;
    t.start();
    // wait until both runs have written their checkpoint (step 200 at 20 ms/step: ~4 s)
    while (t.elapsed() < 20000) {
      QTest::qWait(100);
      out += QString::fromUtf8(p.readAllStandardOutput());
      const QString runs = tmp_.filePath("c/runs");
      int cps = 0;
      for (const QString& d : QDir(runs).entryList(QDir::Dirs | QDir::NoDotAndDotDot))
        cps += QFile::exists(runs + "/" + d + "/checkpoint/state.safetensors");
      if (cps >= 2) break;
    }
    ::kill(pid_t(p.processId()), SIGINT);
    QVERIFY(p.waitForFinished(15000));
    out += QString::fromUtf8(p.readAllStandardOutput());
    QCOMPARE(p.exitCode(), 130);
    QVERIFY2(out.contains("cancelling runs"), qPrintable(out));
    const auto statuses = query(db("c"), "SELECT status, count(*) FROM runs GROUP BY status ORDER BY status");
    QVERIFY(!statuses.isEmpty());
    for (const auto& row : statuses) QVERIFY2(row[0].toString() == "cancelled", qPrintable(row[0].toString()));
    QCOMPARE(query(db("c"), "SELECT count(*) FROM runs").value(0).value(0).toInt(), 8);
    // next invocation: the two started runs resume from their checkpoints, the rest train
    const Result r = run({"study", "run", study_, "--db", db("c"), "--jobs", "2"});
    QVERIFY2(r.rc == 0, qPrintable(dump(r)));
    QVERIFY2(r.out.contains("6 to train, 2 to resume, 0 already done"), qPrintable(r.out));
    QCOMPARE(query(db("c"), "SELECT count(*) FROM runs WHERE status = 'finished'").value(0).value(0).toInt(), 8);
  }

  // A stop signal while the launch planned its runs (here while the engine is asked its version,
  // which takes the real engine 0.5–1 s) killed the CLI by the default action, leaving the runs it
  // had just stored queued with no launcher: deletion refused them ("cancel it first") and nothing
  // could cancel them. Now it stops before starting any, and they end cancelled; an engine that
  // cannot be found ends them failed. Either way no run stays queued, and they train next time.
  void stopWhilePlanningLeavesNoQueuedRuns() {
    for (const int sig : {SIGINT, SIGTERM}) {
      const QString name = sig == SIGINT ? "SIGINT" : "SIGTERM";
      const QString d = db("plan-" + name);
      QProcess p;
      p.setProcessEnvironment(env({{"FAKE_ENGINE_VERSION_DELAY_MS", "4000"}}));
      p.start(ADAMIX_CLI_EXE, {"study", "run", study_, "--db", d});
      QVERIFY(p.waitForStarted());
      QString out;
      QVERIFY2(waitForOutput(p, &out, "database ", 30000), qPrintable(out));
      QCOMPARE(::kill(pid_t(p.processId()), sig), 0);
      QVERIFY(p.waitForFinished(30000));
      out += QString::fromUtf8(p.readAllStandardOutput());
      QVERIFY2(p.exitStatus() == QProcess::NormalExit && p.exitCode() == 130,
               qPrintable(out + QString::fromUtf8(p.readAllStandardError())));
      QVERIFY2(out.contains(name + ": stopped before starting any run; 8 new run(s) cancelled"), qPrintable(out));
      QCOMPARE(query(d, "SELECT status, error_kind, error_message, count(*) FROM runs GROUP BY 1, 2, 3"),
               (QList<QVariantList>{{"cancelled", "cancelled", "cancelled before it started (" + name + ")", 8}}));
      QVERIFY(!QFileInfo::exists(tmp_.filePath("plan-" + name + "/runs")));  // no engine started
    }
    // new runs (queued by the plan) with no engine to run them
    const QString d = db("plan-no-engine");
    Result r = run({"study", "run", study_, "--db", d, "--engine", tmp_.filePath("no-such-engine")});
    QVERIFY2(r.rc != 0 && r.err.contains("adamix-engine not found at"), qPrintable(dump(r)));
    QCOMPARE(query(d, "SELECT status, error_kind, error_message, count(*) FROM runs GROUP BY 1, 2, 3"),
             (QList<QVariantList>{{"failed", "engine",
                                   "not started: adamix-engine not found at " + tmp_.filePath("no-such-engine"), 8}}));
    r = run({"run", "delete", "1", "--db", d, "--yes"});  // not refused as queued: deleted
    QVERIFY2(r.rc == 0, qPrintable(dump(r)));
    QCOMPARE(runCount(d), 7);
    for (const QString& again : {db("plan-SIGINT"), d}) {  // the cancelled and the failed train next time
      r = run({"study", "run", study_, "--db", again});
      QVERIFY2(r.rc == 0 && r.out.contains("8 to train, 0 to resume, 0 already done"), qPrintable(dump(r)));
      QCOMPARE(query(again, "SELECT count(*) FROM runs WHERE status = 'finished'").value(0).value(0).toInt(), 8);
    }
  }

  // A launcher killed (kill -9) while metric points were still buffered: the resumed engine only
  // sends the steps after its checkpoint, so the earlier points the store lacked were lost for
  // good. Resume now rebuilds the run's points from its event log (found by the chaos test).
  void resumeRestoresPointsAKilledLauncherNeverStored() {
    const QString d = db("k");
    QVERIFY(run({"study", "run", study_, "--db", d}).rc == 0);  // 4 steps, checkpoint at step 2
    const auto rows = query(d, "SELECT id, run_dir FROM runs ORDER BY id LIMIT 1");
    QCOMPARE(rows.size(), 1);
    const QString id = rows[0][0].toString(), dir = rows[0][1].toString();
    // the launcher and its engine died after step 4's heartbeat, before the evaluation: the log
    // goes that far, the store has nothing (its batch was still buffered)
    QFile log(dir + "/events.jsonl");
    QVERIFY(log.open(QIODevice::ReadOnly));
    QByteArray kept;
    for (const QByteArray& line : log.readAll().split('\n')) {
      kept += line + '\n';
      const QJsonObject e = QJsonDocument::fromJson(line).object();
      if (e["event"].toString() == "heartbeat" && e["step"].toInt() == 4) break;
    }
    log.close();
    write(dir + "/events.jsonl", kept);
    QVERIFY(execSql(d, "UPDATE runs SET status = 'interrupted' WHERE id = " + id));
    QVERIFY(execSql(d, "DELETE FROM metric_points WHERE run_id = " + id));
    QVERIFY(execSql(d, "DELETE FROM results WHERE run_id = " + id));
    const Result r = run({"study", "run", study_, "--db", d});
    QVERIFY2(r.rc == 0 && r.out.contains("0 to train, 1 to resume, 7 already done"), qPrintable(dump(r)));
    const auto points =
        query(d, "SELECT split || '/' || name || '@' || step, count(*) FROM metric_points WHERE run_id = " + id +
                     " GROUP BY split, name, step ORDER BY split, name, step");
    QStringList seen;
    for (const auto& p : points) seen << p[0].toString() + " x" + p[1].toString();
    // steps 1-2 come from the log alone (the resumed engine starts after its checkpoint at 2)
    const QStringList expected{"dev/accuracy@4 x1", "train/loss@1 x1", "train/loss@2 x1", "train/loss@3 x1",
                               "train/loss@4 x1"};
    QVERIFY2(seen == expected, qPrintable(seen.join(", ")));
  }

  void killedEngineIsLostOthersFinish() {
    QProcess p;
    p.setProcessEnvironment(env({{"FAKE_ENGINE_STEPS", "60"}, {"FAKE_ENGINE_STEP_MS", "25"}}));
    p.start(ADAMIX_CLI_EXE, {"study", "run", study_, "--db", db("d"), "--jobs", "2"});
    QVERIFY(p.waitForStarted());
    qint64 victim = 0;
    QElapsedTimer t;
    t.start();
    while (!victim && t.elapsed() < 20000) {
      QTest::qWait(100);
      const auto rows = query(db("d"), "SELECT pid FROM runs WHERE status = 'running' AND pid IS NOT NULL LIMIT 1");
      if (!rows.isEmpty()) victim = rows[0][0].toLongLong();
    }
    QVERIFY(victim > 0);
    QTest::qWait(300);
    QElapsedTimer killed;
    killed.start();
    ::kill(pid_t(victim), SIGKILL);
    // the killed run ends within 10 s (it is a child: its death is seen at once)
    QTRY_VERIFY_WITH_TIMEOUT(
        query(db("d"), "SELECT count(*) FROM runs WHERE status = 'lost'").value(0).value(0).toInt() == 1, 10000);
    QVERIFY(killed.elapsed() < 10000);
    QVERIFY(p.waitForFinished(60000));
    const QString out = QString::fromUtf8(p.readAllStandardOutput());
    QCOMPARE(p.exitCode(), 1);
    QVERIFY2(out.contains("7 finished, 0 failed, 1 lost"), qPrintable(out));
    const Result r = run({"study", "run", study_, "--db", db("d")});
    QVERIFY2(r.rc == 0, qPrintable(dump(r)));
    QVERIFY2(r.out.contains("1 to train, 0 to resume, 7 already done") ||
                 r.out.contains("0 to train, 1 to resume, 7 already done"),
             qPrintable(r.out));
  }

  // pins SkyRL#1516 (a killed launcher left its run RUNNING), the stale-row half: a `running` row whose
  // engine is gone becomes `interrupted` at the next CLI call. The kill -9 of a live `adamix study run`:
  // test_field_failures_store skyrl1516_killedLauncherLeavesNoRunRunning.
  void staleRunningRowsBecomeInterrupted() {
    QVERIFY(run({"study", "run", study_, "--db", db("e")}).rc == 0);
    {
      QSqlDatabase d = QSqlDatabase::addDatabase("QSQLITE", "poke");
      d.setDatabaseName(db("e"));
      QVERIFY(d.open());
      QSqlQuery q(d);
      QVERIFY(q.exec("UPDATE runs SET status = 'running', pid = 999999999 WHERE id = 1"));
      d.close();
    }
    QSqlDatabase::removeDatabase("poke");
    Result r = run({"runs", "list", "--db", db("e"), "--status", "interrupted"});
    QCOMPARE(r.rc, 0);
    QCOMPARE(r.out.split('\n', Qt::SkipEmptyParts).size(), 3);  // header, rule, one run
    QVERIFY(r.out.contains("interrupted: the app that ran it exited"));
    r = run({"study", "run", study_, "--db", db("e")});
    QVERIFY2(r.rc == 0 && r.out.contains("0 to train, 1 to resume, 7 already done"),
             qPrintable(dump(r)));  // it has a checkpoint
  }

  void importRunTrainedElsewhere() {
    const QString dir = tmp_.filePath("cluster/run1");
    write(
        dir + "/run.json",
        R"({"run_id":"cluster-1","seed":3,"model":{"path":"/x/model"},"task":{"name":"rte","data_dir":"/x"},"peft":{"method":"lora","adamix":{"num_modules":4}}})");
    QProcess e;
    e.setProcessEnvironment(env({{"FAKE_ENGINE_STEPS", "3"}}));
    e.start(FAKE_ENGINE_EXE, {"train", "--config", dir + "/run.json", "--run-dir", dir});
    QVERIFY(e.waitForFinished(20000));
    QCOMPARE(e.exitCode(), 0);
    Result r = run({"import", dir, "--db", db("f")});
    QVERIFY2(r.rc == 0 && r.out.contains("(finished, 4 metric points)"), qPrintable(dump(r)));
    r = run({"runs", "list", "--db", db("f")});
    QVERIFY2(r.out.contains("AdaMix-lora M=4") && r.out.contains("finished"), qPrintable(r.out));
    QVERIFY(query(db("f"), "SELECT count(*) FROM results").value(0).value(0).toInt() > 0);
    // What computed it (its `started` event's device and kernels) and its parameter counts.
    const auto stored = query(db("f"), "SELECT compute, params FROM runs");
    QCOMPARE(stored.size(), qsizetype(1));
    QVERIFY(nlohmann::json::parse(stored[0][0].toString().toStdString()) ==
            nlohmann::json::parse(R"({"device":"cpu","blas_core":"Haswell","fused_cpu_kernels":false})"));
    QCOMPARE(nlohmann::json::parse(stored[0][1].toString().toStdString()).at("inference_peft").get<int>(), 20);
    r = run({"import", dir, "--db", db("f")});
    QVERIFY2(r.rc == 0 && r.out.contains("already stored"), qPrintable(dump(r)));
    // A run that never finished: its parameter counts come from its `started` event.
    const QString cut = tmp_.filePath("cluster/run2");
    write(cut + "/run.json",
          R"({"run_id":"cluster-2","seed":4,"model":{"path":"/x/model"},"task":{"name":"rte","data_dir":"/x"},"peft":{"method":"lora"}})");
    QProcess e2;
    e2.setProcessEnvironment(env({{"FAKE_ENGINE_STEPS", "3"}, {"FAKE_ENGINE_MODE", "nofinish"}}));
    e2.start(FAKE_ENGINE_EXE, {"train", "--config", cut + "/run.json", "--run-dir", cut});
    QVERIFY(e2.waitForFinished(20000));
    r = run({"import", cut, "--db", db("f")});
    QVERIFY2(r.rc == 0 && r.out.contains("(interrupted, "), qPrintable(dump(r)));
    const auto cutRow = query(db("f"), "SELECT params, compute FROM runs WHERE run_dir LIKE '%run2'");
    QCOMPARE(cutRow.size(), qsizetype(1));
    QCOMPARE(nlohmann::json::parse(cutRow[0][0].toString().toStdString()).at("trainable_peft").get<int>(), 20);
    QVERIFY(!cutRow[0][1].isNull());
    QCOMPARE(run({"import", tmp_.filePath("nowhere"), "--db", db("f")}).rc, 3);
  }

  /// A run directory as a cluster job leaves it: the fake engine trains `config` (JSON) there.
  QString trainElsewhere(const QString& name, const QByteArray& config) {
    const QString dir = tmp_.filePath("cluster/" + name);
    write(dir + "/run.json", config);
    QProcess e;
    e.setProcessEnvironment(env({{"FAKE_ENGINE_STEPS", "3"}}));
    e.start(FAKE_ENGINE_EXE, {"train", "--config", dir + "/run.json", "--run-dir", dir});
    if (!e.waitForFinished(20000) || e.exitCode() != 0) qFatal("fake engine failed for %s", qPrintable(dir));
    return dir;
  }

  /// Review defect: a half-copied run folder (config.json and an events.jsonl that says finished,
  /// adapters.safetensors missing or cut off) was imported as finished without a word, and every
  /// later `run eval` failed. It is still imported (its metrics are useful), with a warning naming
  /// the file and what will not work.
  void importWarnsWhenAFinishedRunsWeightsAreUnusable() {
    auto configOf = [](int seed) {
      return QStringLiteral(
                 R"({"run_id":"half-%1","seed":%1,"model":{"path":"/x/model"},"task":{"name":"rte","data_dir":"/x"}})")
          .arg(seed)
          .toUtf8();
    };
    // complete: no warning
    const QString whole = trainElsewhere("half-whole", configOf(11));
    Result r = run({"import", whole, "--db", db("half")});
    QVERIFY2(r.rc == 0 && r.out.contains("(finished, ") && !r.err.contains("warning"), qPrintable(dump(r)));
    // adapters.safetensors missing
    const QString missing = trainElsewhere("half-missing", configOf(12));
    QVERIFY(QFile::remove(missing + "/adapters.safetensors"));
    r = run({"import", missing, "--db", db("half")});
    QVERIFY2(r.rc == 0 && r.out.contains("(finished, "), qPrintable(dump(r)));
    QVERIFY2(r.err.contains("warning: " + missing + "/adapters.safetensors: missing — ") &&
                 r.err.contains("run eval, predict, merge and export will fail"),
             qPrintable(dump(r)));
    // cut off inside its header (a copy that stopped): the header length reaches past the end
    const QString cut = trainElsewhere("half-cut", configOf(13));
    QVERIFY(QFile::resize(cut + "/adapters.safetensors", 40));
    r = run({"import", cut, "--db", db("half")});
    QVERIFY2(r.rc == 0 && r.out.contains("(finished, "), qPrintable(dump(r)));
    QVERIFY2(r.err.contains("warning: " + cut + "/adapters.safetensors: header length ") &&
                 r.err.contains("exceeds the file size 40") && r.err.contains("run eval, predict, merge and export"),
             qPrintable(dump(r)));
    // cut off in its tensor data: the header names bytes the file does not hold
    const QString data = trainElsewhere("half-data", configOf(14));
    QVERIFY(QFile::resize(data + "/adapters.safetensors", QFileInfo(data + "/adapters.safetensors").size() - 4));
    r = run({"import", data, "--db", db("half")});
    QVERIFY2(r.rc == 0 && r.err.contains("warning: " + data + "/adapters.safetensors: data_offsets [0,8] reach beyond"),
             qPrintable(dump(r)));
    QCOMPARE(runCount(db("half")), 4);
    // a run that did not finish has no weights to warn about
    const QString unfinished = tmp_.filePath("cluster/half-unfinished");
    write(unfinished + "/run.json", configOf(15));
    QProcess e;
    e.setProcessEnvironment(env({{"FAKE_ENGINE_STEPS", "3"}, {"FAKE_ENGINE_MODE", "nofinish"}}));
    e.start(FAKE_ENGINE_EXE, {"train", "--config", unfinished + "/run.json", "--run-dir", unfinished});
    QVERIFY(e.waitForFinished(20000));
    r = run({"import", unfinished, "--db", db("half")});
    QVERIFY2(r.rc == 0 && r.out.contains("(interrupted, ") && !r.err.contains("warning"), qPrintable(dump(r)));
  }

  /// Review defect: `adamix import` of a relative path stored the artifacts' paths relative to the
  /// working directory of that command (runs.run_dir was absolute already).
  void importByRelativePathStoresAbsolutePaths() {
    const QString dir = trainElsewhere(
        "relative", R"({"run_id":"rel","seed":21,"model":{"path":"/x/model"},"task":{"name":"rte","data_dir":"/x"}})");
    const QString workDir = tmp_.filePath("elsewhere");
    QVERIFY(QDir().mkpath(workDir));
    const Result r = run({"import", "../cluster/./relative", "--db", db("rel")}, {}, 60000, {}, workDir);
    QVERIFY2(r.rc == 0 && r.out.contains("imported " + dir + " as run"), qPrintable(dump(r)));
    QCOMPARE(query(db("rel"), "SELECT run_dir FROM runs").value(0).value(0).toString(), dir);
    const auto artifacts = query(db("rel"), "SELECT kind, path FROM artifacts ORDER BY kind");
    QStringList stored;
    for (const auto& a : artifacts) stored << a[0].toString() + " " + a[1].toString();
    QCOMPARE(stored, (QStringList{"adapters " + dir + "/adapters.safetensors", "events " + dir + "/events.jsonl",
                                  "predictions " + dir + "/predictions/dev.tsv"}));
  }

  /// New-user defect: `import --study` stored no axes, so the study's table showed the run under
  /// an empty label. It now has the row of its --variant label (else the derived one).
  void importIntoStudyHasItsVariantRow() {
    const QString d = db("imp-study");
    Result r = run({"study", "run", study_, "--db", d, "--jobs", "2"});
    QVERIFY2(r.rc == 0, qPrintable(dump(r)));
    const QByteArray config = QStringLiteral(
        R"({"run_id":"cl-%1","seed":%2,"model":{"path":"%3/models/tiny"},"task":{"name":"rte","data_dir":"%3/glue/TOYA"},)"
        R"("train":{"epochs":1},"peft":{"method":"lora"}})").arg("lora1").arg(1).arg(cache_).toUtf8();
    r = run({"import", trainElsewhere("lora1", config), "--db", d, "--study", "toy", "--variant", "LoRA"});
    QVERIFY2(r.rc == 0 && r.out.contains("imported"), qPrintable(dump(r)));
    QByteArray derived = config;
    derived.replace("\"seed\":1", "\"seed\":2").replace("cl-lora1", "cl-lora2");
    r = run({"import", trainElsewhere("lora2", derived), "--db", d, "--study", "toy"});
    QVERIFY2(r.rc == 0 && r.out.contains("imported"), qPrintable(dump(r)));
    const auto rows = query(d, "SELECT variant, axes FROM runs WHERE run_dir LIKE '%cluster/lora%' ORDER BY id");
    QCOMPARE(rows.size(), qsizetype(2));
    QCOMPARE(rows[0][0].toString(), QString("LoRA"));
    QVERIFY(nlohmann::json::parse(rows[0][1].toString().toStdString()) == nlohmann::json({{"variant", "LoRA"}}));
    QCOMPARE(rows[1][0].toString(), QString("lora"));
    QVERIFY(nlohmann::json::parse(rows[1][1].toString().toStdString()) == nlohmann::json({{"variant", "lora"}}));
    r = run({"export", "--db", d, "--study", "toy"});
    QVERIFY2(r.rc == 0, qPrintable(dump(r)));
    const QStringList lines = r.out.split('\n');
    auto row = [&](const QString& label) {
      for (const QString& l : lines)
        if (l.startsWith("| " + label + " |")) return l;
      return QString();
    };
    QVERIFY2(row("LoRA").endsWith("| 1 |"), qPrintable(r.out));
    QVERIFY2(row("lora").endsWith("| 1 |"), qPrintable(r.out));
    QVERIFY2(row("AdaMix").endsWith("| 2 |") && row("Adapter").endsWith("| 2 |"), qPrintable(r.out));
    QVERIFY2(!r.out.contains("|  |"), qPrintable(r.out));  // no row without a label
  }

  /// New-user defect: the directory of a run a study trained was imported again (its config.json
  /// holds resolved asset paths, so its hash is not the study's). It is recognised, also copied and
  /// with another machine's asset cache; a run that differs is still imported.
  void importRecognisesAStudysRun() {
    const QString d = db("imp-dup");
    Result r = run({"study", "run", study_, "--db", d, "--jobs", "2"});
    QVERIFY2(r.rc == 0, qPrintable(dump(r)));
    const auto studyRun = query(d, "SELECT id, run_dir FROM runs WHERE seed = 2 ORDER BY id LIMIT 1");
    QCOMPARE(studyRun.size(), qsizetype(1));
    const QString id = studyRun[0][0].toString(), runDir = studyRun[0][1].toString();
    r = run({"import", runDir, "--db", d});
    QVERIFY2(r.rc == 0 && r.out.contains("already stored: run " + id + " "), qPrintable(dump(r)));
    QFile cf(runDir + "/config.json");
    QVERIFY(cf.open(QIODevice::ReadOnly));
    const QByteArray configText = cf.readAll();
    QVERIFY(configText.contains(cache_.toUtf8()));
    QFile ef(runDir + "/events.jsonl");
    QVERIFY(ef.open(QIODevice::ReadOnly));
    const QByteArray events = ef.readAll();
    const QString copy = tmp_.filePath("imp-dup-copy"), moved = tmp_.filePath("imp-dup-moved"),
                  other = tmp_.filePath("imp-dup-other");
    write(copy + "/config.json", configText);
    write(copy + "/events.jsonl", events);
    r = run({"import", copy, "--db", d});
    QVERIFY2(r.rc == 0 && r.out.contains("already stored: run " + id + " "), qPrintable(dump(r)));
    write(moved + "/config.json", QByteArray(configText).replace(cache_.toUtf8(), "/scratch/elsewhere/cache"));
    write(moved + "/events.jsonl", events);
    r = run({"import", moved, "--db", d});
    QVERIFY2(r.rc == 0 && r.out.contains("already stored: run " + id + " "), qPrintable(dump(r)));
    QCOMPARE(runCount(d), 8);
    auto changed = nlohmann::json::parse(configText.toStdString());
    changed["train"]["learning_rate"] = 0.0123;
    write(other + "/config.json", QByteArray::fromStdString(changed.dump()));
    write(other + "/events.jsonl", events);
    r = run({"import", other, "--db", d});
    QVERIFY2(r.rc == 0 && r.out.contains("imported"), qPrintable(dump(r)));
    QCOMPARE(runCount(d), 9);
    r = run({"import", copy, "--db", d, "--force"});
    QVERIFY2(r.rc == 0 && r.out.contains("imported"), qPrintable(dump(r)));
    QCOMPARE(runCount(d), 10);
  }

  /// New-user defect: `export --predictions` of a classification-only study printed an empty
  /// `| Input | References |` table and exited 0. It now prints each task's predicted labels (the
  /// fake engine's predictions/dev.tsv: 20 examples, label i % 2), under a heading naming the task;
  /// a study without runs with predictions says there is nothing to export (exit 3).
  void exportPredictionsOfClassificationRuns() {
    const QString d = db("pred-none");
    Result r = run({"study", "run", study_, "--db", d, "--jobs", "2"});
    QVERIFY2(r.rc == 0, qPrintable(dump(r)));
    const QString out = tmp_.filePath("pred-none/predictions.md");
    r = run({"export", "--db", d, "--predictions", "--out", out, "--limit", "2"});
    QVERIFY2(r.rc == 0, qPrintable(dump(r)));
    // the toy dev files hold labels only: the inputs stay empty, the file and line named
    const QString cache = tmp_.filePath("cache/glue/");
    QCOMPARE(r.err, "adamix export: warning: input texts not shown: " + cache +
                        "TOYA/dev.tsv:1: header has no column \"sentence1\" (task rte)\n"
                        "adamix export: warning: input texts not shown: " + cache +
                        "TOYB/dev.tsv:1: header has no column \"sentence1\" (task wnli)\n");
    QFile f(out);
    QVERIFY(f.open(QIODevice::ReadOnly));
    const QString header = QStringLiteral("| # | Input | Gold label | Adapter (seed 1) | Adapter (seed 2) | AdaMix (seed 1) "
                                          "| AdaMix (seed 2) |\n|---|---|---|---|---|---|---|\n");
    QCOMPARE(QString::fromUtf8(f.readAll()),
             "## rte \u00B7 dev.tsv\n\n" + header +
                 "| 0 |  | entailment | entailment | entailment | entailment | entailment |\n"
                 "| 1 |  | not_entailment | not_entailment | not_entailment | not_entailment | not_entailment |\n"
                 "\n## wnli \u00B7 dev.tsv\n\n" + header +
                 "| 0 |  | not_entailment | not_entailment | not_entailment | not_entailment | not_entailment |\n"
                 "| 1 |  | entailment | entailment | entailment | entailment | entailment |\n");

    // a study whose only run failed has no predictions: nothing exported
    const QString failed = db("pred-failed");
    const QString study = tmp_.filePath("pred-failed.json");
    write(study, R"({"name": "predfail", "base": {"model": {"path": "asset:models/tiny"}, "train": {"epochs": 1}},
                     "tasks": [{"name": "rte", "data_dir": "asset:glue/TOYA"}], "seeds": [1]})");
    r = run({"study", "run", study, "--db", failed}, {{"FAKE_ENGINE_FAIL_TASK", "rte"}});
    QVERIFY2(r.rc == 1, qPrintable(dump(r)));
    const QString none = tmp_.filePath("pred-failed.md");
    r = run({"export", "--db", failed, "--predictions", "--out", none});
    QVERIFY2(r.rc == 3, qPrintable(dump(r)));
    QCOMPARE(r.err, QStringLiteral("adamix export: no runs with predictions in this study (finished generation runs "
                                   "write predictions/dev.jsonl, classification and regression runs "
                                   "predictions/dev.tsv, MNLI predictions/dev_matched.tsv and dev_mismatched.tsv); "
                                   "nothing exported\n"));
    QVERIFY(r.out.isEmpty());
    QVERIFY(!QFile::exists(none));
  }

  /// Review: `export` of a study without finished runs wrote an empty table and exited 0, where
  /// `study run` says "no tables written". It says why on stderr and exits 3, writing nothing;
  /// so does a table that would have no value columns (no result of the --kind asked for).
  void exportWithoutFinishedRunsWritesNothing() {
    const QString d = db("no-finished");
    const QString study = tmp_.filePath("nofin.json");
    write(study, R"({"name": "nofin", "base": {"model": {"path": "asset:models/tiny"}, "train": {"epochs": 1}},
                     "tasks": [{"name": "rte", "data_dir": "asset:glue/TOYA"}], "seeds": [1, 2]})");
    Result r = run({"study", "run", study, "--db", d}, {{"FAKE_ENGINE_FAIL_TASK", "rte"}});
    QVERIFY2(r.rc == 1 && r.out.contains("no finished runs yet: no tables written"), qPrintable(dump(r)));
    const QString out = tmp_.filePath("no-finished/table.md");
    for (const char* format : {"md", "latex", "csv"}) {
      r = run({"export", "--db", d, "--format", format, "--out", out});
      QVERIFY2(r.rc == 3 && r.out.isEmpty(), qPrintable(dump(r)));
      QCOMPARE(r.err, QString("adamix export: study nofin has no finished runs (2 failed); nothing exported\n"));
      QVERIFY(!QFile::exists(out));
    }
    r = run({"export", "--db", d, "--baseline", "base"});  // said before the baseline is looked for
    QVERIFY2(r.rc == 3 && r.out.isEmpty(), qPrintable(dump(r)));
    QCOMPARE(r.err, QString("adamix export: study nofin has no finished runs (2 failed); nothing exported\n"));
    QVERIFY(execSql(d, "UPDATE runs SET status = 'running' WHERE id = (SELECT min(id) FROM runs)"));
    r = run({"export", "--db", d});
    QVERIFY2(r.rc == 3 && r.out.isEmpty(), qPrintable(dump(r)));
    QCOMPARE(r.err,
             QString("adamix export: study nofin has no finished runs (1 running, 1 failed); nothing exported\n"));

    // finished, but without the results asked for: no table either
    r = run({"study", "run", study, "--db", d});
    QVERIFY2(r.rc == 0, qPrintable(dump(r)));
    QVERIFY(execSql(d, "DELETE FROM results WHERE kind = 'best'"));
    r = run({"export", "--db", d, "--out", out});
    QVERIFY2(r.rc == 3 && r.out.isEmpty(), qPrintable(dump(r)));
    QCOMPARE(r.err, QString("adamix export: the finished runs of study nofin have no best results "
                            "(--kind final: their final results); nothing exported\n"));
    QVERIFY(!QFile::exists(out));
    r = run({"export", "--db", d, "--kind", "final", "--out", out});
    QVERIFY2(r.rc == 0 && QFile::exists(out), qPrintable(dump(r)));
  }

  // Issue: a config.json or events.jsonl that is not a regular file of bounded size (a symlink to
  // /dev/zero read GBs until std::bad_alloc) is refused before anything is read or stored.
  void importRefusesDevicesAndOversizedFiles() {
    const QString d = importWorkspace("imp-files");
    QString dir = importDir("zero-config");
    QVERIFY(QFile::remove(dir + "/config.json"));
    QVERIFY(QFile::link("/dev/zero", dir + "/config.json"));
    expectImportRefused(dir, d, dir + "/config.json: cannot open run config: not a regular file (a character device)");

    dir = importDir("zero-events");
    QVERIFY(QFile::remove(dir + "/events.jsonl"));
    QVERIFY(QFile::link("/dev/zero", dir + "/events.jsonl"));
    expectImportRefused(dir, d, dir + "/events.jsonl: cannot open event log: not a regular file (a character device)");

    dir = importDir("fifo-events");  // no writer: reading it would wait forever
    QVERIFY(QFile::remove(dir + "/events.jsonl"));
    QCOMPARE(::mkfifo(QFile::encodeName(dir + "/events.jsonl").constData(), 0600), 0);
    expectImportRefused(dir, d, dir + "/events.jsonl: cannot open event log: not a regular file (a FIFO)");

    // sparse files just over the limits (64 MiB, 1 GiB): refused from their size, not read
    dir = importDir("big-config");
    {
      QFile f(dir + "/config.json");
      QVERIFY(f.open(QIODevice::ReadWrite) && f.resize((qint64(64) << 20) + 1));
    }
    expectImportRefused(dir, d, dir + "/config.json: run config is 67108865 bytes, more than the limit of 67108864 bytes");
    dir = importDir("big-events");
    {
      QFile f(dir + "/events.jsonl");
      QVERIFY(f.open(QIODevice::ReadWrite) && f.resize((qint64(1) << 30) + 1));
    }
    expectImportRefused(dir, d,
                        dir + "/events.jsonl: event log is 1073741825 bytes, more than the limit of 1073741824 bytes");
  }

  // Issue: import took any JSON object as config.json ({} became a finished run; a wrong type
  // was a "database" error from nlohmann). It is the engine's run-config schema, path named.
  void importValidatesRunConfig() {
    const QString d = importWorkspace("imp-config");
    const QList<std::pair<QByteArray, QString>> cases = {
        {R"({})", "/task: missing required field"},
        {R"([1, 2])", "not a JSON object"},
        {R"({"model":{"path":"/x"},"task":{"name":"rte","data_dir":"/x"},"train":{"learning_rate":-1}})",
         "/train/learning_rate: must be > 0"},
        {R"({"model":{"path":"/x"},"task":{"name":"rte","data_dir":"/x"},"surprise":1})", "/surprise: unknown key"},
        {R"({"model":{"path":"/x"},"task":{"name":"rte","data_dir":"/x"},"seed":"one"})", "/seed: "},
        {R"({"model":{"path":"/x"},"task":{"name":"rte","data_dir":"/x"},"peft":"x"})", "/peft: expected an object"},
        {R"({"model":{"path":"/x"},"task":{"name":"rte","data_dir":"/x"},"peft":{"adamix":{"num_modules":"4"}}})",
         "/peft/adamix/num_modules: expected an integer"},
        {R"({"model":{"path":"/x"},"task":{"name":5,"data_dir":"/x"}})", "/task/name: expected a string"},
        {R"({"task":{"name":"rte","data_dir":"/x"}})", "/model"},
    };
    for (const auto& [config, where] : cases) {
      const QString dir = importDir("config");
      write(dir + "/config.json", config);
      expectImportRefused(dir, d, dir + "/config.json: " + where);
    }
    // A model.adapter of the machine that trained it (not here) does not stop the import.
    const QString dir = importDir("adapter-elsewhere");
    write(dir + "/config.json",
          R"({"model":{"path":"/x","adapter":"/cluster/lora"},"task":{"name":"rte","data_dir":"/x"},"peft":{"method":"lora"}})");
    const Result r = run({"import", dir, "--db", d});
    QVERIFY2(r.rc == 0 && r.out.contains("(finished, "), qPrintable(dump(r)));
  }

  // Issue: random bytes, an empty log or one of an unknown schema major became `interrupted` runs,
  // with a warning per line and the bytes echoed raw to the terminal.
  void importRefusesLogsOfNoEngineRun() {
    const QString d = importWorkspace("imp-events");
    QString dir = importDir("empty");
    write(dir + "/events.jsonl", "");
    expectImportRefused(dir, d, dir + "/events.jsonl: no engine event in it");

    dir = importDir("random");
    // ESC sequences, BEL, a C1 control, a bidi override and bytes that are not UTF-8; then noise
    QByteArray noise = "\x1b[2J\x1b]0;owned\x07\xff\xfe\xc2\x9b\xe2\x80\xae evil\n";
    quint32 x = 12345;
    for (int i = 0; i < 20000; ++i) {
      x = x * 1664525u + 1013904223u;
      noise += char(x >> 24);
    }
    write(dir + "/events.jsonl", noise);
    expectImportRefused(dir, d, dir + "/events.jsonl: no engine event in it");
    Result r = run({"import", dir, "--db", d});
    for (const QChar c : r.err)
      QVERIFY2(c == u'\n' || (c >= u' ' && c != QChar(0x7f) && !(c >= QChar(0x80) && c <= QChar(0x9f)) &&
                              c != QChar(0xfffd) && c != QChar(0x202e)),
               qPrintable(QStringLiteral("raw U+%1 on stderr").arg(c.unicode(), 4, 16, QLatin1Char('0'))));
    QVERIFY2(r.err.contains(R"(not JSON: "\x1b[2J\x1b]0;owned\x07\xff\xfe\u{009b}\u{202e} evil")"), qPrintable(r.err));
    QVERIFY2(r.err.count('\n') <= 25, qPrintable(r.err));  // 20 warnings, "N more", the error

    dir = importDir("schema99");
    QByteArray newer;
    for (int i = 0; i < 30; ++i) newer += R"({"event":"metric","schema":"99.0","step":1})" "\n";
    write(dir + "/events.jsonl", newer);
    expectImportRefused(dir, d, dir + "/events.jsonl: every event carries an unsupported protocol schema");
    r = run({"import", dir, "--db", d});
    QCOMPARE(r.err.count("unsupported protocol schema \"99.0\""), 1);
    QVERIFY2(r.err.contains("(30 times)"), qPrintable(r.err));

    // A run that failed before it started (its model not found) is still a run: imported as failed.
    dir = importDir("failed-early");
    write(dir + "/events.jsonl", R"({"event":"error","schema":"1.0","time":1,"kind":"model","message":"no model"})" "\n");
    r = run({"import", dir, "--db", d, "--force"});  // the workspace's run has the same config
    QVERIFY2(r.rc == 0 && r.out.contains("(failed, "), qPrintable(dump(r)));
  }

  // run eval / predict / export of a finished run, against the fake engine's eval and export.
  void runEvalPredictExport() {
    const QString d = db("ev");
    QVERIFY2(run({"study", "run", study_, "--db", d}).rc == 0, "study run");
    const auto rows =
        query(d, "SELECT id, run_dir, run_key, variant, seed FROM runs WHERE task = 'rte' ORDER BY id LIMIT 1");
    QCOMPARE(rows.size(), 1);
    const QString id = rows[0][0].toString(), runDir = rows[0][1].toString(), key = rows[0][2].toString();
    const QString variant = rows[0][3].toString();
    const QString label = QString("rte · %1 · s%2 (#%3)").arg(variant, rows[0][4].toString(), id);
    auto readJson = [](const QString& path) {
      QFile f(path);
      return f.open(QIODevice::ReadOnly) ? QJsonDocument::fromJson(f.readAll()).object() : QJsonObject();
    };

    // The run's cached data asset lost a file (as a demo run trained before the GLUE test sets
    // joined their assets): eval completes the asset from the mirror before the engine starts.
    const QString cachedDev = QDir(cache_).filePath("glue/TOYA/dev.tsv");
    QVERIFY(QFile::remove(cachedDev));

    // eval on dev with the run's own inference mode: the stored metrics are what the engine reported
    Result r = run({"run", "eval", id, "--db", d});
    QFile restored(cachedDev);
    QVERIFY2(restored.open(QIODevice::ReadOnly), "the cached asset file is back");
    QCOMPARE(restored.readAll(), QByteArray("b\t1\n"));
    QVERIFY2(r.rc == 0, qPrintable(dump(r)));
    const QString devOut = runDir + "/eval/dev-merged";
    const QJsonObject devMetrics = readJson(devOut + "/metrics.json");
    const double devAcc = devMetrics["final"].toObject()["dev"].toObject()["accuracy"].toDouble();
    QVERIFY(devAcc > 0.5);
    QVERIFY2(r.out.contains("started   " + label + " · eval dev (run's inference)\n"), qPrintable(r.out));
    QVERIFY2(r.out.contains("progress  " + label + " 3/3 batches\n"), qPrintable(r.out));
    QVERIFY2(r.out.contains("out         " + devOut + "\n"), qPrintable(r.out));
    QVERIFY2(r.out.contains(QString("accuracy    %1\n").arg(devAcc, 0, 'f', 4)), qPrintable(r.out));
    auto evals = query(d, "SELECT split, data_file, inference, weights_step, examples, metrics, out_dir, predictions,"
                          " submission FROM evaluations WHERE run_id = " + id + " ORDER BY id");
    QCOMPARE(evals.size(), 1);
    QCOMPARE(evals[0][0].toString(), QString("dev"));
    QCOMPARE(evals[0][1].toString(), QString());
    QCOMPARE(evals[0][2].toString(), QString("merged"));
    QCOMPARE(evals[0][3].toInt(), devMetrics["best_step"].toInt());
    QCOMPARE(evals[0][4].toInt(), 12);
    QCOMPARE(QJsonDocument::fromJson(evals[0][5].toString().toUtf8()).object()["accuracy"].toDouble(), devAcc);
    QCOMPARE(evals[0][6].toString(), devOut);
    QCOMPARE(evals[0][7].toString(), QString("predictions.tsv"));
    QCOMPARE(evals[0][8].toString(), QString());
    // the run's own results and curves are untouched
    QCOMPARE(query(d, "SELECT count(*) FROM results WHERE run_id = " + id + " AND split LIKE 'eval%'")
                 .value(0).value(0).toInt(), 0);

    // by config-hash prefix, another inference mode and output folder
    const QString out2 = tmp_.filePath("ev-module1");
    r = run({"run", "eval", key.left(8), "--db", d, "--split", "dev", "--inference", "module:1", "--out", out2});
    QVERIFY2(r.rc == 0, qPrintable(dump(r)));
    const double m1Acc = readJson(out2 + "/metrics.json")["final"].toObject()["dev"].toObject()["accuracy"].toDouble();
    QVERIFY(m1Acc != devAcc);
    // a data file in the task's layout
    write(tmp_.filePath("extra/hard.tsv"), "x\t1\n");
    r = run({"run", "eval", id, "--db", d, "--data", tmp_.filePath("extra/hard.tsv")});
    QVERIFY2(r.rc == 0, qPrintable(dump(r)));
    evals = query(d, "SELECT split, data_file, inference, out_dir FROM evaluations WHERE run_id = " + id + " ORDER BY id");
    QCOMPARE(evals.size(), 3);
    QCOMPARE(evals[1][2].toString(), QString("module:1"));
    QCOMPARE(evals[1][3].toString(), out2);
    QCOMPARE(evals[2][0].toString(), QString());
    QCOMPARE(evals[2][1].toString(), tmp_.filePath("extra/hard.tsv"));

    // predict: the test split, the GLUE submission file's path printed, no metrics stored
    r = run({"run", "predict", id, "--db", d});
    QVERIFY2(r.rc == 0, qPrintable(dump(r)));
    const QString submission = runDir + "/eval/test-merged/RTE.tsv";
    QVERIFY2(r.out.contains("submission " + submission + "\n"), qPrintable(r.out));
    QFile sub(submission);
    QVERIFY(sub.open(QIODevice::ReadOnly));
    QCOMPARE(sub.readLine(), QByteArray("index\tprediction\n"));
    evals = query(d, "SELECT split, metrics, submission FROM evaluations WHERE run_id = " + id + " ORDER BY id DESC");
    QCOMPARE(evals[0][0].toString(), QString("test"));
    QCOMPARE(evals[0][1].toString(), QString("{}"));
    QCOMPARE(evals[0][2].toString(), QString("RTE.tsv"));

    // the result table shows the evaluations in their own columns, beside the run's own
    r = run({"export", "--db", d, "--format", "csv"});
    QVERIFY2(r.rc == 0, qPrintable(dump(r)));
    const QStringList lines = r.out.split('\n');
    QVERIFY2(lines[0].startsWith("Variant,RTE mean,RTE std,RTE n,RTE best,RTE eval dev (merged) mean,"), qPrintable(r.out));
    QVERIFY2(lines[0].contains("RTE eval dev (module:1) mean") && lines[0].contains("RTE eval hard.tsv (merged) mean"),
             qPrintable(lines[0]));
    QVERIFY2(!lines[0].contains("eval test"), qPrintable(lines[0]));  // no labels, no column
    QStringList adapter;
    for (const QString& line : lines)
      if (line.startsWith(variant + ",")) adapter = line.split(',');
    QVERIFY2(!adapter.isEmpty(), qPrintable(r.out));
    QCOMPARE(adapter[5], QString::number(devAcc * 100, 'f', 1));  // one seed evaluated: n = 1
    QCOMPARE(adapter[7], QString("1"));

    // export
    r = run({"run", "export", id, "--db", d, "--format", "peft", "--out", tmp_.filePath("peft")});
    QVERIFY2(r.rc == 0, qPrintable(dump(r)));
    QVERIFY2(r.out.contains("exported peft to " + tmp_.filePath("peft") + "\n  adapter_config.json\n"),
             qPrintable(r.out));
    QVERIFY(QFile::exists(tmp_.filePath("peft/adapter_model.safetensors")));
    QCOMPARE(query(d, "SELECT kind, path FROM artifacts WHERE run_id = " + id + " AND kind LIKE 'export-%'")
                 .value(0),
             QVariantList({"export-peft", tmp_.filePath("peft")}));
    r = run({"run", "export", id, "--db", d, "--format", "merged-model", "--out", tmp_.filePath("merged")});
    QVERIFY2(r.rc == 1 && r.err.contains("adamix run export: adamix-engine: model error: adapters are non-linear"),
             qPrintable(dump(r)));
    // an output folder that cannot be written (here: a file): exit 7, as the table says. The engine's
    // export reports it on stderr only, with its exit code 7 and no `error` event (it was exit 1)
    write(tmp_.filePath("my.tsv"), "x\n");
    r = run({"run", "export", id, "--db", d, "--format", "peft", "--out", tmp_.filePath("my.tsv")});
    QVERIFY2(r.rc == 7 && r.err.contains("adamix run export: ") && r.err.contains("Not a directory"), qPrintable(dump(r)));
    // an engine whose parser refuses the command line adamix built (no `export` subcommand: another
    // version): not the user's usage error, exit 1, naming the engine (it was exit 2)
    r = run({"run", "export", id, "--db", d, "--format", "peft", "--out", tmp_.filePath("p2")},
            {{"FAKE_ENGINE_MODE", "usage"}});
    QVERIFY2(r.rc == 1 && r.err.contains(QString("adamix run export: the engine at %1 rejected the command line adamix "
                                                 "built: A subcommand is required / Run with --help for more "
                                                 "information.; engine and adamix versions differ?\n")
                                             .arg(FAKE_ENGINE_EXE)),
             qPrintable(dump(r)));
    // a folder that is not empty: the engine's export refuses it as a usage error (stderr, exit 2,
    // no event), and so does the CLI (it was 1)
    r = run({"run", "export", id, "--db", d, "--format", "peft", "--out", tmp_.filePath("peft")});
    QVERIFY2(r.rc == 2 && r.err.contains("adamix run export: adamix-engine: usage error: " + tmp_.filePath("peft") +
                                         ": the output directory is not empty"),
             qPrintable(dump(r)));

    // errors: name what is wrong, store nothing
    const int before = query(d, "SELECT count(*) FROM evaluations").value(0).value(0).toInt();
    r = run({"run", "eval", id, "--db", d}, {{"FAKE_ENGINE_MODE", "error"}});
    QVERIFY2(r.rc == 1 && r.err.contains("adamix run eval: data: bad label 'maybe' (at dev.tsv:3)"), qPrintable(dump(r)));
    QCOMPARE(query(d, "SELECT count(*) FROM evaluations").value(0).value(0).toInt(), before);
    // an option the engine refuses for this run (its `error` event of kind usage): exit 2, as the
    // CLI's own option checks (it was 1)
    r = run({"run", "eval", id, "--db", d, "--inference", "module:5"}, {{"FAKE_ENGINE_MODE", "usage"}});
    QVERIFY2(r.rc == 2 && r.err.contains("adamix run eval: usage: module:5 does not exist: the run has 2 module(s) "
                                         "(0-based) (at --inference)"),
             qPrintable(dump(r)));
    QCOMPARE(query(d, "SELECT count(*) FROM evaluations").value(0).value(0).toInt(), before);
    // --data that is no file says what it is (a directory, a FIFO), not "no such file"
    QVERIFY(QDir().mkpath(tmp_.filePath("extra/adir")));
    r = run({"run", "eval", id, "--db", d, "--data", tmp_.filePath("extra/adir")});
    QVERIFY2(r.rc == 3 && r.err == "adamix run eval: --data " + tmp_.filePath("extra/adir") + ": is a directory\n",
             qPrintable(dump(r)));
    const QString fifo = tmp_.filePath("extra/afifo");
    QCOMPARE(::mkfifo(QFile::encodeName(fifo).constData(), 0600), 0);
    r = run({"run", "eval", id, "--db", d, "--data", fifo});
    QVERIFY2(r.rc == 3 && r.err == "adamix run eval: --data " + fifo + ": is not a regular file (a FIFO)\n",
             qPrintable(dump(r)));
    r = run({"run", "eval", id, "--db", d, "--data", tmp_.filePath("extra/none.tsv")});
    QVERIFY2(r.rc == 3 && r.err == "adamix run eval: --data " + tmp_.filePath("extra/none.tsv") + ": no such file\n",
             qPrintable(dump(r)));
    r = run({"run", "eval", "999", "--db", d});
    QVERIFY2(r.rc == 3 && r.err.contains("adamix: no run '999' in"), qPrintable(dump(r)));
    QCOMPARE(run({"run", "eval", id, "--db", d, "--inference", "best"}).rc, 2);
    QCOMPARE(run({"run", "eval", id, "--db", d, "--split", "dev", "--data", tmp_.filePath("extra/hard.tsv")}).rc, 2);
    QCOMPARE(run({"run", "export", id, "--db", d, "--format", "onnx", "--out", tmp_.filePath("x")}).rc, 2);
    QCOMPARE(run({"run", "export", id, "--db", d, "--format", "peft"}).rc, 2);
    QCOMPARE(run({"run", "eval", "--db", d}).rc, 2);
    r = run({"run", "eval", id, "--db", d}, {{"ADAMIX_ENGINE", tmp_.filePath("no-engine")}});
    QVERIFY2(r.rc == 6, qPrintable(dump(r)));
    QVERIFY(execSql(d, "UPDATE runs SET status = 'failed' WHERE id = " + id));
    r = run({"run", "predict", id, "--db", d});
    QVERIFY2(r.rc == 3 && r.err.contains("is failed: only finished runs have trained weights"), qPrintable(dump(r)));
  }

  // Exit codes of engine usage failures (EngineJob::failureKind): the engine's own usage error
  // about the user's input (an `error` event of kind usage, or for export its "adamix-engine:
  // usage error:" line on stderr) is exit 2; the usage exit code alone (the engine's CLI parser
  // refusing the command line adamix built: engine and adamix versions differ) was exit 2 too,
  // blaming the user's options: it is an engine failure, exit 1, naming the engine and its stderr.
  void engineUsageExitsTellTheUsersErrorFromARejectedCommandLine() {
    const QString d = db("usage-exits");
    QVERIFY2(run({"study", "run", study_, "--db", d}).rc == 0, "study run");
    const QString id = query(d, "SELECT id FROM runs WHERE task = 'rte' ORDER BY id LIMIT 1").value(0).value(0).toString();
    QVERIFY(!id.isEmpty());
    auto script = [&](const QString& name, const QByteArray& body) {
      const QString path = tmp_.filePath("usage-engines/" + name);
      write(path, "#!/bin/bash\n" + body);
      QFile::setPermissions(path, QFile::permissions(path) | QFileDevice::ExeOwner);
      return path;
    };
    // an older engine: CLI11 refuses an option it does not know, no event, exit 2
    const QString old = script("old-engine", "echo 'The following argument was not expected: --out-root' >&2\n"
                                             "echo 'Run with --help for more information.' >&2\nexit 2\n");
    const QString rejected = QString("the engine at %1 rejected the command line adamix built: The following "
                                     "argument was not expected: --out-root / Run with --help for more "
                                     "information.; engine and adamix versions differ?\n")
                                 .arg(old);
    const QList<QStringList> commands = {
        {"run", "eval", id},
        {"run", "predict", id},
        {"run", "merge", id, "--strategy", "uniform"},
        {"run", "export", id, "--format", "peft", "--out", tmp_.filePath("usage-exits-peft")},
    };
    for (const QStringList& c : commands) {
      const Result r = run(c + QStringList{"--db", d, "--engine", old});
      const QString words = c[0] + " " + c[1];
      QVERIFY2(r.rc == 1 && r.err == "adamix " + words + ": " + rejected, qPrintable(words + "\n" + dump(r)));
    }
    // the same exit without a word on stderr still names the engine
    const QString mute = script("mute-engine", "exit 2\n");
    Result r = run({"run", "eval", id, "--db", d, "--engine", mute});
    QVERIFY2(r.rc == 1 && r.err == QString("adamix run eval: the engine at %1 rejected the command line adamix built: "
                                           "exit code 2, nothing on stderr; engine and adamix versions differ?\n")
                                       .arg(mute),
             qPrintable(dump(r)));
    // the engine's usage error about the input, as an `error` event: exit 2, its message
    const QString refuses = script(
        "refusing-engine",
        "echo '{\"event\":\"error\",\"schema\":\"1.0\",\"run\":\"x\",\"time\":1,\"kind\":\"usage\","
        "\"message\":\"module:5 does not exist: the run has 2 module(s) (0-based)\",\"location\":\"--inference\"}'\n"
        "echo 'adamix-engine: usage error: --inference: module:5 does not exist' >&2\nexit 2\n");
    r = run({"run", "eval", id, "--db", d, "--inference", "module:5", "--engine", refuses});
    QVERIFY2(r.rc == 2 && r.err == "adamix run eval: usage: module:5 does not exist: the run has 2 module(s) (0-based) "
                                   "(at --inference)\n",
             qPrintable(dump(r)));
    // ... and as export reports it, on stderr only: exit 2, its line
    const QString full = script("full-folder-engine",
                                "echo 'adamix-engine: usage error: /x: the output directory is not empty' >&2\nexit 2\n");
    r = run({"run", "export", id, "--db", d, "--format", "peft", "--out", tmp_.filePath("usage-exits-peft"), "--engine",
             full});
    QVERIFY2(r.rc == 2 && r.err == "adamix run export: adamix-engine: usage error: /x: the output directory is not empty\n",
             qPrintable(dump(r)));
    // a huge stderr line (2 MB) reaches the message as an excerpt: the first and the last 64 KiB
    // kept (EngineClient), each cut to 300 characters and "…", and how much was left out between
    const QString chatty = script("chatty-engine", "head -c 2000000 /dev/zero | tr '\\0' x >&2\necho >&2\nexit 2\n");
    r = run({"run", "eval", id, "--db", d, "--engine", chatty});
    QVERIFY2(r.rc == 1 && r.err == QString("adamix run eval: the engine at %1 rejected the command line adamix built: %2… / "
                                           "[... %3 bytes left out ...] / %2…; engine and adamix versions differ?\n")
                                       .arg(chatty, QString(300, 'x'))
                                       .arg(2000001 - 2 * 64 * 1024),
             qPrintable(r.err.left(2000)));
    // ... and so do the last lines of a crash's stderr: at most 5, each cut
    const QString crashing = script("crashing-engine",
                                    "for i in 1 2 3 4 5 6 7; do echo \"line $i\" >&2; done\n"
                                    "head -c 2000000 /dev/zero | tr '\\0' y >&2\necho >&2\nexit 1\n");
    r = run({"run", "eval", id, "--db", d, "--engine", crashing});
    // (the middle of the 2 MB line was left out when it arrived: the marker counts it)
    QVERIFY2(r.rc == 1 && r.err == "adamix run eval: line 6\nline 7\n" + QString(300, 'y') + "…\n[... " +
                                       QString::number(7 * 7 + 2000001 - 2 * 64 * 1024) + " bytes left out ...]\n" +
                                       QString(300, 'y') + "…\n",
             qPrintable(r.err.left(2000)));
    // nothing was stored by any of them
    QCOMPARE(query(d, "SELECT count(*) FROM evaluations").value(0).value(0).toInt(), 0);
    QCOMPARE(query(d, "SELECT count(*) FROM artifacts WHERE kind LIKE 'export-%'").value(0).value(0).toInt(), 0);
  }

  // SIGTERM (or Ctrl-C) to `adamix run eval`: the CLI forwards SIGTERM to the engine and reads it
  // to its end, so that the engine stops cleanly (docs/protocol.md "Signals"): exit 130,
  // "interrupted", nothing recorded. It used to die at once, the engine then of SIGPIPE.
  void runEvalForwardsSignalsToTheEngine() {
    const QString d = db("signals");
    QVERIFY2(run({"study", "run", study_, "--db", d}).rc == 0, "study run");
    const QString id = query(d, "SELECT id FROM runs WHERE task = 'rte' ORDER BY id LIMIT 1").value(0).value(0).toString();
    QVERIFY(!id.isEmpty());
    const QString running = tmp_.filePath("signals/engine-running"), termed = tmp_.filePath("signals/engine-got-term");
    const QString engine = tmp_.filePath("signals/trapping-engine");
    const QString event = tmp_.filePath("signals/interrupted.jsonl");  // the engine's clean stop
    write(event, R"({"event":"error","schema":"1.0","run":"x","time":1,"kind":"interrupted","message":"stopped by SIGTERM"})"
                 "\n");
    write(engine, QString("#!/bin/bash\n"
                          "trap 'touch \"%2\"; cat \"%3\"; exit 8' TERM\n"
                          "touch \"%1\"\n"
                          "while :; do sleep 0.05; done\n")
                      .arg(running, termed, event)
                      .toUtf8());
    QFile::setPermissions(engine, QFile::permissions(engine) | QFileDevice::ExeOwner);
    QProcess p;
    p.setProcessEnvironment(env());
    p.setWorkingDirectory(tmp_.path());
    p.start(ADAMIX_CLI_EXE, {"run", "eval", id, "--db", d, "--engine", engine});
    QVERIFY(p.waitForStarted());
    QTRY_VERIFY_WITH_TIMEOUT(QFile::exists(running) || p.state() == QProcess::NotRunning, 60000);
    QVERIFY2(p.state() == QProcess::Running, qPrintable(QString::fromUtf8(p.readAllStandardError())));
    QCOMPARE(::kill(pid_t(p.processId()), SIGTERM), 0);
    QVERIFY(p.waitForFinished(60000));
    const QString err = QString::fromUtf8(p.readAllStandardError());
    QVERIFY2(QFile::exists(termed), qPrintable(err));  // the engine got SIGTERM and stopped by itself
    QVERIFY2(p.exitStatus() == QProcess::NormalExit && p.exitCode() == 130, qPrintable(err));
    QCOMPARE(err, QString("adamix run eval: interrupted by SIGTERM (interrupted: stopped by SIGTERM); nothing recorded\n"));
    QVERIFY(QString::fromUtf8(p.readAllStandardOutput()).contains("SIGTERM: stopping adamix-engine"));
    QCOMPARE(query(d, "SELECT count(*) FROM evaluations").value(0).value(0).toInt(), 0);
  }

  // issue 14: the end-of-run evaluation of every inference mode, parameter counts, merges and
  // significance marks, through the CLI and the fake engine
  void analysesFromTheCli() {
    const QString d = db("an");
    Result r = run({"study", "run", study_, "--db", d}, {{"FAKE_ENGINE_EVAL_MODES", "1"}});
    QVERIFY2(r.rc == 0, qPrintable(dump(r)));
    // 4 AdaMix runs (M = 4) × (4 modules, random, ensemble), marked as the end-of-run ones
    QCOMPARE(query(d, "SELECT count(*) FROM evaluations WHERE json_extract(details, '$.end_of_run') = 1")
                 .value(0).value(0).toInt(), 24);
    QCOMPARE(query(d, "SELECT count(*) FROM evaluations e JOIN runs r ON r.id = e.run_id WHERE r.variant = 'Adapter'")
                 .value(0).value(0).toInt(), 0);
    const auto mod = query(d, "SELECT e.metrics, e.out_dir, json_extract(e.details, '$.wall_s'), r.run_dir FROM evaluations e"
                              " JOIN runs r ON r.id = e.run_id WHERE e.inference = 'module:1' ORDER BY e.id LIMIT 1");
    QCOMPARE(mod.size(), 1);
    QCOMPARE(mod[0][1].toString(), mod[0][3].toString() + "/eval/dev-module-1");
    QCOMPARE(mod[0][2].toDouble(), 0.01);
    // parameter counts: AdaMix trains 4 × 20 of a 900-parameter backbone
    QCOMPARE(query(d, "SELECT json_extract(params, '$.trainable_peft'), json_extract(params, '$.base') FROM runs"
                      " WHERE variant = 'AdaMix' LIMIT 1").value(0),
             (QVariantList{80, 900}));
    // the end-of-run evaluations are not table columns
    r = run({"export", "--db", d});
    QVERIFY2(r.rc == 0 && !r.out.contains("module:"), qPrintable(dump(r)));

    // significance against the Adapter row: AdaMix (0.81/0.82 vs 0.66/0.67 on rte and wnli) is
    // marked by Welch; on the 20 dev examples AdaMix's runs are right on 16, Adapter's on 13 (the
    // same 13), so a resample shows no difference when it misses those 3: P = (17/20)^20 = 0.039,
    // p ≈ 0.078, no ‡
    r = run({"export", "--db", d, "--baseline", "adapter", "--resamples", "1000"});
    QVERIFY2(r.rc == 0, qPrintable(dump(r)));
    QVERIFY2(r.out.contains("| AdaMix | **81.5 ± 0.7** † | **81.5 ± 0.7** † | **81.5 ± 0.7** | 2 |"), qPrintable(r.out));
    QVERIFY2(r.out.contains("† p < 0.05 against Adapter, Welch's t-test over seeds; ‡ p < 0.05, paired bootstrap over dev "
                            "examples (1,000 resamples, seed 1)."),
             qPrintable(r.out));
    r = run({"export", "--db", d, "--baseline", "adapter", "--format", "csv", "--resamples", "1000"});
    QVERIFY2(r.rc == 0, qPrintable(dump(r)));
    const QStringList csv = r.out.split('\n');
    QCOMPARE(csv.size(), 4);  // header, AdaMix on RTE and on WNLI, ""
    const QStringList rte = csv[1].split(',');
    QCOMPARE(rte.mid(0, 8), (QStringList{"AdaMix", "RTE", "2", "81.5", "Adapter", "2", "66.5", "15"}));
    QCOMPARE(rte[13], QString("15"));  // bootstrap difference: 16/20 − 13/20
    QVERIFY2(std::fabs(rte[16].toDouble() - 2 * std::pow(0.85, 20)) < 0.03, qPrintable(rte[16]));
    QCOMPARE(rte.mid(17, 3), (QStringList{"20", "1000", "1"}));
    r = run({"export", "--db", d, "--baseline", "AdaMix", "--format", "csv", "--resamples", "0"});
    QVERIFY2(r.rc == 0 && r.out.contains(",not computed\n"), qPrintable(dump(r)));
    r = run({"export", "--db", d, "--baseline", "LoRA"});
    QVERIFY2(r.rc == 3 && r.err.contains("is not a row of the table (rows: 'Adapter', 'AdaMix')"), qPrintable(dump(r)));
    QCOMPARE(run({"export", "--db", d, "--baseline", "Adapter", "--alpha", "2"}).rc, 2);
    QCOMPARE(run({"export", "--db", d, "--baseline", "Adapter", "--curves"}).rc, 2);

    // merges: stored as evaluations named after the strategy, with their held-out split
    const QString id = query(d, "SELECT id FROM runs WHERE variant = 'AdaMix' AND task = 'rte' ORDER BY id LIMIT 1")
                           .value(0).value(0).toString();
    r = run({"run", "merge", id, "--db", d, "--strategy", "greedy-soup,learned", "--heldout-examples", "50"});
    QVERIFY2(r.rc == 0, qPrintable(dump(r)));
    QVERIFY2(r.out.contains("strategy    greedy-soup\n") && r.out.contains("strategy    learned\n"), qPrintable(r.out));
    const auto merges = query(d, "SELECT inference, split, metrics, json_extract(details, '$.heldout.examples'),"
                                 " json_extract(details, '$.heldout.split') FROM evaluations WHERE run_id = " + id +
                                 " AND json_extract(details, '$.strategy') IS NOT NULL ORDER BY id");
    QCOMPARE(merges.size(), 2);
    QCOMPARE(merges[0][0].toString(), QString("greedy-soup"));
    QCOMPARE(merges[0][1].toString(), QString("dev"));
    QCOMPARE(merges[0][3].toInt(), 50);
    QCOMPARE(merges[0][4].toString(), QString("train"));
    QCOMPARE(merges[1][0].toString(), QString("learned"));
    // a merge is a table column of its own
    r = run({"export", "--db", d});
    QVERIFY2(r.rc == 0 && r.out.contains("RTE eval dev (greedy-soup)"), qPrintable(dump(r)));
    QCOMPARE(run({"run", "merge", id, "--db", d, "--strategy", "best"}).rc, 2);
    QCOMPARE(run({"run", "merge", id, "--db", d}).rc, 2);
    // the engine's own refusal of an option (its `error` event of kind usage) is a usage error too
    r = run({"run", "merge", id, "--db", d, "--strategy", "uniform", "--heldout-examples", "100000"},
            {{"FAKE_ENGINE_MODE", "usage"}});
    QVERIFY2(r.rc == 2 && r.err.contains("adamix run merge: usage: 100000 held-out examples asked, the run's training "
                                         "split has 64 (at --heldout-examples)"),
             qPrintable(dump(r)));
  }

  void inputErrors() {
    write(tmp_.filePath("bad.json"), R"({"name": "bad", "tasks": [], "frobnicate": 1})");
    Result r = run({"study", "run", tmp_.filePath("bad.json"), "--db", db("g")});
    QCOMPARE(r.rc, 3);
    QVERIFY(r.err.contains("bad.json"));
    r = run({"study", "run", study_, "--db", db("g")}, {{"ADAMIX_ENGINE", tmp_.filePath("no-engine")}});
    QVERIFY2(r.rc == 6, qPrintable(dump(r)));
    QCOMPARE(run({"runs", "list", "--db", tmp_.filePath("missing.sqlite")}).rc, 4);
    // db "g" exists now (the study was planned before the engine check); an unknown --study is
    // reported the same way by every command that takes one
    const QString noStudy = "adamix: no study named 'nope' in " + QFileInfo(db("g")).absoluteFilePath();
    for (const QStringList& cmd :
         {QStringList{"runs", "list"}, QStringList{"study", "status"}, QStringList{"export"}}) {
      r = run(cmd + QStringList{"--db", db("g"), "--study", "nope"});
      QVERIFY2(r.rc == 3 && r.err.contains(noStudy), qPrintable(cmd.join(' ') + ": " + dump(r)));
    }
    // follow / cancel of a study with nothing on a cluster: said so; an unknown --run is an error
    r = run({"study", "follow", "toy", "--db", db("g")});
    QVERIFY2(r.rc == 0 && r.out == "nothing of study toy is queued or running on a cluster\n", qPrintable(dump(r)));
    r = run({"study", "cancel", "toy", "--db", db("g"), "--run", "999"});
    QVERIFY2(r.rc == 3 && r.err == "adamix study cancel: run 999 of study toy is not queued or running on a cluster\n",
             qPrintable(dump(r)));
    // an asset that cannot be fetched stops the launch before anything is stored
    write(tmp_.filePath("noasset.json"),
          R"({"name": "na", "base": {"model": {"path": "asset:models/tiny"}},
              "tasks": [{"name": "rte", "data_dir": "asset:glue/NOPE"}], "seeds": [1]})");
    r = run({"study", "run", tmp_.filePath("noasset.json"), "--db", db("h"), "--cache", tmp_.filePath("c3")});
    QVERIFY2(r.rc == 5 && r.err.contains("adamix: asset glue/NOPE: "), qPrintable(dump(r)));
    QVERIFY(!QFile::exists(db("h")));
  }

  // run delete / study delete: asks first, removes rows of every table and run directories inside
  // <db dir>/runs, keeps directories elsewhere, refuses queued or running runs.
  void deleteRunsAndStudy() {
    const QString d = db("del");
    Result r = run({"study", "run", study_, "--db", d, "--jobs", "2"}, {{"FAKE_ENGINE_FAIL_TASK", "wnli"}});
    QVERIFY2(r.rc == 1 && r.out.contains("4 finished, 4 failed"), qPrintable(dump(r)));
    auto scalar = [&](const QString& sql) { return query(d, sql).value(0).value(0).toLongLong(); };
    // a failed run, and a finished one (metric points, results)
    const auto failed = query(d, "SELECT id, run_dir FROM runs WHERE status = 'failed' ORDER BY id");
    const auto finished = query(d, "SELECT id, run_dir FROM runs WHERE status = 'finished' ORDER BY id");
    QCOMPARE(failed.size(), 4);
    const QString id1 = failed[0][0].toString(), id2 = finished[0][0].toString();
    const QString dir1 = failed[0][1].toString();
    QVERIFY(QFileInfo(dir1).isDir() && dir1.startsWith(tmp_.filePath("del/runs/")));
    // the finished run lives outside the runs folder (e.g. trained with --runs-dir elsewhere)
    const QString outside = tmp_.filePath("del-outside/run2"), dir2 = finished[0][1].toString();
    QVERIFY(QDir().mkpath(tmp_.filePath("del-outside")));
    QVERIFY(QDir().rename(dir2, outside));
    QVERIFY(execSql(d, QString("UPDATE runs SET run_dir = '%1' WHERE id = %2").arg(outside, id2)));
    QVERIFY(execSql(d, QString("UPDATE artifacts SET path = replace(path, '%1', '%2') WHERE run_id = %3")
                           .arg(dir2, outside, id2)));
    const QString ids = id1 + "," + id2;
    const qint64 points = scalar("SELECT count(*) FROM metric_points"), results = scalar("SELECT count(*) FROM results");
    const qint64 pointsOfTwo = scalar("SELECT count(*) FROM metric_points WHERE run_id IN (" + ids + ")");
    const qint64 resultsOfTwo = scalar("SELECT count(*) FROM results WHERE run_id IN (" + ids + ")");
    const qint64 artifactsOfTwo = scalar("SELECT count(*) FROM artifacts WHERE run_id IN (" + ids + ")");
    QVERIFY(pointsOfTwo > 0 && resultsOfTwo > 0 && artifactsOfTwo > 0);

    // declined (and end of input) deletes nothing
    r = run({"run", "delete", id1, id2, "--db", d}, {}, 60000, "n\n");
    QVERIFY2(r.rc == 1 && r.out.contains("Delete 2 runs?") && r.out.contains("Delete? [y/N]") &&
                 r.out.contains("nothing deleted"),
             qPrintable(dump(r)));
    QVERIFY2(r.out.contains("Run directories removed (1):\n  " + dir1), qPrintable(r.out));
    QVERIFY2(r.out.contains(outside + " — outside the workspace's runs folder"), qPrintable(r.out));
    QCOMPARE(run({"run", "delete", id1, "--db", d}).rc, 1);
    QCOMPARE(scalar("SELECT count(*) FROM runs"), 8);
    QVERIFY(QFileInfo(dir1).isDir());

    // queued (an executor owns it): refused, nothing deleted
    QVERIFY(execSql(d, "UPDATE runs SET status = 'queued' WHERE id = " + id2));
    r = run({"run", "delete", id1, id2, "--db", d, "--yes"});
    QVERIFY2(r.rc == 3 && r.err.contains("refused, nothing deleted") && r.err.contains("queued or running; cancel it first"),
             qPrintable(dump(r)));
    QCOMPARE(scalar("SELECT count(*) FROM runs"), 8);
    QVERIFY(execSql(d, "UPDATE runs SET status = 'finished' WHERE id = " + id2));

    r = run({"run", "delete", id1, id2, "--db", d}, {}, 60000, "y\n");
    QVERIFY2(r.rc == 0, qPrintable(dump(r)));
    QVERIFY2(r.out.contains("deleted 2 runs: 2 runs, " + QString::number(pointsOfTwo) + " metric points, " +
                            QString::number(resultsOfTwo) + " results, " + QString::number(artifactsOfTwo) +
                            " artifact records, 0 evaluations\n"),
             qPrintable(r.out));
    QVERIFY2(r.out.contains("removed " + dir1), qPrintable(r.out));
    QVERIFY2(r.out.contains("kept " + outside + " (outside the workspace's runs folder"), qPrintable(r.out));
    QCOMPARE(scalar("SELECT count(*) FROM runs"), 6);
    QCOMPARE(scalar("SELECT count(*) FROM metric_points"), points - pointsOfTwo);
    QCOMPARE(scalar("SELECT count(*) FROM results"), results - resultsOfTwo);
    QCOMPARE(scalar("SELECT count(*) FROM metric_points WHERE run_id IN (" + ids + ")"), 0);
    QCOMPARE(scalar("SELECT count(*) FROM artifacts WHERE run_id IN (" + ids + ")"), 0);
    QVERIFY(!QFileInfo::exists(dir1));
    QVERIFY(QFile::exists(outside + "/run.json"));
    QCOMPARE(run({"run", "delete", id1, "--db", d, "--yes"}).rc, 3);  // gone

    // the study with its 6 remaining runs
    QCOMPARE(run({"study", "delete", "nope", "--db", d, "--yes"}).rc, 3);
    r = run({"study", "delete", "toy", "--db", d, "--yes"});
    QVERIFY2(r.rc == 0 && r.out.contains("deleted study toy (6 runs): 1 study, 6 runs, "), qPrintable(dump(r)));
    for (const char* table : {"studies", "runs", "metric_points", "results", "artifacts", "evaluations"})
      QVERIFY2(scalar(QString("SELECT count(*) FROM ") + table) == 0, table);
    QCOMPARE(QDir(tmp_.filePath("del/runs")).entryList(QDir::NoDotAndDotDot | QDir::AllEntries), QStringList());
    QVERIFY(QFile::exists(study_));  // the study file stays
    QCOMPARE(run({"study", "delete", "--db", d}).rc, 2);
  }

  // A study file copied under another name (here with a third seed) found the other study's
  // identical runs "already done", but had none itself: study status showed 0 runs, its tables
  // were never written and `export --study` refused (found by a bad-input review). It includes
  // them now; deleting either study keeps the runs the other has, with their directories.
  void aStudyCopiedUnderAnotherNameIncludesTheIdenticalRuns() {
    const QString d = db("renamed"), toy2 = tmp_.filePath("toy-2.json");
    QVERIFY(run({"study", "run", study_, "--db", d}).rc == 0);
    QFile f(study_);
    QVERIFY(f.open(QIODevice::ReadOnly));
    QByteArray text = f.readAll();
    QVERIFY(text.contains("\"name\": \"toy\"") && text.contains("\"seeds\": [1, 2]"));
    // another name, a third seed, and one variant called otherwise (its config unchanged)
    QVERIFY(text.contains("\"label\": \"AdaMix\""));
    write(toy2, text.replace("\"name\": \"toy\"", "\"name\": \"toy-2\"")
                    .replace("[1, 2]", "[1, 2, 3]")
                    .replace("\"label\": \"AdaMix\"", "\"label\": \"AdaMix-v2\""));
    Result r = run({"study", "run", toy2, "--db", d});
    QVERIFY2(r.rc == 0 && r.out.contains("study toy-2: 12 runs — 4 to train, 0 to resume, 8 already done"),
             qPrintable(dump(r)));
    QCOMPARE(runCount(d), 12);
    // its table has every seed of both variants of both tasks
    const QString table = tmp_.filePath("renamed/toy-2.md");
    QFile md(table);
    QVERIFY2(md.open(QIODevice::ReadOnly), qPrintable(dump(r)));
    const QString tableText = QString::fromUtf8(md.readAll());
    QVERIFY2(tableText.contains("| Adapter | 67.0 ± 1.0 | 67.0 ± 1.0 | 67.0 ± 1.0 | 3 |\n") &&
                 tableText.contains("| AdaMix-v2 | **82.0 ± 1.0** | **82.0 ± 1.0** | **82.0 ± 1.0** | 3 |\n") &&
                 !tableText.contains("| AdaMix |"),
             qPrintable(tableText));  // without toy's runs: seed 3 alone, n = 1; toy's label: two rows
    r = run({"study", "status", "--db", d, "--study", "toy-2"});
    QVERIFY2(r.rc == 0 && r.out.contains(QRegularExpression("toy-2\\s+12\\s+12\\b")), qPrintable(dump(r)));
    const QStringList dirs = QDir(tmp_.filePath("renamed/runs")).entryList(QDir::Dirs | QDir::NoDotAndDotDot);
    QCOMPARE(dirs.size(), 12);
    // deleting one of those runs by itself says that toy-2 loses it too (answered no)
    r = run({"run", "delete", "1", "--db", d}, {}, 60000, "n\n");
    QVERIFY2(r.out.contains("Runs other studies include too, deleted from them as well (1):\n") &&
                 r.out.contains(" — also in study toy-2\n"),
             qPrintable(dump(r)));
    QCOMPARE(runCount(d), 12);
    // deleting toy: its 8 runs stay, as toy-2's
    r = run({"study", "delete", "toy", "--db", d, "--yes"});
    QVERIFY2(r.rc == 0 && r.out.contains("deleted study toy (0 runs)"), qPrintable(dump(r)));
    QCOMPARE(runCount(d), 12);
    QCOMPARE(QDir(tmp_.filePath("renamed/runs")).entryList(QDir::Dirs | QDir::NoDotAndDotDot), dirs);
    QCOMPARE(query(d, "SELECT count(*) FROM runs r JOIN studies s ON s.id = r.study_id WHERE s.name = 'toy-2'")
                 .value(0)
                 .value(0)
                 .toInt(),
             12);
    // a study name that is no file name: its tables are not hidden files (".._x.md" before)
    QFile dots(tmp_.filePath("dots.json"));
    QVERIFY(dots.open(QIODevice::WriteOnly));
    dots.write(QByteArray(text).replace("\"name\": \"toy-2\"", "\"name\": \"../.x y\""));
    dots.close();
    r = run({"study", "run", tmp_.filePath("dots.json"), "--db", d});
    QVERIFY2(r.rc == 0 && r.out.contains("wrote " + tmp_.filePath("renamed/_.x_y.md") + "\n"), qPrintable(dump(r)));
    QVERIFY(run({"study", "delete", "../.x y", "--db", d, "--yes"}).rc == 0);
    r = run({"export", "--db", d, "--study", "toy-2", "--format", "csv"});
    QVERIFY2(r.rc == 0 && r.out.count('\n') > 2, qPrintable(dump(r)));
    // and the other way round: a study that only includes runs leaves them to their own study
    QVERIFY(run({"study", "run", study_, "--db", d}).rc == 0);  // toy again: includes 8 of toy-2's runs
    r = run({"study", "delete", "toy", "--db", d, "--yes"});
    QVERIFY2(r.rc == 0 && r.out.contains("deleted study toy (0 runs)"), qPrintable(dump(r)));
    r = run({"study", "delete", "toy-2", "--db", d, "--yes"});
    QVERIFY2(r.rc == 0 && r.out.contains("deleted study toy-2 (12 runs)"), qPrintable(dump(r)));
    QCOMPARE(runCount(d), 0);
  }

  // Issue 16, item 5: two `adamix study run` of one study on one database at the same moment.
  // Each run is claimed by one of them and trained once; the other follows it to its end.
  void twoLaunchersTrainEachRunOnce() {
    const QString d = db("twin");
    const QString log = tmp_.filePath("twin-invocations.txt");
    // 12 steps of 100 ms: the study takes seconds, so both CLIs are up while its runs are in flight
    const auto launchEnv =
        env({{"FAKE_ENGINE_STEPS", "12"}, {"FAKE_ENGINE_STEP_MS", "100"}, {"FAKE_ENGINE_INVOCATIONS", log}});
    QProcess first, second;
    for (QProcess* p : {&first, &second}) {
      p->setProcessEnvironment(launchEnv);
      p->setWorkingDirectory(tmp_.path());
    }
    const QStringList args{"study", "run", study_, "--db", d, "--jobs", "2"};
    first.start(ADAMIX_CLI_EXE, args);
    second.start(ADAMIX_CLI_EXE, args);
    QVERIFY(first.waitForStarted() && second.waitForStarted());
    const qint64 pid1 = first.processId(), pid2 = second.processId();
    QVERIFY(first.waitForFinished(120000));
    QVERIFY(second.waitForFinished(120000));
    const QString out1 = QString::fromUtf8(first.readAllStandardOutput());
    const QString out2 = QString::fromUtf8(second.readAllStandardOutput());
    const QString both = "first:\n" + out1 + QString::fromUtf8(first.readAllStandardError()) + "\nsecond:\n" + out2 +
                         QString::fromUtf8(second.readAllStandardError());
    QVERIFY2(first.exitStatus() == QProcess::NormalExit && first.exitCode() == 0, qPrintable(both));
    QVERIFY2(second.exitStatus() == QProcess::NormalExit && second.exitCode() == 0, qPrintable(both));
    // every run trained exactly once, by one engine, and never resumed
    const auto calls = invocations(log);
    QCOMPARE(calls.size(), 8);
    for (auto it = calls.begin(); it != calls.end(); ++it)
      QVERIFY2(it.value() == QStringList{"train"}, qPrintable(it.key() + ": " + it.value().join(',') + "\n" + both));
    const auto dirs = query(d, "SELECT run_dir FROM runs ORDER BY id");
    QCOMPARE(dirs.size(), 8);
    for (const auto& row : dirs) QCOMPARE(startedEvents(row[0].toString()), 1);
    // the store holds each metric point once: 12 training losses and 1 dev accuracy per run
    QCOMPARE(duplicatePoints(d), 0);
    QCOMPARE(query(d, "SELECT count(*) FROM metric_points").value(0).value(0).toInt(), 8 * 13);
    QCOMPARE(query(d, "SELECT count(*) FROM runs WHERE status = 'finished'").value(0).value(0).toInt(), 8);
    QCOMPARE(query(d, "SELECT count(*) FROM run_claims").value(0).value(0).toInt(), 0);  // all released
    // each CLI trained some runs and followed the others; together they trained each run once
    const QRegularExpression followed(
        R"(run (\d+) \(([^)]*)\) is being trained by another launcher: pid (\d+) on host (\S+); following it)");
    const QRegularExpression header(R"((\d+) to train, (\d+) to resume, (\d+) already done)");
    int trainedTotal = 0, followedTotal = 0;
    for (const QString* out : {&out1, &out2}) {
      const qint64 otherPid = out == &out1 ? pid2 : pid1;
      const auto plan = header.match(*out);
      QVERIFY2(plan.hasMatch(), qPrintable(*out));
      const int alreadyDone = plan.captured(3).toInt();  // finished by the other one before this one planned
      const int trained = int(out->count(QRegularExpression("^started   ", QRegularExpression::MultilineOption)));
      int follows = 0;
      for (auto m = followed.globalMatch(*out); m.hasNext();) {
        const auto match = m.next();
        ++follows;
        // it names the run as the store does, and reports its end like its own runs
        QCOMPARE(query(d, "SELECT count(*) FROM runs WHERE id = " + match.captured(1)).value(0).value(0).toInt(), 1);
        QVERIFY2(out->contains("finished  " + match.captured(2)), qPrintable(*out));
        QCOMPARE(match.captured(3).toLongLong(), otherPid);  // the launcher that holds it: the other CLI
      }
      QCOMPARE(trained + follows + alreadyDone, 8);
      QVERIFY2(out->contains(QString("done: %1 finished, 0 failed, 0 lost, 0 cancelled").arg(8 - alreadyDone)),
               qPrintable(*out));
      trainedTotal += trained;
      followedTotal += follows;
    }
    QCOMPARE(trainedTotal, 8);
    QVERIFY2(followedTotal >= 1, qPrintable(both));  // the second one to claim followed the first
  }

  // The launcher holding the claims is killed (kill -9): the one following its runs takes them
  // over and continues them (from their checkpoints), so the study still ends with each run once.
  void killedLauncherIsTakenOver() {
    const QString d = db("takeover");
    const QString log = tmp_.filePath("takeover-invocations.txt");
    const auto launchEnv =
        env({{"FAKE_ENGINE_STEPS", "800"}, {"FAKE_ENGINE_STEP_MS", "10"}, {"FAKE_ENGINE_INVOCATIONS", log}});
    const QStringList args{"study", "run", study_, "--db", d, "--jobs", "2"};
    QProcess owner;
    owner.setProcessEnvironment(launchEnv);
    owner.start(ADAMIX_CLI_EXE, args);
    QVERIFY(owner.waitForStarted());
    // wait until its two running runs have written their checkpoints (step 400)
    QStringList running;
    QElapsedTimer t;
    t.start();
    while (t.elapsed() < 60000) {
      QTest::qWait(100);
      running.clear();
      for (const auto& row : query(d, "SELECT run_dir FROM runs WHERE status = 'running'"))
        if (QFile::exists(row[0].toString() + "/checkpoint/state.safetensors")) running << row[0].toString();
      if (running.size() == 2) break;
    }
    QCOMPARE(running.size(), 2);
    QProcess follower;
    follower.setProcessEnvironment(launchEnv);
    follower.start(ADAMIX_CLI_EXE, args);
    QString out;
    QVERIFY2(waitForOutput(follower, &out, "following it", 60000), qPrintable(out));
    const qint64 ownerPid = owner.processId();
    QVERIFY2(out.contains(QString("pid %1 on host").arg(ownerPid)), qPrintable(out));
    running.clear();  // the runs in flight when it dies (their rows stay 'running': nobody writes them)
    for (const auto& row : query(d, "SELECT run_dir FROM runs WHERE status = 'running'")) running << row[0].toString();
    QVERIFY(!running.isEmpty());
    ::kill(pid_t(ownerPid), SIGKILL);
    QVERIFY(owner.waitForFinished(10000));
    QVERIFY(follower.waitForFinished(180000));
    out += QString::fromUtf8(follower.readAllStandardOutput());
    const QString err = QString::fromUtf8(follower.readAllStandardError());
    QVERIFY2(follower.exitStatus() == QProcess::NormalExit && follower.exitCode() == 0, qPrintable(out + err));
    QVERIFY2(out.contains(QString("(pid %1 on host").arg(ownerPid)) && out.contains("is gone; taking it over"),
             qPrintable(out));
    QCOMPARE(query(d, "SELECT count(*) FROM runs WHERE status = 'finished'").value(0).value(0).toInt(), 8);
    QCOMPARE(query(d, "SELECT count(*) FROM run_claims").value(0).value(0).toInt(), 0);
    QCOMPARE(duplicatePoints(d), 0);
    // each run was trained from scratch once; the two cut short were resumed from their checkpoints
    const auto calls = invocations(log);
    QCOMPARE(calls.size(), 8);
    int resumed = 0;
    for (auto it = calls.begin(); it != calls.end(); ++it) {
      QCOMPARE(it.value().count("train"), 1);
      resumed += int(it.value().count("resume"));
    }
    QCOMPARE(resumed, int(running.size()));  // its engines got SIGTERM with it and checkpointed
    for (const QString& dir : running) {
      const QString runId = QFileInfo(dir).fileName();
      QVERIFY2(calls.value(runId) == (QStringList{"train", "resume"}),
               qPrintable(runId + ": " + calls.value(runId).join(',')));
      QCOMPARE(startedEvents(dir), 2);  // the first engine's and the resume's, one after the other
    }
    // the curve of a resumed run has each step once, up to the end
    for (const auto& row : query(d, "SELECT id FROM runs"))
      QCOMPARE(query(d, "SELECT count(*) FROM metric_points WHERE split = 'train' AND run_id = " + row[0].toString())
                   .value(0)
                   .value(0)
                   .toInt(),
               800);
  }

  // A run directory whose .engine.lock another process holds (an engine of a launcher that just
  // died, an older app): the launcher touches nothing in it, says so, and starts the run once the
  // lock is free; the run is never marked failed meanwhile.
  void runDirectoryHeldByAnotherEngineWaits() {
    // the run directories' names (the runs' ids) from a workspace that trained the study once
    QVERIFY(run({"study", "run", study_, "--db", db("names")}).rc == 0);
    const QStringList names = QDir(tmp_.filePath("names/runs")).entryList(QDir::Dirs | QDir::NoDotAndDotDot);
    QCOMPARE(names.size(), 8);
    const QString held = tmp_.filePath("held/runs/") + names.first();
    write(held + "/events.jsonl", "holder's events\n");
    // close-on-exec: the CLI started below must not inherit (and so share) the lock
    const int fd = ::open(QFile::encodeName(held + "/.engine.lock").constData(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    QVERIFY(fd >= 0);
    QCOMPARE(::flock(fd, LOCK_EX | LOCK_NB), 0);
    const QByteArray pid = QByteArray::number(QCoreApplication::applicationPid()) + "\n";
    QCOMPARE(::write(fd, pid.constData(), size_t(pid.size())), ssize_t(pid.size()));
    QProcess cli;
    cli.setProcessEnvironment(env());
    cli.start(ADAMIX_CLI_EXE, {"study", "run", study_, "--db", db("held"), "--jobs", "2"});
    QString out;
    QVERIFY2(waitForOutput(cli, &out, "it starts when that ends", 60000), qPrintable(out));
    QVERIFY2(
        out.contains(QString("its directory is held by adamix-engine pid %1").arg(QCoreApplication::applicationPid())),
        qPrintable(out));
    // the other seven finish; the held one waits, queued, its directory untouched
    QTRY_VERIFY2_WITH_TIMEOUT(
        query(db("held"), "SELECT count(*) FROM runs WHERE status = 'finished'").value(0).value(0).toInt() == 7,
        qPrintable(out + QString::fromUtf8(cli.readAllStandardOutput() + cli.readAllStandardError())), 60000);
    QCOMPARE(cli.state(), QProcess::Running);
    QCOMPARE(query(db("held"), "SELECT status FROM runs WHERE run_dir = '" + held + "'").value(0).value(0).toString(),
             QString("queued"));
    QFile events(held + "/events.jsonl");
    QVERIFY(events.open(QIODevice::ReadOnly));
    QCOMPARE(events.readAll(), QByteArray("holder's events\n"));
    QVERIFY(!QFile::exists(held + "/run.json"));
    ::close(fd);  // the holder exits
    QVERIFY(cli.waitForFinished(60000));
    out += QString::fromUtf8(cli.readAllStandardOutput());
    QVERIFY2(cli.exitCode() == 0 && out.contains("done: 8 finished, 0 failed, 0 lost, 0 cancelled"), qPrintable(out));
    QCOMPARE(startedEvents(held), 1);  // its own log (the holder's was set aside as events.jsonl.1)
  }

  // A copy of a workspace's database (alone, or with its whole folder) still names the original's
  // run directories, absolute: `study run` on the copy trained, resumed and logged into the
  // original's runs (its events.jsonl set aside, its checkpoint replaced, under a database that
  // still called the run failed). Now a run to train or resume whose directory lies in another
  // workspace's runs folder runs in its namesake in the copy's own runs folder (resumed when a
  // copied checkpoint is there), a note names the other workspace, and the original's files and
  // rows stay byte for byte as they were.
  /// Review defect: a moved (renamed) workspace made every run unusable with only "its run
  /// directory '…/wsA/runs/<name>' does not exist", although wsB/runs/<name> holds the run. The
  /// message now points at it; the run is not switched to it (nothing is written there).
  void movedWorkspaceNamesItsRunsFolder() {
    Result r = run({"study", "run", study_, "--db", db("moved-a")});
    QVERIFY2(r.rc == 0, qPrintable(dump(r)));
    const auto row = query(db("moved-a"), "SELECT id, run_dir FROM runs ORDER BY id LIMIT 1");
    const QString id = row.value(0).value(0).toString(), oldDir = row.value(0).value(1).toString();
    const QString name = QFileInfo(oldDir).fileName();
    QCOMPARE(oldDir, tmp_.filePath("moved-a/runs/" + name));
    QVERIFY(QDir(tmp_.path()).rename("moved-a", "moved-b"));
    const QString here = tmp_.filePath("moved-b/runs/" + name);
    for (const QString& cmd : {QString("eval"), QString("predict")}) {
      r = run({"run", cmd, id, "--db", db("moved-b")});
      QVERIFY2(r.rc == 3, qPrintable(dump(r)));
      QVERIFY2(r.err.contains("its run directory '" + oldDir + "' does not exist; this workspace's runs folder has " +
                              here + " (was the workspace moved or renamed?") &&
                   r.err.contains("move the workspace back to " + tmp_.filePath("moved-a")),
               qPrintable(dump(r)));
    }
    QVERIFY2(!QFileInfo::exists(here + "/eval"), "nothing is evaluated in the folder the message names");
    QCOMPARE(query(db("moved-b"), "SELECT count(*) FROM evaluations").value(0).value(0).toInt(), 0);
    // no such folder here either: the message says only what is missing
    QVERIFY(QDir(here).removeRecursively());
    r = run({"run", "eval", id, "--db", db("moved-b")});
    QVERIFY2(r.rc == 3 && r.err.contains("its run directory '" + oldDir + "' does not exist\n"), qPrintable(dump(r)));
  }

  void copiedWorkspaceNeverWritesIntoTheOriginal() {
    const QString original = tmp_.filePath("ws-original");
    Result r = run({"study", "run", study_, "--db", db("ws-original")}, {{"FAKE_ENGINE_FAIL_TASK", "wnli"}});
    QVERIFY2(r.rc == 1 && r.out.contains("done: 4 finished, 4 failed"), qPrintable(dump(r)));
    // one finished run interrupted after its checkpoint (step 2 of 4), one failed run left `running`
    // by a launcher that died
    const QString interrupted = query(db("ws-original"), "SELECT id FROM runs WHERE task = 'rte' ORDER BY id LIMIT 1")
                                    .value(0).value(0).toString();
    const QString running = query(db("ws-original"), "SELECT id FROM runs WHERE task = 'wnli' ORDER BY id LIMIT 1")
                                .value(0).value(0).toString();
    QVERIFY(execSql(db("ws-original"), "UPDATE runs SET status = 'interrupted' WHERE id = " + interrupted));
    QVERIFY(execSql(db("ws-original"), "UPDATE runs SET status = 'running', pid = 999999999 WHERE id = " + running));
    const QString interruptedName =
        QFileInfo(query(db("ws-original"), "SELECT run_dir FROM runs WHERE id = " + interrupted).value(0).value(0).toString())
            .fileName();
    // every file of the original's runs folder, and its database's rows
    const auto snapshot = filesUnder;
    const auto rowsOf = [&](const QString& d) {
      QStringList rows;
      for (const auto& row : query(d, "SELECT id, status, run_dir FROM runs ORDER BY id"))
        rows << row[0].toString() + " " + row[1].toString() + " " + row[2].toString();
      return rows;
    };
    const QMap<QString, QByteArray> files = snapshot(original + "/runs");
    QVERIFY(files.size() > 8 * 3);
    const QStringList rows = rowsOf(db("ws-original"));
    QCOMPARE(rows.size(), 8);
    auto copy = [](const QString& from, const QString& to) {
      QDirIterator it(from, QDir::Files | QDir::Hidden, QDirIterator::Subdirectories);
      while (it.hasNext()) {
        const QString path = it.next();
        const QString target = QDir(to).filePath(QDir(from).relativeFilePath(path));
        QDir().mkpath(QFileInfo(target).absolutePath());
        if (!QFile::copy(path, target)) return false;
      }
      return true;
    };

    // the database alone, and the whole workspace folder
    const QString dbOnly = tmp_.filePath("ws-dbcopy"), folder = tmp_.filePath("ws-foldercopy");
    QVERIFY(QDir().mkpath(dbOnly));
    for (const QString& name : QDir(original).entryList({"ws.sqlite*"}, QDir::Files))
      QVERIFY(QFile::copy(QDir(original).filePath(name), QDir(dbOnly).filePath(name)));
    QVERIFY(copy(original, folder));
    for (const QString& ws : {dbOnly, folder}) {
      const QString d = QDir(ws).filePath("ws.sqlite");
      r = run({"study", "run", study_, "--db", d});
      QVERIFY2(r.rc == 0 && r.out.contains("done: 5 finished, 0 failed"), qPrintable(dump(r)));
      QVERIFY2(r.out.contains("1 run(s) left running by an earlier invocation marked interrupted"), qPrintable(r.out));
      // the copied checkpoint resumes in the folder copy; without it the run trains again
      QVERIFY2(r.out.contains(ws == folder ? "4 to train, 1 to resume, 3 already done" : "5 to train, 0 to resume, 3 already done"),
               qPrintable(r.out));
      QCOMPARE(int(r.out.count("is in the runs folder of another workspace, " + original +
                               " (is this database a copy of that workspace's?)")),
               5);
      QVERIFY2(r.out.contains(QStringLiteral("note: %1: its stored run directory %2 is in the runs folder of another "
                                             "workspace, %3 (is this database a copy of that workspace's?); it runs in "
                                             "%4 instead, leaving %3 untouched\n")
                                  .arg(interruptedName, original + "/runs/" + interruptedName, original,
                                       ws + "/runs/" + interruptedName)),
               qPrintable(r.out));
      // the copy: every run finished, the five it ran in its own runs folder, the three done keep theirs
      QCOMPARE(query(d, "SELECT count(*) FROM runs WHERE status = 'finished'").value(0).value(0).toInt(), 8);
      QCOMPARE(query(d, "SELECT count(*) FROM runs WHERE run_dir LIKE '" + ws + "/runs/%'").value(0).value(0).toInt(), 5);
      QCOMPARE(query(d, "SELECT count(*) FROM runs WHERE run_dir LIKE '" + original + "/runs/%'").value(0).value(0).toInt(),
               3);
      QCOMPARE(startedEvents(ws + "/runs/" + interruptedName), ws == folder ? 2 : 1);
      // eval of a run whose directory stays in the original: it reads the weights there and writes
      // its outputs into the copy's runs folder (it wrote RUN/eval/… into the original)
      const auto done =
          query(d, "SELECT id, run_dir FROM runs WHERE run_dir LIKE '" + original + "/runs/%' ORDER BY id LIMIT 1");
      QCOMPARE(done.size(), 1);
      const QString evalOut = ws + "/runs/" + QFileInfo(done[0][1].toString()).fileName() + "/eval/dev-merged";
      r = run({"run", "eval", done[0][0].toString(), "--db", d});
      QVERIFY2(r.rc == 0 && r.out.contains("out         " + evalOut + "\n"), qPrintable(dump(r)));
      QVERIFY(QFile::exists(evalOut + "/metrics.json"));
      QCOMPARE(query(d, "SELECT out_dir FROM evaluations WHERE run_id = " + done[0][0].toString()).value(0).value(0).toString(),
               evalOut);
      // the original: its files and rows as they were
      QVERIFY(snapshot(original + "/runs") == files);
      QCOMPARE(rowsOf(db("ws-original")), rows);
    }
  }

  // A copy of the database beside the original (same folder, so the same runs folder; another
  // file name), or one whose original kept its runs under --runs-dir: the folder rule could not
  // tell, so `run delete` on the copy removed the original's run directory and eval wrote into it
  // (a review). Directories the app launches into name their database (owner.json).
  void copiesBesideTheOriginalLeaveItsRunsAlone() {
    const QString ws = tmp_.filePath("ws-beside"), scratch = tmp_.filePath("beside-scratch");
    Result r = run({"study", "run", study_, "--db", ws + "/results.db"});
    QVERIFY2(r.rc == 0, qPrintable(dump(r)));
    r = run({"study", "run", study_, "--db", tmp_.filePath("ws-scratch/ws.sqlite"), "--runs-dir", scratch});
    QVERIFY2(r.rc == 0, qPrintable(dump(r)));
    const auto first = query(ws + "/results.db", "SELECT id, run_dir FROM runs ORDER BY id LIMIT 2");
    QCOMPARE(first.size(), 2);
    const QString dir1 = first[0][1].toString(), dir2 = first[1][1].toString();
    QVERIFY(QFile::exists(dir1 + "/owner.json"));
    QVERIFY(QFile::copy(ws + "/results.db", ws + "/backup.db"));
    // delete on the copy: the database rows go, the original's directory stays
    r = run({"run", "delete", first[0][0].toString(), "--db", ws + "/backup.db", "--yes"});
    QVERIFY2(r.rc == 0 && r.out.contains("kept " + dir1 + " (belongs to " + ws +
                                         "/results.db, a database beside "
                                         "this one)"),
             qPrintable(dump(r)));
    QVERIFY(QFile::exists(dir1 + "/run.json"));
    // eval on the copy: into its own <name>-backup beside
    r = run({"run", "eval", first[1][0].toString(), "--db", ws + "/backup.db"});
    QVERIFY2(r.rc == 0 && r.out.contains("out         " + dir2 + "-backup/eval/dev-merged\n"), qPrintable(dump(r)));
    QVERIFY(!QFileInfo::exists(dir2 + "/eval"));
    // deleting that run on the copy removes what the copy made of it, not the original's
    r = run({"run", "delete", first[1][0].toString(), "--db", ws + "/backup.db", "--yes"});
    QVERIFY2(r.rc == 0 && r.out.contains("removed " + dir2 + "-backup"), qPrintable(dump(r)));
    QVERIFY(QFile::exists(dir2 + "/run.json") && !QFileInfo::exists(dir2 + "-backup"));
    // the original still evaluates both
    QCOMPARE(run({"run", "eval", first[0][0].toString(), "--db", ws + "/results.db"}).rc, 0);
    // a new database beside that trains the same study: its runs' directories are the original's
    // names, owned by it; the note says whose, and that this one's new runs train beside
    r = run({"study", "run", study_, "--db", ws + "/second.sqlite"});
    QVERIFY2(
        r.rc == 0 && r.out.contains(QStringLiteral("note: %1: its run directory %2 belongs to %3, a database beside "
                                                   "this one; it runs in %2-second instead, leaving that "
                                                   "directory untouched\n")
                                        .arg(QFileInfo(dir2).fileName(), dir2, ws + "/results.db")),
        qPrintable(dump(r)));

    // --runs-dir: the copy, elsewhere, evaluates into its own runs folder
    QVERIFY(QDir().mkpath(tmp_.filePath("scratch-copy")));
    QVERIFY(QFile::copy(tmp_.filePath("ws-scratch/ws.sqlite"), tmp_.filePath("scratch-copy/copy.sqlite")));
    const auto s1 = query(tmp_.filePath("ws-scratch/ws.sqlite"), "SELECT id, run_dir FROM runs ORDER BY id LIMIT 1");
    r = run({"run", "eval", s1[0][0].toString(), "--db", tmp_.filePath("scratch-copy/copy.sqlite")});
    const QString own = tmp_.filePath("scratch-copy/runs/") + QFileInfo(s1[0][1].toString()).fileName();
    QVERIFY2(r.rc == 0 && r.out.contains("out         " + own + "/eval/dev-merged\n"), qPrintable(dump(r)));
    QVERIFY(!QFileInfo::exists(s1[0][1].toString() + "/eval"));
  }

  // The same copy beside the original, of run directories from before owner files (no owner.json):
  // nothing told the copy's directories from the original's, so `run delete` on either database
  // removed a directory the other still used. It stays while another database beside names it,
  // and the line says which; the last database that names it removes it.
  void legacyRunDirectoriesACopyBesideStillUsesAreKept() {
    const QString ws = tmp_.filePath("ws-legacy"), orig = ws + "/demo.sqlite", copy = ws + "/demo-copy.sqlite";
    Result r;
    QVERIFY(trainWithoutOwnerFiles(orig));
    const auto runs = query(orig, "SELECT id, run_dir FROM runs ORDER BY id LIMIT 2");
    QCOMPARE(runs.size(), 2);
    const QString id1 = runs[0][0].toString(), dir1 = runs[0][1].toString();
    const QString id2 = runs[1][0].toString(), dir2 = runs[1][1].toString();
    QVERIFY(QFile::copy(orig, copy));
    const QString beside = ", a database beside this one (is one a copy of the other?))\n";
    // from the copy: the original still uses dir1
    r = run({"run", "delete", id1, "--db", copy, "--yes"});
    QVERIFY2(r.rc == 0 && r.out.contains("kept " + dir1 + " (still used by run #" + id1 + " of " + orig + beside),
             qPrintable(dump(r)));
    QVERIFY(QFile::exists(dir1 + "/config.json"));
    QVERIFY(query(copy, "SELECT id FROM runs WHERE id = " + id1).isEmpty());
    // from the original: the copy still uses dir2
    r = run({"run", "delete", id2, "--db", orig, "--yes"});
    QVERIFY2(r.rc == 0 && r.out.contains("kept " + dir2 + " (still used by run #" + id2 + " of " + copy + beside),
             qPrintable(dump(r)));
    QVERIFY(QFile::exists(dir2 + "/config.json"));
    // the original, the last to name dir1, removes it
    r = run({"run", "delete", id1, "--db", orig, "--yes"});
    QVERIFY2(r.rc == 0 && r.out.contains("removed " + dir1 + "\n") && !r.out.contains("kept "), qPrintable(dump(r)));
    QVERIFY(!QFileInfo::exists(dir1));
  }

  // The same legacy directories, trained again: a run the copy (or the original) trains afresh had
  // its directory cleared — checkpoint, event log, run.json and weights of a run the other database
  // still shows (a review). It trains in a directory of its own; the shared one stays as it was.
  void legacyRunDirectoriesACopyBesideNamesAreNotClearedByATrainAgain() {
    const QString ws = tmp_.filePath("ws-legacy-train"), orig = ws + "/demo.sqlite", copy = ws + "/demo-copy.sqlite";
    Result r;
    QVERIFY(trainWithoutOwnerFiles(orig));
    QVERIFY(QFile::copy(orig, copy));
    const auto runs = query(orig, "SELECT id, run_dir FROM runs ORDER BY id LIMIT 2");
    QCOMPARE(runs.size(), 2);
    const QMap<QString, QByteArray> files = filesUnder(ws + "/runs");
    QVERIFY(files.size() > 8 * 3);
    // each database trains one run again (failed in it): the copy the first, the original the second
    const std::vector<std::tuple<QString, QString, QString, QString>> cases = {
        {copy, runs[0][0].toString(), runs[0][1].toString(), orig}, {orig, runs[1][0].toString(), runs[1][1].toString(), copy}};
    for (const auto& [d, id, dir, other] : cases) {
      QVERIFY(execSql(d, "UPDATE runs SET status = 'failed' WHERE id = " + id));
      const QString own = dir + "-" + QFileInfo(d).completeBaseName();
      r = run({"study", "run", study_, "--db", d});
      QVERIFY2(r.rc == 0 && r.out.contains("1 to train, 0 to resume, 7 already done"), qPrintable(dump(r)));
      QVERIFY2(r.out.contains(QStringLiteral("note: %1: its stored run directory %2 (made before owner files) is also "
                                             "that of run #%3 of %4, a database beside this one (is one a copy of the "
                                             "other?); it trains in %5 instead, leaving that directory untouched\n")
                                  .arg(QFileInfo(dir).fileName(), dir, id, other, own)),
               qPrintable(r.out));
      QCOMPARE(query(d, "SELECT status, run_dir FROM runs WHERE id = " + id).value(0),
               (QVariantList{"finished", own}));
      QVERIFY(QFile::exists(own + "/owner.json") && QFile::exists(own + "/run.json"));
      // the other database's run: its row and every file of its directory as they were
      QCOMPARE(query(other, "SELECT status, run_dir FROM runs WHERE id = " + id).value(0), (QVariantList{"finished", dir}));
    }
    QMap<QString, QByteArray> after = filesUnder(ws + "/runs");
    for (auto it = after.begin(); it != after.end();)
      it = it.key().contains("-demo/") || it.key().contains("-demo-copy/") ? after.erase(it) : std::next(it);
    QVERIFY(after == files);
  }

  // A copy beside the original resumed a run whose checkpoint lay in a directory from before owner
  // files that both databases name: it replaced the checkpoint and appended to the event log the
  // original shows, and wrote its owner file there (found by a bad-input review). It resumes from a
  // copy of that directory in a directory of its own now; the original keeps every byte.
  void legacyRunDirectoriesACopyBesideNamesAreCopiedForAResume() {
    const QString ws = tmp_.filePath("ws-legacy-resume"), orig = ws + "/demo.sqlite", copy = ws + "/demo-copy.sqlite";
    Result r;
    QVERIFY(trainWithoutOwnerFiles(orig));
    const auto run0 = query(orig, "SELECT id, run_dir FROM runs ORDER BY id LIMIT 1").value(0);
    const QString id = run0.value(0).toString(), dir = run0.value(1).toString();
    // an interrupted attempt's checkpoint at step 2 (as the fake engine writes one), in both databases
    QVERIFY(QDir().mkpath(dir + "/checkpoint"));
    write(dir + "/checkpoint/state.json", "{\"step\": 2}");
    write(dir + "/checkpoint/state.safetensors", "fake");
    QVERIFY(execSql(orig, "UPDATE runs SET status = 'cancelled' WHERE id = " + id));
    QVERIFY(QFile::copy(orig, copy));
    const QMap<QString, QByteArray> files = filesUnder(ws + "/runs");
    const QString own = dir + "-demo-copy", log = ws + "/invocations.log";
    r = run({"study", "run", study_, "--db", copy}, {{"FAKE_ENGINE_INVOCATIONS", log}});
    QVERIFY2(r.rc == 0 && r.out.contains("0 to train, 1 to resume, 7 already done"), qPrintable(dump(r)));
    QVERIFY2(r.out.contains(QStringLiteral("note: %1: its stored run directory %2 (made before owner files) is also "
                                           "that of run #%3 of %4, a database beside this one (is one a copy of the "
                                           "other?); it resumes in %5 from a copy of it, leaving that directory "
                                           "untouched\n")
                                .arg(QFileInfo(dir).fileName(), dir, id, orig, own)),
             qPrintable(r.out));
    QCOMPARE(query(copy, "SELECT status, run_dir FROM runs WHERE id = " + id).value(0), (QVariantList{"finished", own}));
    QCOMPARE(invocations(log).value(QFileInfo(dir).fileName()), QStringList{"resume"});
    QCOMPARE(startedEvents(own), startedEvents(dir) + 1);  // the copied log, and the resumed attempt's start
    QVERIFY(QFile::exists(own + "/owner.json") && !QFile::exists(own + "/checkpoint.copying"));
    // the original database's run: its row and every file of its directory as they were
    QCOMPARE(query(orig, "SELECT status, run_dir FROM runs WHERE id = " + id).value(0), (QVariantList{"cancelled", dir}));
    QMap<QString, QByteArray> after = filesUnder(ws + "/runs");
    for (auto it = after.begin(); it != after.end();) it = it.key().contains("-demo-copy/") ? after.erase(it) : std::next(it);
    QVERIFY(after == files);
    // and the original resumes in its own directory, from its own checkpoint
    r = run({"study", "run", study_, "--db", orig});
    QVERIFY2(r.rc == 0 && r.out.contains("0 to train, 1 to resume, 7 already done"), qPrintable(dump(r)));
    QCOMPARE(query(orig, "SELECT status, run_dir FROM runs WHERE id = " + id).value(0), (QVariantList{"finished", dir}));
  }

  // The Slurm path without a cluster: stand-in sbatch, squeue, scontrol and sacct ($ADAMIX_SLURM_BIN).
  // Bugs pinned: a failing squeue was never shown; `study status` (one poll) could not settle a
  // run Slurm had forgotten although its log said how it ended; `study run` without `--executor
  // slurm` of a study whose runs were on Slurm said "followed", then "done: 0 finished", exit 0.
  void slurmRunsAreWarnedAboutSettledAndFollowed() {
    const QString bin = tmp_.filePath("slurm-bin");
    auto stand = [&](const char* name, const QByteArray& body) {
      write(bin + "/" + name, "#!/bin/bash\n" + body);
      QFile::setPermissions(bin + "/" + name, QFile::permissions(bin + "/" + name) | QFileDevice::ExeOwner);
    };
    const QByteArray unknown = "echo 'slurm_load_jobs error: Invalid job id specified' >&2; exit 1\n";
    stand("sbatch", "echo 55\n");
    stand("squeue", "if [ -f '" + bin.toUtf8() + "/squeue.fail' ]; then echo 'slurm_load_jobs error: Unable to contact "
                    "slurm controller (connect failure)' >&2; exit 1; fi\n" + unknown);
    stand("scontrol", unknown);
    stand("sacct", "echo 'Slurm accounting storage is disabled' >&2; exit 1\n");
    stand("scancel", "exit 0\n");
    const QMap<QString, QString> slurm{{"ADAMIX_SLURM_BIN", bin}};
    const QString ws = db("slurm-follow");
    Result r = run({"study", "run", study_, "--db", ws, "--executor", "slurm", "--detach", "--no-export"}, slurm);
    QVERIFY2(r.rc == 0 && r.out.contains("submitted;"), qPrintable(dump(r)));
    const auto rows = query(ws, "SELECT id, run_dir, job_id, status FROM runs ORDER BY id");
    QCOMPARE(rows.size(), 8);
    QCOMPARE(rows[0][2].toString(), QStringLiteral("55_0"));
    auto status = [&](const QVariant& id) {
      return query(ws, "SELECT status FROM runs WHERE id = " + id.toString()).value(0).value(0).toString();
    };
    const QByteArray finished = R"({"event":"finished","schema":"1.0","run":"r","time":2.0,"final":{},"best":{}})" "\n";

    // the controller does not answer: said on stderr, once
    write(bin + "/squeue.fail", "");
    r = run({"study", "status", "--db", ws, "--study", "toy"}, slurm);
    QVERIFY2(r.rc == 0, qPrintable(dump(r)));
    QCOMPARE(r.err.count("warning: slurm: squeue failed (1): slurm_load_jobs error: Unable to contact slurm controller "
                         "(connect failure); retrying at the next poll\n"),
             1);
    QCOMPARE(status(rows[0][0]), QStringLiteral("queued"));
    QFile::remove(bin + "/squeue.fail");

    // Slurm has forgotten the jobs: one status settles those whose logs say how they ended
    write(rows[0][1].toString() + "/events.jsonl", finished);
    write(rows[1][1].toString() + "/events.jsonl",
          R"({"event":"error","schema":"1.0","run":"r","time":2.0,"kind":"data","message":"bad row","location":"train.tsv:3"})" "\n");
    r = run({"study", "status", "--db", ws, "--study", "toy"}, slurm);
    QVERIFY2(r.rc == 0 && r.err.isEmpty(), qPrintable(dump(r)));
    QCOMPARE(status(rows[0][0]), QStringLiteral("finished"));
    QCOMPARE(status(rows[1][0]), QStringLiteral("failed"));
    QCOMPARE(status(rows[2][0]), QStringLiteral("queued"));

    // `study run` on this machine: the failed run trains here, the six on Slurm are followed there
    for (int i = 2; i < 8; ++i) write(rows[i][1].toString() + "/events.jsonl", finished);
    r = run({"study", "run", study_, "--db", ws, "--no-export"}, slurm);
    QVERIFY2(r.rc == 0, qPrintable(dump(r)));
    QVERIFY2(r.out.contains("1 to train, 0 to resume, 1 already done, 6 still queued or running on Slurm (followed)"),
             qPrintable(dump(r)));
    QVERIFY2(r.out.contains("done: 7 finished, 0 failed, 0 lost, 0 cancelled"), qPrintable(dump(r)));
    for (const QVariantList& row : rows) QCOMPARE(status(row[0]), QStringLiteral("finished"));
  }

  // Bug pinned: the executor options of `study run --executor slurm` (--heartbeat-timeout, --poll,
  // --partition, …) were not stored; `study follow` and a later plain `study run` followed the
  // runs with the study document's section (here: none, so a 120 s heartbeat timeout and a 5 s
  // poll) and a run whose log stayed silent was judged by the wrong timeout. Each run is followed
  // with the settings it was submitted with: silent for 5 s while Slurm says RUNNING, it is lost.
  void slurmRunsAreFollowedWithTheirLaunchOptions() {
    const QString bin = tmp_.filePath("slurm-bin-launch");
    auto stand = [&](const char* name, const QByteArray& body) {
      write(bin + "/" + name, "#!/bin/bash\n" + body);
      QFile::setPermissions(bin + "/" + name, QFile::permissions(bin + "/" + name) | QFileDevice::ExeOwner);
    };
    stand("sbatch", "echo 56\n");
    stand("squeue", "for i in 0 1 2 3 4 5 6 7; do echo \"56_$i|RUNNING|None|n1\"; done\n");
    stand("scontrol", "echo 'slurm_load_jobs error: Invalid job id specified' >&2; exit 1\n");
    stand("sacct", "echo 'Slurm accounting storage is disabled' >&2; exit 1\n");
    stand("scancel", "echo \"$@\" >> '" + bin.toUtf8() + "/scancel.args'\n");
    const QMap<QString, QString> slurm{{"ADAMIX_SLURM_BIN", bin}};
    const QStringList launch{"--executor", "slurm", "--heartbeat-timeout", "5", "--poll", "1", "--partition", "gpu",
                             "--detach", "--no-export"};

    // below Slurm's least heartbeat timeout: refused, naming the option
    Result r = run(QStringList{"study", "run", study_, "--db", db("slurm-launch-0")} + launch.mid(0, 2) +
                       QStringList{"--heartbeat-timeout", "2", "--detach"},
                   slurm);
    QVERIFY2(r.rc == 2 && r.err.contains("--heartbeat-timeout: on Slurm at least 5 seconds"), qPrintable(dump(r)));

    for (const char* follower : {"follow", "run"}) {
      const QString ws = db(QStringLiteral("slurm-launch-%1").arg(follower));
      r = run(QStringList{"study", "run", study_, "--db", ws} + launch, slurm);
      QVERIFY2(r.rc == 0 && r.out.contains("submitted;"), qPrintable(dump(r)));
      const auto stored = query(ws, "SELECT launch_executor FROM runs ORDER BY id");
      QCOMPARE(stored.size(), 8);
      const auto spec = nlohmann::json::parse(stored[0][0].toString().toStdString());
      QCOMPARE(spec.value("heartbeat_timeout_s", 0), 5);
      QCOMPARE(spec.value("poll_seconds", 0), 1);
      QCOMPARE(spec.value("partition", ""), std::string("gpu"));
      QCOMPARE(spec.value("kind", ""), std::string("slurm"));

      // no event ever comes: lost after 5 s of silence (the default, 120 s, outlasts the timeout)
      QElapsedTimer t;
      t.start();
      r = QString(follower) == "follow" ? run({"study", "follow", "toy", "--db", ws, "--no-export"}, slurm, 60000)
                                        : run({"study", "run", study_, "--db", ws, "--no-export"}, slurm, 60000);
      QVERIFY2(r.rc == 1, qPrintable(dump(r)));
      if (QString(follower) == "run")  // the plain `study run` rewrote the study document, then followed them
        QVERIFY2(r.out.contains("0 to train, 0 to resume, 0 already done, 8 still queued or running on Slurm (followed)"),
                 qPrintable(dump(r)));
      QVERIFY2(r.out.contains("done: 0 finished, 0 failed, 8 lost, 0 cancelled"), qPrintable(dump(r)));
      QVERIFY2(t.elapsed() < 40000, qPrintable(QString::number(t.elapsed())));
      const auto errors = query(ws, "SELECT status, error_message FROM runs ORDER BY id");
      QCOMPARE(errors.size(), 8);
      for (const QVariantList& row : errors) {
        QCOMPARE(row[0].toString(), QStringLiteral("lost"));
        QVERIFY2(row[1].toString().startsWith("no event in the run's events.jsonl for 5 s while Slurm says job 56_"),
                 qPrintable(row[1].toString()));
      }
    }
  }

  void assetsFetchVerifies() {
    Result r = run({"assets", "fetch", "glue/TOYA", "asset:models/tiny", "--cache", tmp_.filePath("c2")});
    QVERIFY2(r.rc == 0, qPrintable(dump(r)));
    QVERIFY(QFile::exists(tmp_.filePath("c2/glue/TOYA/dev.tsv")));
    r = run({"assets", "list", "--cache", tmp_.filePath("c2")});
    QVERIFY(r.out.contains("glue/TOYA"));
    write(mirror_ + "/data/glue/TOYB/dev.tsv", "corrupted\n");
    r = run({"assets", "fetch", "glue/TOYB", "--cache", tmp_.filePath("c2")});
    QCOMPARE(r.rc, 5);
    QVERIFY2(r.err.contains("sha256 mismatch") && r.err.contains("TOYB/dev.tsv"), qPrintable(r.err));
    write(mirror_ + "/data/glue/TOYB/dev.tsv", "d\t1\n");
    QCOMPARE(run({"assets", "fetch", "glue/NOPE", "--cache", tmp_.filePath("c2")}).rc, 5);
  }
};

QTEST_GUILESS_MAIN(TestCli)
#include "test_cli.moc"
