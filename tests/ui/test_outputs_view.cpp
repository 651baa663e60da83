// Outputs screen: generated outputs of two generation runs side by side, read from the store's
// `predictions` artifacts and the runs' predictions/dev.jsonl, filtered and copied as Markdown;
// classification runs' predicted labels per dev example (predictions/<dev split>.tsv and the dev
// file), wrong ones marked, narrowed to the examples where the runs disagree, one table per dev
// file (MNLI's two each); at most 2000 rows listed, the filters looking at all of them first.
#include "designer/designer_view.h"
#include "exec/study_runner.h"
#include "export/dev_examples.h"
#include "export/predictions.h"
#include "monitor/monitor_view.h"
#include "outputs/outputs_view.h"
#include "results/results_view.h"
#include "shell/main_window.h"
#include "study/study.h"
#include "workspace/workspace.h"

#include <QCheckBox>
#include <QComboBox>
#include <QHeaderView>
#include <QLineEdit>
#include <QDir>
#include <QScrollBar>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QtTest>

using namespace adamix;
using namespace adamix::app;

namespace {
/// Writes `text` to `path`, making its folder; a test fixture that cannot be written ends the run.
void write(const QString& path, const QByteArray& text) {
  QDir().mkpath(QFileInfo(path).absolutePath());
  QFile f(path);
  if (!f.open(QIODevice::WriteOnly)) qFatal("cannot write %s", qPrintable(path));
  f.write(text);
}
/// Shows the Outputs screen at 1000 × 600 with study `sid` (a shown view lays its columns out).
void showStudy(ui::OutputsView& v, qint64 sid) {
  v.resize(1000, 600);
  v.show();
  v.setStudy(sid);
}
}  // namespace

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

  /// A classification study (SST-2 and RTE; LoRA with seeds 1 and 2, Adapter with seed 1): the
  /// SST-2 table first, each example's text, gold label and predictions, wrong ones red with ✗;
  /// the checkbox and the filter, clicked and typed, narrow the rows and the Markdown; the picker
  /// shows RTE's pairs.
  void classificationRunsSideBySide() {
    QTemporaryDir dir;
    const qint64 sid = writeClassificationStudy(dir.path(), {});
    ui::Workspace ws;
    QVERIFY(ws.open(dir.filePath("ws.sqlite")));
    ui::OutputsView v(&ws);
    showStudy(v, sid);
    QTableWidget* t = v.table();
    QStringList headers;
    for (int c = 0; c < t->columnCount(); ++c) headers << t->horizontalHeaderItem(c)->text();
    QCOMPARE(headers, QStringList({"Input", "Gold\nlabel", "LoRA\n(seed 1)", "LoRA\n(seed 2)", "Adapter"}));
    QCOMPARE(t->rowCount(), 3);
    QCOMPARE(t->verticalHeaderItem(1)->text(), QStringLiteral("1"));  // the dev example's index
    QCOMPARE(t->item(1, 0)->text(), QStringLiteral("bleak and desperate"));
    QCOMPARE(t->item(1, 1)->text(), QStringLiteral("negative"));
    QCOMPARE(t->item(1, 2)->text(), QStringLiteral("negative"));
    QCOMPARE(t->item(1, 3)->text(), QStringLiteral("positive \u2717"));
    QCOMPARE(t->item(1, 3)->foreground().color(), QColor(0xd6, 0x27, 0x28));
    QCOMPARE(t->item(1, 2)->foreground().style(), Qt::NoBrush);  // a right one keeps the default colour
    QCOMPARE(t->item(1, 4)->text(), QString());                  // Adapter did not predict example 1
    QCOMPARE(v.statusText(), QStringLiteral("3 of 3 dev examples of sst2 \u00B7 dev.tsv (2 where the runs "
                                            "disagree), 3 runs side by side. \u2717 in red: a prediction that "
                                            "differs from the gold label."));
    QVERIFY(v.tablePicker()->isVisibleTo(&v));
    QCOMPARE(v.tablePicker()->count(), 2);
    QCOMPARE(v.tablePicker()->itemText(0), QStringLiteral("sst2 \u00B7 dev.tsv"));

    QTest::mouseClick(v.disagreementsBox(), Qt::LeftButton);
    QVERIFY(v.disagreementsBox()->isChecked());
    QCOMPARE(t->rowCount(), 2);
    QCOMPARE(t->verticalHeaderItem(0)->text(), QStringLiteral("1"));
    QCOMPARE(t->verticalHeaderItem(1)->text(), QStringLiteral("2"));
    QVERIFY(v.statusText().startsWith(QStringLiteral("2 of 3 dev examples")));
    QTest::keyClicks(v.filterEdit(), QStringLiteral("ACTING"));
    QCOMPARE(t->rowCount(), 1);
    QCOMPARE(v.markdown(), QStringLiteral("| # | Input | Gold label | LoRA (seed 1) | LoRA (seed 2) | Adapter |\n"
                                          "|---|---|---|---|---|---|\n"
                                          "| 2 | the acting is fine | positive | positive | positive | negative \u2717 |\n"));
    QTest::mouseClick(v.disagreementsBox(), Qt::LeftButton);  // off: the filter alone
    QCOMPARE(t->rowCount(), 1);
    v.filterEdit()->clear();
    QCOMPARE(t->rowCount(), 3);

    v.setTable(1);  // RTE: its own examples, sentence pairs, every run wrong on the second
    QCOMPARE(t->horizontalHeaderItem(1)->text(), QStringLiteral("Gold\nlabel"));
    QCOMPARE(t->rowCount(), 2);
    QCOMPARE(t->item(1, 0)->text(), QStringLiteral("It rained. \u2016 The sun shone."));
    QCOMPARE(t->item(1, 1)->text(), QStringLiteral("not_entailment"));
    QCOMPARE(t->item(1, 4)->text(), QStringLiteral("entailment \u2717"));
    QTest::mouseClick(v.disagreementsBox(), Qt::LeftButton);
    QCOMPARE(t->rowCount(), 0);  // the runs agree on both
    ws.close();
  }

  /// Issue: the sentence-pair separator (␞) was in none of Debian's default fonts and showed as a
  /// box. Every mark the screen adds to the texts is drawn by the table's font.
  void marksItAddsAreInTheTablesFont() {
    ui::Workspace ws;
    ui::OutputsView v(&ws);
    const QFontMetrics fm(v.table()->font());
    for (const QString& mark : {app::kPairSeparator.trimmed(), app::kWrongMark})
      for (const uint c : mark.toUcs4())
        QVERIFY2(fm.inFontUcs4(c), qPrintable(QStringLiteral("U+%1 is not in %2").arg(c, 4, 16, QLatin1Char('0'))
                                                  .arg(v.table()->font().family())));
  }

  /// A malformed predictions file: its run's column stays empty, the status names file and line.
  void badPredictionsFileIsNamedInTheStatus() {
    QTemporaryDir dir;
    const qint64 sid = writeClassificationStudy(dir.path(), "index\tprediction\tlabel\n0\t1\t1\n1\tpositive\t0\n");
    ui::Workspace ws;
    QVERIFY(ws.open(dir.filePath("ws.sqlite")));
    ui::OutputsView v(&ws);
    v.setStudy(sid);
    QTableWidget* t = v.table();
    QCOMPARE(t->rowCount(), 3);
    QCOMPARE(t->item(0, 2)->text(), QString());  // LoRA seed 1's file is the bad one
    QCOMPARE(t->item(0, 3)->text(), QStringLiteral("positive"));
    const QString bad = QDir(dir.filePath("runs")).entryList({"sst2-lora-s1-*"}, QDir::Dirs).value(0);
    QVERIFY(!bad.isEmpty());
    QVERIFY2(v.statusText().endsWith(QStringLiteral("\nProblems: ") + dir.filePath("runs/" + bad) +
                                     "/predictions/dev.tsv:3: column 'prediction' is not a number: \"positive\""),
             qPrintable(v.statusText()));
    ws.close();
  }

  /// The screen showed no evaluation made after training (Evaluate on… with ensemble inference):
  /// each kind is a table of its own in the picker, next to its task's; chosen with the keyboard
  /// it shows the evaluated runs' predictions against the gold labels.
  void evaluationsAreTablesInThePicker() {
    QTemporaryDir dir;
    const qint64 sid = writeClassificationStudy(dir.path(), {});
    {
      app::Store s;
      s.open(dir.filePath("ws.sqlite"));
      const QString runDir = QDir(dir.filePath("runs")).entryList({"sst2-lora-s2-*"}, QDir::Dirs).value(0);
      QVERIFY(!runDir.isEmpty());
      const qint64 run = s.listRuns().at(1).id;
      QCOMPARE(s.run(run)->runDir, dir.filePath("runs/" + runDir));
      app::Evaluation e;
      e.runId = run;
      e.split = "dev";
      e.inference = "ensemble";
      e.outDir = dir.filePath("runs/" + runDir + "/eval/dev-ensemble");
      e.predictions = "predictions.tsv";
      write(e.outDir + "/predictions.tsv", "index\tprediction\tlabel\n0\t1\t1\n1\t0\t0\n2\t0\t1\n");
      s.addEvaluation(e);
    }
    ui::Workspace ws;
    QVERIFY(ws.open(dir.filePath("ws.sqlite")));
    ui::OutputsView v(&ws);
    showStudy(v, sid);
    QCOMPARE(v.tablePicker()->count(), 3);
    QCOMPARE(v.tablePicker()->itemText(1), QStringLiteral("sst2 \u00B7 dev.tsv \u00B7 eval ensemble"));
    v.tablePicker()->setFocus();
    QTest::keyClick(v.tablePicker(), Qt::Key_Down);
    QCOMPARE(v.tablePicker()->currentIndex(), 1);
    QTableWidget* t = v.table();
    QStringList headers;
    for (int c = 0; c < t->columnCount(); ++c) headers << t->horizontalHeaderItem(c)->text();
    QCOMPARE(headers, QStringList({"Input", "Gold\nlabel", "LoRA"}));
    QCOMPARE(t->rowCount(), 3);
    QCOMPARE(t->item(1, 2)->text(), QStringLiteral("negative"));  // training's predictions/dev.tsv said positive
    QCOMPARE(t->item(2, 2)->text(), QStringLiteral("negative \u2717"));
    QVERIFY2(v.statusText().startsWith(QStringLiteral("3 of 3 dev examples of sst2 \u00B7 dev.tsv \u00B7 eval ensemble")),
             qPrintable(v.statusText()));
    if (const QString shots = qEnvironmentVariable("ADAMIX_TEST_SCREENSHOTS"); !shots.isEmpty()) {
      v.resize(900, 320);
      v.grab().save(QDir(shots).filePath("outputs-evaluation.png"));
    }
    ws.close();
  }

  /// Issue: MNLI runs (predictions/dev_matched.tsv and dev_mismatched.tsv, no dev.tsv) were not
  /// shown. The picker lists one table per dev split; choosing the second with the keyboard shows
  /// the mismatched examples, read from dev_mismatched.tsv.
  void mnliDevSplitsInTheTablePicker() {
    QTemporaryDir dir;
    write(dir.filePath("glue/MNLI/dev_matched.tsv"),
          "index\tsentence1\tsentence2\tgold_label\n0\tA man plays.\tSomeone plays.\tentailment\n");
    write(dir.filePath("glue/MNLI/dev_mismatched.tsv"),
          "index\tsentence1\tsentence2\tgold_label\n0\tLetters came.\tMail arrived.\tentailment\n"
          "1\tIt is late.\tThe train is late.\tneutral\n");
    const QString runDir = dir.filePath("runs/mnli-lora");
    write(runDir + "/predictions/dev_matched.tsv", "index\tprediction\tlabel\n0\t1\t1\n");
    write(runDir + "/predictions/dev_mismatched.tsv", "index\tprediction\tlabel\n0\t1\t1\n1\t0\t2\n");
    const qint64 sid = writeStudy(dir.path(), QStringLiteral(R"([ { "name": "mnli", "data_dir": "%1" } ])")
                                                  .arg(dir.filePath("glue/MNLI")),
                                  {{"LoRA/1", runDir}});
    ui::Workspace ws;
    QVERIFY(ws.open(dir.filePath("ws.sqlite")));
    ui::OutputsView v(&ws);
    showStudy(v, sid);
    QVERIFY(v.tablePicker()->isVisibleTo(&v));
    QCOMPARE(v.tablePicker()->count(), 2);
    QCOMPARE(v.tablePicker()->itemText(0), QStringLiteral("mnli \u00B7 dev_matched.tsv"));
    QCOMPARE(v.tablePicker()->itemText(1), QStringLiteral("mnli \u00B7 dev_mismatched.tsv"));
    QTableWidget* t = v.table();
    QCOMPARE(t->rowCount(), 1);
    QCOMPARE(t->item(0, 0)->text(), QStringLiteral("A man plays. \u2016 Someone plays."));
    QCOMPARE(t->item(0, 2)->text(), QStringLiteral("entailment"));

    QTest::keyClick(v.tablePicker(), Qt::Key_Down);
    QCOMPARE(v.tablePicker()->currentIndex(), 1);
    QCOMPARE(t->rowCount(), 2);
    QCOMPARE(t->item(1, 0)->text(), QStringLiteral("It is late. \u2016 The train is late."));
    QCOMPARE(t->item(1, 1)->text(), QStringLiteral("neutral"));
    QCOMPARE(t->item(1, 2)->text(), QStringLiteral("contradiction \u2717"));
    QCOMPARE(v.statusText(), QStringLiteral("2 of 2 dev examples of mnli \u00B7 dev_mismatched.tsv (0 where the runs "
                                            "disagree), 1 run. \u2717 in red: a prediction that "
                                            "differs from the gold label."));
    ws.close();
  }

  /// Issue: on STS-B every example counted as a disagreement (two runs' scores are never equal).
  /// Scores within a tenth of the gold labels' range (0.5 here) agree; the status and the box's
  /// tooltip name the threshold.
  void regressionDisagreementsHaveAThreshold() {
    QTemporaryDir dir;
    write(dir.filePath("glue/STS-B/dev.tsv"),
          "index\tsentence1\tsentence2\tscore\n0\tA dog runs.\tA dog is running.\t5.000\n"
          "1\tA man eats.\tThe sky is blue.\t0.000\n2\tKids play.\tChildren play outside.\t3.800\n");
    const QString lora = dir.filePath("runs/stsb-lora"), adapter = dir.filePath("runs/stsb-adapter");
    write(lora + "/predictions/dev.tsv", "index\tprediction\tlabel\n0\t4.6\t5\n1\t0.9\t0\n2\t3.1\t3.8\n");
    write(adapter + "/predictions/dev.tsv", "index\tprediction\tlabel\n0\t4.25\t5\n1\t0.2\t0\n2\t3.5\t3.8\n");
    const qint64 sid = writeStudy(dir.path(), QStringLiteral(R"([ { "name": "stsb", "data_dir": "%1" } ])")
                                                  .arg(dir.filePath("glue/STS-B")),
                                  {{"LoRA/1", lora}, {"Adapter/1", adapter}});
    ui::Workspace ws;
    QVERIFY(ws.open(dir.filePath("ws.sqlite")));
    ui::OutputsView v(&ws);
    showStudy(v, sid);
    QTableWidget* t = v.table();
    QCOMPARE(t->rowCount(), 3);
    QCOMPARE(t->item(1, 0)->text(), QStringLiteral("A man eats. \u2016 The sky is blue."));
    QCOMPARE(t->item(1, 1)->text(), QStringLiteral("0"));
    QCOMPARE(t->item(1, 2)->text(), QStringLiteral("0.9"));  // no mark: a score is not right or wrong
    QCOMPARE(v.statusText(), QStringLiteral("3 of 3 dev examples of stsb \u00B7 dev.tsv (1 where the runs' scores "
                                            "differ by more than 0.5), 2 runs side by side."));
    QCOMPARE(v.disagreementsBox()->toolTip(),
             QStringLiteral("Only the examples where the runs' predicted scores differ by more than 0.5 (a tenth of "
                            "the range of the gold labels)."));
    QTest::mouseClick(v.disagreementsBox(), Qt::LeftButton);
    QCOMPARE(t->rowCount(), 1);  // 0.9 against 0.2; 4.6/4.25 and 3.1/3.5 agree
    QCOMPARE(t->verticalHeaderItem(0)->text(), QStringLiteral("1"));
    // every column fits once the table has laid itself out (its row header has a width): the
    // last run's column is not cut
    QTRY_VERIFY(t->verticalHeader()->width() > 0 && t->horizontalHeader()->length() <= t->viewport()->width());
    if (const QString shots = qEnvironmentVariable("ADAMIX_TEST_SCREENSHOTS"); !shots.isEmpty())
      v.grab().save(QDir(shots).filePath("outputs-stsb-disagreements.png"));
    ws.close();
  }

  /// Review of the 2000-row cap: 2500 SST-2 examples, Adapter wrong from example 200 on. The table
  /// lists the first 2000 with the note; Disagreements only and the filter look at all 2500 before
  /// the cap, so they find example 2345 and list the disagreements from 200 on.
  void atMost2000RowsListedAfterTheFilters() {
    QTemporaryDir dir;
    QByteArray dev = "sentence\tlabel\n", lora = "index\tprediction\tlabel\n", adapter = lora;
    for (int i = 0; i < 2500; ++i) {
      const QByteArray n = QByteArray::number(i), gold = QByteArray::number(i % 2);
      dev += "review #" + n + " .\t" + gold + "\n";
      lora += n + "\t" + gold + "\t" + gold + "\n";
      adapter += n + "\t" + (i < 200 ? gold : QByteArray::number(1 - i % 2)) + "\t" + gold + "\n";
    }
    write(dir.filePath("glue/SST-2/dev.tsv"), dev);
    const QString loraDir = dir.filePath("runs/lora"), adapterDir = dir.filePath("runs/adapter");
    write(loraDir + "/predictions/dev.tsv", lora);
    write(adapterDir + "/predictions/dev.tsv", adapter);
    const qint64 sid = writeStudy(dir.path(), QStringLiteral(R"([ { "name": "sst2", "data_dir": "%1" } ])")
                                                  .arg(dir.filePath("glue/SST-2")),
                                  {{"LoRA/1", loraDir}, {"Adapter/1", adapterDir}});
    ui::Workspace ws;
    QVERIFY(ws.open(dir.filePath("ws.sqlite")));
    ui::OutputsView v(&ws);
    showStudy(v, sid);
    QTableWidget* t = v.table();
    // 2000 rows: a vertical scroll bar takes its width from the viewport, and the columns still fit
    QTRY_VERIFY(t->verticalScrollBar()->isVisible() &&
                t->horizontalHeader()->length() <= t->viewport()->width());
    const QString counts = QStringLiteral(" dev examples of sst2 \u00B7 dev.tsv (2300 where the runs disagree), 2 "
                                          "runs side by side. \u2717 in red: a prediction that differs from the gold "
                                          "label.");
    const QString note = QStringLiteral(" The first 2000 are listed; the filter narrows them.");
    QCOMPARE(v.tables().front().rows.size(), size_t(2500));
    QCOMPARE(t->rowCount(), 2000);
    QCOMPARE(v.shown().rows.size(), size_t(2000));
    QCOMPARE(t->verticalHeaderItem(1999)->text(), QStringLiteral("1999"));
    QCOMPARE(v.statusText(), "2500 of 2500" + counts + note);

    QTest::keyClicks(v.filterEdit(), QStringLiteral("#2345 "));  // beyond the first 2000
    QCOMPARE(t->rowCount(), 1);
    QCOMPARE(t->verticalHeaderItem(0)->text(), QStringLiteral("2345"));
    QCOMPARE(t->item(0, 0)->text(), QStringLiteral("review #2345 ."));
    QCOMPARE(t->item(0, 3)->text(), QStringLiteral("negative \u2717"));
    QCOMPARE(v.statusText(), "1 of 2500" + counts);
    v.filterEdit()->clear();

    QTest::mouseClick(v.disagreementsBox(), Qt::LeftButton);
    QVERIFY(v.disagreementsBox()->isChecked());
    QCOMPARE(t->rowCount(), 2000);
    QCOMPARE(t->verticalHeaderItem(0)->text(), QStringLiteral("200"));
    QCOMPARE(t->verticalHeaderItem(1999)->text(), QStringLiteral("2199"));
    QCOMPARE(v.statusText(), "2300 of 2500" + counts + note);
    QTest::keyClicks(v.filterEdit(), QStringLiteral("#24"));  // 240..249 and 2400..2499 (24 agrees)
    QCOMPARE(t->rowCount(), 110);
    QCOMPARE(t->verticalHeaderItem(0)->text(), QStringLiteral("240"));
    QCOMPARE(t->verticalHeaderItem(10)->text(), QStringLiteral("2400"));
    QCOMPARE(v.statusText(), "110 of 2500" + counts);
    ws.close();
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
  /// A study over SST-2 and RTE dev files written under `root` (ws.sqlite, glue/, runs/): LoRA
  /// seeds 1 and 2, Adapter seed 1, finished, each with its predictions/dev.tsv; `loraSeed1` (when
  /// set) replaces LoRA seed 1's SST-2 file. Returns the study id.
  static qint64 writeClassificationStudy(const QString& root, const QByteArray& loraSeed1) {
    write(root + "/glue/SST-2/dev.tsv",
          "sentence\tlabel\na charming journey .\t1\nbleak and desperate\t0\nthe acting is fine\t1\n");
    write(root + "/glue/RTE/dev.tsv",
          "index\tsentence1\tsentence2\tlabel\n0\tA cat sat.\tAn animal sat.\tentailment\n"
          "1\tIt rained.\tThe sun shone.\tnot_entailment\n");
    app::Store s;
    s.open(root + "/ws.sqlite");
    const auto doc = nlohmann::json::parse(QStringLiteral(R"({
          "name": "glue-demo",
          "base": { "model": { "path": "/m" } },
          "tasks": [ { "name": "sst2", "data_dir": "%1/SST-2" }, { "name": "rte", "data_dir": "%1/RTE" } ],
          "axes": [ { "name": "variant", "values": [
            { "label": "LoRA", "set": { "/peft/method": "lora" } },
            { "label": "Adapter", "set": { "/peft/method": "adapter" } } ] } ],
          "seeds": [1, 2] })").arg(root + "/glue").toStdString());
    const app::Study study = app::parseStudy(doc);
    const qint64 sid = s.upsertStudy(study.name, "glue.json", doc);
    const QMap<QString, QByteArray> sst2{{"LoRA/1", "0\t1\t1\n1\t0\t0\n2\t1\t1\n"},
                                         {"LoRA/2", "0\t1\t1\n1\t1\t0\n2\t1\t1\n"},
                                         {"Adapter/1", "2\t0\t1\n0\t1\t1\n"}};
    for (const app::ExpandedRun& er : app::expandStudy(study)) {
      const QString key = er.variant + "/" + QString::number(er.seed);
      if (key == "Adapter/2") continue;
      const QString runDir = root + "/runs/" + er.runId;
      const qint64 id = s.addRun(newRunFor(er, sid, runDir, app::RunState::Finished));
      s.setResults(id, {{"dev", "accuracy", 0.5, "best"}});
      QByteArray tsv = "index\tprediction\tlabel\n" + (er.task == "sst2" ? sst2.value(key) : "0\t0\t0\n1\t0\t1\n");
      if (er.task == "sst2" && key == "LoRA/1" && !loraSeed1.isEmpty()) tsv = loraSeed1;
      write(runDir + "/predictions/dev.tsv", tsv);
      s.addArtifact(id, "predictions", runDir + "/predictions/dev.tsv");
    }
    return sid;
  }

  /// A study "glue-demo" over `tasksJson` (LoRA and Adapter, seed 1) in `root`/ws.sqlite, with one
  /// finished run per "<variant>/<seed>" key of `runDirs` in its directory (predictions written
  /// there by the caller). Returns the study id.
  static qint64 writeStudy(const QString& root, const QString& tasksJson, const QMap<QString, QString>& runDirs) {
    app::Store s;
    s.open(root + "/ws.sqlite");
    const auto doc = nlohmann::json::parse(QStringLiteral(R"({
          "name": "glue-demo",
          "base": { "model": { "path": "/m" } },
          "tasks": %1,
          "axes": [ { "name": "variant", "values": [
            { "label": "LoRA", "set": { "/peft/method": "lora" } },
            { "label": "Adapter", "set": { "/peft/method": "adapter" } } ] } ],
          "seeds": [1] })").arg(tasksJson).toStdString());
    const app::Study study = app::parseStudy(doc);
    const qint64 sid = s.upsertStudy(study.name, "glue.json", doc);
    for (const app::ExpandedRun& er : app::expandStudy(study)) {
      const QString runDir = runDirs.value(er.variant + "/" + QString::number(er.seed));
      if (runDir.isEmpty()) continue;
      const qint64 id = s.addRun(newRunFor(er, sid, runDir, app::RunState::Finished));
      s.setResults(id, {{"dev", "accuracy", 0.5, "best"}});
    }
    return sid;
  }

  QTemporaryDir dir_;
  QString db_;
  qint64 studyId_ = 0;
};

QTEST_MAIN(TestOutputsView)
#include "test_outputs_view.moc"
