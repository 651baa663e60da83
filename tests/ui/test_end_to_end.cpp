// End to end with the real engine: design a two-variant study in the designer, launch it on a
// tiny init-model, wait for live curves in the monitor, compare both runs, export the table,
// evaluate a run's saved weights from its context menu.
#include "compare/compare_view.h"
#include "designer/designer_view.h"
#include "export/pivot.h"
#include "export/result_set.h"
#include "monitor/monitor_view.h"
#include "results/results_view.h"
#include "runs/eval_dialog.h"
#include "runs/job_dialog.h"
#include "runs/run_actions.h"
#include "shell/main_window.h"
#include "workspace/workspace.h"

#include <QDir>
#include <QComboBox>
#include <QLabel>
#include <QTableWidget>
#include <QMenu>
#include <QMessageBox>
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

using namespace adamix;
using namespace adamix::app;
using nlohmann::json;

class TestEndToEnd : public QObject {
  Q_OBJECT
 private slots:
  void initTestCase() {
    QStandardPaths::setTestModeEnabled(true);
    engine_ = qEnvironmentVariable("ADAMIX_ENGINE");
#ifdef ADAMIX_ENGINE_EXE
    if (engine_.isEmpty()) engine_ = QStringLiteral(ADAMIX_ENGINE_EXE);
#endif
    if (!QFile::exists(engine_)) QSKIP("adamix-engine not built");
    qputenv("ADAMIX_ENGINE", engine_.toUtf8());
    shared_ = QStringLiteral(ADAMIX_SHARED_DIR);
    if (!QFile::exists(shared_ + "/models/stories260K/tokenizer.model") ||
        !QFile::exists(shared_ + "/data/glue/RTE/train.tsv"))
      QSKIP("stories260K tokenizer or GLUE RTE not in ADAMIX_SHARED_DIR");
    QVERIFY(dir_.isValid());
    model_ = dir_.filePath("tiny");
    QProcess p;
    p.start(engine_, {"init-model", "--arch", "llama", "--out", model_, "--hidden", "32", "--layers", "2", "--heads",
                      "4", "--kv-heads", "2", "--ffn", "64", "--tokenizer-from", shared_ + "/models/stories260K"});
    QVERIFY(p.waitForFinished(120000));
    QVERIFY2(p.exitCode() == 0, p.readAllStandardError().constData());
    // any modal box (a failed launch) would hang the test: close it and fail
    guard_ = new QTimer(this);
    auto* guard = guard_;
    connect(guard, &QTimer::timeout, this, [this] {
      if (QWidget* m = QApplication::activeModalWidget()) {
        modalText_ = m->findChild<QLabel*>() ? m->findChild<QLabel*>()->text() : QStringLiteral("modal");
        m->close();
      }
    });
    guard->start(300);
  }

  void designLaunchWatchCompareExport() {
    ui::MainWindow w;
    w.resize(1400, 900);
    w.show();
    QVERIFY(w.openWorkspace(dir_.filePath("ws/e2e.sqlite"), true));

    // 1. design: two variants (M = 1 and M = 2) on RTE, one seed
    ui::DesignerView* d = w.designer();
    json doc = {{"name", "e2e"},
                {"base",
                 {{"model", {{"path", model_.toStdString()}}},
                  {"task", {{"max_seq_length", 32}, {"max_train_examples", 64}, {"max_dev_examples", 32}}},
                  {"train",
                   {{"learning_rate", 1e-3},
                    {"epochs", 1},
                    {"batch_size", 8},
                    {"eval_every_steps", 4},
                    {"log_every_steps", 1}}}}},
                {"tasks", json::array({{{"name", "rte"}, {"data_dir", (shared_ + "/data/glue/RTE").toStdString()}}})},
                {"seeds", {1}}};
    // Opening a study whose model is not available while the previous model is still being
    // inspected: the late summary of the old model must not label the new one.
    json unfetched = doc;
    unfetched["base"]["model"]["path"] = "asset:models/gpt2-medium";  // in the manifest, never fetched here
    d->loadDocument(doc);
    QVERIFY(d->isInspectingModel());
    d->loadDocument(unfetched);
    QVERIFY(!d->isInspectingModel());  // the old inspection was cancelled, its answer dropped
    QCOMPARE(d->modelSummaryText(), QString("Asset models/gpt2-medium: not in the cache yet, fetched at launch."));
    QCOMPARE(d->previewTable()->item(0, 4)->text(), QString("—"));
    d->loadDocument(doc);
    d->addPathAxis("/peft/adamix/num_modules", "1, 2");
    d->revalidate();
    QVERIFY2(d->validationError().isEmpty(), qPrintable(d->validationError()));
    QCOMPARE(d->runCount(), 2);
    // parameter counts from `adamix-engine inspect` arrive in the preview
    QTRY_VERIFY_WITH_TIMEOUT(d->previewTable()->item(1, 5) && d->previewTable()->item(1, 5)->text().at(0).isDigit(),
                             60000);
    QVERIFY(d->previewTable()->item(0, 4)->text() != d->previewTable()->item(1, 4)->text());  // M=2 trains more

    // 2. launch and watch
    d->launch();
    QVERIFY2(modalText_.isEmpty(), qPrintable(modalText_));
    ui::MonitorView* m = w.monitor();
    QTRY_COMPARE_WITH_TIMEOUT(m->runKeys().size(), 2, 20000);
    QTRY_VERIFY_WITH_TIMEOUT(m->series().series(m->runKeys().first(), "train", "loss") != nullptr, 120000);
    QTRY_VERIFY_WITH_TIMEOUT(!m->adapter()->seriesLabels().isEmpty(), 5000);
    QTRY_VERIFY_WITH_TIMEOUT(!w.workspace()->isBusy(), 600000);
    for (const QString& k : m->runKeys()) {
      QCOMPARE(m->liveRun(k)->progress.state, RunState::Finished);
      QVERIFY(m->series().series(k, "train", "loss") != nullptr);
    }
    QCOMPARE(m->adapter()->seriesLabels().size(), 2);

    // 3. compare both runs
    QList<qint64> ids;
    for (const auto& r : w.workspace()->store().listRuns()) ids << r.id;
    QCOMPARE(ids.size(), 2);
    w.showScreen(ui::MainWindow::Compare);
    w.compare()->setSelectedRuns(ids);
    w.compare()->setMetric("train/loss");
    QCOMPARE(w.compare()->adapter()->seriesLabels().size(), 2);

    // 4. export the table
    w.showScreen(ui::MainWindow::Results);
    w.results()->refresh();
    const QString md = w.results()->exportText(ui::TableFormat::Markdown);
    const auto expected =
        app::pivotToMarkdown(app::buildPivot(app::resultSetFromStore(w.workspace()->store(), std::nullopt)));
    QCOMPARE(md, expected);
    QVERIFY2(md.contains("num_modules=1") && md.contains("num_modules=2"), qPrintable(md));
    QVERIFY(w.results()->exportToFile(dir_.filePath("e2e.tex")));
    qInfo().noquote() << md;

    // 5. Evaluate on… dev (merged) from the M = 2 run's context menu: the engine loads the saved
    // (best dev) weights from the run directory, and the stored evaluation equals the run's own
    // best dev accuracy; it shows as its own column beside the run's.
    qint64 mixture = 0;
    for (const auto& r : w.workspace()->store().listRuns())
      if (r.config.at(json::json_pointer("/peft/adamix/num_modules")) == 2) mixture = r.id;
    QVERIFY(mixture > 0);
    QMenu menu;
    w.runActions()->addActions(&menu, mixture);
    QAction* evaluate = menu.findChild<QAction*>("evaluateRun");
    QVERIFY(evaluate && evaluate->isEnabled());
    guard_->stop();  // the guard would close the dialog
    bool asked = false;
    QTimer::singleShot(0, this, [&] {
      auto* dlg = qobject_cast<ui::EvalDialog*>(QApplication::activeModalWidget());
      if (!dlg) return;
      asked = true;
      dlg->splitCombo()->setCurrentIndex(dlg->splitCombo()->findText("dev"));
      dlg->inferenceCombo()->setCurrentIndex(dlg->inferenceCombo()->findData("merged"));
      dlg->accept();
    });
    evaluate->trigger();
    guard_->start(300);
    QVERIFY(asked);
    ui::JobDialog* job = w.runActions()->lastJob();
    QVERIFY(job);
    QTRY_VERIFY_WITH_TIMEOUT(job->isDone(), 300000);
    QVERIFY2(job->succeeded(), qPrintable(job->stepLabel()->text()));
    // the AdaMix run (M = 2) evaluated each mode as it ended; then the one asked for here
    const auto all = w.workspace()->store().evaluations(mixture);
    std::vector<adamix::app::Evaluation> evals;
    QStringList endOfRun;
    for (const auto& e : all) {
      if (e.details.value("end_of_run", false)) endOfRun << e.inference;
      else evals.push_back(e);
    }
    QCOMPARE(endOfRun, (QStringList{"module:0", "module:1", "random", "ensemble"}));
    QCOMPARE(evals.size(), size_t(1));
    QCOMPARE(evals[0].examples, qint64(32));
    QCOMPARE(job->outputFolder(), evals[0].outDir);
    QVERIFY(QFile::exists(evals[0].outDir + "/predictions.tsv"));
    double own = -1, evaluated = -1;
    for (const auto& v : w.workspace()->store().results(mixture))
      if (v.kind == "best" && v.split == "dev" && v.name == "accuracy") own = v.value;
    for (const auto& [name, value] : evals[0].metrics)
      if (name == "accuracy") evaluated = value;
    QVERIFY(own >= 0);
    QCOMPARE(evaluated, own);
    job->close();
    w.results()->refresh();
    QVERIFY2(w.results()->exportText(ui::TableFormat::Markdown).contains("RTE eval dev (merged)"),
             qPrintable(w.results()->exportText(ui::TableFormat::Markdown)));
  }

 private:
  QTemporaryDir dir_;
  QString engine_, shared_, model_, modalText_;
  QTimer* guard_ = nullptr;
};

QTEST_MAIN(TestEndToEnd)
#include "test_end_to_end.moc"
