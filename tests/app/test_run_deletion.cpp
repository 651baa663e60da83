// Deleting runs and studies (Store::deleteRuns / deleteStudy, run_deletion.h): the rows of every
// table that references a run, counted before and after; run directories removed only inside the
// workspace's runs folder; directories outside it, links out of it and other runs' data kept;
// queued and running runs refused; a run directory from before owner files that another database
// beside this one (a copy in the same folder) still names, or may, kept and that database named.
// SPDX-License-Identifier: GPL-3.0-or-later
#include "store/run_deletion.h"
#include "store/run_dir_owner.h"
#include "store/sibling_databases.h"
#include "store/sqlite_file.h"
#include "store/store.h"

#include <QDir>
#include <QFile>
#include <QSqlDatabase>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QtTest>

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

using namespace adamix::app;
using nlohmann::json;

namespace {

void touch(const QString& path, const QByteArray& data = "x") {
  QDir().mkpath(QFileInfo(path).absolutePath());
  QFile f(path);
  if (!f.open(QIODevice::WriteOnly)) qFatal("cannot write %s", qPrintable(path));
  f.write(data);
}

/// A finished run of `store` in `dir` (its run.json written; no owner file unless claimed).
qint64 addFinishedRun(Store& store, const QString& name, const QString& dir) {
  NewRun nr;
  nr.runKey = name + QStringLiteral("-key");
  nr.variant = QStringLiteral("LoRA");
  nr.task = QStringLiteral("rte");
  nr.seed = 1;
  nr.config = json{{"run_id", name.toStdString()}};
  nr.runDir = dir;
  nr.status = RunState::Finished;
  if (!QFileInfo::exists(dir + QStringLiteral("/run.json"))) touch(dir + QStringLiteral("/run.json"), "{}");
  return store.addRun(nr);
}

/// Runs `statements` on a new SQLite database at `path` (its own connection); false when one fails.
bool makeDatabase(const QString& path, const QStringList& statements) {
  bool ok = true;
  {
    QSqlDatabase d = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), QStringLiteral("make"));
    d.setDatabaseName(path);
    ok = d.open();
    for (const QString& sql : statements) ok = ok && QSqlQuery(d).exec(sql);
    d.close();
  }
  QSqlDatabase::removeDatabase(QStringLiteral("make"));
  return ok;
}

/// The reason `plan` keeps `dir` for, "" when it does not keep it.
QString keptReason(const RunDeletion& plan, const QString& dir) {
  for (const KeptPath& k : plan.kept)
    if (k.path == QDir::cleanPath(dir)) return k.reason;
  return {};
}

}  // namespace

class TestRunDeletion : public QObject {
  Q_OBJECT
  QTemporaryDir tmp_;
  QString db_, runsDir_, outside_;
  Store store_;
  qint64 studyS_ = 0, studyT_ = 0;
  qint64 a_ = 0, b_ = 0, c_ = 0, d_ = 0, e_ = 0;

  /// A run with `points` train/loss points, two results, optionally an artifact and an evaluation.
  qint64 addRun(const QString& name, std::optional<qint64> study, const QString& dir, RunState state, int points,
                const QString& artifact, const QString& evalOut) {
    NewRun nr;
    nr.studyId = study;
    nr.runKey = name + QStringLiteral("-key");
    nr.variant = QStringLiteral("AdaMix");
    nr.task = QStringLiteral("rte");
    nr.seed = 1;
    nr.config = json{{"run_id", name.toStdString()}};
    nr.runDir = dir;
    nr.status = state;
    const qint64 id = store_.addRun(nr);
    std::vector<MetricPoint> pts;
    for (int i = 0; i < points; ++i)
      pts.push_back({id, i, 0.0, QStringLiteral("train"), QStringLiteral("loss"), 1.0 / (i + 1), 0.0});
    store_.appendMetricPoints(pts);
    store_.setResults(id, {{QStringLiteral("dev"), QStringLiteral("accuracy"), 0.6, QStringLiteral("best")},
                           {QStringLiteral("dev"), QStringLiteral("accuracy"), 0.5, QStringLiteral("final")}});
    if (!artifact.isEmpty()) store_.addArtifact(id, QStringLiteral("export-peft"), artifact);
    if (!evalOut.isEmpty()) {
      Evaluation ev;
      ev.runId = id;
      ev.split = QStringLiteral("dev");
      ev.inference = QStringLiteral("merged");
      ev.outDir = evalOut;
      store_.addEvaluation(ev);
    }
    return id;
  }

  /// Rows of every table of the database (read through the store's own file).
  std::map<QString, qint64> tableCounts() {
    std::map<QString, qint64> out;
    QSqlDatabase d = QSqlDatabase::database(store_.connectionName());
    QSqlQuery tables(d);
    tables.exec(QStringLiteral("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"));
    QStringList names;
    while (tables.next()) names << tables.value(0).toString();
    for (const QString& t : names) {
      QSqlQuery q(d);
      q.exec(QStringLiteral("SELECT count(*) FROM %1").arg(t));
      q.next();
      out[t] = q.value(0).toLongLong();
    }
    return out;
  }
  qint64 rowsOf(const QString& table, qint64 runId) {
    QSqlQuery q(QSqlDatabase::database(store_.connectionName()));
    q.exec(QStringLiteral("SELECT count(*) FROM %1 WHERE %2 = %3")
               .arg(table, table == QLatin1String("runs") ? QStringLiteral("id") : QStringLiteral("run_id"))
               .arg(runId));
    q.next();
    return q.value(0).toLongLong();
  }

 private slots:
  void initTestCase() {
    QVERIFY(tmp_.isValid());
    db_ = tmp_.filePath("ws/ws.sqlite");
    runsDir_ = tmp_.filePath("ws/runs");
    outside_ = tmp_.filePath("elsewhere");
    QDir().mkpath(runsDir_);
    store_.open(db_);
    studyS_ = store_.upsertStudy("s", tmp_.filePath("ws/studies/s.json"), json::object());
    studyT_ = store_.upsertStudy("t", {}, json::object());
    touch(tmp_.filePath("ws/studies/s.json"), "{}");
    // a: failed, in the runs folder, with a link to a folder outside it
    touch(runsDir_ + "/a/run.json");
    touch(runsDir_ + "/a/eval/dev-merged/metrics.json");
    touch(outside_ + "/precious/data.bin", "keep me");
    QVERIFY(QFile::link(outside_ + "/precious", runsDir_ + "/a/link-to-precious"));
    a_ = addRun("a", studyS_, runsDir_ + "/a", RunState::Failed, 5, runsDir_ + "/a/adapters.safetensors",
                runsDir_ + "/a/eval/dev-merged");
    touch(runsDir_ + "/a/adapters.safetensors");
    // b: finished, with an export outside its run directory (kept)
    touch(runsDir_ + "/b/run.json");
    touch(tmp_.filePath("ws/exports/b-peft/adapter_model.safetensors"));
    b_ = addRun("b", studyS_, runsDir_ + "/b", RunState::Finished, 7, tmp_.filePath("ws/exports/b-peft"), {});
    // c: running (an executor owns it)
    touch(runsDir_ + "/c/run.json");
    c_ = addRun("c", studyS_, runsDir_ + "/c", RunState::Running, 3, {}, {});
    // d: imported, its directory outside the runs folder
    touch(outside_ + "/d/events.jsonl");
    d_ = addRun("d", std::nullopt, outside_ + "/d", RunState::Finished, 4, {}, outside_ + "/d/eval");
    // e: another study's run
    touch(runsDir_ + "/e/run.json");
    e_ = addRun("e", studyT_, runsDir_ + "/e", RunState::Finished, 6, {}, {});
  }

  // Every table with a foreign key to runs but study_runs is one deleteRuns() empties (a new table
  // must join the list).
  void everyTableReferencingRunsIsCovered() {
    QSqlQuery q(QSqlDatabase::database(store_.connectionName()));
    QVERIFY(
        q.exec("SELECT m.name FROM sqlite_master m, pragma_foreign_key_list(m.name) f "
               "WHERE m.type = 'table' AND f.\"table\" = 'runs'"));
    QStringList referencing;
    while (q.next()) referencing << q.value(0).toString();
    referencing.sort();
    // study_runs says which studies include a run, not what it computed: a rerun (clearRunData)
    // keeps it; deleting the run drops it by its foreign key's cascade (test_store)
    QVERIFY(referencing.removeAll("study_runs") == 1);
    QStringList covered = Store::runDataTables();
    covered.sort();
    QCOMPARE(referencing, covered);
    QCOMPARE(covered, QStringList({"artifacts", "evaluations", "job_states", "metric_points", "results"}));
  }

  void runningRunsAreRefusedAndNothingIsDeleted() {
    const auto before = tableCounts();
    const RunDeletion plan = planRunDeletion(store_, {b_, c_}, runsDir_);
    QVERIFY(plan.refused());
    QCOMPARE(plan.busy.size(), size_t(1));
    QCOMPARE(plan.busy.front().id, c_);
    QVERIFY(plan.describe().join('\n').contains("Refused: 1 of them is queued or running; cancel it first."));
    try {
      store_.deleteRuns({b_, c_});
      QFAIL("deleteRuns of a running run did not throw");
    } catch (const RunBusyError& e) {
      QCOMPARE(e.runIds, std::vector<qint64>{c_});
      QVERIFY(QString::fromUtf8(e.what()).contains("cancel it before deleting it"));
    }
    QVERIFY_THROWS_EXCEPTION(RunBusyError, deleteRunsAndDirectories(store_, plan, runsDir_));
    QVERIFY_THROWS_EXCEPTION(RunBusyError, store_.deleteStudy(studyS_));
    QVERIFY(tableCounts() == before);
    QVERIFY(QFile::exists(runsDir_ + "/b/run.json"));
    QVERIFY_THROWS_EXCEPTION(StoreError, store_.deleteRuns({999}));
    QVERIFY(tableCounts() == before);
  }

  void deletesRunsTheirRowsAndOnlyDirectoriesInsideTheRunsFolder() {
    const auto before = tableCounts();
    QCOMPARE(before.at("runs"), 5);
    QCOMPARE(before.at("metric_points"), 5 + 7 + 3 + 4 + 6);
    QCOMPARE(before.at("results"), 10);
    QCOMPARE(before.at("artifacts"), 2);
    QCOMPARE(before.at("evaluations"), 2);
    QCOMPARE(before.at("studies"), 2);

    const RunDeletion plan = planRunDeletion(store_, {a_, d_, a_}, runsDir_);
    QVERIFY(!plan.refused());
    QCOMPARE(plan.runs.size(), size_t(2));
    QCOMPARE(plan.rows.at("runs"), 2);
    QCOMPARE(plan.rows.at("metric_points"), 9);
    QCOMPARE(plan.rows.at("results"), 4);
    QCOMPARE(plan.rows.at("artifacts"), 1);
    QCOMPARE(plan.rows.at("evaluations"), 2);
    QCOMPARE(plan.removeDirs, QStringList{QDir::cleanPath(runsDir_ + "/a")});
    QCOMPARE(plan.kept.size(), size_t(1));
    QCOMPARE(plan.kept.front().path, QDir::cleanPath(outside_ + "/d"));
    QVERIFY(plan.kept.front().reason.startsWith("outside the workspace's runs folder"));
    const QString text = plan.describe().join('\n');
    QVERIFY2(text.contains("Database rows: 2 runs, 9 metric points, 4 results, 1 artifact record, 2 evaluations"),
             qPrintable(text));
    QVERIFY2(text.contains("#" + QString::number(a_) + " rte · AdaMix · seed 1 (failed)"), qPrintable(text));

    const DeletionOutcome done = deleteRunsAndDirectories(store_, plan, runsDir_);
    QCOMPARE(done.rows, plan.rows);
    QCOMPARE(done.removedDirs, plan.removeDirs);
    const auto after = tableCounts();
    for (const auto& [table, n] : before) {
      const qint64 removed = plan.rows.count(table) ? plan.rows.at(table) : 0;
      QVERIFY2(after.at(table) == n - removed, qPrintable(table));
    }
    for (const QString& t : Store::runDataTables() + QStringList{"runs"}) {
      QCOMPARE(rowsOf(t, a_), 0);
      QCOMPARE(rowsOf(t, d_), 0);
    }
    QCOMPARE(rowsOf("metric_points", b_), 7);  // the others' rows are untouched
    QCOMPARE(rowsOf("metric_points", e_), 6);
    QVERIFY(!QFileInfo::exists(runsDir_ + "/a"));
    QCOMPARE(QFile(outside_ + "/precious/data.bin").size(), 7);  // the link was removed, not followed
    QVERIFY(QFile::exists(outside_ + "/d/events.jsonl"));        // outside the runs folder: kept
    QVERIFY(QFile::exists(runsDir_ + "/b/run.json"));
  }

  void deletesAStudyWithItsRuns() {
    RunUpdate u;
    u.errorKind = QStringLiteral("cancelled");
    store_.setRunStatus(c_, RunState::Cancelled, u);  // cancelled first: now it can go
    const auto before = tableCounts();
    const RunDeletion plan = planStudyDeletion(store_, studyS_, runsDir_);
    QVERIFY(!plan.refused());
    QCOMPARE(plan.runs.size(), size_t(2));  // b, c (a is gone)
    QCOMPARE(plan.rows.at("studies"), 1);
    QCOMPARE(plan.rows.at("runs"), 2);
    QCOMPARE(plan.rows.at("metric_points"), 10);
    QCOMPARE(plan.removeDirs, QStringList({QDir::cleanPath(runsDir_ + "/b"), QDir::cleanPath(runsDir_ + "/c")}));
    // the export outside b's run directory and the study file stay
    QCOMPARE(plan.kept.size(), size_t(2));
    QCOMPARE(plan.kept[0].path, QDir::cleanPath(tmp_.filePath("ws/exports/b-peft")));
    QCOMPARE(plan.kept[1].path, QDir::cleanPath(tmp_.filePath("ws/studies/s.json")));
    QVERIFY(plan.subject().startsWith("study s (2 runs)"));

    const DeletionOutcome done = deleteRunsAndDirectories(store_, plan, runsDir_);
    QCOMPARE(done.rows.at("studies"), 1);
    QCOMPARE(done.rows.at("runs"), 2);
    QCOMPARE(done.rows.at("metric_points"), 10);
    QCOMPARE(done.rows.at("results"), 4);
    QCOMPARE(done.rows.at("artifacts"), 1);
    const auto after = tableCounts();
    QCOMPARE(after.at("studies"), before.at("studies") - 1);
    QCOMPARE(after.at("runs"), 1);  // e, of study t
    QCOMPARE(after.at("metric_points"), 6);
    QCOMPARE(after.at("results"), 2);
    QCOMPARE(after.at("artifacts"), 0);
    QCOMPARE(after.at("evaluations"), 0);
    QVERIFY(!store_.findStudy("s"));
    QVERIFY(store_.findStudy("t"));
    QVERIFY(!QFileInfo::exists(runsDir_ + "/b"));
    QVERIFY(!QFileInfo::exists(runsDir_ + "/c"));
    QVERIFY(QFileInfo::exists(runsDir_ + "/e/run.json"));
    QVERIFY(QFile::exists(tmp_.filePath("ws/exports/b-peft/adapter_model.safetensors")));
    QVERIFY(QFile::exists(tmp_.filePath("ws/studies/s.json")));
  }

  void insideMeansInsideAfterResolvingLinks() {
    QVERIFY(liesInside(runsDir_ + "/e", runsDir_));
    QVERIFY(!liesInside(runsDir_, runsDir_));
    QVERIFY(!liesInside(runsDir_ + "/../runs", runsDir_));
    QVERIFY(!liesInside(runsDir_ + "/e/../../elsewhere", runsDir_));
    QVERIFY(!liesInside(outside_ + "/d", runsDir_));
    QVERIFY(!liesInside(runsDir_ + "/missing", runsDir_));
    QVERIFY(QFile::link(outside_, runsDir_ + "/link-out"));
    QVERIFY(!liesInside(runsDir_ + "/link-out", runsDir_));
    // a run whose directory is a link out of the runs folder keeps what it points to
    const qint64 id = addRun("l", studyT_, runsDir_ + "/link-out", RunState::Failed, 1, {}, {});
    const RunDeletion plan = planRunDeletion(store_, {id}, runsDir_);
    QVERIFY(plan.removeDirs.isEmpty());
    QCOMPARE(plan.kept.size(), size_t(1));
    deleteRunsAndDirectories(store_, plan, runsDir_);
    QVERIFY(QFile::exists(outside_ + "/d/events.jsonl"));
    QVERIFY(!store_.run(id));
  }

  // A copy of the database beside the original (demo.sqlite → demo-copy.sqlite, one folder, one
  // runs folder) names the same run directories. Those from before owner files were removed by a
  // deletion from either one although the other still used them (data loss): such a directory stays
  // while another database beside this one names it, and the reason names that database and its run.
  void legacyDirectoriesAnotherDatabaseBesideNamesAreKept() {
    QTemporaryDir tmp;
    QVERIFY(tmp.isValid());
    const QString ws = tmp.filePath("ws"), runs = ws + "/runs";
    const QString orig = ws + "/demo.sqlite", copy = ws + "/demo-copy.sqlite";
    QVERIFY(QDir().mkpath(runs));
    qint64 s1 = 0, s2 = 0, owned = 0;
    {
      Store o;
      o.open(orig);
      s1 = addFinishedRun(o, "s1", runs + "/s1");
      s2 = addFinishedRun(o, "s2", runs + "/s2");
      owned = addFinishedRun(o, "owned", runs + "/owned");
      QVERIFY(claimRunDir(runs + "/owned", orig));  // launched since owner files: owner.json
    }
    QVERIFY(QFile::copy(orig, copy));  // closed: the WAL is checkpointed into the file
    // files beside them that are no workspace database name nothing and block nothing
    touch(ws + "/notes.sqlite", QByteArray(300, 'x'));  // a .sqlite name, no SQLite header
    QVERIFY(makeDatabase(ws + "/other.sqlite", {"CREATE TABLE things (x TEXT)", "INSERT INTO things VALUES ('s1')"}));
    QVERIFY(makeDatabase(ws + "/foreign.db", {"CREATE TABLE runs (id INTEGER, path TEXT)",
                                              "INSERT INTO runs VALUES (1, '" + runs + "/only')"}));
    Store o, c;
    o.open(orig);
    c.open(copy);
    const qint64 only = addFinishedRun(o, "only", runs + "/only");  // after the copy: the original's alone
    // the copy names s3 through a link to the workspace folder: still the same directory
    QVERIFY(QFile::link(ws, tmp.filePath("ws-link")));
    const qint64 s3 = addFinishedRun(o, "s3", runs + "/s3");
    const qint64 s3c = addFinishedRun(c, "s3", tmp.filePath("ws-link/runs/s3"));

    // from the copy: s1 stays, named by the original
    RunDeletion plan = planRunDeletion(c, {s1}, runs);
    QVERIFY(plan.removeDirs.isEmpty());
    QCOMPARE(keptReason(plan, runs + "/s1"),
             QString("still used by run #%1 of %2, a database beside this one (is one a copy of the other?)")
                 .arg(s1)
                 .arg(orig));
    QVERIFY2(plan.describe().join('\n').contains(runs + "/s1 — still used by run #"),
             qPrintable(plan.describe().join('\n')));
    DeletionOutcome done = deleteRunsAndDirectories(c, plan, runs);
    QVERIFY(done.removedDirs.isEmpty());
    QCOMPARE(done.kept.size(), size_t(1));
    QVERIFY(!c.run(s1));
    QVERIFY(QFile::exists(runs + "/s1/run.json"));
    // from the original: s2 stays, named by the copy
    plan = planRunDeletion(o, {s2}, runs);
    QVERIFY(plan.removeDirs.isEmpty());
    QCOMPARE(keptReason(plan, runs + "/s2"),
             QString("still used by run #%1 of %2, a database beside this one (is one a copy of the other?)")
                 .arg(s2)
                 .arg(copy));
    deleteRunsAndDirectories(o, plan, runs);
    QVERIFY(QFile::exists(runs + "/s2/run.json"));
    // through a link: s3 stays, named by the copy's run
    plan = planRunDeletion(o, {s3}, runs);
    QCOMPARE(keptReason(plan, runs + "/s3"),
             QString("still used by run #%1 of %2, a database beside this one (is one a copy of the other?)")
                 .arg(s3c)
                 .arg(copy));
    // the last database that names s1 deletes it: no other names it now
    plan = planRunDeletion(o, {s1}, runs);
    QCOMPARE(plan.removeDirs, QStringList{QDir::cleanPath(runs + "/s1")});
    QCOMPARE(plan.kept.size(), size_t(0));
    done = deleteRunsAndDirectories(o, plan, runs);
    QCOMPARE(done.removedDirs, QStringList{QDir::cleanPath(runs + "/s1")});
    QVERIFY(!QFileInfo::exists(runs + "/s1"));
    // a directory no other database names goes as before (the garbage .sqlite, the database without
    // a runs table and the one whose runs table has no run_dir column block nothing)
    plan = planRunDeletion(o, {only}, runs);
    QCOMPARE(plan.removeDirs, QStringList{QDir::cleanPath(runs + "/only")});
    QCOMPARE(plan.kept.size(), size_t(0));
    deleteRunsAndDirectories(o, plan, runs);
    QVERIFY(!QFileInfo::exists(runs + "/only"));
    // one with an owner file is judged by it, as before: the copy keeps the original's ...
    plan = planRunDeletion(c, {owned}, runs);
    QCOMPARE(keptReason(plan, runs + "/owned"), QString("belongs to %1, a database beside this one").arg(orig));
    deleteRunsAndDirectories(c, plan, runs);
    QVERIFY(QFile::exists(runs + "/owned/run.json"));
    // ... and the original, its owner, removes it
    plan = planRunDeletion(o, {owned}, runs);
    QCOMPARE(plan.removeDirs, QStringList{QDir::cleanPath(runs + "/owned")});
    // an owner file naming a database that is gone (the workspace's database renamed) tells
    // nothing: judged as one from before owner files, kept while the copy beside names it
    QVERIFY(claimRunDir(runs + "/s3", ws + "/renamed-away.sqlite"));
    QCOMPARE(runDirOwner(runs + "/s3"), QFileInfo(ws).canonicalFilePath() + "/renamed-away.sqlite");
    plan = planRunDeletion(o, {s3}, runs);
    QVERIFY(plan.removeDirs.isEmpty());
    QCOMPARE(keptReason(plan, runs + "/s3"),
             QString("still used by run #%1 of %2, a database beside this one (is one a copy of the other?)")
                 .arg(s3c)
                 .arg(copy));
  }

  // A database beside this one that cannot be read may still name any directory from before owner
  // files: those stay (said so, naming it); directories with owner files are judged by them alone.
  void aDatabaseBesideThatCannotBeReadKeepsLegacyDirectories() {
    QTemporaryDir tmp;
    QVERIFY(tmp.isValid());
    const QString ws = tmp.filePath("ws"), runs = ws + "/runs", db = ws + "/demo.sqlite";
    QVERIFY(QDir().mkpath(runs));
    Store s;
    s.open(db);
    // an SQLite header over pages that are none (a truncated or damaged copy)
    const QString broken = ws + "/broken.sqlite";
    touch(broken, QByteArray("SQLite format 3\0", 16) + QByteArray(300, '\0'));
    const qint64 legacy = addFinishedRun(s, "legacy", runs + "/legacy");
    const qint64 owned = addFinishedRun(s, "owned", runs + "/owned");
    QVERIFY(claimRunDir(runs + "/owned", db));
    RunDeletion plan = planRunDeletion(s, {legacy, owned}, runs);
    QCOMPARE(plan.removeDirs, QStringList{QDir::cleanPath(runs + "/owned")});
    const QString reason = keptReason(plan, runs + "/legacy");
    QVERIFY2(reason.startsWith(broken + " beside this database could not be read (") &&
                 reason.endsWith(
                     "), so it may still use this directory (made before owner files); remove it by hand if not"),
             qPrintable(reason));
    deleteRunsAndDirectories(s, plan, runs);
    QVERIFY(QFile::exists(runs + "/legacy/run.json"));
    QVERIFY(!QFileInfo::exists(runs + "/owned"));

    // a database another process holds locked (a rollback journal's exclusive lock) cannot be read either
    QVERIFY(QFile::remove(broken));
    const QString locked = ws + "/locked.sqlite";
    QVERIFY(makeDatabase(locked, {"PRAGMA journal_mode = DELETE", "CREATE TABLE runs (id INTEGER, run_dir TEXT)"}));
    const qint64 legacy2 = addFinishedRun(s, "legacy2", runs + "/legacy2");
    {
      QSqlDatabase d = QSqlDatabase::addDatabase("QSQLITE", "holder");
      d.setDatabaseName(locked);
      QVERIFY(d.open());
      QVERIFY(QSqlQuery(d).exec("BEGIN EXCLUSIVE"));
      QVERIFY(QSqlQuery(d).exec("INSERT INTO runs VALUES (1, 'elsewhere')"));
      plan = planRunDeletion(s, {legacy2}, runs);
      QVERIFY(QSqlQuery(d).exec("ROLLBACK"));
      d.close();
    }
    QSqlDatabase::removeDatabase("holder");
    QVERIFY2(keptReason(plan, runs + "/legacy2").startsWith(locked + " beside this database could not be read ("),
             qPrintable(keptReason(plan, runs + "/legacy2")));
    QVERIFY(plan.removeDirs.isEmpty());

    // a file of a database's name that cannot be opened (not for root, who opens anything)
    if (::geteuid() != 0) {
      touch(ws + "/sealed.sqlite", QByteArray(300, 'x'));
      QVERIFY(QFile::setPermissions(ws + "/sealed.sqlite", QFileDevice::Permissions()));
      plan = planRunDeletion(s, {legacy2}, runs);
      QCOMPARE(keptReason(plan, runs + "/legacy2"),
               QString("%1 beside this database could not be read (cannot be opened), so it may still use this "
                       "directory (made before owner files); remove it by hand if not")
                   .arg(ws + "/sealed.sqlite"));
      QVERIFY(QFile::remove(ws + "/sealed.sqlite"));
    }
    // readable again, it names neither: both go (legacy through a run that names it again)
    const qint64 again = addFinishedRun(s, "legacy-again", runs + "/legacy");
    plan = planRunDeletion(s, {again, legacy2}, runs);
    QCOMPARE(plan.removeDirs, QStringList({QDir::cleanPath(runs + "/legacy"), QDir::cleanPath(runs + "/legacy2")}));
    QCOMPARE(plan.kept.size(), size_t(0));
  }

  // A study run crashed with SIGBUS in sqlite3WalFindFrame: reading the databases beside its own,
  // SiblingDatabases opened (and closed) the store's own -wal and -shm files with QFile, and
  // closing any descriptor of a file releases every POSIX lock the process holds on it — SQLite's
  // too — so another process reset the shared-memory index the store had mapped. Whatever looks
  // at a workspace folder's files keeps the store's locks: checked from another process.
  void lookingAtTheFolderKeepsTheStoresLocks() {
    QTemporaryDir tmp;
    QVERIFY(tmp.isValid());
    const QString ws = tmp.filePath("ws"), runs = ws + "/runs", db = ws + "/demo.sqlite";
    QVERIFY(QDir().mkpath(runs));
    Store s;
    s.open(db);
    addFinishedRun(s, "legacy", runs + "/legacy");  // a write: the -wal and -shm files in use
    QVERIFY(QFileInfo(db + "-shm").size() > 0 && QFileInfo::exists(db + "-wal"));
    // whether another process sees a lock on `file` (SQLite holds one on the -shm file and, in WAL
    // mode, a shared one on the database file while it is open)
    const auto lockedFromOutside = [&](const QString& file = {}) {
      const QByteArray path = QFile::encodeName(file.isEmpty() ? db + "-shm" : file);
      const pid_t child = ::fork();
      if (child == 0) {
        const int fd = ::open(path.constData(), O_RDWR);
        struct flock l = {};
        l.l_type = F_WRLCK;
        l.l_whence = SEEK_SET;
        ::_exit(fd >= 0 && ::fcntl(fd, F_GETLK, &l) == 0 ? (l.l_type != F_UNLCK ? 1 : 0) : 2);
      }
      int status = 0;
      ::waitpid(child, &status, 0);
      return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    };
    QCOMPARE(lockedFromOutside(), 1);
    SiblingDatabases beside(db);  // every file of the folder looked at
    QVERIFY(!beside.useOf(runs + "/legacy"));
    QCOMPARE(lockedFromOutside(), 1);
    QCOMPARE(otherWorkspaceOf(tmp.filePath("other/runs/x"), db), QString());
    planRunDeletion(s, {}, runs);
    QCOMPARE(lockedFromOutside(), 1);
    QVERIFY(sqliteSideFile("demo.sqlite-wal") && sqliteSideFile("a-shm") && sqliteSideFile("x.db-journal"));
    QVERIFY(!sqliteSideFile("demo.sqlite") && !sqliteSideFile("wal"));
    QCOMPARE(lockedFromOutside(), 1);  // nothing above opened a side file
    // The store's file under another name: a hard link beside it, and one in another workspace's
    // folder. Opening either (SQLite's read of a database beside, or the header check) and closing
    // it released the store's lock on its file; neither is opened.
    QCOMPARE(lockedFromOutside(db), 1);
    QVERIFY(::link(QFile::encodeName(db).constData(), QFile::encodeName(ws + "/alias.sqlite").constData()) == 0);
    QVERIFY(QDir().mkpath(tmp.filePath("other/runs/x")));
    QVERIFY(::link(QFile::encodeName(db).constData(), QFile::encodeName(tmp.filePath("other/w.sqlite")).constData()) ==
            0);
    SiblingDatabases withAlias(db);
    QVERIFY(!withAlias.useOf(runs + "/legacy"));  // the alias is this database, not one beside it
    QCOMPARE(otherWorkspaceOf(tmp.filePath("other/runs/x"), db), tmp.filePath("other"));  // a folder with a database
    QCOMPARE(lockedFromOutside(db), 1);
    QCOMPARE(lockedFromOutside(), 1);
    QVERIFY(!QFileInfo::exists(ws + "/alias.sqlite-wal"));  // SQLite never opened the alias
  }

  /// sqliteFileKind(): the header decides, whatever the name; side files are never opened, so
  /// even one holding a database's header is a side file; short files are none; a file that
  /// cannot be opened is unknown (a directory here: the tests run as root, who opens any file).
  void fileKindsBySqlitesHeader() {
    QTemporaryDir tmp;
    const auto write = [&](const QString& name, const QByteArray& bytes) {
      QFile f(tmp.filePath(name));
      QVERIFY(f.open(QIODevice::WriteOnly) && f.write(bytes) == bytes.size());
    };
    const QByteArray header("SQLite format 3\0", 16);
    write("results.txt", header + QByteArray(200, 'x'));  // a database by its header, named otherwise
    write("ws.sqlite-wal", header + QByteArray(200, 'x'));
    write("short.sqlite", header + QByteArray(10, 'x'));                             // under 100 bytes
    write("garbage.sqlite", QByteArray("SQLite format 4") + QByteArray(200, '\0'));  // one byte off
    QVERIFY(QDir(tmp.path()).mkdir("folder.db"));  // QFile opens no directory (a file it cannot open)
    const auto kind = [&](const QString& name) { return sqliteFileKind(QFileInfo(tmp.filePath(name))); };
    QCOMPARE(kind("results.txt"), SqliteFileKind::Database);
    QCOMPARE(kind("ws.sqlite-wal"), SqliteFileKind::SideFile);
    QCOMPARE(kind("short.sqlite"), SqliteFileKind::Other);
    QCOMPARE(kind("garbage.sqlite"), SqliteFileKind::Other);
    QCOMPARE(kind("folder.db"), SqliteFileKind::Unreadable);
    QCOMPARE(canonicalOrClean(tmp.filePath("a/../results.txt")),
             QFileInfo(tmp.filePath("results.txt")).canonicalFilePath());
    QCOMPARE(canonicalOrClean(tmp.filePath("gone/../x")), QDir::cleanPath(tmp.filePath("x")));
  }
};

QTEST_MAIN(TestRunDeletion)
#include "test_run_deletion.moc"
