// The Monitor screen against a workspace as a restart leaves it (stored runs only) and the
// scripted fake engine: Resume of a run selected in the workspace tree, the study's progress
// counts and percentage, a user's cancel shown neutrally, Cancel run only for queued/running
// runs, the whole curve of a resumed run, the Dev column sized to its text, and the default
// number of parallel runs.
#include "monitor/monitor_view.h"
#include "plot/series_store.h"
#include "shell/main_window.h"
#include "shell/theme.h"
#include "ui_fixture.h"
#include "workspace/run_tree.h"
#include "workspace/status_icons.h"
#include "workspace/workspace.h"

#include <qcustomplot.h>

#include <QAction>
#include <QDir>
#include <QFile>
#include <QHeaderView>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QProgressBar>
#include <QPushButton>
#include <QSettings>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTreeWidget>
#include <QtTest>

using namespace adamix;
using namespace adamix::app;

namespace {

enum MonitorCol { ColRun, ColState, ColProgress, ColEta, ColLoss, ColDev };

using ui::test::eventLine;

}  // namespace

class TestMonitor : public QObject {
  Q_OBJECT
  QTemporaryDir dir_;
  QString db_;
  QString runsDir_;
  std::unique_ptr<ui::MainWindow> w_;
  qint64 studyResume_ = 0, studyDone_ = 0, studyMixed_ = 0, studyCancel_ = 0, studyBest_ = 0;
  qint64 resumeId_ = 0;  // cancelled at step 60 with a checkpoint at 50 (resume study)
  qint64 cancelId_ = 0;  // interrupted without checkpoint, trains slowly (cancel study)
  qint64 finishedMcc_ = 0;

  /// A stored run of `study`; `fake` is the fake engine's settings in its config.
  qint64 addRun(Store& s, qint64 study, const QString& name, RunState state, const QJsonObject& fake = {},
                const QString& task = "rte") {
    NewRun nr;
    nr.studyId = study;
    nr.runKey = "key-" + name;
    nr.task = task;
    nr.variant = name;
    nr.seed = 1;
    nr.status = state;
    nr.runDir = QDir(runsDir_).filePath(name);
    nr.config = nlohmann::json::parse(
        QJsonDocument(QJsonObject{{"run_id", name}, {"seed", 1}, {"fake", fake}}).toJson().toStdString());
    const qint64 id = s.addRun(nr);
    QDir().mkpath(nr.runDir);
    return id;
  }
  /// Writes the run's events.jsonl: started (total), progress up to `step`, optional dev metric.
  void writeEvents(const QString& name, int total, int step, const QString& devName = {}, double dev = 0) {
    QFile f(QDir(runsDir_).filePath(name + "/events.jsonl"));
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write(eventLine(name, "started", {{"total_steps", total}, {"resumed_from_step", 0}, {"device", "cpu"}}));
    for (int k = 10; k <= step; k += 10)
      f.write(eventLine(name, "progress", {{"step", k}, {"total_steps", total}, {"loss", 1.0 / k}}));
    if (!devName.isEmpty())
      f.write(eventLine(name, "metric",
                        {{"step", step}, {"epoch", 1.0}, {"split", "dev"}, {"name", devName}, {"value", dev}}));
  }

  QTreeWidgetItem* treeItem(qint64 id, int kind = 1) {
    QTreeWidget* t = w_->runTree()->tree();
    for (int i = 0; i < t->topLevelItemCount(); ++i) {
      QTreeWidgetItem* s = t->topLevelItem(i);
      if (kind == 0 && s->data(0, Qt::UserRole).toLongLong() == id) return s;
      for (int j = 0; kind == 1 && j < s->childCount(); ++j)
        if (s->child(j)->data(0, Qt::UserRole).toLongLong() == id) return s->child(j);
    }
    return nullptr;
  }
  /// Clicks a row of the workspace tree (a study: kind 0, a run: kind 1).
  void clickTree(qint64 id, int kind = 1) {
    QTreeWidget* t = w_->runTree()->tree();
    QTreeWidgetItem* item = treeItem(id, kind);
    QVERIFY2(item, qPrintable(QString("tree row %1").arg(id)));
    if (item->parent()) item->parent()->setExpanded(true);
    t->scrollToItem(item);
    QTest::mouseClick(t->viewport(), Qt::LeftButton, {}, t->visualItemRect(item).center());
  }
  ui::MonitorView* monitor() { return w_->monitor(); }
  QTreeWidget* monitorRuns() { return monitor()->findChild<QTreeWidget*>("monitorRuns"); }
  QTreeWidgetItem* monitorRow(const QString& key) {
    QTreeWidget* t = monitorRuns();
    for (int i = 0; i < t->topLevelItemCount(); ++i)
      if (t->topLevelItem(i)->data(0, Qt::UserRole).toString() == key) return t->topLevelItem(i);
    return nullptr;
  }
  void clickMonitorRow(const QString& key) {
    QTreeWidget* t = monitorRuns();
    QTreeWidgetItem* item = monitorRow(key);
    QVERIFY2(item, qPrintable(key));
    QTest::mouseClick(t->viewport(), Qt::LeftButton, {}, t->visualItemRect(item).center());
  }
  QString summary() { return monitor()->findChild<QLabel*>("monitorSummary")->text(); }
  int overallPermille() { return monitor()->findChild<QProgressBar*>("monitorOverall")->value(); }
  RunState stored(qint64 id) { return w_->workspace()->store().run(id)->status; }

 private slots:
  void initTestCase() {
    QStandardPaths::setTestModeEnabled(true);
    QCoreApplication::setOrganizationName("AdaMixTest");
    QCoreApplication::setApplicationName("test_monitor");
    QSettings().clear();
    qputenv("ADAMIX_ENGINE", FAKE_ENGINE_EXE);
    qunsetenv("FAKE_ENGINE_MODE");
    QVERIFY(dir_.isValid());
    db_ = dir_.filePath("ws/ws.sqlite");
    runsDir_ = dir_.filePath("ws/runs");
    QDir().mkpath(runsDir_);
    Store s;
    s.open(db_);
    const auto study = [&](const char* name) { return s.upsertStudy(name, QString(), nlohmann::json::object()); };

    // 1. a run cancelled at step 60 with its checkpoint at 50 and its curve (steps 1..60) stored
    studyResume_ = study("resume");
    resumeId_ = addRun(s, studyResume_, "resumed", RunState::Cancelled, {{"steps", 100}, {"step_ms", 10}});
    s.setRunStatus(resumeId_, RunState::Cancelled,
                   {.errorKind = QString("cancelled"), .errorMessage = QString("cancelled by the user")});
    const QString rd = QDir(runsDir_).filePath("resumed");
    QDir().mkpath(rd + "/checkpoint");
    QFile st(rd + "/checkpoint/state.json");
    QVERIFY(st.open(QIODevice::WriteOnly));
    st.write(R"({"step": 50})");
    st.close();
    QFile sf(rd + "/checkpoint/state.safetensors");
    QVERIFY(sf.open(QIODevice::WriteOnly));
    sf.write("fake");
    sf.close();
    std::vector<MetricPoint> pts;
    for (int k = 1; k <= 60; ++k) pts.push_back({resumeId_, k, k / 100.0, "train", "loss", 1.0 / k, 1.7e9 + k});
    s.appendMetricPoints(pts);

    // 2. two finished, two failed (the "100 % … all done" of the issue)
    studyDone_ = study("two-failed");
    for (const char* n : {"done-a", "done-b"}) {
      addRun(s, studyDone_, n, RunState::Finished);
      writeEvents(n, 375, 375);
    }
    for (const char* n : {"fail-a", "fail-b"}) {
      const qint64 id = addRun(s, studyDone_, n, RunState::Failed);
      s.setRunStatus(id, RunState::Failed, {.errorKind = QString("data"), .errorMessage = QString("bad label")});
      writeEvents(n, 375, 40);
    }

    // 3. finished, failed, one at 120/375 (set running once the workspace is open) and one queued
    studyMixed_ = study("mixed");
    finishedMcc_ = addRun(s, studyMixed_, "mixed-done", RunState::Finished, {}, "cola");
    writeEvents("mixed-done", 375, 375, "matthews_correlation", 0.451234);
    addRun(s, studyMixed_, "mixed-failed", RunState::Failed);
    writeEvents("mixed-failed", 375, 200);
    addRun(s, studyMixed_, "mixed-running", RunState::Interrupted);
    writeEvents("mixed-running", 375, 120);
    addRun(s, studyMixed_, "mixed-queued", RunState::Queued);

    // 3b. dev accuracy best at step 600, lower at the end (as a demo AdaMix run): one finished
    // (with the engine's `finished` event) and one interrupted before it ended
    studyBest_ = study("best-dev");
    for (const char* n : {"best-finished", "best-cut"}) {
      addRun(s, studyBest_, n, n == QString("best-finished") ? RunState::Finished : RunState::Interrupted, {}, "sst2");
      QFile f(QDir(runsDir_).filePath(QString(n) + "/events.jsonl"));
      QVERIFY(f.open(QIODevice::WriteOnly));
      f.write(eventLine(n, "started",
                        {{"total_steps", 750}, {"resumed_from_step", 0}, {"device", "cpu"},
                         {"config", QJsonObject{{"task", QJsonObject{{"name", "sst2"}}}}}}));
      const std::vector<std::pair<int, double>> dev = {{150, 0.5092}, {300, 0.4920}, {450, 0.5287}, {600, 0.6170},
                                                       {750, 0.6089}};
      for (const auto& [step, acc] : dev) {
        if (n == QString("best-cut") && step > 600) break;
        f.write(eventLine(n, "progress", {{"step", step}, {"total_steps", 750}, {"loss", 0.6}}));
        f.write(eventLine(n, "metric", {{"step", step}, {"epoch", step / 750.0}, {"split", "dev"}, {"name", "accuracy"},
                                        {"value", acc}}));
        f.write(eventLine(n, "metric", {{"step", step}, {"epoch", step / 750.0}, {"split", "dev"}, {"name", "loss"},
                                        {"value", 0.65}}));
      }
      if (n == QString("best-cut")) {  // a later, lower evaluation of a run that did not finish
        f.write(eventLine(n, "metric", {{"step", 700}, {"epoch", 0.93}, {"split", "dev"}, {"name", "accuracy"},
                                        {"value", 0.6000}}));
        continue;
      }
      f.write(eventLine(
          n, "finished",
          {{"best", QJsonObject{{"dev", QJsonObject{{"accuracy", 0.6170}, {"loss", 0.649}}}}},
           {"final", QJsonObject{{"dev", QJsonObject{{"accuracy", 0.6089}, {"loss", 0.6315}}}}},
           {"best_step", 600}, {"primary_metric", "accuracy"}, {"total_steps", 750}, {"wall_s", 126.0}}));
    }

    // 4. an interrupted run without checkpoint that trains slowly (to be cancelled by the user)
    studyCancel_ = study("cancel");
    cancelId_ = addRun(s, studyCancel_, "slow", RunState::Interrupted, {{"steps", 400}, {"step_ms", 50}});
    s.close();

    // the app starts on that workspace (as after a restart: nothing in its queue)
    w_ = std::make_unique<ui::MainWindow>();
    w_->resize(1400, 900);
    w_->show();
    QVERIFY(w_->openWorkspace(db_, true));
    w_->runTree()->refresh();
    w_->showScreen(ui::MainWindow::Monitor);
  }

  void cleanupTestCase() {
    if (w_) w_->workspace()->close();
    w_.reset();
  }

  /// After the restart the Monitor already lists the newest study, its interrupted run included.
  void monitorShowsTheNewestStudyOnOpen() {
    QCOMPARE(monitor()->shownStudy(), std::optional<qint64>(studyCancel_));
    QVERIFY(monitorRow("key-slow"));
    QCOMPARE(monitorRow("key-slow")->text(ColState), QString("interrupted"));
    QCOMPARE(summary(), QString("1 run: 0 finished, 1 interrupted — 1 run did not finish"));
  }

  /// Parallel runs default to the demo's 2 (QueueSettings and the packaged default settings).
  void parallelRunsDefaultToTheDemosTwo() {
    QCOMPARE(ui::QueueSettings::load().jobs, 2);
    QCOMPARE(w_->workspace()->runner()->executor().options().jobs, 2);
    ui::installDefaultSettings();
    QCOMPARE(QSettings().value("exec/jobs").toInt(), 2);
    QSettings().remove("exec");
  }

  /// Item 4: failed runs are no progress and never "all done".
  void failedRunsAreNotDone() {
    clickTree(studyDone_, 0);
    QTRY_VERIFY(monitorRuns()->topLevelItemCount() == 4);
    QCOMPARE(summary(), QString("4 runs: 2 finished, 2 failed — 2 runs did not finish"));
    QCOMPARE(overallPermille(), 500);
    QCOMPARE(monitor()->findChild<QProgressBar*>("monitorOverall")->text(), QString("50%"));
  }

  /// Item 4: only finished runs and the steps of running ones count: (375 + 120) / (4 × 375).
  void runningAndQueuedCountTheirSteps() {
    // "running" in the store, as while another window trains it
    qint64 running = 0;
    for (const RunRecord& r : w_->workspace()->store().listRuns())
      if (r.variant == "mixed-running") running = r.id;
    w_->workspace()->store().setRunStatus(running, RunState::Running);
    clickTree(studyMixed_, 0);
    QTRY_VERIFY(monitorRuns()->topLevelItemCount() == 4);
    QCOMPARE(summary(), QString("4 runs: 1 running, 1 queued, 1 finished, 1 failed — estimating the time left"));
    QCOMPARE(overallPermille(), 330);  // 495 / 1500 steps
    auto* bar = qobject_cast<QProgressBar*>(monitorRuns()->itemWidget(monitorRow("key-mixed-running"), ColProgress));
    QCOMPARE(bar->text(), QString("120 / 375"));
    w_->workspace()->store().setRunStatus(running, RunState::Interrupted);
  }

  /// Item 13: the Dev column shows "matthews_correlation 0.4512" whole.
  void devColumnFitsItsText() {
    clickTree(studyMixed_, 0);
    QTreeWidgetItem* row = monitorRow("key-mixed-done");
    QVERIFY(row);
    QCOMPARE(row->text(ColDev), QString("matthews_correlation 0.4512"));
    const int need = monitorRuns()->fontMetrics().horizontalAdvance(row->text(ColDev));
    QVERIFY2(
        monitorRuns()->header()->sectionSize(ColDev) > need,
        qPrintable(QString("%1 px for %2 px of text").arg(monitorRuns()->header()->sectionSize(ColDev)).arg(need)));
  }

  /// New-user defect: the Dev column showed the last dev score (0.6089) where Results and the CLI
  /// report the best (0.6170 at step 600). It shows the best of the run's selection metric, as
  /// its header and tooltip say, also for a run that has not finished.
  void devColumnShowsTheBestAsResults() {
    clickTree(studyBest_, 0);
    QTRY_VERIFY(monitorRow("key-best-finished") && monitorRow("key-best-cut"));
    QTreeWidgetItem* done = monitorRow("key-best-finished");
    QCOMPARE(done->text(ColDev), QString("accuracy 0.6170"));
    QCOMPARE(done->toolTip(ColDev),
             QString("Best dev accuracy 0.6170 at step 600 (as Results and the CLI report it); latest evaluation 0.6089"));
    QTreeWidgetItem* cut = monitorRow("key-best-cut");
    QCOMPARE(cut->text(ColDev), QString("accuracy 0.6170"));
    QVERIFY2(cut->toolTip(ColDev).contains("latest evaluation 0.6000"), qPrintable(cut->toolTip(ColDev)));
    QCOMPARE(monitorRuns()->headerItem()->text(ColDev), QString("Best dev"));
    QVERIFY(monitorRuns()->headerItem()->toolTip(ColDev).contains("Results and the CLI"));
  }

  /// QA 1: the live plot's legend sits beside the axis rect (as Compare's), never over the curves:
  /// with the resumed run's curve and with 20 runs.
  void liveLegendBesideThePlot() {
    clickTree(studyResume_, 0);
    QTRY_VERIFY(monitorRow("key-resumed"));
    monitor()->flushPending();
    ui::PlotAdapter* a = monitor()->adapter();
    QCustomPlot* plot = a->plot();
    auto check = [&](int entries) {
      plot->replot(QCustomPlot::rpImmediateRefresh);
      QVERIFY(plot->legend->visible());
      QCOMPARE(plot->legend->itemCount(), entries);
      const QRect legend = plot->legend->outerRect(), axes = plot->axisRect()->rect();
      QVERIFY2(!legend.isEmpty() && !legend.intersects(axes),
               qPrintable(QString("legend %1,%2 %3x%4 over the axis rect %5,%6 %7x%8")
                              .arg(legend.x()).arg(legend.y()).arg(legend.width()).arg(legend.height())
                              .arg(axes.x()).arg(axes.y()).arg(axes.width()).arg(axes.height())));
    };
    QVERIFY(a->seriesLabels().contains(monitorRow("key-resumed")->text(ColRun)));
    check(1);
    ui::SeriesStore many;
    ui::CurveSpec spec;
    for (int r = 0; r < 20; ++r) {
      const QString key = QString("run-%1").arg(r);
      for (int k = 1; k <= 30; ++k) many.append(key, "train", "loss", {double(k), k / 30.0, 0, 1.0 / k + r * 0.01});
      spec.runs.push_back({key, QString("rte · variant %1 · s1").arg(r), {}});
    }
    a->showCurves(many, spec);
    check(20);
    monitor()->showStudy(studyResume_);  // back to the study's own curves
  }

  /// Item 13: Cancel run is disabled for finished and failed rows.
  void cancelOnlyForQueuedOrRunning() {
    clickTree(studyMixed_, 0);
    auto* cancel = monitor()->findChild<QPushButton*>("monitorCancel");
    QVERIFY(monitorRow("key-mixed-done") && monitorRow("key-mixed-failed") && monitorRow("key-mixed-queued"));
    clickMonitorRow("key-mixed-done");
    QVERIFY(monitorRow("key-mixed-done")->isSelected());
    QVERIFY(!cancel->isEnabled());
    clickMonitorRow("key-mixed-failed");
    QVERIFY(!cancel->isEnabled());
    clickMonitorRow("key-mixed-queued");
    QVERIFY(cancel->isEnabled());
  }

  /// Item 3 (+13 curve): after a restart, select the cancelled run in the tree, press the Monitor's
  /// Resume: the run is queued, resumes from its checkpoint, and the plot holds its whole curve.
  void monitorResumeAfterRestart() {
    clickTree(resumeId_);
    QCOMPARE(w_->runTree()->selectedRuns(), QList<qint64>{resumeId_});
    auto* resume = monitor()->findChild<QPushButton*>("monitorResume");
    QVERIFY(resume);
    QVERIFY(resume->isEnabled());
    QAction* menuAction = w_->findChild<QAction*>("resumeRuns");  // Run ▸ Resume selected runs
    QVERIFY(menuAction);
    QSignalSpy triggered(menuAction, &QAction::triggered);
    QTest::mouseClick(resume, Qt::LeftButton);
    QVERIFY2(stored(resumeId_) == RunState::Queued || stored(resumeId_) == RunState::Running,
             qPrintable(runStateName(stored(resumeId_))));
    QCOMPARE(triggered.count(), 1);
    QTRY_COMPARE_WITH_TIMEOUT(stored(resumeId_), RunState::Finished, 30000);
    monitor()->flushPending();
    // the stored points 1..50 and the resumed ones 51..100, once each
    const auto* loss = monitor()->series().series("key-resumed", "train", "loss");
    QVERIFY(loss);
    QCOMPARE(loss->front().step, 1.0);
    QCOMPARE(loss->back().step, 100.0);
    QCOMPARE(int(loss->size()), 100);
    QVERIFY(monitorRow("key-resumed"));
    QCOMPARE(monitorRow("key-resumed")->text(ColState), QString("finished"));
  }

  /// Item 13: a user's cancel reads "cancelled" in the normal text colour, not as a red error;
  /// afterwards Cancel run is disabled for it.
  void userCancelIsNotAnError() {
    clickTree(cancelId_);
    QTest::mouseClick(monitor()->findChild<QPushButton*>("monitorResume"), Qt::LeftButton);
    QTRY_COMPARE_WITH_TIMEOUT(stored(cancelId_), RunState::Running, 15000);
    QTRY_VERIFY(monitorRow("key-slow"));
    clickMonitorRow("key-slow");
    auto* cancel = monitor()->findChild<QPushButton*>("monitorCancel");
    QTRY_VERIFY(cancel->isEnabled());
    QTest::mouseClick(cancel, Qt::LeftButton);
    QTRY_COMPARE_WITH_TIMEOUT(stored(cancelId_), RunState::Cancelled, 15000);
    QVERIFY(monitorRow("key-slow"));
    QTRY_COMPARE(monitorRow("key-slow")->text(ColState), QString("cancelled"));
    auto* error = monitor()->findChild<QLabel*>("monitorError");
    QTRY_VERIFY(error->isVisible());
    QVERIFY2(error->text().startsWith("Cancelled"), qPrintable(error->text()));
    error->ensurePolished();
    QVERIFY(error->palette().color(QPalette::WindowText) != ui::statusColor(RunState::Failed));
    QCOMPARE(error->palette().color(QPalette::WindowText), monitor()->palette().color(QPalette::WindowText));
    QVERIFY(!cancel->isEnabled());
  }

  /// QA 3: a just launched study's tree node is collapsed and the tree holds an older selection; the
  /// Monitor selected the starting run's row by itself. Clicking that row selects the run in the
  /// tree (its study opens); after Cancel run, Resume (the Monitor's button and Run ▸ Resume
  /// selected runs) is enabled and Cancel run is not.
  void cancelInACollapsedStudyEnablesResume() {
    Store& s = w_->workspace()->store();
    const qint64 study = s.upsertStudy("collapsed", QString(), nlohmann::json::object());
    const qint64 id = addRun(s, study, "collapsed-slow", RunState::Interrupted, {{"steps", 400}, {"step_ms", 50}});
    emit w_->workspace()->changed();
    QTreeWidgetItem* studyItem = treeItem(study, 0);
    QVERIFY(studyItem);
    studyItem->setExpanded(false);
    clickTree(finishedMcc_);  // the older selection
    QCOMPARE(w_->runTree()->selectedRuns(), QList<qint64>{finishedMcc_});
    QVERIFY(!treeItem(study, 0)->isExpanded());
    // as a launch: the queue takes the run, the Monitor lists its study
    QStringList errors;
    QCOMPARE(w_->workspace()->resumeRuns({id}, &errors), 1);
    monitor()->showStudy(study);
    QTRY_COMPARE_WITH_TIMEOUT(stored(id), RunState::Running, 15000);
    QTRY_VERIFY(monitorRow("key-collapsed-slow"));
    QVERIFY(!treeItem(study, 0)->isExpanded());
    clickMonitorRow("key-collapsed-slow");
    QCOMPARE(w_->runTree()->selectedRuns(), QList<qint64>{id});
    auto* cancel = monitor()->findChild<QPushButton*>("monitorCancel");
    QTRY_VERIFY(cancel->isEnabled());
    QTest::mouseClick(cancel, Qt::LeftButton);
    QTRY_COMPARE_WITH_TIMEOUT(stored(id), RunState::Cancelled, 15000);
    QTRY_COMPARE(monitorRow("key-collapsed-slow")->text(ColState), QString("cancelled"));
    auto* resume = monitor()->findChild<QPushButton*>("monitorResume");
    QTRY_VERIFY(resume->isEnabled());
    QVERIFY(w_->findChild<QAction*>("resumeRuns")->isEnabled());
    QVERIFY(!cancel->isEnabled());
    QCOMPARE(w_->runTree()->selectedRuns(), QList<qint64>{id});
    QVERIFY(treeItem(id)->isSelected());
    QVERIFY(treeItem(study, 0)->isExpanded());
  }

  /// Runs deleted from the workspace (tree or CLI) leave the Monitor and its counts.
  // Issue 18: two runs of one label and seed trained differently (a study edited and launched
  // again) read differently in the Monitor: the row names the setting, as the tree does.
  void rowsNameTheSettingsThatTellUnlikeRunsApart() {
    QTemporaryDir dir;
    qint64 sid = 0;
    const QString db = ui::test::createRelaunchedWorkspace(dir.path(), &sid);
    ui::Workspace ws;
    QVERIFY(ws.open(db));
    ui::MonitorView view(&ws);
    view.show();
    view.showStudy(sid);
    QTRY_VERIFY(!view.runKeys().isEmpty());
    QStringList labels;
    QTRY_VERIFY([&] {
      labels.clear();
      for (const QString& key : view.runKeys()) labels << view.liveRun(key)->item->text(0);
      return labels.join(' ').contains("peft/adamix/num_modules=8");
    }());
    labels.sort();
    QCOMPARE(labels, QStringList({"rte · AdaMix · s1 · peft/adamix/num_modules=4",
                                  "rte · AdaMix · s2 · peft/adamix/num_modules=8",
                                  "rte · Adapter · s1 · peft/adamix/num_modules=1",
                                  "rte · Adapter · s2 · peft/adamix/num_modules=1"}));
  }

  void deletedRunsLeaveTheMonitor() {
    clickTree(studyDone_, 0);
    QTRY_VERIFY2(monitorRuns()->topLevelItemCount() == 4,
                 qPrintable(QString("%1 rows, study %2, current %3")
                                .arg(monitorRuns()->topLevelItemCount())
                                .arg(monitor()->shownStudy().value_or(-1))
                                .arg(w_->runTree()->currentStudy().value_or(-1))));
    std::vector<qint64> failed;
    for (const RunRecord& r : w_->workspace()->store().listRuns())
      if (r.variant.startsWith("fail-")) failed.push_back(r.id);
    QCOMPARE(int(failed.size()), 2);
    w_->workspace()->store().deleteRuns(failed);
    emit w_->workspace()->changed();  // what Delete… does
    QCOMPARE(monitorRuns()->topLevelItemCount(), 2);
    QCOMPARE(summary(), QString("2 runs: 2 finished — all done"));
    QCOMPARE(overallPermille(), 1000);
  }
};

QTEST_MAIN(TestMonitor)
#include "test_monitor.moc"
