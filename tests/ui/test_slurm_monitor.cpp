// Issue 13 (GUI): a study whose executor is Slurm, launched from the designer, against stand-in
// Slurm commands (ADAMIX_SLURM_BIN): sbatch gets a job array limited to one run at once, the
// Monitor shows the running run's node and the queued run's reason in plain words, closing the
// workspace cancels nothing on the cluster, reopening it follows the runs again, a requeued run
// goes back to queued, Cancel run calls scancel with the run's job id, and Resume submits the
// cancelled run to Slurm again. Reopened, the workspace follows each run with the settings it was
// submitted with, also after a later launch on this machine rewrote the study document.
// With ADAMIX_SCREENSHOT_DIR set it also saves 19-monitor-slurm.png and 20-designer-slurm.png there.
#include "designer/designer_view.h"
#include "designer/executor_editor.h"
#include "exec/slurm/slurm_executor.h"
#include "monitor/monitor_view.h"
#include "shell/main_window.h"
#include "ui_fixture.h"
#include "workspace/workspace.h"

#include <QDir>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QPushButton>
#include <QScrollArea>
#include <QScrollBar>
#include <QSettings>
#include <QTemporaryDir>
#include <QTreeWidget>
#include <QtTest>

using namespace adamix;

namespace {

enum MonitorCol { ColRun, ColState };

void writeFile(const QString& path, const QByteArray& text, bool executable = false) {
  QFile f(path);
  QVERIFY2(f.open(QIODevice::WriteOnly | QIODevice::Truncate), qPrintable(path));
  f.write(text);
  f.close();
  if (executable) f.setPermissions(f.permissions() | QFileDevice::ExeOwner | QFileDevice::ExeUser);
}

QByteArray readFile(const QString& path) {
  QFile f(path);
  return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

using ui::test::eventLine;

}  // namespace

class TestSlurmMonitor : public QObject {
  Q_OBJECT
  QTemporaryDir dir_;
  QString bin_, db_, study_;
  std::unique_ptr<ui::MainWindow> w_;

  QTreeWidget* monitorRuns() { return w_->monitor()->findChild<QTreeWidget*>("monitorRuns"); }
  /// The Monitor row whose State mentions `jobId` (null when none).
  QTreeWidgetItem* rowOfJob(const QString& jobId) {
    QTreeWidget* t = monitorRuns();
    for (int i = 0; i < t->topLevelItemCount(); ++i)
      if (t->topLevelItem(i)->text(ColState).contains(QStringLiteral("Slurm job ") + jobId + ")"))
        return t->topLevelItem(i);
    return nullptr;
  }
  QString stateOf(const QString& jobId) {
    QTreeWidgetItem* it = rowOfJob(jobId);
    return it ? it->text(ColState) : QString();
  }
  QString summary() { return w_->monitor()->findChild<QLabel*>("monitorSummary")->text(); }
  void setSqueue(const QByteArray& lines) { writeFile(dir_.filePath("squeue.txt"), lines); }
  void wait(int ms) { QTest::qWait(ms); }
  void shot(const QString& name) {
    const QString out = qEnvironmentVariable("ADAMIX_SCREENSHOT_DIR");
    if (out.isEmpty()) return;
    QDir().mkpath(out);
    wait(400);
    QVERIFY(w_->grab().save(QDir(out).filePath(name)));
  }

 private slots:
  void initTestCase() {
    QStandardPaths::setTestModeEnabled(true);
    QCoreApplication::setOrganizationName("AdaMixTest");
    QCoreApplication::setApplicationName("test_slurm_monitor");
    QSettings().clear();
    QVERIFY(dir_.isValid());
    // runs are "started" by the stand-ins, never the engine: the queue's engine only has to be an
    // executable; the designer's inspector gets none (or ADAMIX_SCREENSHOT_ENGINE for the pictures)
    QSettings().setValue("exec/enginePath", "/bin/true");
    const QByteArray inspector = qgetenv("ADAMIX_SCREENSHOT_ENGINE");
    qputenv("ADAMIX_ENGINE", inspector.isEmpty() ? QByteArray("/nonexistent/adamix-engine") : inspector);
    // stand-in Slurm commands: sbatch keeps the script and answers job 77, then 78, …; squeue and scontrol
    // answer what the test wrote; scancel notes its arguments
    bin_ = dir_.filePath("bin");
    QDir().mkpath(bin_);
    const auto script = [&](const char* name, const char* body) {
      writeFile(bin_ + "/" + name, (QStringLiteral("#!/bin/bash\n") + QLatin1String(body)).arg(dir_.path()).toUtf8(),
                true);
    };
    script("sbatch",
           "cp \"${@: -1}\" '%1/submitted.sbatch'\n"
           "n=$(cat '%1/jobid' 2>/dev/null || echo 76)\n"
           "echo $((n + 1)) > '%1/jobid'\n"
           "echo $((n + 1))\n");
    script("squeue", "echo \"$@\" >> '%1/squeue.args'\ncat '%1/squeue.txt'\n");
    script("scontrol", "cat '%1/scontrol.txt' 2>/dev/null\n");
    script("scancel", "echo \"$@\" >> '%1/scancel.log'\n");
    qputenv("ADAMIX_SLURM_BIN", bin_.toUtf8());
    setSqueue("77_0|RUNNING|None|node1\n77_1|PENDING|JobArrayTaskLimit|\n");

    // a 2-run study (seeds 1, 2) on local folders, executed on Slurm one run at once
    QString model = dir_.filePath("model"), data = dir_.filePath("rte");
    QDir().mkpath(model);
    QDir().mkpath(data);
    writeFile(model + "/config.json", "{}");
    const QString shared = QStringLiteral(ADAMIX_SHARED_DIR);  // the pictures show a real model
    if (qEnvironmentVariableIsSet("ADAMIX_SCREENSHOT_DIR") &&
        QFile::exists(shared + "/models/stories260K/config.json")) {
      model = shared + "/models/stories260K";
      data = shared + "/data/glue/RTE";
    }
    study_ = dir_.filePath("ws/studies/cluster-study.json");
    QDir().mkpath(dir_.filePath("ws/studies"));
    const nlohmann::json doc = {{"name", "cluster-study"},
                                {"base", {{"model", {{"path", model.toStdString()}}}, {"train", {{"epochs", 1}}}}},
                                {"tasks", nlohmann::json::array({{{"name", "rte"}, {"data_dir", data.toStdString()}}})},
                                {"seeds", {1, 2}},
                                {"executor",
                                 {{"kind", "slurm"},
                                  {"jobs", 1},
                                  {"partition", "gpu"},
                                  {"time", "04:00:00"},
                                  {"gpus", "1"},
                                  {"mem", "16G"},
                                  {"setup", {"module load cuda"}},
                                  {"poll_seconds", 1}}}};
    writeFile(study_, QByteArray::fromStdString(doc.dump(2) + "\n"));
    db_ = dir_.filePath("ws/ws.sqlite");

    w_ = std::make_unique<ui::MainWindow>();
    w_->resize(1440, 900);
    w_->show();
    QVERIFY(w_->openWorkspace(db_, true));
  }

  void cleanupTestCase() {
    if (w_) w_->workspace()->close();
    w_.reset();
  }

  // Launching submits one array (%1: the study's runs at once) with the study's resources; the
  // Monitor says which run runs where and why the other waits.
  void launchSubmitsAndMonitorShowsSlurmStates() {
    ui::DesignerView* d = w_->designer();
    QString err;
    QVERIFY2(d->loadFile(study_, &err), qPrintable(err));
    QVERIFY(d->executorEditor()->spec().isSlurm());
    w_->showScreen(ui::MainWindow::Designer);
    if (qEnvironmentVariableIsSet("ADAMIX_SCREENSHOT_DIR")) {  // the form scrolled to its executor section
      QTRY_VERIFY_WITH_TIMEOUT(!d->isInspectingModel(), 30000);
      wait(1500);  // parameter counts
      QWidget* p = d->executorEditor();
      while (p && !qobject_cast<QScrollArea*>(p)) p = p->parentWidget();
      if (auto* scroll = qobject_cast<QScrollArea*>(p))
        scroll->verticalScrollBar()->setValue(scroll->verticalScrollBar()->maximum());
      shot("20-designer-slurm.png");
    }
    d->launch();
    QTRY_VERIFY_WITH_TIMEOUT(QFile::exists(dir_.filePath("submitted.sbatch")), 10000);
    const QString script = QString::fromUtf8(readFile(dir_.filePath("submitted.sbatch")));
    QVERIFY2(script.contains("#SBATCH --array=0-1%1\n"), qPrintable(script));
    QVERIFY2(script.contains("#SBATCH --partition=gpu\n"), qPrintable(script));
    QVERIFY2(script.contains("module load cuda"), qPrintable(script));
    QVERIFY2(script.contains(dir_.filePath("ws/slurm")) || QFileInfo(dir_.filePath("ws/slurm")).isDir(),
             qPrintable(script));
    QVERIFY(!w_->workspace()->isBusy());  // Slurm runs never hold up switching workspaces
    QVERIFY(w_->workspace()->hasClusterRuns());

    // the running run writes its events on the shared filesystem: its progress and curve follow
    QTRY_VERIFY_WITH_TIMEOUT(stateOf("77_0") == "running on node1 (Slurm job 77_0)", 10000);
    QTRY_COMPARE_WITH_TIMEOUT(stateOf("77_1"),
                              QString("queued — waiting: the study's limit of runs at once (Slurm job 77_1)"), 10000);
    QVERIFY2(summary().startsWith("2 runs: 1 running, 1 queued, 0 finished"), qPrintable(summary()));
    const auto running =
        w_->workspace()->store().run(w_->monitor()->liveRun(rowOfJob("77_0")->data(0, Qt::UserRole).toString())->runId);
    QVERIFY(running);
    QCOMPARE(running->jobId, QString("77_0"));
    QCOMPARE(running->host, QString("node1"));
    // in two parts a poll apart, so that its speed and ETA can be told
    QByteArray events = eventLine("r", "started", {{"total_steps", 200}, {"resumed_from_step", 0}, {"device", "cuda"}});
    for (int k = 10; k <= 90; k += 10) {
      events += eventLine("r", "progress", {{"step", k}, {"total_steps", 200}, {"loss", 2.0 / (1 + k / 20.0)}});
      events += eventLine(
          "r", "metric",
          {{"step", k}, {"epoch", k / 200.0}, {"split", "train"}, {"name", "loss"}, {"value", 2.0 / (1 + k / 20.0)}});
      if (k == 10) {
        writeFile(QDir(running->runDir).filePath("events.jsonl"), events);
        wait(2500);
      }
    }
    writeFile(QDir(running->runDir).filePath("events.jsonl"), events);
    const QString runningKey = rowOfJob("77_0")->data(0, Qt::UserRole).toString();
    QTRY_COMPARE_WITH_TIMEOUT(w_->monitor()->liveRun(runningKey)->progress.step, qint64(90), 10000);
    QVERIFY(rowOfJob("77_0")->text(4) != QString("—"));  // its loss
    w_->showScreen(ui::MainWindow::Monitor);
    {
      const QSignalBlocker block(monitorRuns());
      monitorRuns()->clearSelection();
      rowOfJob("77_1")->setSelected(true);
    }
    shot("19-monitor-slurm.png");
  }

  // Closing the workspace leaves the jobs alone; opening it again follows them (the Monitor lists
  // them with Slurm's states), with the settings they were submitted with. Bug pinned: the GUI
  // followed them with the study document's executor section, which a later launch of the study
  // (here: `adamix study run` on this machine, without the section) rewrites: the runs were then
  // followed with Slurm's defaults (a 5 s poll, no partition) and resumed on this machine.
  void closeLeavesJobsReopenReattaches() {
    w_->workspace()->close();
    wait(1500);
    QVERIFY2(!QFile::exists(dir_.filePath("scancel.log")), readFile(dir_.filePath("scancel.log")).constData());
    QCOMPARE(monitorRuns()->topLevelItemCount(), 0);
    {
      app::Store store;
      store.open(db_);
      const auto study = store.findStudy("cluster-study");
      QVERIFY(study);
      nlohmann::json doc = study->json;
      doc["executor"] = {{"kind", "local"}};
      store.upsertStudy(study->name, study->filePath, doc);
    }
    QVERIFY(w_->openWorkspace(db_, true));
    // the runner that follows the running run has the settings of its launch (poll 1 s, …)
    QTRY_VERIFY_WITH_TIMEOUT(rowOfJob("77_0"), 10000);
    const qint64 runningId = w_->monitor()->liveRun(rowOfJob("77_0")->data(0, Qt::UserRole).toString())->runId;
    const app::SlurmExecutor* follower = nullptr;
    for (app::StudyRunner* r : w_->workspace()->runners())
      if (r->runId(w_->workspace()->runKey(runningId)) == runningId)
        follower = qobject_cast<app::SlurmExecutor*>(&r->executor());
    QVERIFY(follower);
    QCOMPARE(follower->slurmOptions().pollSeconds, 1);
    QCOMPARE(follower->slurmOptions().partition, QStringLiteral("gpu"));
    QCOMPARE(follower->slurmOptions().timeLimit, QStringLiteral("04:00:00"));
    QCOMPARE(follower->slurmOptions().arrayLimit, 1);
    QCOMPARE(follower->slurmOptions().setup, QStringList({"module load cuda"}));
    QTRY_VERIFY_WITH_TIMEOUT(stateOf("77_0") == "running on node1 (Slurm job 77_0)", 10000);
    QTRY_COMPARE_WITH_TIMEOUT(stateOf("77_1"),
                              QString("queued — waiting: the study's limit of runs at once (Slurm job 77_1)"), 10000);
    QTRY_VERIFY2_WITH_TIMEOUT(summary().startsWith("2 runs: 1 running, 1 queued"), qPrintable(summary()), 5000);
    QVERIFY(!QFile::exists(dir_.filePath("scancel.log")));
    // followed live again (not only the states stored before the close): Slurm's news shows
    QVERIFY(w_->workspace()->hasClusterRuns());
    setSqueue("77_0|RUNNING|None|node1\n77_1|PENDING|Priority|\n");
    QTRY_COMPARE_WITH_TIMEOUT(stateOf("77_1"), QString("queued — waiting: other jobs have priority (Slurm job 77_1)"),
                              10000);
  }

  // Slurm requeues the running run (time-limit warning): it is queued again, saying so.
  void requeuedRunGoesBackToQueued() {
    setSqueue("77_0|REQUEUED|BeginTime|\n77_1|PENDING|JobArrayTaskLimit|\n");
    QTRY_COMPARE_WITH_TIMEOUT(stateOf("77_0"),
                              QString("queued — requeued, resumes from its checkpoint (Slurm job 77_0)"), 10000);
    QTRY_VERIFY2_WITH_TIMEOUT(summary().startsWith("2 runs: 2 queued, 0 finished"), qPrintable(summary()), 5000);
    setSqueue("77_0|RUNNING|None|node2\n77_1|PENDING|JobArrayTaskLimit|\n");
    QTRY_COMPARE_WITH_TIMEOUT(stateOf("77_0"), QString("running on node2 (Slurm job 77_0)"), 10000);
  }

  // Cancel run on a Slurm run: scancel with its job id; Slurm's CANCELLED ends it.
  void cancelCallsScancel() {
    QTreeWidgetItem* queued = rowOfJob("77_1");
    QVERIFY(queued);
    monitorRuns()->clearSelection();
    queued->setSelected(true);
    auto* cancel = w_->monitor()->findChild<QPushButton*>("monitorCancel");
    QVERIFY(cancel->isEnabled());
    cancel->click();
    QTRY_VERIFY_WITH_TIMEOUT(readFile(dir_.filePath("scancel.log")).contains("77_1"), 10000);
    QCOMPARE(readFile(dir_.filePath("scancel.log")), QByteArray("77_1\n"));
    setSqueue("77_0|RUNNING|None|node2\n");
    writeFile(dir_.filePath("scontrol.txt"),
              "JobId=79 ArrayJobId=77 ArrayTaskId=1 JobState=CANCELLED Reason=None ExitCode=0:15\n");
    QTRY_VERIFY2_WITH_TIMEOUT(summary().startsWith("2 runs: 1 running, 0 finished, 1 cancelled"), qPrintable(summary()),
                              15000);
  }

  // Resume of the cancelled run: a new submission (job 78) to Slurm with the settings of its last
  // submission (the study document says "local" since the previous test).
  void resumeSubmitsAgain() {
    const QString key = monitorRuns()->selectedItems().value(0)->data(0, Qt::UserRole).toString();
    const qint64 id = w_->monitor()->liveRun(key)->runId;
    QCOMPARE(w_->workspace()->store().run(id)->status, app::RunState::Cancelled);
    QFile::remove(dir_.filePath("submitted.sbatch"));
    setSqueue("77_0|RUNNING|None|node2\n78_0|PENDING|Priority|\n");
    QString err;
    QVERIFY2(w_->workspace()->resumeRun(id, &err), qPrintable(err));
    QTRY_VERIFY_WITH_TIMEOUT(QFile::exists(dir_.filePath("submitted.sbatch")), 10000);
    QVERIFY(readFile(dir_.filePath("submitted.sbatch")).contains("#SBATCH --array=0-0%1\n"));
    QVERIFY(readFile(dir_.filePath("submitted.sbatch")).contains("#SBATCH --partition=gpu\n"));
    QTRY_COMPARE_WITH_TIMEOUT(stateOf("78_0"), QString("queued — waiting: other jobs have priority (Slurm job 78_0)"),
                              10000);
    QCOMPARE(w_->workspace()->store().run(id)->jobId, QString("78_0"));
    QVERIFY(!w_->workspace()->isBusy());
  }
};

QTEST_MAIN(TestSlurmMonitor)
#include "test_slurm_monitor.moc"
