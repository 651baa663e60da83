// A run's context menu (workspace tree and results table): Evaluate on…, Predict test set…,
// Export adapters… driven through the real menus and dialogs against the scripted fake engine;
// the stored evaluation, the job dialog's output folder and the results table's cells checked.
#include "runs/eval_dialog.h"
#include "runs/export_dialog.h"
#include "runs/job_dialog.h"
#include "runs/merge_dialog.h"
#include "runs/run_actions.h"
#include "results/results_view.h"
#include "shell/main_window.h"
#include "ui_fixture.h"
#include "workspace/run_tree.h"
#include "workspace/workspace.h"

#include <QApplication>
#include <QCheckBox>
#include <QDialogButtonBox>
#include <QComboBox>
#include <QDir>
#include <QFile>
#include <QHeaderView>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QLineEdit>
#include <QMenu>
#include <QMessageBox>
#include <QPlainTextEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QRadioButton>
#include <QSettings>
#include <QStandardItemModel>
#include <QSpinBox>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QTreeWidget>
#include <QtTest>

#include <functional>

using namespace adamix;
using namespace adamix::app;

namespace {

QJsonObject readJson(const QString& path) {
  QFile f(path);
  return f.open(QIODevice::ReadOnly) ? QJsonDocument::fromJson(f.readAll()).object() : QJsonObject();
}

/// The popup menu that a context-menu request opened (nullptr if none).
QMenu* openPopup() { return qobject_cast<QMenu*>(QApplication::activePopupWidget()); }

QAction* actionNamed(QMenu* menu, const QString& name) {
  for (QAction* a : menu->actions())
    if (a->objectName() == name) return a;
  return nullptr;
}

/// Runs `fill` on the modal dialog of type T that `trigger` opens, then lets it close.
template <class T>
bool withModal(const std::function<void()>& trigger, const std::function<void(T*)>& fill) {
  bool seen = false;
  QTimer::singleShot(0, [&] {
    auto* dlg = qobject_cast<T*>(QApplication::activeModalWidget());
    if (!dlg) return;
    seen = true;
    fill(dlg);
  });
  trigger();
  return seen;
}

}  // namespace

class TestRunActions : public QObject {
  Q_OBJECT
  QTemporaryDir dir_;
  QString db_;
  qint64 runId_ = 0;  // rte · Adapter · seed 1
  qint64 failedId_ = 0;
  std::unique_ptr<ui::MainWindow> w_;

  QTreeWidgetItem* treeItem(qint64 runId) {
    QTreeWidget* t = w_->runTree()->tree();
    for (int i = 0; i < t->topLevelItemCount(); ++i)
      for (int j = 0; j < t->topLevelItem(i)->childCount(); ++j)
        if (t->topLevelItem(i)->child(j)->data(0, Qt::UserRole).toLongLong() == runId)
          return t->topLevelItem(i)->child(j);
    return nullptr;
  }
  /// Right-clicks the run's row in the tree; the menu that opens.
  QMenu* treeMenu(qint64 runId) {
    QTreeWidget* t = w_->runTree()->tree();
    QTreeWidgetItem* item = treeItem(runId);
    if (!item) return nullptr;
    t->scrollToItem(item);
    emit t->customContextMenuRequested(t->visualItemRect(item).center());
    return openPopup();
  }
  QString runDir(qint64 id) { return w_->workspace()->store().run(id)->runDir; }
  /// The last job dialog once its job ended well (30 s at most); nullptr, with a warning saying
  /// why, when there is none, it does not end or it fails.
  ui::JobDialog* finishedJob() {
    ui::JobDialog* job = w_->runActions()->lastJob();
    if (!job) return nullptr;
    QElapsedTimer clock;
    clock.start();
    while (!job->isDone() && clock.elapsed() < 30000) QTest::qWait(20);
    if (!job->succeeded()) {
      qWarning("job did not succeed: %s", qPrintable(job->stepLabel()->text()));
      return nullptr;
    }
    return job;
  }
  int evaluationCount() { return int(w_->workspace()->store().evaluations(runId_).size()); }
  /// Evaluates the run (the dialog's defaults) with the fake engine in `fakeMode`; the job dialog
  /// once the engine has started (its `started` event sets the batch count), nullptr when it did not.
  ui::JobDialog* startedEvaluation(const char* fakeMode) {
    qputenv("FAKE_ENGINE_MODE", fakeMode);
    QMenu* menu = treeMenu(runId_);
    QAction* evaluate = actionNamed(menu, "evaluateRun");
    withModal<ui::EvalDialog>([&] { evaluate->trigger(); }, [](ui::EvalDialog* d) { d->accept(); });
    menu->close();
    ui::JobDialog* job = w_->runActions()->lastJob();
    if (!job || !QTest::qWaitFor([job] { return job->progressBar()->maximum() == 3; }, 30000)) return nullptr;
    return job;
  }

 private slots:
  void initTestCase() {
    QStandardPaths::setTestModeEnabled(true);
    QCoreApplication::setOrganizationName("AdaMixTest");
    QCoreApplication::setApplicationName("test_run_actions");
    QSettings().clear();
    qputenv("ADAMIX_ENGINE", FAKE_ENGINE_EXE);
    qunsetenv("FAKE_ENGINE_MODE");
    QVERIFY(dir_.isValid());
    db_ = dir_.filePath("ws/ws.sqlite");
    QDir().mkpath(dir_.filePath("ws"));
    app::Store s;
    s.open(db_);
    ui::test::fillFixtureStore(s, dir_.filePath("ws/runs"));
    // the run directories as training leaves them (the fake engine's eval reads config.json)
    for (const RunRecord& r : s.listRuns()) {
      QDir().mkpath(r.runDir);
      QFile c(r.runDir + "/config.json");
      QVERIFY(c.open(QIODevice::WriteOnly));
      c.write(QByteArray::fromStdString(r.config.dump()));
      QFile res(r.runDir + "/results.json");
      QVERIFY(res.open(QIODevice::WriteOnly));
      res.write(R"({"best_step": 100})");
      if (r.task == "rte" && r.variant == "Adapter" && r.seed == 1) runId_ = r.id;
    }
    QVERIFY(runId_ > 0);
    NewRun nr;
    nr.runKey = "broken";
    nr.task = "rte";
    nr.variant = "broken";
    nr.status = RunState::Failed;
    failedId_ = s.addRun(nr);
    s.close();
    w_ = std::make_unique<ui::MainWindow>();
    w_->resize(1300, 800);
    w_->show();
    QVERIFY(w_->openWorkspace(db_, true));
    w_->runTree()->refresh();
  }

  void cleanupTestCase() {
    if (auto* job = w_->runActions()->lastJob()) job->close();
    w_.reset();
  }

  void unfinishedRunsOfferNothingToRun() {
    QMenu* menu = treeMenu(failedId_);
    QVERIFY(menu);
    const QStringList names{"evaluateRun", "predictRun", "exportRun", "mergeRun"};
    for (const QString& n : names) {
      QAction* a = actionNamed(menu, n);
      QVERIFY2(a, qPrintable(n));
      QVERIFY(!a->isEnabled());
      QVERIFY2(a->toolTip().contains("is failed: only finished runs have trained weights"), qPrintable(a->toolTip()));
    }
    menu->close();
  }

  void evaluateFromTheTreeShowsFolderAndResults() {
    QMenu* menu = treeMenu(runId_);
    QVERIFY(menu);
    QStringList texts;
    for (QAction* a : menu->actions()) texts << a->text();
    QCOMPARE(texts,
             QStringList({"Evaluate on…", "Predict test set…", "Export adapters…", "Merge modules…", "", "Delete…"}));
    QAction* evaluate = actionNamed(menu, "evaluateRun");
    QVERIFY(evaluate->isEnabled());
    const bool seen =
        withModal<ui::EvalDialog>([&] { evaluate->trigger(); },
                                  [](ui::EvalDialog* d) {
                                    QCOMPARE(d->splitCombo()->itemText(0), QString("dev"));
                                    QCOMPARE(d->splitCombo()->itemText(1), QString("test"));
                                    d->splitCombo()->setCurrentIndex(0);
                                    d->inferenceCombo()->setCurrentIndex(d->inferenceCombo()->findData("ensemble"));
                                    QVERIFY(!d->moduleSpin()->isEnabled());
                                    d->accept();
                                  });
    QVERIFY(seen);
    menu->close();
    ui::JobDialog* job = finishedJob();
    QVERIFY(job);
    QCOMPARE(job->stepLabel()->text(), QString("Done: eval dev (ensemble)."));
    const QString out = runDir(runId_) + "/eval/dev-ensemble";
    QCOMPARE(job->outputFolder(), out);
    QCOMPARE(job->folderLabel()->text(), "Output folder: " + QDir::toNativeSeparators(out));
    QVERIFY(job->openFolderButton()->isVisible());
    QVERIFY(!job->cancelButton()->isEnabled());
    QCOMPARE(job->progressBar()->value(), job->progressBar()->maximum());
    // the stored metric is the engine's, and the job dialog and the results table show it
    const double acc = readJson(out + "/metrics.json")["final"].toObject()["dev"].toObject()["accuracy"].toDouble();
    const auto evals = w_->workspace()->store().evaluations(runId_);
    QCOMPARE(evals.size(), size_t(1));
    QCOMPARE(evals[0].split, QString("dev"));
    QCOMPARE(evals[0].inference, QString("ensemble"));
    QCOMPARE(evals[0].weightsStep.value(), qint64(100));
    QCOMPARE(evals[0].metrics.size(), size_t(1));
    QCOMPARE(evals[0].metrics[0].second, acc);
    QVERIFY2(job->resultText()->toPlainText().startsWith(
                 QString("dev (ensemble): 12 examples, weights of step 100, accuracy %1\n").arg(acc, 0, 'f', 4)),
             qPrintable(job->resultText()->toPlainText()));
    job->close();

    ui::ResultsView* rv = w_->results();
    w_->showScreen(ui::MainWindow::Results);  // a screen not on display reads the store when shown
    rv->setStudy(std::nullopt);
    QTableWidget* t = rv->table();
    QStringList headers;
    for (int c = 0; c < t->columnCount(); ++c) headers << t->horizontalHeaderItem(c)->text();
    QCOMPARE(headers, QStringList({"Variant", "RTE", "RTE eval dev (ensemble)", "SST-2", "Avg.", "n"}));
    int adapterRow = -1;
    for (int r = 0; r < t->rowCount(); ++r)
      if (t->item(r, 0)->text() == "Adapter") adapterRow = r;
    QVERIFY(adapterRow >= 0);
    QCOMPARE(t->item(adapterRow, 1)->text(), QString("60.0 ± 1.4"));  // the run's own dev numbers, unchanged
    QCOMPARE(t->item(adapterRow, 2)->text(), QString::number(acc * 100, 'f', 1) + " (n=1)");
    QCOMPARE(t->item(adapterRow, 4)->text(), QString("70.0 ± 1.4"));  // Avg. of the own primary metrics only
    QCOMPARE(t->item(1 - adapterRow, 2)->text(), QString("—"));
  }

  void predictFromTheResultsTable() {
    ui::ResultsView* rv = w_->results();
    w_->showScreen(ui::MainWindow::Results);
    rv->setStudy(std::nullopt);
    QTableWidget* t = rv->table();
    int row = -1;
    for (int r = 0; r < t->rowCount(); ++r)
      if (t->item(r, 0)->text() == "Adapter") row = r;
    QVERIFY(row >= 0);
    // the RTE cell of the Adapter row: its two seeds' runs, one submenu each
    QCOMPARE(rv->runsAt(row, 1).size(), 2);
    QVERIFY(rv->runsAt(row, 1).contains(runId_));
    QCOMPARE(rv->runsAt(row, 0).size(), 4);  // the label cell: every task
    emit t->customContextMenuRequested(t->visualItemRect(t->item(row, 1)).center());
    QMenu* menu = openPopup();
    QVERIFY(menu);
    QCOMPARE(menu->actions().first()->text(), QString("Copy table as Markdown"));
    auto* sub = menu->findChild<QMenu*>(QString("run-%1").arg(runId_));
    QVERIFY(sub);
    QCOMPARE(sub->title(), QString("rte · Adapter · seed 1 (#%1)").arg(runId_));
    QAction* predict = actionNamed(sub, "predictRun");
    QVERIFY(predict && predict->isEnabled());
    const bool seen = withModal<ui::EvalDialog>([&] { predict->trigger(); },
                                                [](ui::EvalDialog* d) {
                                                  QVERIFY(!d->splitButton());  // the test split is fixed
                                                  d->accept();
                                                });
    QVERIFY(seen);
    menu->close();
    ui::JobDialog* job = finishedJob();
    QVERIFY(job);
    const QString out = runDir(runId_) + "/eval/test-merged";
    QCOMPARE(job->outputFolder(), out);
    QVERIFY(QFile::exists(out + "/RTE.tsv"));
    QVERIFY2(job->resultText()->toPlainText().contains("  submission file: " + out + "/RTE.tsv"),
             qPrintable(job->resultText()->toPlainText()));
    const auto evals = w_->workspace()->store().evaluations(runId_);
    QCOMPARE(evals.back().submission, QString("RTE.tsv"));
    QVERIFY(evals.back().metrics.empty());
    job->close();
    // no labels, no column: the table is as before
    QCOMPARE(t->columnCount(), 6);
  }

  void exportFromTheTreeStartsInTheWorkspaceFolder() {
    QMenu* menu = treeMenu(runId_);
    QAction* exportAct = actionNamed(menu, "exportRun");
    QVERIFY(exportAct);
    QString chosen;
    const bool seen = withModal<ui::ExportDialog>(
        [&] { exportAct->trigger(); },
        [&](ui::ExportDialog* d) {
          QCOMPARE(d->formatCombo()->currentText(), QString("peft"));
          QVERIFY2(d->outEdit()->text().startsWith(dir_.filePath("ws/exports/")), qPrintable(d->outEdit()->text()));
          QVERIFY(d->outEdit()->text().endsWith("-peft"));
          d->formatCombo()->setCurrentIndex(d->formatCombo()->findText("adamix"));
          QVERIFY(d->outEdit()->text().endsWith("-adamix"));  // the default folder follows the format
          chosen = d->outDir();
          d->accept();
        });
    QVERIFY(seen);
    menu->close();
    ui::JobDialog* job = finishedJob();
    QVERIFY(job);
    QCOMPARE(job->outputFolder(), chosen);
    QVERIFY(QFile::exists(chosen + "/config.json"));
    QCOMPARE(job->resultText()->toPlainText(),
             QString("Exported adamix:\n  config.json\n  pytorch_model.bin\nNote: fake export of adamix"));
    job->close();
    // the engine refuses a folder that is not empty: a second export is proposed the next free name
    QMenu* again = treeMenu(runId_);
    const bool seenAgain =
        withModal<ui::ExportDialog>([&] { actionNamed(again, "exportRun")->trigger(); },
                                    [&](ui::ExportDialog* d) {
                                      QVERIFY(d->outEdit()->text().endsWith("-peft"));  // not taken
                                      d->formatCombo()->setCurrentIndex(d->formatCombo()->findText("adamix"));
                                      QCOMPARE(d->outDir(), chosen + "-2");
                                      d->reject();
                                    });
    QVERIFY(seenAgain);
    again->close();
  }

  void mergeModulesFromTheTreeStoresEachStrategy() {
    // one module: nothing to merge, and the menu says why
    QMenu* menu = treeMenu(runId_);
    QAction* merge = actionNamed(menu, "mergeRun");
    QVERIFY(merge && !merge->isEnabled());
    QCOMPARE(merge->toolTip(), QString("run %1 has one module: merging needs an AdaMix run "
                                       "(peft.adamix.num_modules > 1)")
                                   .arg(runId_));
    menu->close();
    qint64 adamixId = 0;
    for (const RunRecord& r : w_->workspace()->store().listRuns())
      if (r.task == "rte" && r.variant == "AdaMix" && r.seed == 1) adamixId = r.id;
    QVERIFY(adamixId > 0);
    menu = treeMenu(adamixId);
    merge = actionNamed(menu, "mergeRun");
    QVERIFY(merge && merge->isEnabled());
    const bool seen = withModal<ui::MergeDialog>(
        [&] { merge->trigger(); },
        [](ui::MergeDialog* d) {
          // greedy soup and learned weights by default (uniform is what the run's merged mode is)
          QVERIFY(!d->strategyBox("uniform")->isChecked());
          QVERIFY(d->strategyBox("greedy-soup")->isChecked());
          QVERIFY(d->strategyBox("learned")->isChecked());
          auto* ok = d->findChild<QDialogButtonBox*>()->button(QDialogButtonBox::Ok);
          d->strategyBox("greedy-soup")->setChecked(false);
          d->strategyBox("learned")->setChecked(false);
          QVERIFY(!ok->isEnabled());  // nothing chosen, nothing to run
          d->strategyBox("greedy-soup")->setChecked(true);
          d->strategyBox("learned")->setChecked(true);
          QVERIFY(ok->isEnabled());
          d->heldoutSpin()->setValue(500);
          const auto requests = d->requests();
          QCOMPARE(requests.size(), size_t(2));
          QCOMPARE(requests[0].mergeStrategy, QString("greedy-soup"));
          QCOMPARE(requests[1].heldoutExamples, 500);
          QCOMPARE(app::evalArgs("/r", requests[0]),
                   QStringList({"merge", "--run-dir", "/r", "--strategy", "greedy-soup", "--heldout-examples", "500"}));
          ok->click();
        });
    QVERIFY(seen);
    menu->close();
    ui::JobDialog* job = finishedJob();
    QVERIFY(job);
    QCOMPARE(job->stepLabel()->text(), QString("Done: merge learned (2 of 2)."));
    const QString soup = runDir(adamixId) + "/merges/greedy-soup";
    const QString learned = runDir(adamixId) + "/merges/learned";
    QCOMPARE(job->outputFolder(), learned);
    // the fake engine's dev accuracy: 0.5 + 0.01·|"dev"| + 0.001·|strategy|
    QCOMPARE(job->resultText()->toPlainText(),
             QString("dev (greedy-soup): 12 examples, weights of step 5, accuracy 0.5410\n"
                     "  predictions: %1/predictions.tsv\n"
                     "  fitted on 500 train examples (seed 1), held-out accuracy 0.6250\n"
                     "  modules kept: 0, 2\n"
                     "  report: %1/merge.json\n"
                     "dev (learned): 12 examples, weights of step 5, accuracy 0.5370\n"
                     "  predictions: %2/predictions.tsv\n"
                     "  fitted on 500 train examples (seed 1), held-out accuracy 0.6250\n"
                     "  report: %2/merge.json")
                 .arg(soup, learned));
    const auto evals = w_->workspace()->store().evaluations(adamixId);
    std::vector<Evaluation> merges;
    for (const Evaluation& e : evals)
      if (e.details.contains("strategy")) merges.push_back(e);
    QCOMPARE(merges.size(), size_t(2));
    QCOMPARE(merges[0].inference, QString("greedy-soup"));
    QCOMPARE(merges[0].split, QString("dev"));
    QCOMPARE(merges[0].details["heldout"]["examples"].get<int>(), 500);
    QCOMPARE(merges[0].details["kept"], nlohmann::json::array({0, 2}));
    QCOMPARE(merges[0].details["heldout_score"].get<double>(), 0.625);
    QCOMPARE(merges[1].inference, QString("learned"));
    QVERIFY(!merges[1].details.contains("kept"));
    job->close();
    // each strategy is a column of its own in Results, for that run's variant only
    ui::ResultsView* rv = w_->results();
    w_->showScreen(ui::MainWindow::Results);
    rv->setStudy(std::nullopt);
    QTableWidget* t = rv->table();
    QStringList headers;
    for (int c = 0; c < t->columnCount(); ++c) headers << t->horizontalHeaderItem(c)->text();
    QVERIFY2(headers.contains("RTE eval dev (greedy-soup)") && headers.contains("RTE eval dev (learned)"),
             qPrintable(headers.join(" | ")));
    const int soupCol = int(headers.indexOf("RTE eval dev (greedy-soup)"));
    for (int r = 0; r < t->rowCount(); ++r)
      QCOMPARE(t->item(r, soupCol)->text(), t->item(r, 0)->text() == "AdaMix" ? QString("54.1 (n=1)") : QString("—"));
  }

  /// Cancel during the second step of a two-step job: the first step's result stays stored and
  /// the dialog says so; the second step's output folder is gone and nothing of it is stored.
  void cancelOnTheSecondStepKeepsTheFirst() {
    qint64 adamixId = 0;
    for (const RunRecord& r : w_->workspace()->store().listRuns())
      if (r.task == "rte" && r.variant == "AdaMix" && r.seed == 1) adamixId = r.id;
    QVERIFY(adamixId > 0);
    const QString learned = runDir(adamixId) + "/merges/learned";
    QDir(learned).removeRecursively();  // an earlier test's
    const auto before = w_->workspace()->store().evaluations(adamixId).size();
    qputenv("FAKE_ENGINE_HANG_STRATEGY", "learned");
    QMenu* menu = treeMenu(adamixId);
    QAction* merge = actionNamed(menu, "mergeRun");
    QVERIFY(merge && merge->isEnabled());
    const bool seen =
        withModal<ui::MergeDialog>([&] { merge->trigger(); },
                                   [](ui::MergeDialog* d) {
                                     d->strategyBox("uniform")->setChecked(false);
                                     d->strategyBox("greedy-soup")->setChecked(true);
                                     d->strategyBox("learned")->setChecked(true);
                                     d->findChild<QDialogButtonBox*>()->button(QDialogButtonBox::Ok)->click();
                                   });
    menu->close();
    QVERIFY(seen);
    ui::JobDialog* job = w_->runActions()->lastJob();
    QVERIFY(job);
    QTRY_COMPARE_WITH_TIMEOUT(job->stepLabel()->text(), QString("merge learned (2 of 2)…"), 30000);
    const QDir merges(runDir(adamixId) + "/merges");
    const auto partial = [&] {
      return merges.entryList({".learned.partial-*"}, QDir::Dirs | QDir::Hidden | QDir::NoDotAndDotDot);
    };
    QTRY_COMPARE_WITH_TIMEOUT(partial().size(), 1, 30000);                        // the engine has started
    QCOMPARE(w_->workspace()->store().evaluations(adamixId).size(), before + 1);  // greedy soup stored
    QTest::mouseClick(job->cancelButton(), Qt::LeftButton);
    QTRY_VERIFY_WITH_TIMEOUT(job->isDone(), 30000);
    qunsetenv("FAKE_ENGINE_HANG_STRATEGY");
    QVERIFY(!job->succeeded());
    QCOMPARE(job->stepLabel()->text(), QString("Cancelled after 1 finished step: it is stored, nothing further was."));
    const auto after = w_->workspace()->store().evaluations(adamixId);
    QCOMPARE(after.size(), before + 1);
    QCOMPARE(after.back().inference, QString("greedy-soup"));
    QVERIFY(!QFileInfo::exists(learned));  // the engine removed its unfinished output
    QCOMPARE(partial(), QStringList());
    QVERIFY(QFileInfo::exists(runDir(adamixId) + "/merges/greedy-soup/predictions.tsv"));
    job->close();
  }

  void adapterRunsExportAsAdamixOnly() {
    auto run = w_->workspace()->store().run(runId_);
    run->config["peft"]["method"] = "adapter";
    ui::ExportDialog d(*run, dir_.filePath("ws"));
    QCOMPARE(d.format(), QString("adamix"));
    auto* model = qobject_cast<QStandardItemModel*>(d.formatCombo()->model());
    QVERIFY(!model->item(d.formatCombo()->findData("peft"))->isEnabled());
    QVERIFY(!model->item(d.formatCombo()->findData("merged-model"))->isEnabled());
    QVERIFY(model->item(d.formatCombo()->findData("adamix"))->isEnabled());
    run->config["peft"]["method"] = "lora";
    ui::ExportDialog l(*run, dir_.filePath("ws"));
    QCOMPARE(l.format(), QString("peft"));
    QVERIFY(qobject_cast<QStandardItemModel*>(l.formatCombo()->model())->item(0)->isEnabled());
  }

  void cancelStopsTheEngineAndStoresNothing() {
    const int before = evaluationCount();
    ui::JobDialog* job = startedEvaluation("hang");  // the engine starts, then hangs
    QVERIFY(job);
    QVERIFY(!job->isDone());
    QVERIFY(job->cancelButton()->isEnabled());
    if (const QString shots = qEnvironmentVariable("ADAMIX_TEST_SCREENSHOTS"); !shots.isEmpty())
      job->grab().save(QDir(shots).filePath("job-running.png"));  // to look at the running state
    // while the engine reads its weights, the run cannot be deleted
    QMenu* menu = treeMenu(runId_);
    QAction* del = actionNamed(menu, "deleteRuns");
    QVERIFY(del);
    QString refused;
    const bool asked =
        withModal<QMessageBox>([&] { del->trigger(); },
                               [&](QMessageBox* box) {
                                 refused = box->objectName() + ": " + box->text() + "\n" + box->informativeText();
                                 box->accept();
                               });
    menu->close();
    QVERIFY(asked);
    QVERIFY2(refused.startsWith("deleteRefused: An evaluation or export is reading these runs") &&
                 refused.contains(QString("(#%1)").arg(runId_)),
             qPrintable(refused));
    QVERIFY(w_->workspace()->store().run(runId_));
    // Cancel asks the engine to stop (SIGTERM): it ends with its own `interrupted` event, having
    // removed its unfinished output; it is not killed.
    QTest::mouseClick(job->cancelButton(), Qt::LeftButton);
    QTest::mouseClick(job->cancelButton(), Qt::LeftButton);  // a double click: still the clean stop
    QTRY_VERIFY_WITH_TIMEOUT(job->isDone(), 30000);
    QVERIFY(!job->succeeded());
    QVERIFY(job->job()->errorEvent());
    QCOMPARE(job->job()->errorEvent()->kind, QString("interrupted"));
    QCOMPARE(job->stepLabel()->text(), QString("Cancelled; nothing further was stored."));
    QVERIFY(!job->cancelButton()->isEnabled());
    QCOMPARE(evaluationCount(), before);
    qunsetenv("FAKE_ENGINE_MODE");
    job->close();
  }

  void cancelTwiceKillsAnEngineThatDoesNotStop() {
    const int before = evaluationCount();
    ui::JobDialog* job = startedEvaluation("stubborn");  // ignores SIGTERM
    QVERIFY(job);
    QTest::mouseClick(job->cancelButton(), Qt::LeftButton);
    QVERIFY(!job->isDone());  // asked to stop; the engine goes on
    QCOMPARE(job->stepLabel()->text(), QString("Stopping: the engine removes its unfinished output…"));
    QCOMPARE(job->cancelButton()->text(), QString("Stop now"));
    QVERIFY(!job->cancelButton()->isEnabled());  // a double click's second half does not kill
    QTRY_VERIFY_WITH_TIMEOUT(job->cancelButton()->isEnabled(), 5000);
    if (const QString shots = qEnvironmentVariable("ADAMIX_TEST_SCREENSHOTS"); !shots.isEmpty())
      job->grab().save(QDir(shots).filePath("job-stopping.png"));
    QVERIFY(!job->isDone());  // SIGTERM is ignored: still running
    QVERIFY(job->job()->isRunning());
    QTest::mouseClick(job->cancelButton(), Qt::LeftButton);  // SIGKILL
    QTRY_VERIFY_WITH_TIMEOUT(job->isDone(), 30000);
    QVERIFY(!job->succeeded());
    QVERIFY(!job->job()->errorEvent());  // killed: it sent no event
    QCOMPARE(job->stepLabel()->text(), QString("Cancelled; nothing further was stored."));
    QCOMPARE(evaluationCount(), before);
    qunsetenv("FAKE_ENGINE_MODE");
    job->close();
  }

  // Closing the job window (Esc, its close button) while the engine ran killed it (SIGKILL: an
  // unfinished output folder left behind). It is a Cancel now: the clean stop, and the window
  // closes once the engine has stopped; closing again once "Stop now" is offered kills it.
  void closingTheWindowWhileTheEngineRunsIsACancel() {
    const int before = evaluationCount();
    QPointer<ui::JobDialog> job = startedEvaluation("hang");  // stops on SIGTERM
    QVERIFY(job);
    QString endedAs = "not ended";  // how the engine ended, read as the job ends (the dialog then goes)
    connect(job, &ui::JobDialog::jobFinished, this, [&endedAs, job] {
      const auto& e = job->job()->errorEvent();
      endedAs = e ? e->kind : QString("no event (killed)");
    });
    QTest::keyClick(job, Qt::Key_Escape);
    QVERIFY(job->isVisible());  // open until the engine has stopped
    QCOMPARE(job->stepLabel()->text(), QString("Stopping: the engine removes its unfinished output…"));
    QTest::keyClick(job, Qt::Key_Escape);                                // a double Esc: still the clean stop
    QTRY_VERIFY_WITH_TIMEOUT(job.isNull() || !job->isVisible(), 30000);  // closed by itself
    QCOMPARE(endedAs, QString("interrupted"));                           // the engine's own clean stop, not a kill
    QCOMPARE(evaluationCount(), before);

    // after Cancel, one close does not kill: the window waits for the clean stop as well
    job = startedEvaluation("hang");
    QVERIFY(job);
    endedAs = "not ended";
    connect(job, &ui::JobDialog::jobFinished, this, [&endedAs, job] {
      const auto& e = job->job()->errorEvent();
      endedAs = e ? e->kind : QString("no event (killed)");
    });
    QTest::mouseClick(job->cancelButton(), Qt::LeftButton);
    job->close();
    QTRY_VERIFY_WITH_TIMEOUT(job.isNull() || !job->isVisible(), 30000);
    QCOMPARE(endedAs, QString("interrupted"));

    job = startedEvaluation("stubborn");  // ignores SIGTERM
    QVERIFY(job);
    app::EngineJob* engine = job->job();
    job->close();
    QVERIFY(job->isVisible() && engine->isRunning());
    QTRY_VERIFY_WITH_TIMEOUT(job->cancelButton()->isEnabled(), 5000);  // "Stop now" offered
    job->close();                                                      // killed, closed at once
    QVERIFY(job.isNull() || !job->isVisible());
    QTRY_VERIFY_WITH_TIMEOUT(job.isNull(), 5000);  // deleted on close, its engine with it
    QCOMPARE(evaluationCount(), before);
    qunsetenv("FAKE_ENGINE_MODE");
  }

  // Review: another workspace opened (or none) must end a running job at once — it writes into
  // the store it started with, which is gone. Closing became a clean stop that waits, so the job
  // outlived its store; the workspace now abandons it (killed, closed, nothing stored).
  void openingAnotherWorkspaceEndsARunningJob() {
    QPointer<ui::JobDialog> job = startedEvaluation("stubborn");  // would never stop by itself
    QVERIFY(job);
    QPointer<app::EngineJob> engine = job->job();
    w_->workspace()->close();
    QVERIFY(job.isNull() || !job->isVisible());
    QVERIFY(engine.isNull() || !engine->isRunning());
    QTRY_VERIFY_WITH_TIMEOUT(job.isNull(), 5000);
    qunsetenv("FAKE_ENGINE_MODE");
    QVERIFY(w_->workspace()->open(db_));  // for the tests after this one
  }
};

QTEST_MAIN(TestRunActions)
#include "test_run_actions.moc"
