// Deleting runs and a study from the workspace tree's context menu (issue 18, item 5): the
// confirmation lists what goes, accepting it removes the rows of every table and the run
// directories inside the runs folder, Cancel keeps everything, running runs are refused, and a
// run directory outside the runs folder is kept, as is one from before owner files that a copy of
// the database beside it still names (the result names that database).
// SPDX-License-Identifier: GPL-3.0-or-later
#include "shell/main_window.h"
#include "store/run_deletion.h"
#include "ui_fixture.h"
#include "workspace/run_tree.h"
#include "workspace/workspace.h"

#include <QAbstractButton>
#include <QApplication>
#include <QDir>
#include <QFile>
#include <QMenu>
#include <QMessageBox>
#include <QSettings>
#include <QSqlDatabase>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QTreeWidget>
#include <QtTest>

#include <functional>

using namespace adamix;
using namespace adamix::app;

namespace {

QMenu* openPopup() { return qobject_cast<QMenu*>(QApplication::activePopupWidget()); }

QAction* actionNamed(QMenu* menu, const QString& name) {
  for (QAction* a : menu->actions())
    if (a->objectName() == name) return a;
  return nullptr;
}

/// What a message box showed, all of its texts together.
QString boxText(QMessageBox* box) {
  return box->text() + '\n' + box->informativeText() + '\n' + box->detailedText();
}

}  // namespace

class TestDeleteRuns : public QObject {
  Q_OBJECT
  QTemporaryDir dir_;
  QString db_, runsDir_, outside_;
  QList<qint64> failed_;  // two failed runs of the fixture study
  qint64 outsideRun_ = 0;
  std::unique_ptr<ui::MainWindow> w_;

  Store& store() { return w_->workspace()->store(); }
  QTreeWidget* tree() { return w_->runTree()->tree(); }
  QTreeWidgetItem* runItem(qint64 runId) {
    for (int i = 0; i < tree()->topLevelItemCount(); ++i)
      for (int j = 0; j < tree()->topLevelItem(i)->childCount(); ++j)
        if (tree()->topLevelItem(i)->child(j)->data(0, Qt::UserRole).toLongLong() == runId)
          return tree()->topLevelItem(i)->child(j);
    return nullptr;
  }
  /// Right-clicks an item of the tree; the menu that opens (nullptr if none).
  QMenu* menuOf(QTreeWidgetItem* item) {
    if (!item) return nullptr;
    tree()->scrollToItem(item);
    emit tree()->customContextMenuRequested(tree()->visualItemRect(item).center());
    return openPopup();
  }
  /// Triggers `action`; the message box it opens gets `answer` (its button with that text) after
  /// `check` looked at it. Returns the box's object name ("" when none opened).
  QString answerBox(QAction* action, const QString& answer, const std::function<void(QMessageBox*)>& check) {
    QString seen;
    QTimer::singleShot(0, [&] {
      auto* box = qobject_cast<QMessageBox*>(QApplication::activeModalWidget());
      if (!box) return;
      seen = box->objectName();
      check(box);
      for (QAbstractButton* b : box->buttons())
        if (b->text().remove('&') == answer) {
          b->click();
          return;
        }
      box->reject();
    });
    action->trigger();
    return seen;
  }
  qint64 count(const QString& sql) {
    QSqlQuery q(QSqlDatabase::database(store().connectionName()));
    if (!q.exec(sql) || !q.next()) return -1;
    return q.value(0).toLongLong();
  }
  std::map<QString, qint64> counts() {
    std::map<QString, qint64> out;
    for (const char* t : {"studies", "runs", "metric_points", "results", "artifacts", "evaluations"})
      out[t] = count(QString("SELECT count(*) FROM ") + t);
    return out;
  }

 private slots:
  void initTestCase() {
    QStandardPaths::setTestModeEnabled(true);
    QCoreApplication::setOrganizationName("AdaMixTest");
    QCoreApplication::setApplicationName("test_delete_runs");
    QSettings().clear();
    QVERIFY(dir_.isValid());
    db_ = dir_.filePath("ws/ws.sqlite");
    runsDir_ = dir_.filePath("ws/runs");
    outside_ = dir_.filePath("elsewhere/run");
    QDir().mkpath(dir_.filePath("ws"));
    Store s;
    s.open(db_);
    ui::test::fillFixtureStore(s, runsDir_);
    for (const RunRecord& r : s.listRuns()) {
      QDir().mkpath(r.runDir);
      QFile f(r.runDir + "/run.json");
      QVERIFY(f.open(QIODevice::WriteOnly));
      f.write("{}");
      // two runs that failed: the ones to get rid of
      if (r.task == "sst2" && r.variant == "AdaMix") {
        RunUpdate u;
        u.errorKind = "data";
        u.errorMessage = "bad label";
        s.setRunStatus(r.id, RunState::Failed, u);
        failed_ << r.id;
      }
    }
    QCOMPARE(failed_.size(), 2);
    // one run whose directory lies outside the workspace's runs folder
    outsideRun_ = s.listRuns().front().id;
    QVERIFY(QDir(s.run(outsideRun_)->runDir).removeRecursively());  // it moved
    QDir().mkpath(outside_);
    QFile f(outside_ + "/run.json");
    QVERIFY(f.open(QIODevice::WriteOnly));
    RunUpdate u;
    u.runDir = outside_;
    s.setRunStatus(outsideRun_, RunState::Finished, u);
    s.close();
    w_ = std::make_unique<ui::MainWindow>();
    w_->resize(1300, 800);
    w_->show();
    QVERIFY(w_->openWorkspace(db_, true));
    w_->runTree()->refresh();
  }

  void cleanupTestCase() { w_.reset(); }

  void cancelDeletesNothing() {
    const auto before = counts();
    QMenu* menu = menuOf(runItem(failed_[0]));
    QVERIFY(menu);
    QAction* del = actionNamed(menu, "deleteRuns");
    QVERIFY2(del, "no Delete… in a run's context menu");
    QCOMPARE(del->text(), QString("Delete…"));
    QVERIFY(del->isEnabled());
    const QString seen = answerBox(del, "Cancel", [](QMessageBox*) {});
    menu->close();
    QCOMPARE(seen, QString("deleteConfirmation"));
    QVERIFY(counts() == before);
    QVERIFY(QFileInfo::exists(store().run(failed_[0])->runDir));
  }

  void runningRunsAreRefused() {
    const qint64 id = failed_[1];
    // running here and alive (this process stands in for its engine), with a fresh heartbeat
    RunUpdate alive;
    alive.host = QSysInfo::machineHostName();
    alive.pid = QCoreApplication::applicationPid();
    alive.lastHeartbeat = unixNow();
    store().setRunStatus(id, RunState::Running, alive);
    w_->runTree()->refresh();
    const auto before = counts();
    QMenu* menu = menuOf(runItem(id));
    QVERIFY(menu);
    QAction* del = actionNamed(menu, "deleteRuns");
    QVERIFY(del);
    QString text;
    const QString seen = answerBox(del, "OK", [&](QMessageBox* box) { text = boxText(box); });
    menu->close();
    QCOMPARE(seen, QString("deleteRefused"));
    QVERIFY2(text.contains("Refused: 1 of them is queued or running; cancel it first."), qPrintable(text));
    QVERIFY(counts() == before);
    RunUpdate u;
    u.errorKind = "data";
    store().setRunStatus(id, RunState::Failed, u);
    w_->runTree()->refresh();
  }

  // a run left `running` by an app that is gone (no live engine) is interrupted, so it can go
  void staleRunningRunsAreNotRefused() {
    const qint64 id = failed_[1];
    RunUpdate dead;
    dead.pid = 999999999;
    store().setRunStatus(id, RunState::Running, dead);
    w_->runTree()->refresh();
    QMenu* menu = menuOf(runItem(id));
    QVERIFY(menu);
    QAction* del = actionNamed(menu, "deleteRuns");
    QVERIFY(del);
    QString text;
    const QString seen = answerBox(del, "Cancel", [&](QMessageBox* box) { text = boxText(box); });
    menu->close();
    QCOMPARE(seen, QString("deleteConfirmation"));
    QVERIFY2(text.contains("(interrupted)"), qPrintable(text));
    QCOMPARE(store().run(id)->status, RunState::Interrupted);
    RunUpdate u;
    u.errorKind = "data";
    store().setRunStatus(id, RunState::Failed, u);
    w_->runTree()->refresh();
  }

  /// A study that includes another study's identical runs (a study file copied under another name)
  /// shows them under both studies, and deleting it keeps them: the confirmation says they stay.
  void aStudyIncludingRunsShowsThemAndItsDeletionKeepsThem() {
    const auto before = counts();
    std::vector<qint64> shared;
    for (const RunRecord& r : store().listRuns())
      if (r.status == RunState::Finished && r.id != outsideRun_ && shared.size() < 2) shared.push_back(r.id);
    QCOMPARE(shared.size(), size_t(2));
    const qint64 copy =
        store().upsertStudy("fixture-copy", dir_.filePath("fixture-copy.json"), nlohmann::json::object());
    for (qint64 id : shared) store().includeRunInStudy(copy, id);
    w_->runTree()->refresh();
    QTreeWidgetItem* copyItem = nullptr;
    for (int i = 0; i < tree()->topLevelItemCount(); ++i)
      if (tree()->topLevelItem(i)->text(0) == "fixture-copy") copyItem = tree()->topLevelItem(i);
    QVERIFY(copyItem);
    QCOMPARE(copyItem->childCount(), 2);
    QCOMPARE(copyItem->text(1), QString("2/2 done"));
    for (int j = 0; j < 2; ++j) {
      QCOMPARE(copyItem->child(j)->data(0, Qt::UserRole).toLongLong(), shared[size_t(j)]);
      QVERIFY2(copyItem->child(j)->toolTip(0).contains("Run of study fixture, whose identical config this study "
                                                       "includes: trained once, in both"),
               qPrintable(copyItem->child(j)->toolTip(0)));
    }
    QCOMPARE(w_->runTree()->visibleRunCount(), int(before.at("runs")));  // each run once
    copyItem->setExpanded(true);
    if (const QString shots = qEnvironmentVariable("ADAMIX_TEST_SCREENSHOTS"); !shots.isEmpty())
      w_->runTree()->grab().save(QDir(shots).filePath("run-tree-included-runs.png"));
    QMenu* menu = menuOf(copyItem);
    QVERIFY(menu);
    QAction* del = actionNamed(menu, "deleteStudy");
    QVERIFY(del);
    QString text;
    const QString seen = answerBox(del, "Delete", [&](QMessageBox* box) {
      QCOMPARE(box->text(), QString("Delete study fixture-copy with 0 of its runs and their run directories? 2 runs "
                                    "stay: another study has them too."));
      text = boxText(box);
    });
    menu->close();
    QCOMPARE(seen, QString("deleteConfirmation"));
    QVERIFY2(
        text.contains("Runs kept, with their rows and directories (2):") && text.contains(" — also in study fixture"),
        qPrintable(text));
    auto after = counts();
    QCOMPARE(after.at("studies"), before.at("studies"));  // the copy's study row was added, then deleted
    after.erase("studies");
    auto expected = before;
    expected.erase("studies");
    QCOMPARE(after, expected);
    for (qint64 id : shared) QVERIFY(runItem(id));
    QTRY_VERIFY(!tree()->findItems("fixture-copy", Qt::MatchExactly).size());
  }

  void deletesTheSelectedFailedRunsWithTheirDirectories() {
    const auto before = counts();
    QStringList dirs;
    for (qint64 id : failed_) dirs << store().run(id)->runDir;
    const qint64 points = count(QString("SELECT count(*) FROM metric_points WHERE run_id IN (%1, %2)")
                                    .arg(failed_[0])
                                    .arg(failed_[1]));
    QCOMPARE(points, 24);  // 10 train/loss + 2 dev/accuracy each
    tree()->clearSelection();
    for (qint64 id : failed_) runItem(id)->setSelected(true);
    QCOMPARE(w_->runTree()->selectedRuns().size(), 2);
    QMenu* menu = menuOf(runItem(failed_[1]));
    QVERIFY(menu);
    QAction* del = actionNamed(menu, "deleteRuns");
    QVERIFY(del);
    QVERIFY2(del->toolTip().contains("the 2 selected runs"), qPrintable(del->toolTip()));
    QString text;
    const QString seen = answerBox(del, "Delete", [&](QMessageBox* box) {
      text = boxText(box);
      QCOMPARE(box->text(), QString("Delete 2 runs and their run directories?"));
      if (const QString shots = qEnvironmentVariable("ADAMIX_TEST_SCREENSHOTS"); !shots.isEmpty())
        box->grab().save(QDir(shots).filePath("delete-confirmation.png"));  // to look at
    });
    menu->close();
    QCOMPARE(seen, QString("deleteConfirmation"));
    for (qint64 id : failed_) QVERIFY2(text.contains(QString("#%1 sst2 · AdaMix · seed ").arg(id)), qPrintable(text));
    for (const QString& d : dirs) QVERIFY2(text.contains(QDir::cleanPath(d)), qPrintable(text));
    QVERIFY2(text.contains("Database rows: 2 runs, 24 metric points, 4 results, 0 artifact records, 0 evaluations"),
             qPrintable(text));

    const auto after = counts();
    QCOMPARE(after.at("runs"), before.at("runs") - 2);
    QCOMPARE(after.at("metric_points"), before.at("metric_points") - 24);
    QCOMPARE(after.at("results"), before.at("results") - 4);
    QCOMPARE(after.at("studies"), before.at("studies"));
    for (qint64 id : failed_) QVERIFY(!store().run(id));
    for (const QString& d : dirs) QVERIFY2(!QFileInfo::exists(d), qPrintable(d));
    QTRY_COMPARE(tree()->topLevelItem(0)->childCount(), 6);  // the tree follows
    QVERIFY(!runItem(failed_[0]) && !runItem(failed_[1]));
  }

  void deletesTheStudyKeepingWhatLiesOutsideTheRunsFolder() {
    QTreeWidgetItem* study = tree()->topLevelItem(0);
    QCOMPARE(study->text(0), QString("fixture"));
    QMenu* menu = menuOf(study);
    QVERIFY2(menu, "no context menu on a study");
    QAction* del = actionNamed(menu, "deleteStudy");
    QVERIFY(del);
    QCOMPARE(del->text(), QString("Delete study…"));
    QString text;
    const QString seen = answerBox(del, "Delete", [&](QMessageBox* box) {
      text = boxText(box);
      QCOMPARE(box->text(), QString("Delete study fixture with its 6 runs and their run directories?"));
    });
    menu->close();
    QCOMPARE(seen, QString("deleteConfirmation"));
    QVERIFY2(text.contains(QDir::cleanPath(outside_) + " — outside the workspace's runs folder"), qPrintable(text));
    const auto after = counts();
    for (const char* t : {"studies", "runs", "metric_points", "results"}) QVERIFY2(after.at(t) == 0, t);
    QCOMPARE(QDir(runsDir_).entryList(QDir::NoDotAndDotDot | QDir::AllEntries), QStringList());
    QVERIFY(QFile::exists(outside_ + "/run.json"));  // kept, and said so
    auto* kept = w_->findChild<QMessageBox*>("deleteKept");
    QVERIFY(kept);
    QVERIFY2(boxText(kept).contains(QDir::cleanPath(outside_)), qPrintable(boxText(kept)));
    kept->close();
    QTRY_COMPARE(tree()->topLevelItemCount(), 0);
  }

  /// QA 6: a study and a run deleted behind the GUI's back (as `adamix study delete X --yes` does,
  /// straight through the store): Delete… on their stale tree rows says in plain words that they
  /// were already deleted (no "store: no study with id …") and the tree drops them.
  void staleRowsSayAlreadyDeletedAndTheTreeRefreshes() {
    const qint64 study = store().upsertStudy("cli-deleted", QString(), nlohmann::json::object());
    NewRun nr;
    nr.studyId = study;
    nr.runKey = "cli-run";
    nr.task = "rte";
    nr.variant = "gone";
    nr.seed = 1;
    nr.status = RunState::Failed;
    nr.runDir = QDir(runsDir_).filePath("cli-run");
    const qint64 run = store().addRun(nr);
    nr.runKey = "cli-run-2";
    nr.variant = "gone-too";
    nr.runDir = QDir(runsDir_).filePath("cli-run-2");
    const qint64 run2 = store().addRun(nr);
    w_->runTree()->refresh();
    QVERIFY(runItem(run) && runItem(run2));

    // the run first: deleted behind the GUI's back, then Delete… on its row
    store().deleteRuns({run});
    QVERIFY(!store().run(run));
    QVERIFY(runItem(run));  // stale
    QMenu* menu = menuOf(runItem(run));
    QVERIFY(menu);
    QAction* del = actionNamed(menu, "deleteRuns");
    QVERIFY(del);
    QString text;
    QString seen = answerBox(del, "OK", [&](QMessageBox* box) { text = boxText(box); });
    menu->close();
    QCOMPARE(seen, QString("alreadyDeleted"));
    QVERIFY2(text.contains("already deleted") && !text.contains("store:"), qPrintable(text));
    QTRY_VERIFY(!runItem(run));
    QVERIFY(runItem(run2));

    // then the whole study, as the CLI's study delete does it
    deleteRunsAndDirectories(store(), planStudyDeletion(store(), study, runsDir_), runsDir_);
    QVERIFY(!store().study(study));
    QTreeWidgetItem* stale = tree()->topLevelItem(0);
    QVERIFY(stale);
    QCOMPARE(stale->text(0), QString("cli-deleted"));
    menu = menuOf(stale);
    QVERIFY(menu);
    del = actionNamed(menu, "deleteStudy");
    QVERIFY(del);
    text.clear();
    seen = answerBox(del, "OK", [&](QMessageBox* box) { text = boxText(box); });
    menu->close();
    QCOMPARE(seen, QString("alreadyDeleted"));
    QVERIFY2(text.contains("This study was already deleted") && !text.contains("store:"), qPrintable(text));
    QTRY_COMPARE(tree()->topLevelItemCount(), 0);
  }

  /// A run directory from before owner files that a copy of the database beside this one (same
  /// folder, same runs folder) still names stays, and the deletion's result names that database,
  /// as it names another workspace's.
  void aDirectoryACopyBesideStillUsesStaysAndIsNamed() {
    NewRun nr;
    nr.studyId = store().upsertStudy("copied", QString(), nlohmann::json::object());
    nr.runKey = "copied-run";
    nr.task = "rte";
    nr.variant = "LoRA";
    nr.seed = 1;
    nr.status = RunState::Failed;
    nr.runDir = QDir(runsDir_).filePath("copied-run");
    QVERIFY(QDir().mkpath(nr.runDir));
    QFile f(nr.runDir + "/run.json");
    QVERIFY(f.open(QIODevice::WriteOnly) && f.write("{}") == 2);
    f.close();
    const qint64 run = store().addRun(nr);
    const QString copy = dir_.filePath("ws/ws-copy.sqlite");
    qint64 copyRun = 0;
    {
      Store c;
      c.open(copy);
      nr.studyId = c.upsertStudy("copied", QString(), nlohmann::json::object());
      copyRun = c.addRun(nr);
    }
    w_->runTree()->refresh();
    QMenu* menu = menuOf(runItem(run));
    QVERIFY(menu);
    QAction* del = actionNamed(menu, "deleteRuns");
    QVERIFY(del);
    const QString reason = QString("%1 — still used by run #%2 of %3, a database beside this one (is one a copy of "
                                   "the other?)")
                               .arg(QDir::cleanPath(nr.runDir))
                               .arg(copyRun)
                               .arg(copy);
    QString text;
    const QString seen = answerBox(del, "Delete", [&](QMessageBox* box) { text = boxText(box); });
    menu->close();
    QCOMPARE(seen, QString("deleteConfirmation"));
    QVERIFY2(text.contains("Kept on disk (1):\n  " + reason), qPrintable(text));
    QVERIFY(!store().run(run));
    QVERIFY(QFile::exists(nr.runDir + "/run.json"));
    QMessageBox* kept = nullptr;
    for (QMessageBox* box : w_->findChildren<QMessageBox*>("deleteKept"))
      if (box->isVisible()) kept = box;
    QVERIFY(kept);
    QVERIFY2(boxText(kept).contains(reason), qPrintable(boxText(kept)));
    kept->close();
  }
};

QTEST_MAIN(TestDeleteRuns)
#include "test_delete_runs.moc"
