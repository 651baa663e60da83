// Deleting runs and studies (Store::deleteRuns / deleteStudy, run_deletion.h): the rows of every
// table that references a run, counted before and after; run directories removed only inside the
// workspace's runs folder; directories outside it, links out of it and other runs' data kept;
// queued and running runs refused.
// SPDX-License-Identifier: GPL-3.0-or-later
#include "store/run_deletion.h"
#include "store/store.h"

#include <QDir>
#include <QFile>
#include <QSqlDatabase>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QtTest>

using namespace adamix::app;
using nlohmann::json;

namespace {

void touch(const QString& path, const QByteArray& data = "x") {
  QDir().mkpath(QFileInfo(path).absolutePath());
  QFile f(path);
  if (!f.open(QIODevice::WriteOnly)) qFatal("cannot write %s", qPrintable(path));
  f.write(data);
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

  // Every table with a foreign key to runs is one deleteRuns() empties (a new table must join the list).
  void everyTableReferencingRunsIsCovered() {
    QSqlQuery q(QSqlDatabase::database(store_.connectionName()));
    QVERIFY(q.exec("SELECT m.name FROM sqlite_master m, pragma_foreign_key_list(m.name) f "
                   "WHERE m.type = 'table' AND f.\"table\" = 'runs'"));
    QStringList referencing;
    while (q.next()) referencing << q.value(0).toString();
    referencing.sort();
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
    QVERIFY(QFile::exists(outside_ + "/d/events.jsonl"));         // outside the runs folder: kept
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
};

QTEST_MAIN(TestRunDeletion)
#include "test_run_deletion.moc"
