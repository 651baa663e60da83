// Outputs screen: generated outputs of two generation runs side by side, read from the store's
// `predictions` artifacts and the runs' predictions/dev.jsonl, filtered and copied as Markdown.
#include "designer/designer_view.h"
#include "exec/study_runner.h"
#include "monitor/monitor_view.h"
#include "outputs/outputs_view.h"
#include "results/results_view.h"
#include "shell/main_window.h"
#include "study/study.h"
#include "workspace/workspace.h"

#include <QComboBox>
#include <QDir>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QtTest>

using namespace adamix;
using namespace adamix::app;

class TestOutputsView : public QObject {
  Q_OBJECT
 private slots:
  void initTestCase() {
    QStandardPaths::setTestModeEnabled(true);
    QVERIFY(dir_.isValid());
    db_ = dir_.filePath("ws/ws.sqlite");
    QDir().mkpath(dir_.filePath("ws"));
    app::Store s;
    s.open(db_);
    const auto doc = nlohmann::json::parse(R"({
          "name": "e2e-demo",
          "base": { "model": { "path": "/m" } },
          "tasks": [ { "name": "e2e", "data_dir": "/d" } ],
          "axes": [ { "name": "variant", "values": [
            { "label": "LoRA", "set": { "/peft/adamix/num_modules": 1 } },
            { "label": "AdaMix-LoRA", "set": { "/peft/adamix/num_modules": 4 } } ] } ],
          "seeds": [1] })");
    const app::Study study = app::parseStudy(doc);
    studyId_ = s.upsertStudy(study.name, "e2e.json", doc);
    // the second run knows the inputs in another order and lacks one
    const QMap<QString, QByteArray> jsonl{
        {"LoRA",
         "{\"input\":\"name : Aromi | food : Chinese\",\"prediction\":\"Aromi serves Chinese food.\","
         "\"references\":[\"Aromi is Chinese.\",\"Chinese food at Aromi.\"]}\n"
         "{\"input\":\"name : Bibimbap House\",\"prediction\":\"Bibimbap House is a pub.\","
         "\"references\":[\"There is Bibimbap House.\"]}\n"},
        {"AdaMix-LoRA",
         "{\"input\":\"name : Bibimbap House\",\"prediction\":\"Bibimbap House.\","
         "\"references\":[\"There is Bibimbap House.\"]}\n"}};
    for (const app::ExpandedRun& er : app::expandStudy(study)) {
      const QString runDir = dir_.filePath("ws/runs/" + er.runId);
      const qint64 id = s.addRun(newRunFor(er, studyId_, runDir, app::RunState::Finished));
      s.setResults(id, {{"dev", "bleu", er.variant == "LoRA" ? 0.40 : 0.30, "best"}});
      QDir().mkpath(runDir + "/predictions");
      QFile f(runDir + "/predictions/dev.jsonl");
      QVERIFY(f.open(QIODevice::WriteOnly));
      f.write(jsonl.value(er.variant));
      s.addArtifact(id, "predictions", runDir + "/predictions/dev.tsv");
    }
  }

  void showsEachInputReferencesAndOutputsSideBySide() {
    ui::Workspace ws;
    QVERIFY(ws.open(db_));
    ui::OutputsView v(&ws);
    v.setStudy(studyId_);
    QTableWidget* t = v.table();
    QCOMPARE(t->columnCount(), 4);
    QCOMPARE(t->horizontalHeaderItem(0)->text(), QStringLiteral("Input"));
    QCOMPARE(t->horizontalHeaderItem(1)->text(), QStringLiteral("References"));
    QCOMPARE(t->horizontalHeaderItem(2)->text(), QStringLiteral("LoRA"));
    QCOMPARE(t->horizontalHeaderItem(3)->text(), QStringLiteral("AdaMix-LoRA"));
    QCOMPARE(t->rowCount(), 2);
    QCOMPARE(t->item(0, 0)->text(), QStringLiteral("name : Aromi | food : Chinese"));
    QCOMPARE(t->item(0, 1)->text(), QStringLiteral("Aromi is Chinese.\nChinese food at Aromi."));
    QCOMPARE(t->item(0, 2)->text(), QStringLiteral("Aromi serves Chinese food."));
    QCOMPARE(t->item(0, 3)->text(), QString());  // AdaMix-LoRA has no output for it
    QCOMPARE(t->item(1, 3)->text(), QStringLiteral("Bibimbap House."));

    // the filter looks into outputs too; Markdown holds exactly the rows shown
    v.setFilter("SERVES");
    QCOMPARE(t->rowCount(), 1);
    QCOMPARE(v.markdown(),
             QStringLiteral("| Input | References | LoRA | AdaMix-LoRA |\n|---|---|---|---|\n"
                            "| name : Aromi \\| food : Chinese | Aromi is Chinese.<br>Chinese food at Aromi. "
                            "| Aromi serves Chinese food. |  |\n"));
    v.setFilter("no such text");
    QCOMPARE(t->rowCount(), 0);
    v.setFilter({});
    QCOMPARE(t->rowCount(), 2);
  }

  /// Issue 19 (item 6): opening a workspace reads it only for the screen on display; the Monitor,
  /// Results and Outputs screens read it when they are first shown (DeferredRefresh), with the
  /// same content as an eager refresh. A hidden window keeps refreshing at once (the test below).
  void hiddenScreensReadTheWorkspaceWhenShown() {
    ui::MainWindow w;
    w.show();
    QVERIFY(QTest::qWaitForWindowExposed(&w));
    w.showScreen(ui::MainWindow::Designer);
    QVERIFY(w.openWorkspace(db_, true));
    QCOMPARE(w.tabs()->currentWidget(), static_cast<QWidget*>(w.designer()));
    QCOMPARE(w.outputs()->table()->rowCount(), 0);  // not read yet
    QCOMPARE(w.results()->table()->rowCount(), 0);
    QCOMPARE(w.monitor()->overallProgress().runs, 0);
    QCOMPARE(w.monitor()->shownStudy(), std::optional<qint64>(studyId_));  // known at once
    w.showScreen(ui::MainWindow::Outputs);
    QCOMPARE(w.outputs()->table()->rowCount(), 2);
    w.showScreen(ui::MainWindow::Results);
    QCOMPARE(w.results()->table()->rowCount(), 2);  // LoRA and AdaMix-LoRA
    QCOMPARE(w.results()->table()->item(0, 0)->text(), QStringLiteral("LoRA"));
    w.showScreen(ui::MainWindow::Monitor);
    QCOMPARE(w.monitor()->overallProgress().runs, 2);
    QCOMPARE(w.monitor()->overallProgress().count(app::RunState::Finished), 2);
    w.workspace()->close();
  }

  void mainWindowHasTheOutputsScreen() {
    ui::MainWindow w;
    QVERIFY(w.openWorkspace(db_, true));
    w.showScreen(ui::MainWindow::Outputs);
    QCOMPARE(w.tabs()->currentWidget(), static_cast<QWidget*>(w.outputs()));
    QCOMPARE(w.outputs()->table()->rowCount(), 2);  // the only study is chosen
    w.workspace()->close();
  }

 private:
  QTemporaryDir dir_;
  QString db_;
  qint64 studyId_ = 0;
};

QTEST_MAIN(TestOutputsView)
#include "test_outputs_view.moc"
