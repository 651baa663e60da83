// Results table: pivot from a store the test fills; exported text checked exactly; sorting; copy.
#include "export/pivot.h"
#include "export/result_set.h"
#include "results/results_view.h"
#include "ui_fixture.h"
#include "workspace/workspace.h"

#include <QApplication>
#include <QClipboard>
#include <QFile>
#include <QHeaderView>
#include <QTableWidget>
#include <QTemporaryDir>
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

 private:
  QTemporaryDir dir_;
  ui::Workspace ws_;
  qint64 sid_ = 0;
};

QTEST_MAIN(TestResultsView)
#include "test_results_view.moc"
