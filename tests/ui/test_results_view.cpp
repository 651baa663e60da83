// Results table: pivot from a store the test fills; exported text checked exactly; sorting; copy.
#include "export/pivot.h"
#include "export/result_set.h"
#include "results/results_view.h"
#include "ui_fixture.h"
#include "workspace/workspace.h"

#include <QApplication>
#include <QClipboard>
#include <QFile>
#include <QComboBox>
#include <QHeaderView>
#include <QLabel>
#include <QTableWidget>
#include <QDir>
#include <QTemporaryDir>

#include <nlohmann/json.hpp>
#include <QtTest>

using namespace adamix;
using namespace adamix::app;

class TestResultsView : public QObject {
  Q_OBJECT
 private slots:
  void initTestCase() {
    QStandardPaths::setTestModeEnabled(true);
    QVERIFY(dir_.isValid());
    const QString db = dir_.filePath("ws.sqlite");
    {
      app::Store s;
      s.open(db);
      sid_ = ui::test::fillFixtureStore(s, dir_.filePath("runs"));
    }
    QVERIFY(ws_.open(db));
  }

  void tableShowsThePivot() {
    ui::ResultsView view(&ws_);
    view.resize(900, 500);
    view.show();
    view.setStudy(sid_);
    QTableWidget* t = view.table();
    QCOMPARE(t->rowCount(), 2);
    QStringList headers;
    for (int c = 0; c < t->columnCount(); ++c) headers << t->horizontalHeaderItem(c)->text();
    QCOMPARE(headers, QStringList({"Variant", "RTE", "SST-2", "Avg.", "n"}));
    QCOMPARE(t->item(0, 0)->text(), QString("Adapter"));
    QCOMPARE(t->item(0, 1)->text(), QString("60.0 ± 1.4"));
    QCOMPARE(t->item(1, 1)->text(), QString("65.0 ± 1.4"));
    QCOMPARE(t->item(1, 3)->text(), QString("75.0 ± 1.4"));
    QVERIFY(t->item(1, 1)->font().bold());
    QVERIFY(!t->item(0, 1)->font().bold());
    QCOMPARE(t->item(0, 4)->text(), QString("2"));
  }

  void exportsMatchTheCliExactly() {
    ui::ResultsView view(&ws_);
    view.setStudy(sid_);
    const app::PivotTable expected = app::buildPivot(app::resultSetFromStore(ws_.store(), sid_));
    QCOMPARE(view.exportText(ui::TableFormat::Csv), app::pivotToCsv(expected));
    QCOMPARE(view.exportText(ui::TableFormat::Latex), app::pivotToLatex(expected));
    const QString md = view.exportText(ui::TableFormat::Markdown);
    QCOMPARE(md, app::pivotToMarkdown(expected));
    // and the literal text a user gets
    QVERIFY2(md.contains("| Adapter | 60.0 ± 1.4 | 80.0 ± 1.4 | 70.0 ± 1.4 | 2 |"), qPrintable(md));
    QVERIFY2(md.contains("| AdaMix | **65.0 ± 1.4** | **85.0 ± 1.4** | **75.0 ± 1.4** | 2 |"), qPrintable(md));
    const QString tex = view.exportText(ui::TableFormat::Latex);
    QVERIFY2(tex.contains("AdaMix & \\textbf{65.0$\\pm$1.4} & \\textbf{85.0$\\pm$1.4} & \\textbf{75.0$\\pm$1.4}"),
             qPrintable(tex));
    QVERIFY(tex.contains("\\toprule") && tex.contains("\\bottomrule"));

    const QString path = dir_.filePath("table.tex");
    QVERIFY(view.exportToFile(path));
    QFile f(path);
    QVERIFY(f.open(QIODevice::ReadOnly));
    QCOMPARE(QString::fromUtf8(f.readAll()), tex);
    const QString csvPath = dir_.filePath("table.csv");
    QVERIFY(view.exportToFile(csvPath));
    QFile c(csvPath);
    QVERIFY(c.open(QIODevice::ReadOnly));
    QCOMPARE(QString::fromUtf8(c.readAll()), app::pivotToCsv(expected));
  }

  void copyPutsMarkdownOnTheClipboard() {
    ui::ResultsView view(&ws_);
    view.setStudy(sid_);
    view.copyToClipboard(ui::TableFormat::Markdown);
    QCOMPARE(QApplication::clipboard()->text(), view.exportText(ui::TableFormat::Markdown));
  }

  void sortsNumericallyByColumn() {
    ui::ResultsView view(&ws_);
    view.show();
    view.setStudy(sid_);
    QTableWidget* t = view.table();
    t->sortByColumn(1, Qt::DescendingOrder);
    QCOMPARE(t->item(0, 0)->text(), QString("AdaMix"));
    t->sortByColumn(1, Qt::AscendingOrder);
    QCOMPARE(t->item(0, 0)->text(), QString("Adapter"));
    // clicking the header sorts too
    QTest::mouseClick(t->horizontalHeader()->viewport(), Qt::LeftButton, {},
                      QPoint(t->horizontalHeader()->sectionViewportPosition(3) + 5, 5));
    QVERIFY(t->horizontalHeader()->sortIndicatorSection() == 3);
  }

  void runFilterRestrictsRows() {
    ui::ResultsView view(&ws_);
    view.setStudy(sid_);
    QList<qint64> adapterOnly;
    for (const auto& r : ws_.store().listRuns())
      if (r.variant == "Adapter") adapterOnly << r.id;
    view.setRunFilter(adapterOnly);
    QCOMPARE(view.table()->rowCount(), 1);
  }

  // Issue 18, item 1: a study launched, its "AdaMix" variant redefined (M = 4 → 8) and launched
  // again with another seed. The table must not average the two definitions under one label: two
  // rows, the differing setting as a flagged column, a warning above the table, the note in exports.
  void unlikeRunsUnderOneLabelAreSeparateFlaggedRows() {
    QTemporaryDir dir;
    qint64 sid = 0;
    const QString db = ui::test::createRelaunchedWorkspace(dir.path(), &sid);
    ui::Workspace ws;
    QVERIFY(ws.open(db));
    ui::ResultsView view(&ws);
    view.resize(900, 500);
    view.show();
    view.setStudy(std::nullopt);
    auto* combo = view.findChild<QComboBox*>();
    QVERIFY(combo);
    const int idx = combo->findData(sid);
    QVERIFY(idx >= 0);
    combo->setCurrentIndex(idx);  // choose the study as a user does
    emit combo->activated(idx);
    QTableWidget* t = view.table();
    QCOMPARE(t->rowCount(), 3);
    QStringList headers;
    for (int c = 0; c < t->columnCount(); ++c) headers << t->horizontalHeaderItem(c)->text();
    QCOMPARE(headers, QStringList({"Variant", "⚠ peft/adamix/num_modules", "RTE", "n"}));
    QStringList rows;
    for (int r = 0; r < t->rowCount(); ++r)
      rows << QStringLiteral("%1|%2|%3|%4").arg(t->item(r, 0)->text(), t->item(r, 1)->text(), t->item(r, 2)->text(),
                                                 t->item(r, 3)->text());
    QCOMPARE(rows, QStringList({"AdaMix|4|70.0|1", "Adapter|1|60.0 ± 0.0|2", "AdaMix|8|80.0|1"}));
    QVERIFY(t->item(2, 2)->font().bold());  // M is the variant's own setting: the rows compete
    QVERIFY(!t->item(0, 2)->font().bold());
    QVERIFY(view.settingsWarning()->isVisible());
    QVERIFY(view.settingsWarning()->text().contains("(peft/adamix/num_modules)"));
    QVERIFY(view.exportText(ui::TableFormat::Markdown).endsWith(QStringLiteral("\n*Note:* ") + app::settingsNote(view.pivot()) + u'\n'));

    ui::ResultsView alike(&ws_);  // the fixture study was trained alike: no warning, no extra column
    alike.show();
    alike.setStudy(sid_);
    QVERIFY(!alike.settingsWarning()->isVisible());
    QCOMPARE(alike.table()->horizontalHeaderItem(1)->text(), QString("RTE"));
  }

  // Runs of one table computed by different kernels (e.g. two node types of a cluster): the
  // warning above the table names them with their run counts, and the exports carry the note.
  void runsComputedDifferentlyAreFlagged() {
    const auto runs = ws_.store().listRuns();
    QVERIFY(runs.size() >= 2);
    const auto haswell = nlohmann::json::parse(R"({"device":"cpu","blas_core":"Haswell","fused_cpu_kernels":false})");
    const auto cooperlake = nlohmann::json::parse(R"({"device":"cpu","blas_core":"Cooperlake","fused_cpu_kernels":false})");
    for (size_t i = 0; i < runs.size(); ++i) ws_.store().setRunCompute(runs[i].id, i == 0 ? cooperlake : haswell);
    ui::ResultsView view(&ws_);
    view.resize(900, 400);
    view.show();
    view.setStudy(sid_);
    QVERIFY(view.settingsWarning()->isVisible());
    const QString note = app::computeNote(view.pivot());
    QVERIFY2(note.contains(QStringLiteral("CPU, OpenBLAS Cooperlake (1 run)")), qPrintable(note));
    QCOMPARE(view.settingsWarning()->text(), QStringLiteral("⚠ ") + note);
    QVERIFY(view.exportText(ui::TableFormat::Markdown).endsWith(QStringLiteral("\n*Note:* ") + note + u'\n'));
    if (const QString shots = qEnvironmentVariable("ADAMIX_TEST_SCREENSHOTS"); !shots.isEmpty())
      view.grab().save(QDir(shots).filePath("results-computed-differently.png"));  // to look at
    // All alike again: no warning.
    for (const auto& r : runs) ws_.store().setRunCompute(r.id, haswell);
    ui::ResultsView alike(&ws_);
    alike.show();
    alike.setStudy(sid_);
    QVERIFY(!alike.settingsWarning()->isVisible());
    for (const auto& r : runs) ws_.store().setRunCompute(r.id, nlohmann::json());  // as the fixture was
  }

 private:
  QTemporaryDir dir_;
  ui::Workspace ws_;
  qint64 sid_ = 0;
};

QTEST_MAIN(TestResultsView)
#include "test_results_view.moc"
