// Store: round trips, migration from a v1 database built here, concurrent writers.
#include "store/schema.h"
#include "exec/engine_events.h"
#include "store/store.h"

#include <QDir>
#include <QFile>
#include <QSemaphore>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QThread>
#include <QtTest>

#include <atomic>
#include <memory>

using namespace adamix::app;
using nlohmann::json;

namespace {

NewRun newRun(const QString& key, std::optional<qint64> study = std::nullopt, int seed = 1) {
  NewRun r;
  r.studyId = study;
  r.runKey = key;
  r.variant = QStringLiteral("AdaMix, r=8");
  r.task = QStringLiteral("rte");
  r.seed = seed;
  r.axes = json{{"variant", "AdaMix"}, {"/peft/adapter/bottleneck", 8}};
  r.config = json{{"run_id", "rte-adamix"}, {"seed", seed}};
  r.runDir = QStringLiteral("/runs/") + key;
  return r;
}

/// A raw SQLite connection for setting up / inspecting files behind the Store's back.
class RawDb {
 public:
  explicit RawDb(const QString& path) : name_(QStringLiteral("raw-%1").arg(++counter_)) {
    auto db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), name_);
    db.setDatabaseName(path);
    QVERIFY_THROW(db.open());
  }
  ~RawDb() {
    QSqlDatabase::database(name_, false).close();
    QSqlDatabase::removeDatabase(name_);
  }
  QVariant scalar(const QString& sql) {
    QSqlQuery q(QSqlDatabase::database(name_, false));
    if (!q.exec(sql)) qFatal("raw query failed: %s", qPrintable(q.lastError().text()));
    return q.next() ? q.value(0) : QVariant();
  }
  void exec(const QString& sql) { scalar(sql); }

 private:
  static void QVERIFY_THROW(bool ok) {
    if (!ok) qFatal("raw open failed");
  }
  QString name_;
  static inline int counter_ = 0;
};

}  // namespace

class TestStore : public QObject {
  Q_OBJECT

 private slots:
  void openSetsPragmasAndSchema() {
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("w.sqlite"));
    {
      Store s;
      s.open(path);
      QVERIFY(s.isOpen());
      QCOMPARE(s.schemaVersion(), schema::kCurrentVersion);
      // Foreign keys on: a result for a missing run is rejected.
      QVERIFY_THROWS_EXCEPTION(StoreError,
                               s.setResults(999, {{QStringLiteral("dev"), QStringLiteral("accuracy"), 0.5}}));
      Store other;  // a second connection to the same file gets its own connection name
      other.open(path);
      QVERIFY(other.connectionName() != s.connectionName());
    }
    RawDb raw(path);
    QCOMPARE(raw.scalar(QStringLiteral("PRAGMA journal_mode")).toString(), QStringLiteral("wal"));
    QCOMPARE(raw.scalar(QStringLiteral("PRAGMA user_version")).toInt(), schema::kCurrentVersion);
    QVERIFY(
        raw.scalar(QStringLiteral("SELECT count(*) FROM sqlite_master WHERE name = 'metric_points_series'")).toInt() ==
        1);
  }

  // Bug pinned: a study without axes expands to runs whose variant is a null QString, which the
  // NOT NULL column rejected, so such a study could not be launched from the CLI or the GUI.
  void runWithoutVariantLabelIsStored() {
    QTemporaryDir dir;
    Store s;
    s.open(dir.filePath(QStringLiteral("w.sqlite")));
    NewRun r = newRun(QStringLiteral("k-novariant"));
    r.variant = QString();
    const qint64 id = s.addRun(r);
    const auto back = s.run(id);
    QVERIFY(back);
    QCOMPARE(back->variant, QStringLiteral(""));
    QCOMPARE(back->task, QStringLiteral("rte"));
    QCOMPARE(s.ensureRun(r).id, id);
  }

  void roundTrips() {
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("w.sqlite"));
    Store s;
    s.open(path);

    // studies
    const qint64 sid = s.upsertStudy(QStringLiteral("demo"), QStringLiteral("/x/demo.json"), json{{"name", "demo"}});
    QCOMPARE(s.upsertStudy(QStringLiteral("demo"), QStringLiteral("/y/demo.json"), json{{"name", "demo"}, {"v", 2}}),
             sid);
    auto st = s.findStudy(QStringLiteral("demo"));
    QVERIFY(st);
    QCOMPARE(st->filePath, QStringLiteral("/y/demo.json"));
    QCOMPARE(st->json["v"].get<int>(), 2);
    QVERIFY(st->created > 1.6e9);
    QCOMPARE(s.listStudies().size(), size_t(1));
    QVERIFY(!s.findStudy(QStringLiteral("nope")));

    // runs: identical configs are not added twice unless forced
    const EnsuredRun a = s.ensureRun(newRun(QStringLiteral("h1"), sid));
    QVERIFY(a.created);
    const EnsuredRun again = s.ensureRun(newRun(QStringLiteral("h1"), sid));
    QVERIFY(!again.created);
    QCOMPARE(again.id, a.id);
    const EnsuredRun forced = s.ensureRun(newRun(QStringLiteral("h1"), sid), true);
    QVERIFY(forced.created);
    QVERIFY(forced.id != a.id);
    QCOMPARE(s.findRunByHash(QStringLiteral("h1"))->id, forced.id);  // newest when none finished
    const qint64 b = s.addRun(newRun(QStringLiteral("h2"), std::nullopt, 2));

    RunUpdate started;
    started.started = 100.5;
    started.pid = 4242;
    started.host = QStringLiteral("box");
    started.engineVersion = QStringLiteral("0.1.0");
    s.setRunStatus(a.id, RunState::Running, started);
    s.touchHeartbeat(a.id, 101.25);
    RunUpdate done;
    done.finished = 200.0;
    done.exitCode = 0;
    s.setRunStatus(a.id, RunState::Finished, done);
    QCOMPARE(s.findRunByHash(QStringLiteral("h1"))->id, a.id);  // a finished run wins

    RunUpdate failed;
    failed.exitCode = 3;
    failed.errorKind = QStringLiteral("config");
    failed.errorMessage = QStringLiteral("bad rank");
    failed.errorLocation = QStringLiteral("/peft/lora/rank");
    s.setRunStatus(b, RunState::Failed, failed);
    QVERIFY_THROWS_EXCEPTION(StoreError, s.setRunStatus(12345, RunState::Failed));

    auto ra = s.run(a.id);
    QVERIFY(ra);
    QCOMPARE(ra->studyId, std::optional<qint64>(sid));
    QCOMPARE(ra->runKey, QStringLiteral("h1"));
    QCOMPARE(ra->variant, QStringLiteral("AdaMix, r=8"));
    QCOMPARE(ra->task, QStringLiteral("rte"));
    QCOMPARE(ra->seed, 1);
    QCOMPARE(ra->axes, (json{{"variant", "AdaMix"}, {"/peft/adapter/bottleneck", 8}}));
    QCOMPARE(ra->config["run_id"].get<std::string>(), std::string("rte-adamix"));
    QCOMPARE(ra->status, RunState::Finished);
    QCOMPARE(ra->runDir, QStringLiteral("/runs/h1"));
    QCOMPARE(ra->started, std::optional<double>(100.5));
    QCOMPARE(ra->finished, std::optional<double>(200.0));
    QCOMPARE(ra->lastHeartbeat, std::optional<double>(101.25));
    QCOMPARE(ra->pid, std::optional<qint64>(4242));
    QCOMPARE(ra->host, QStringLiteral("box"));
    QCOMPARE(ra->engineVersion, QStringLiteral("0.1.0"));
    QCOMPARE(ra->exitCode, std::optional<int>(0));
    auto rb = s.run(b);
    QVERIFY(!rb->studyId);
    QCOMPARE(rb->status, RunState::Failed);
    QCOMPARE(rb->exitCode, std::optional<int>(3));
    QCOMPARE(rb->errorKind, QStringLiteral("config"));
    QCOMPARE(rb->errorMessage, QStringLiteral("bad rank"));
    QCOMPARE(rb->errorLocation, QStringLiteral("/peft/lora/rank"));
    QVERIFY(!rb->started);

    // listRuns filters
    QCOMPARE(s.listRuns().size(), size_t(3));
    RunFilter f;
    f.studyId = sid;
    QCOMPARE(s.listRuns(f).size(), size_t(2));
    f.statuses = {RunState::Finished, RunState::Failed};
    QCOMPARE(s.listRuns(f).size(), size_t(1));
    RunFilter byKey;
    byKey.runKey = QStringLiteral("h2");
    QCOMPARE(s.listRuns(byKey).at(0).id, b);
    RunFilter bySeed;
    bySeed.task = QStringLiteral("rte");
    bySeed.variant = QStringLiteral("AdaMix, r=8");
    QCOMPARE(s.listRuns(bySeed).size(), size_t(3));

    // metric points
    std::vector<MetricPoint> pts;
    for (int step = 30; step >= 10; step -= 10) {
      pts.push_back(
          {a.id, step, step / 10.0, QStringLiteral("train"), QStringLiteral("loss"), 1.0 / step, 1000.0 + step});
      pts.push_back({a.id, step, step / 10.0, QStringLiteral("dev"), QStringLiteral("accuracy"), 0.5 + step / 100.0,
                     1000.0 + step});
    }
    s.appendMetricPoints(pts);
    auto loss = s.metricSeries(a.id, QStringLiteral("train"), QStringLiteral("loss"));
    QCOMPARE(loss.size(), size_t(3));
    QCOMPARE(loss[0].step, qint64(10));
    QCOMPARE(loss[2].step, qint64(30));
    QCOMPARE(loss[1].epoch, 2.0);
    QCOMPARE(loss[1].value, 1.0 / 20);
    QCOMPARE(loss[1].time, 1020.0);
    QCOMPARE(s.metricPoints(a.id).size(), size_t(6));
    s.deleteMetricPointsAfter(a.id, 20);
    QCOMPARE(s.metricSeries(a.id, QStringLiteral("dev"), QStringLiteral("accuracy")).size(), size_t(2));

    // results: replaced as a whole; decoded from a finished event
    const json finished = json::parse(R"({"event":"finished","final":{"dev":{"accuracy":0.7,"loss":0.6}},
                                         "best":{"dev":{"accuracy":0.75}},"best_step":20})");
    const auto rv = decodeEvent(finished).as<FinishedEvent>()->results;
    QCOMPARE(rv.size(), size_t(3));
    s.setResults(a.id, {{QStringLiteral("dev"), QStringLiteral("accuracy"), 0.1, QStringLiteral("final")}});
    s.setResults(a.id, rv);
    auto res = s.results(a.id);
    QCOMPARE(res.size(), size_t(3));
    QCOMPARE(res[0].kind, QStringLiteral("best"));
    QCOMPARE(res[0].value, 0.75);
    QCOMPARE(res[2].name, QStringLiteral("loss"));
    QCOMPARE(res[2].value, 0.6);

    // artifacts
    s.addArtifact(a.id, QStringLiteral("adapters"), QStringLiteral("adapters.safetensors"), QStringLiteral("ab12"));
    s.addArtifact(a.id, QStringLiteral("stderr"), QStringLiteral("stderr.log"));
    auto arts = s.artifacts(a.id);
    QCOMPARE(arts.size(), size_t(2));
    QCOMPARE(arts[0].sha256, QStringLiteral("ab12"));
    QCOMPARE(arts[1].sha256, QString());
    QCOMPARE(arts[1].kind, QStringLiteral("stderr"));

    // in-flight runs become interrupted at app start; queued ones stay queued
    s.setRunStatus(forced.id, RunState::Running);
    QCOMPARE(s.markInFlightAsInterrupted(), 1);
    QCOMPARE(s.run(forced.id)->status, RunState::Interrupted);
    QCOMPARE(s.markInFlightAsInterrupted(), 0);

    // rerun: clear data and error
    s.clearRunData(b);
    QVERIFY(!s.run(b)->exitCode);
    QCOMPARE(s.run(b)->errorKind, QString());
    s.clearRunData(a.id);
    QCOMPARE(s.metricPoints(a.id).size(), size_t(0));
    QCOMPARE(s.results(a.id).size(), size_t(0));
    QCOMPARE(s.artifacts(a.id).size(), size_t(0));

    // persisted: a fresh connection sees everything
    s.close();
    Store again2;
    again2.open(path);
    QCOMPARE(again2.listRuns().size(), size_t(3));
    QCOMPARE(again2.run(forced.id)->status, RunState::Interrupted);
  }

  // A study file copied and renamed (or one adding variants to another) planned runs identical to
  // another study's: ensureRun found them ("already done"), but the new study listed none, so its
  // tables and exports were empty. Such a run now belongs to both (study_runs, schema v11).
  void aStudyIncludesAnotherStudysIdenticalRuns() {
    QTemporaryDir dir;
    Store s;
    s.open(dir.filePath(QStringLiteral("w.sqlite")));
    const qint64 a = s.upsertStudy(QStringLiteral("a"), QStringLiteral("/a.json"), json::object());
    const qint64 b = s.upsertStudy(QStringLiteral("b"), QStringLiteral("/b.json"), json::object());
    const qint64 c = s.upsertStudy(QStringLiteral("c"), QStringLiteral("/c.json"), json::object());
    const qint64 shared = s.addRun(newRun(QStringLiteral("k1"), a, 1));
    const qint64 onlyA = s.addRun(newRun(QStringLiteral("k2"), a, 2));
    const qint64 onlyB = s.addRun(newRun(QStringLiteral("k3"), b, 3));
    const qint64 imported = s.addRun(newRun(QStringLiteral("k4"), std::nullopt, 4));
    for (qint64 id : {shared, onlyA, onlyB, imported}) s.setRunStatus(id, RunState::Finished);  // deletable
    s.includeRunInStudy(b, shared);
    s.includeRunInStudy(b, shared);  // once
    s.includeRunInStudy(a, onlyA);   // its own: nothing
    s.includeRunInStudy(c, shared, QStringLiteral("AdaMix v2"));  // c calls it otherwise
    s.includeRunInStudy(b, imported);  // a run of no study becomes the study's own
    const auto ids = [&](qint64 study) {
      RunFilter f;
      f.studyId = study;
      std::vector<qint64> out;
      for (const RunRecord& r : s.listRuns(f)) out.push_back(r.id);
      std::sort(out.begin(), out.end());
      return out;
    };
    QCOMPARE(ids(a), (std::vector<qint64>{shared, onlyA}));
    QCOMPARE(ids(b), (std::vector<qint64>{shared, onlyB, imported}));
    QCOMPARE(ids(c), (std::vector<qint64>{shared}));
    // in c's list the run reads as c's, with c's label; in a's as it is
    RunFilter inC;
    inC.studyId = c;
    QCOMPARE(s.listRuns(inC).front().variant, QStringLiteral("AdaMix v2"));
    QCOMPARE(s.listRuns(inC).front().studyId.value_or(0), c);
    inC.variant = QStringLiteral("AdaMix v2");
    QCOMPARE(s.listRuns(inC).size(), size_t(1));
    QCOMPARE(s.run(shared)->variant, QStringLiteral("AdaMix, r=8"));
    QCOMPARE(s.run(imported)->studyId.value_or(0), b);
    QCOMPARE(s.run(shared)->studyId.value_or(0), a);  // still a's own
    QCOMPARE(s.otherStudiesOf(shared, a), (std::vector<qint64>{b, c}));
    QCOMPARE(s.otherStudiesOf(shared, b), (std::vector<qint64>{a, c}));
    QCOMPARE(s.otherStudiesOf(onlyA, a), std::vector<qint64>{});
    QCOMPARE(s.studyInclusions(), (std::vector<Store::StudyInclusion>{{b, shared, {}}, {c, shared, "AdaMix v2"}}));
    // a deletion planned before c included `shared` (its plan would remove shared's directory too):
    // refused whole, nothing deleted
    bool refused = false;
    try {
      s.deleteStudy(a, std::vector<qint64>{shared, onlyA});
    } catch (const StoreError& e) {
      refused = QString::fromUtf8(e.what()).contains("changed since the deletion was planned");
    }
    QVERIFY(refused);
    QVERIFY(s.run(onlyA) && s.study(a));
    // deleting a: its shared run passes to b (the first study that includes it), which no longer
    // includes it; c still does; a's other run goes
    RowCounts rows = s.deleteStudy(a, std::vector<qint64>{onlyA});
    QCOMPARE(rows[QStringLiteral("runs")], 1);
    QVERIFY(!s.run(onlyA));
    QCOMPARE(s.run(shared)->studyId.value_or(0), b);
    QCOMPARE(ids(b), (std::vector<qint64>{shared, onlyB, imported}));
    QCOMPARE(ids(c), (std::vector<qint64>{shared}));
    QCOMPARE(s.studyInclusions(), (std::vector<Store::StudyInclusion>{{c, shared, "AdaMix v2"}}));
    // deleting c, which only included it: the run stays b's
    rows = s.deleteStudy(c);
    QCOMPARE(rows[QStringLiteral("runs")], 0);
    QCOMPARE(ids(b), (std::vector<qint64>{shared, onlyB, imported}));
    QCOMPARE(s.studyInclusions(), std::vector<Store::StudyInclusion>{});
    // a run deleted by itself leaves no inclusion behind (cascade)
    const qint64 d = s.upsertStudy(QStringLiteral("d"), QStringLiteral("/d.json"), json::object());
    s.includeRunInStudy(d, onlyB);
    s.deleteRuns({onlyB});
    QCOMPARE(s.studyInclusions(), std::vector<Store::StudyInclusion>{});
    QCOMPARE(ids(d), std::vector<qint64>{});
  }

  void statusNames() {
    for (RunState st : {RunState::Queued, RunState::Running, RunState::Finished, RunState::Failed, RunState::Cancelled,
                        RunState::Lost, RunState::Interrupted}) {
      RunState back = RunState::Failed;
      QVERIFY(parseRunState(runStateName(st), &back));
      QCOMPARE(back, st);
    }
    QCOMPARE(runStateName(RunState::Lost), QStringLiteral("lost"));
    RunState unknown;
    QVERIFY(!parseRunState(QStringLiteral("zombie"), &unknown));
    QVERIFY(!isTerminal(RunState::Running));
    QVERIFY(isTerminal(RunState::Interrupted));
  }

  // Which workspace a run directory belongs to: <W>/runs/<name> is another workspace's when W
  // holds a database and is not this database's folder (through a link neither).
  void runDirectoriesOfAnotherWorkspace() {
    QTemporaryDir tmp;
    QVERIFY(tmp.isValid());
    const QString ours = tmp.filePath("ours"), other = tmp.filePath("other"), scratch = tmp.filePath("scratch");
    for (const QString& dir : {ours + "/runs/a", other + "/runs/a", scratch + "/runs/a", other + "/elsewhere/a"})
      QVERIFY(QDir().mkpath(dir));
    // SQLite databases (the header is what counts, not the name); a file named *.sqlite that is
    // none does not make a workspace
    auto database = [](const QString& path) {
      QFile f(path);
      return f.open(QIODevice::WriteOnly) && f.write(QByteArray("SQLite format 3\0", 16) + QByteArray(200, '\0')) > 0;
    };
    QVERIFY(database(ours + "/ws.sqlite"));
    QVERIFY(database(other + "/copy-source.db"));
    QVERIFY(QDir().mkpath(tmp.filePath("fake/runs/a")));
    QFile fake(tmp.filePath("fake/notes.sqlite"));
    QVERIFY(fake.open(QIODevice::WriteOnly) && fake.write(QByteArray(300, 'x')) > 0);
    fake.close();
    QCOMPARE(otherWorkspaceOf(tmp.filePath("fake/runs/a"), ours + "/ws.sqlite"), QString());
    QVERIFY(QFile::link(ours, tmp.filePath("ours-link")));
    const QString db = ours + "/ws.sqlite";
    QCOMPARE(workspaceRunsDir(db), ours + "/runs");
    QCOMPARE(otherWorkspaceOf(other + "/runs/a", db), other);
    QCOMPARE(otherWorkspaceOf(other + "/runs/not-made-yet", db), other);
    QCOMPARE(otherWorkspaceOf(other + "/runs/a/", db), other);
    QCOMPARE(otherWorkspaceOf(ours + "/runs/a", db), QString());                     // its own
    QCOMPARE(otherWorkspaceOf(tmp.filePath("ours-link/runs/a"), db), QString());     // its own, through a link
    QCOMPARE(otherWorkspaceOf(scratch + "/runs/a", db), QString());                  // --runs-dir: no workspace there
    QCOMPARE(otherWorkspaceOf(other + "/elsewhere/a", db), QString());               // not a runs folder
    QCOMPARE(otherWorkspaceOf(tmp.filePath("gone/runs/a"), db), QString());          // nothing there to protect
    QCOMPARE(otherWorkspaceOf(QString(), db), QString());
    // what this workspace makes of another's run goes into its own runs folder, under the same name
    QCOMPARE(ownRunDirFor(other + "/runs/a/", db), ours + "/runs/a");
    QCOMPARE(ownRunDirFor(ours + "/runs/a", db), QString());
    QCOMPARE(ownRunDirFor(scratch + "/runs/a", db), QString());

    // Directories the app launched into name their database (owner.json): wherever they lie
    // (--runs-dir), and a copy beside the original (same folder, same runs folder) is told apart.
    QVERIFY(claimRunDir(scratch + "/runs/a", other + "/copy-source.db"));
    QCOMPARE(runDirOwner(scratch + "/runs/a"), QFileInfo(other + "/copy-source.db").canonicalFilePath());
    QCOMPARE(otherWorkspaceOf(scratch + "/runs/a", db), QFileInfo(other).canonicalFilePath());
    QCOMPARE(otherWorkspaceOf(scratch + "/runs/a", other + "/copy-source.db"), QString());  // its owner
    QCOMPARE(ownRunDirFor(scratch + "/runs/a", db), ours + "/runs/a");
    const QString beside = ours + "/backup.sqlite";  // a copy of ws.sqlite in the same folder
    QVERIFY(database(beside));
    QVERIFY(claimRunDir(ours + "/runs/a", db));
    QCOMPARE(otherWorkspaceOf(ours + "/runs/a", beside), QFileInfo(ours).canonicalFilePath());
    QCOMPARE(otherWorkspaceOf(ours + "/runs/a", db), QString());
    QCOMPARE(ownRunDirFor(ours + "/runs/a", beside), ours + "/runs/a-backup");
    // a workspace folder copied whole: its runs folder holds the original's owner files, yet is the copy's
    const QString copied = tmp.filePath("copied");
    QVERIFY(QDir().mkpath(copied + "/runs/a"));
    QVERIFY(database(copied + "/ws.sqlite"));
    QVERIFY(QFile::copy(ours + "/runs/a/owner.json", copied + "/runs/a/owner.json"));
    QCOMPARE(otherWorkspaceOf(copied + "/runs/a", copied + "/ws.sqlite"), QString());
    QCOMPARE(otherWorkspaceOf(ours + "/runs/a", copied + "/ws.sqlite"), QFileInfo(ours).canonicalFilePath());
    // an owner that is gone (the workspace moved): nobody's, so the database that names it may use it
    QVERIFY(claimRunDir(other + "/runs/a", tmp.filePath("moved-away/ws.sqlite")));
    QCOMPARE(otherWorkspaceOf(other + "/runs/a", db), QString());
    // an unreadable owner file is no owner: the directory is judged by where it lies
    QFile broken(other + "/runs/a/owner.json");
    QVERIFY(broken.open(QIODevice::WriteOnly) && broken.write("{not json") > 0);
    broken.close();
    QCOMPARE(runDirOwner(other + "/runs/a"), QString());
    QCOMPARE(otherWorkspaceOf(other + "/runs/a", db), other);
  }

  void migratesFromV1() {
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("old.sqlite"));
    {
      RawDb raw(path);
      for (const QString& sql : schema::v1Statements()) raw.exec(sql);
      raw.exec(QStringLiteral("PRAGMA user_version = 1"));
      raw.exec(QStringLiteral(
          "INSERT INTO studies(id, name, file_path, json, created) VALUES (1, 'old', 'o.json', '{}', 5)"));
      raw.exec(QStringLiteral(
          "INSERT INTO runs(id, study_id, run_key, variant, task, seed, axes, config, status, created)"
          " VALUES (7, 1, 'k7', 'LoRA', 'sst2', 2, '{\"variant\":\"LoRA\"}', '{\"seed\":2}', 'finished', 6)"));
      raw.exec(QStringLiteral("INSERT INTO metric_points VALUES (7, 10, 0.5, 'dev', 'accuracy', 0.8, 9)"));
      // v1 allowed duplicate results; the migration keeps the last one written.
      raw.exec(QStringLiteral("INSERT INTO results VALUES (7, 'dev', 'accuracy', 0.80, 'best')"));
      raw.exec(QStringLiteral("INSERT INTO results VALUES (7, 'dev', 'accuracy', 0.81, 'best')"));
      QCOMPARE(raw.scalar(QStringLiteral("PRAGMA user_version")).toInt(), 1);
    }
    Store s;
    s.open(path);
    QCOMPARE(s.schemaVersion(), schema::kCurrentVersion);
    auto r = s.run(7);
    QVERIFY(r);
    QCOMPARE(r->variant, QStringLiteral("LoRA"));
    QCOMPARE(r->status, RunState::Finished);
    QCOMPARE(r->axes["variant"].get<std::string>(), std::string("LoRA"));
    QCOMPARE(r->host, QString());
    QVERIFY(!r->pid);
    QCOMPARE(s.metricSeries(7, QStringLiteral("dev"), QStringLiteral("accuracy")).size(), size_t(1));
    auto res = s.results(7);
    QCOMPARE(res.size(), size_t(1));
    QCOMPARE(res[0].value, 0.81);
    QCOMPARE(s.findStudy(QStringLiteral("old"))->id, qint64(1));
    // The v2 columns and tables work.
    RunUpdate u;
    u.host = QStringLiteral("h");
    u.errorLocation = QStringLiteral("x");
    u.pid = 1;
    s.setRunStatus(7, RunState::Failed, u);
    QCOMPARE(s.run(7)->errorLocation, QStringLiteral("x"));
    s.addArtifact(7, QStringLiteral("merged"), QStringLiteral("merged.safetensors"));
    QCOMPARE(s.artifacts(7).size(), size_t(1));
    // v7: parameter counts and evaluation details; an old run has neither
    QVERIFY(s.run(7)->params.is_null());
    const json params = json::parse(R"({"total":10,"trainable":3,"trainable_peft":2,"inference_peft":1,"head":1,"base":7})");
    s.setRunParams(7, params);
    QVERIFY(s.run(7)->params == params);
    Evaluation ev;
    ev.runId = 7;
    ev.split = QStringLiteral("dev");
    ev.inference = QStringLiteral("greedy-soup");
    ev.outDir = QStringLiteral("/x");
    ev.details = json::parse(R"({"wall_s":2.5,"strategy":"greedy-soup","heldout":{"split":"train","examples":9}})");
    s.addEvaluation(ev);
    QVERIFY(s.evaluations(7).back().details == ev.details);
    // v8: what computed the run; an old run has nothing, a rerun forgets it
    QVERIFY(s.run(7)->compute.is_null());
    const json compute = json::parse(R"({"device":"cpu","blas_core":"Haswell","fused_cpu_kernels":false})");
    s.setRunCompute(7, compute);
    QVERIFY(s.run(7)->compute == compute);
    QVERIFY(s.listRuns().front().compute == compute);
    s.clearRunData(7);
    QVERIFY(s.run(7)->params.is_null());
    QVERIFY(s.run(7)->compute.is_null());
    QVERIFY(s.evaluations(7).empty());
    s.close();

    // Reopening an up-to-date database is a no-op; a newer one is refused.
    Store again;
    again.open(path);
    QCOMPARE(again.schemaVersion(), schema::kCurrentVersion);
    again.close();
    {
      RawDb raw(path);
      raw.exec(QStringLiteral("PRAGMA user_version = 99"));
    }
    Store newer;
    QVERIFY_THROWS_EXCEPTION(StoreError, newer.open(path));
    QVERIFY(!newer.isOpen());
  }

  // Bug pinned: every follower of a Slurm run (study run, study follow, the GUI) stored each point
  // of its events.jsonl again. A run has one point per (split, name, step): the last written wins.
  void metricPointsAreStoredOncePerKey() {
    QTemporaryDir dir;
    Store s;
    s.open(dir.filePath(QStringLiteral("w.sqlite")));
    const qint64 id = s.addRun(newRun(QStringLiteral("k-once")));
    auto point = [&](qint64 step, const char* split, double value) {
      MetricPoint p;
      p.runId = id;
      p.step = step;
      p.split = QString::fromLatin1(split);
      p.name = QStringLiteral("loss");
      p.value = value;
      return p;
    };
    s.appendMetricPoints({point(1, "train", 0.9), point(2, "train", 0.8), point(2, "dev", 0.5)});
    s.appendMetricPoints({point(1, "train", 0.9), point(2, "train", 0.7), point(3, "train", 0.6)});
    const auto train = s.metricSeries(id, QStringLiteral("train"), QStringLiteral("loss"));
    QCOMPARE(train.size(), size_t(3));
    QCOMPARE(train[1].step, qint64(2));
    QCOMPARE(train[1].value, 0.7);
    QCOMPARE(s.metricSeries(id, QStringLiteral("dev"), QStringLiteral("loss")).size(), size_t(1));
    // the resume paths: points after a checkpoint go, then come again once each
    s.deleteMetricPointsAfter(id, 1);
    s.appendMetricPoints({point(2, "train", 0.8), point(3, "train", 0.6), point(3, "train", 0.6)});
    QCOMPARE(s.metricSeries(id, QStringLiteral("train"), QStringLiteral("loss")).size(), size_t(3));
    s.replaceMetricPoints(id, {point(1, "train", 1.0), point(1, "train", 1.0)});
    QCOMPARE(s.metricPoints(id).size(), size_t(1));
  }

  // A v8 workspace whose followers stored points twice keeps the last of each (run, split, name,
  // step), drops the summaries made of the doubled series, and refuses duplicates from then on.
  void migratesFromV8DroppingDuplicatePoints() {
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("v8.sqlite"));
    {
      RawDb raw(path);
      for (const QString& sql : schema::v1Statements()) raw.exec(sql);
      for (int v = 2; v <= 8; ++v)
        for (const QString& sql : schema::migrationStatements(v)) raw.exec(sql);
      raw.exec(QStringLiteral("PRAGMA user_version = 8"));
      for (int id : {1, 2})
        raw.exec(QStringLiteral("INSERT INTO runs(id, run_key, config, status, created) VALUES (%1, 'k%1', '{}', 'running', 1)")
                     .arg(id));
      for (const char* row : {"(1, 1, 0, 'train', 'loss', 0.9, 1)", "(1, 2, 0, 'train', 'loss', 0.8, 2)",
                              "(1, 1, 0, 'train', 'loss', 0.9, 3)", "(1, 2, 0, 'train', 'loss', 0.75, 4)",
                              "(1, 2, 0, 'dev', 'loss', 0.5, 4)", "(2, 2, 0, 'train', 'loss', 0.4, 5)"})
        raw.exec(QStringLiteral("INSERT INTO metric_points(run_id, step, epoch, split, name, value, time) VALUES ") + row);
      for (int id : {1, 2})
        raw.exec(QStringLiteral("INSERT INTO metric_lod VALUES (%1, 'train', 'loss', 8, x'00')").arg(id));
    }
    Store s;
    s.open(path);
    QCOMPARE(s.schemaVersion(), schema::kCurrentVersion);
    const auto train = s.metricSeries(1, QStringLiteral("train"), QStringLiteral("loss"));
    QCOMPARE(train.size(), size_t(2));
    QCOMPARE(train[0].time, 3.0);
    QCOMPARE(train[1].value, 0.75);
    QCOMPARE(s.metricPoints(1).size(), size_t(3));
    QCOMPARE(s.metricPoints(2).size(), size_t(1));
    s.close();
    RawDb raw(path);
    QCOMPARE(raw.scalar(QStringLiteral("SELECT COUNT(*) FROM metric_lod WHERE run_id = 1")).toInt(), 0);
    QCOMPARE(raw.scalar(QStringLiteral("SELECT COUNT(*) FROM metric_lod WHERE run_id = 2")).toInt(), 1);
    QCOMPARE(raw.scalar(QStringLiteral("SELECT \"unique\" FROM pragma_index_list('metric_points') WHERE name = "
                                       "'metric_points_series'")).toInt(), 1);
  }

  // Schema v10: the executor settings a run was last submitted with (RunRecord::launchExecutor).
  // A v9 workspace keeps its studies and runs (those in flight on Slurm too); they read as runs
  // without stored settings (followed with their study's section, follow_spec.h).
  void migratesFromV9KeepingRunsWithoutLaunchSettings() {
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("v9.sqlite"));
    {
      RawDb raw(path);
      for (const QString& sql : schema::v1Statements()) raw.exec(sql);
      for (int v = 2; v <= 9; ++v)
        for (const QString& sql : schema::migrationStatements(v)) raw.exec(sql);
      raw.exec(QStringLiteral("PRAGMA user_version = 9"));
      raw.exec(QStringLiteral("INSERT INTO studies(id, name, file_path, json, created) VALUES"
                              " (2, 'cluster', 'c.json', '{\"executor\":{\"kind\":\"slurm\",\"poll_seconds\":7}}', 5)"));
      raw.exec(QStringLiteral(
          "INSERT INTO runs(id, study_id, run_key, variant, task, seed, axes, config, status, run_dir, created,"
          " executor, job_id, job_state) VALUES (4, 2, 'k4', 'AdaMix', 'rte', 1, '{}', '{\"seed\":1}', 'running',"
          " '/r/4', 6, 'slurm', '31_0', 'RUNNING')"));
      raw.exec(QStringLiteral("INSERT INTO metric_points VALUES (4, 10, 0.5, 'train', 'loss', 0.7, 9)"));
    }
    Store s;
    s.open(path);
    QCOMPARE(s.schemaVersion(), schema::kCurrentVersion);
    QVERIFY(schema::kCurrentVersion >= 10);
    auto r = s.run(4);
    QVERIFY(r);
    QCOMPARE(r->status, RunState::Running);
    QCOMPARE(r->executor, QStringLiteral("slurm"));
    QCOMPARE(r->jobId, QStringLiteral("31_0"));
    QCOMPARE(r->studyId.value_or(0), qint64(2));
    QVERIFY(r->launchExecutor.is_null());
    QCOMPARE(s.metricPoints(4).size(), size_t(1));
    QCOMPARE(s.study(2)->json["executor"]["poll_seconds"].get<int>(), 7);

    // the column round-trips through setRunStatus (also in listRuns), a null json clears it, and a
    // rerun (clearRunData) forgets it
    const json launch = json::parse(R"({"kind":"slurm","jobs":2,"threads":3,"partition":"gpu","poll_seconds":2,)"
                                    R"("heartbeat_timeout_s":3600,"sbatch_args":["--constraint=a100"]})");
    RunUpdate u;
    u.launchExecutor = launch;
    s.setRunStatus(4, RunState::Queued, u);
    QVERIFY(s.run(4)->launchExecutor == launch);
    QVERIFY(s.listRuns().front().launchExecutor == launch);
    QCOMPARE(s.run(4)->jobId, QStringLiteral("31_0"));  // other columns as they were
    s.setRunStatus(4, RunState::Running);               // a status change without it keeps it
    QVERIFY(s.run(4)->launchExecutor == launch);
    u.launchExecutor = json();
    s.setRunStatus(4, RunState::Queued, u);
    QVERIFY(s.run(4)->launchExecutor.is_null());
    u.launchExecutor = launch;
    s.setRunStatus(4, RunState::Queued, u);
    s.clearRunData(4);
    QVERIFY(s.run(4)->launchExecutor.is_null());
    s.close();
    RawDb raw(path);
    QCOMPARE(raw.scalar(QStringLiteral("SELECT COUNT(*) FROM pragma_table_info('runs') WHERE name = 'launch_executor'"))
                 .toInt(),
             1);
  }

  // A v3 workspace (before batch schedulers) keeps its runs; they read as runs without an
  // executor or job, and the scheduler history works on them.
  void migratesFromV3AndRecordsSchedulerStates() {
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("v3.sqlite"));
    {
      RawDb raw(path);
      for (const QString& sql : schema::v1Statements()) raw.exec(sql);
      for (int v = 2; v <= 3; ++v)
        for (const QString& sql : schema::migrationStatements(v)) raw.exec(sql);
      raw.exec(QStringLiteral("PRAGMA user_version = 3"));
      raw.exec(QStringLiteral(
          "INSERT INTO runs(id, run_key, variant, task, seed, axes, config, status, run_dir, created, host, pid)"
          " VALUES (5, 'k5', 'AdaMix', 'rte', 1, '{}', '{\"seed\":1}', 'running', '/r/5', 6, 'box', 42)"));
    }
    Store s;
    s.open(path);
    QCOMPARE(s.schemaVersion(), schema::kCurrentVersion);
    auto r = s.run(5);
    QCOMPARE(r->executor, QString());
    QCOMPARE(r->jobId, QString());
    QCOMPARE(r->pid.value_or(0), qint64(42));
    QVERIFY(s.jobStates(5).empty());

    // two polls: pending (with Slurm's reason, and one without), then running
    s.recordJobStates({{5, 100.5, QStringLiteral("12_3"), QStringLiteral("PENDING"), QStringLiteral("JobArrayTaskLimit")}});
    s.recordJobStates({{5, 103.0, QStringLiteral("12_3"), QStringLiteral("RUNNING"), QString()}});
    r = s.run(5);
    QCOMPARE(r->jobId, QStringLiteral("12_3"));
    QCOMPARE(r->jobState, QStringLiteral("RUNNING"));
    QCOMPARE(r->jobReason, QString(""));
    const auto history = s.jobStates(5);
    QCOMPARE(history.size(), size_t(2));
    QCOMPARE(history[0].time, 100.5);
    QCOMPARE(history[0].state, QStringLiteral("PENDING"));
    QCOMPARE(history[0].reason, QStringLiteral("JobArrayTaskLimit"));
    QCOMPARE(history[1].state, QStringLiteral("RUNNING"));
    RunUpdate u;
    u.executor = QStringLiteral("slurm");
    s.setRunStatus(5, RunState::Running, u);
    QCOMPARE(s.run(5)->executor, QStringLiteral("slurm"));

    // a rerun forgets the job and its history
    s.clearRunData(5);
    r = s.run(5);
    QCOMPARE(r->jobId, QString());
    QCOMPARE(r->jobState, QString());
    QVERIFY(s.jobStates(5).empty());
  }

  // A v2 workspace (the last layout before evaluations) gains the evaluations table and keeps its rows.
  void migratesFromV2KeepingRowsAndAddsEvaluations() {
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("v2.sqlite"));
    {
      RawDb raw(path);
      for (const QString& sql : schema::v1Statements()) raw.exec(sql);
      for (const QString& sql : schema::migrationStatements(2)) raw.exec(sql);
      raw.exec(QStringLiteral("PRAGMA user_version = 2"));
      raw.exec(QStringLiteral(
          "INSERT INTO runs(id, run_key, variant, task, seed, axes, config, status, run_dir, created, host)"
          " VALUES (3, 'k3', 'AdaMix', 'rte', 1, '{}', '{\"seed\":1}', 'finished', '/r/3', 6, 'box')"));
      raw.exec(QStringLiteral("INSERT INTO results VALUES (3, 'dev', 'accuracy', 0.71, 'best')"));
      raw.exec(QStringLiteral("INSERT INTO metric_points VALUES (3, 20, 1.0, 'dev', 'accuracy', 0.71, 9)"));
      raw.exec(QStringLiteral("INSERT INTO artifacts(run_id, kind, path) VALUES (3, 'adapters', 'a.safetensors')"));
    }
    Store s;
    s.open(path);
    QCOMPARE(s.schemaVersion(), schema::kCurrentVersion);
    QCOMPARE(s.run(3)->host, QStringLiteral("box"));
    QCOMPARE(s.results(3).size(), size_t(1));
    QCOMPARE(s.results(3)[0].value, 0.71);
    QCOMPARE(s.metricPoints(3).size(), size_t(1));
    QCOMPARE(s.artifacts(3).size(), size_t(1));
    QVERIFY(s.evaluations(3).empty());

    Evaluation e;
    e.runId = 3;
    e.split = QStringLiteral("test");
    e.inference = QStringLiteral("module:2");
    e.weightsStep = 40;
    e.examples = 3000;
    e.outDir = QStringLiteral("/r/3/eval/test-module-2");
    e.predictions = QStringLiteral("predictions.tsv");
    e.submission = QStringLiteral("RTE.tsv");
    const qint64 first = s.addEvaluation(e);
    Evaluation f;
    f.runId = 3;
    f.dataFile = QStringLiteral("/data/extra/hard.tsv");
    f.inference = QStringLiteral("ensemble");
    f.metrics = {{QStringLiteral("accuracy"), 0.6875}, {QStringLiteral("f1"), 0.5}};
    f.primaryMetric = QStringLiteral("accuracy");
    f.outDir = QStringLiteral("/out");
    s.addEvaluation(f);
    const auto evals = s.evaluations(3);
    QCOMPARE(evals.size(), size_t(2));
    QCOMPARE(evals[0].id, first);
    QCOMPARE(evals[0].target(), QStringLiteral("test"));
    QCOMPARE(evals[0].inference, QStringLiteral("module:2"));
    QCOMPARE(evals[0].weightsStep.value(), qint64(40));
    QCOMPARE(evals[0].examples, qint64(3000));
    QVERIFY(evals[0].metrics.empty());
    QCOMPARE(evals[0].submission, QStringLiteral("RTE.tsv"));
    QVERIFY(evals[0].created > 0);
    QCOMPARE(evals[1].split, QString());
    QCOMPARE(evals[1].target(), QStringLiteral("hard.tsv"));
    QVERIFY(!evals[1].weightsStep);
    QCOMPARE(evals[1].metrics.size(), size_t(2));
    QCOMPARE(evals[1].metrics[0].first, QStringLiteral("accuracy"));
    QCOMPARE(evals[1].metrics[0].second, 0.6875);
    QCOMPARE(evals[1].metrics[1].second, 0.5);
    // evaluations stay out of the run's own results and curves; a rerun clears them with its data
    QCOMPARE(s.results(3).size(), size_t(1));
    QCOMPARE(s.metricPoints(3).size(), size_t(1));
    s.clearRunData(3);
    QVERIFY(s.evaluations(3).empty());
  }

  // "Two writers never corrupt the store": several threads, each with its own connection, insert
  // metric batches and finish runs at the same time (one also reads); every row must be there.
  void concurrentWritersLoseNothing() {
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("c.sqlite"));
    qint64 sid = 0;
    {
      Store setup;
      setup.open(path);
      sid = setup.upsertStudy(QStringLiteral("c"), {}, json::object());
    }
    constexpr int kThreads = 4, kRunsPerThread = 3, kBatches = 15, kBatchSize = 40;
    QSemaphore ready, go;
    std::atomic<int> failures{0};
    std::vector<std::unique_ptr<QThread>> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back(QThread::create([&, t] {
        try {
          Store s;
          s.open(path);  // concurrent opens run the (no-op) migration check too
          ready.release();
          go.acquire();
          for (int k = 0; k < kRunsPerThread; ++k) {
            const qint64 id = s.ensureRun(newRun(QStringLiteral("t%1-r%2").arg(t).arg(k), sid, k)).id;
            RunUpdate st;
            st.started = unixNow();
            s.setRunStatus(id, RunState::Running, st);
            for (int b = 0; b < kBatches; ++b) {
              std::vector<MetricPoint> batch;
              for (int i = 0; i < kBatchSize; ++i)
                batch.push_back(
                    {id, b * kBatchSize + i, 0.0, QStringLiteral("train"), QStringLiteral("loss"), 1.0 * i, unixNow()});
              s.appendMetricPoints(batch);
              s.touchHeartbeat(id, unixNow());
              if (t == 0) s.listRuns();  // a reader in the mix
            }
            s.setResults(id, {{QStringLiteral("dev"), QStringLiteral("accuracy"), 0.5 + t, QStringLiteral("best")},
                              {QStringLiteral("dev"), QStringLiteral("accuracy"), 0.4 + t, QStringLiteral("final")}});
            RunUpdate fin;
            fin.finished = unixNow();
            fin.exitCode = 0;
            s.setRunStatus(id, RunState::Finished, fin);
          }
        } catch (const std::exception& e) {
          qWarning("writer %d failed: %s", t, e.what());
          ++failures;
          ready.release();
        }
      }));
      threads.back()->start();
    }
    ready.acquire(kThreads);
    go.release(kThreads);
    for (auto& th : threads) QVERIFY(th->wait(120000));
    QCOMPARE(failures.load(), 0);

    Store s;
    s.open(path);
    RunFilter f;
    f.studyId = sid;
    const auto runs = s.listRuns(f);
    QCOMPARE(runs.size(), size_t(kThreads * kRunsPerThread));
    for (const RunRecord& r : runs) {
      QCOMPARE(r.status, RunState::Finished);
      QVERIFY(r.lastHeartbeat);
      QCOMPARE(s.metricSeries(r.id, QStringLiteral("train"), QStringLiteral("loss")).size(),
               size_t(kBatches * kBatchSize));
      QCOMPARE(s.results(r.id).size(), size_t(2));
    }
    s.close();
    RawDb raw(path);
    QCOMPARE(raw.scalar(QStringLiteral("PRAGMA integrity_check")).toString(), QStringLiteral("ok"));
    QCOMPARE(raw.scalar(QStringLiteral("SELECT count(*) FROM metric_points")).toInt(),
             kThreads * kRunsPerThread * kBatches * kBatchSize);
  }
};

QTEST_GUILESS_MAIN(TestStore)
#include "test_store.moc"
