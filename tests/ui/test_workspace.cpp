// Workspace: the run tree (state icons, filter), the last workspace reopening, settings.
#include "shell/demo_locator.h"
#include "shell/main_window.h"
#include "ui_fixture.h"
#include "workspace/run_tree.h"
#include "workspace/workspace.h"

#include <QComboBox>
#include <QFile>
#include <QLineEdit>
#include <QSettings>
#include <QTemporaryDir>
#include <QTreeWidget>
#include <QtTest>

using namespace adamix;
using namespace adamix::app;

class TestWorkspace : public QObject {
  Q_OBJECT
 private slots:
  void initTestCase() {
    QStandardPaths::setTestModeEnabled(true);
    QCoreApplication::setOrganizationName("AdaMixTest");
    QCoreApplication::setApplicationName("test_workspace");
    QSettings().clear();
    QVERIFY(dir_.isValid());
    db_ = dir_.filePath("ws/ws.sqlite");
    QDir().mkpath(dir_.filePath("ws"));
    app::Store s;
    s.open(db_);
    ui::test::fillFixtureStore(s, dir_.filePath("ws/runs"));
    // one failed run to see another state
    const qint64 id = ui::test::addPlainRun(s, std::nullopt, "deadbeef", "rte", "broken", 1, app::RunState::Failed);
    app::RunUpdate u;
    u.errorKind = "config";
    u.errorMessage = "bad value";
    s.setRunStatus(id, app::RunState::Failed, u);
  }

  void treeListsStudiesAndRunsAndFilters() {
    ui::Workspace ws;
    QVERIFY(ws.open(db_));
    QCOMPARE(ws.runsDir(), dir_.filePath("ws/runs"));
    ui::RunTree tree(&ws);
    tree.show();
    tree.refresh();
    QTreeWidget* t = tree.tree();
    QCOMPARE(t->topLevelItemCount(), 2);  // the study + imported runs
    QCOMPARE(t->topLevelItem(0)->text(0), QString("fixture"));
    QCOMPARE(t->topLevelItem(0)->childCount(), 8);
    QCOMPARE(t->topLevelItem(0)->text(1), QString("8/8 done"));
    QVERIFY(!t->topLevelItem(0)->child(0)->icon(0).isNull());
    // long names are shortened in the middle (task and the variant's end stay); the tooltip has it all
    QCOMPARE(t->textElideMode(), Qt::ElideMiddle);
    QVERIFY2(t->topLevelItem(0)->child(0)->toolTip(0).startsWith("rte · Adapter · seed 1\n"),
             qPrintable(t->topLevelItem(0)->child(0)->toolTip(0)));
    QCOMPARE(tree.visibleRunCount(), 9);
    tree.filterEdit()->setText("sst2");
    QCOMPARE(tree.visibleRunCount(), 4);
    tree.filterEdit()->setText("adamix");
    QCOMPARE(tree.visibleRunCount(), 4);
    tree.filterEdit()->clear();
    auto* status = tree.findChild<QComboBox*>();
    status->setCurrentIndex(status->findData("failed"));
    QCOMPARE(tree.visibleRunCount(), 1);
    status->setCurrentIndex(0);
    // selecting a study selects its runs
    QSignalSpy spy(&tree, &ui::RunTree::runsSelected);
    t->topLevelItem(0)->setSelected(true);
    QVERIFY(spy.count() >= 1);
    QCOMPARE(tree.selectedRuns().size(), 8);
  }

  // Issue 18: after an edited study was launched again, two runs of one label and seed were
  // trained differently; the tree names the setting so the rows never read the same.
  void treeNamesTheSettingsThatTellUnlikeRunsApart() {
    QTemporaryDir dir;
    const QString db = ui::test::createRelaunchedWorkspace(dir.path());
    ui::Workspace ws;
    QVERIFY(ws.open(db));
    ui::RunTree tree(&ws);
    tree.show();
    tree.refresh();
    QTreeWidget* t = tree.tree();
    QStringList labels;
    for (int i = 0; i < t->topLevelItem(0)->childCount(); ++i)
      labels << t->topLevelItem(0)->child(i)->text(0) + " s" + t->topLevelItem(0)->child(i)->text(2);
    labels.sort();
    QCOMPARE(labels, QStringList({"rte · AdaMix · peft/adamix/num_modules=4 s1",
                                  "rte · AdaMix · peft/adamix/num_modules=8 s2",
                                  "rte · Adapter · peft/adamix/num_modules=1 s1",
                                  "rte · Adapter · peft/adamix/num_modules=1 s2"}));
  }

  void lastWorkspaceReopensAndGeometryPersists() {
    {
      ui::MainWindow w;
      w.resize(1500, 950);
      w.show();
      QVERIFY(w.openWorkspace(db_, true));
      w.close();
    }
    QCOMPARE(QSettings().value("workspace/last").toString(), QFileInfo(db_).absoluteFilePath());
    ui::MainWindow w2;
    QVERIFY(w2.restoreLastWorkspace());
    QVERIFY(w2.workspace()->isOpen());
    QCOMPARE(w2.workspace()->dbPath(), QFileInfo(db_).absoluteFilePath());
    QCOMPARE(w2.size(), QSize(1500, 950));
  }

  void interruptedRunsAreNeverShownRunning() {
    {
      app::Store s;
      s.open(db_);
      ui::test::addPlainRun(s, std::nullopt, "cafe", "rte", "x", 3, app::RunState::Running);
    }
    ui::Workspace ws;
    QVERIFY(ws.open(db_));
    app::RunFilter f;
    f.statuses = {app::RunState::Running};
    QCOMPARE(int(ws.store().listRuns(f).size()), 0);
  }

  // QA 4: a run the app left running (quit, crash) gets an "end: interrupted" line in its log tail
  // when it is marked interrupted, as a cancel gets "end: cancelled": a resume's "start" no longer
  // follows the previous "start" without a word.
  void interruptedRunsEndTheirLogTail() {
    const QString runDir = dir_.filePath("ws/runs/quit-run");
    QDir().mkpath(runDir);
    {
      QFile log(runDir + "/stderr.log");
      QVERIFY(log.open(QIODevice::WriteOnly | QIODevice::Text));
      log.write("[adamix] 2026-12-03T10:00:00 start: adamix-engine train --config run.json\n");
    }
    {
      app::Store s;
      s.open(db_);
      ui::test::addPlainRun(s, std::nullopt, "quit", "rte", "quit", 4, app::RunState::Running, runDir);
    }
    ui::Workspace ws;
    QVERIFY(ws.open(db_));  // the restart marks it interrupted
    QFile log(runDir + "/stderr.log");
    QVERIFY(log.open(QIODevice::ReadOnly | QIODevice::Text));
    const QStringList lines = QString::fromUtf8(log.readAll()).split('\n', Qt::SkipEmptyParts);
    QCOMPARE(lines.size(), 2);
    QVERIFY2(lines.last().startsWith("[adamix] ") && lines.last().contains(" end: interrupted (interrupted: "),
             qPrintable(lines.last()));
  }

  // "Open the demo study" shows what scripts/demo.sh trained: <root>/workspace/demo.sqlite beside
  // <root>/experiments/demo.json; without it, a workspace in the app data folder.
  void demoOpensTheWorkspaceTheDemoScriptTrained() {
    const QString root = dir_.filePath("checkout");
    QDir().mkpath(root + "/experiments");
    QFile study(root + "/experiments/demo.json");
    QVERIFY(study.open(QIODevice::WriteOnly));
    study.write(ui::test::fixtureStudyJson());
    study.close();
    const QString appData =
        QDir(QStandardPaths::writableLocation(QStandardPaths::AppDataLocation)).filePath("demo/demo.sqlite");
    QCOMPARE(ui::defaultDemoWorkspace(study.fileName()), appData);
    QCOMPARE(ui::defaultDemoWorkspace(), appData);
    QDir().mkpath(root + "/workspace");
    app::Store s;
    s.open(root + "/workspace/demo.sqlite");
    ui::test::fillFixtureStore(s, root + "/workspace/runs");
    s.close();
    QCOMPARE(ui::defaultDemoWorkspace(study.fileName()), QDir::cleanPath(root + "/workspace/demo.sqlite"));

    qputenv("ADAMIX_DEMO_STUDY", study.fileName().toUtf8());
    ui::MainWindow w;
    QVERIFY(w.openDemo());
    qunsetenv("ADAMIX_DEMO_STUDY");
    QCOMPARE(w.workspace()->dbPath(), QDir::cleanPath(root + "/workspace/demo.sqlite"));
    QCOMPARE(int(w.workspace()->store().listRuns().size()), 8);  // the trained runs are there at once
    w.workspace()->close();
  }

 private:
  QTemporaryDir dir_;
  QString db_;
};

QTEST_MAIN(TestWorkspace)
#include "test_workspace.moc"
