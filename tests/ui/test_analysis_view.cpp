// Analyses screen on a store with known values (analysis_fixture.cpp): the Pareto fronts and the
// plotted coordinates of score vs % parameters read back from the plot adapter, the single
// modules' box quartiles (computed here by hand, numpy's linear quantiles), brushing on the
// parallel coordinates that filters exactly the expected runs (and the Results rows through the
// main window's wiring), keyboard entries and the PNG / PDF / SVG exports.
#include "analysis/analysis_view.h"
#include "analysis/module_spread_page.h"
#include "analysis/parallel_page.h"
#include "analysis/score_params_page.h"
#include "analysis_fixture.h"
#include "plot/parallel_coordinates.h"
#include "plot/plot_adapter.h"
#include "results/results_view.h"
#include "shell/main_window.h"
#include "workspace/run_tree.h"
#include "workspace/workspace.h"

#include <qcustomplot.h>

#include <QAction>
#include <QComboBox>
#include <QImage>
#include <QLabel>
#include <QPushButton>
#include <QTabWidget>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QtTest>

#include <algorithm>
#include <cmath>

using namespace adamix;

namespace {

bool near(double a, double b) { return std::fabs(a - b) < 1e-9; }

/// "(x, y)" list of points, for failure messages.
QString text(const QVector<QPointF>& pts) {
  QStringList out;
  for (const QPointF& p : pts) out << QStringLiteral("(%1, %2)").arg(p.x()).arg(p.y());
  return out.join(' ');
}

bool samePoints(const QVector<QPointF>& got, const QVector<QPointF>& want) {
  if (got.size() != want.size()) return false;
  for (int i = 0; i < got.size(); ++i)
    if (!near(got[i].x(), want[i].x()) || !near(got[i].y(), want[i].y())) return false;
  return true;
}

}  // namespace

class TestAnalysisView : public QObject {
  Q_OBJECT
 private slots:
  void initTestCase() {
    QStandardPaths::setTestModeEnabled(true);
    QVERIFY(dir_.isValid());
    db_ = dir_.filePath("ws.sqlite");
    {
      app::Store s;
      s.open(db_);
      sid_ = ui::test::fillAnalysisStore(s, dir_.filePath("runs"));
    }
    QVERIFY(ws_.open(db_));
  }

  void scoreVsTrainableParams() {
    ui::AnalysisView view(&ws_);
    showStudy(view);
    ui::ScoreParamsPage* page = view.scorePage();
    QStringList tasks;
    for (int i = 0; i < page->taskBox()->count(); ++i) tasks << page->taskBox()->itemText(i);
    QCOMPARE(tasks, QStringList({"SST-2", "RTE", "Average"}));
    QVERIFY(page->setTask("sst2"));
    page->setCost(ui::ScoreParamsPage::Cost::Trainable);
    ui::PlotAdapter* a = page->adapter();
    QCOMPARE(a->seriesLabels(), QStringList({"Variants", "Pareto front"}));
    // 0.5 % LoRA M=1, 1 % Adapter M=1, 2.5 % Adapter M=4; LoRA M=4 has no parameter counts
    const QVector<QPointF> all = a->seriesPoints("Variants");
    QVERIFY2(samePoints(all, {{0.5, 78}, {1.0, 80}, {2.5, 84}}), qPrintable(text(all)));
    const QVector<QPointF> front = a->seriesPoints("Pareto front");
    QVERIFY2(samePoints(front, {{0.5, 78}, {1.0, 80}, {2.5, 84}}), qPrintable(text(front)));
    QCOMPARE(a->plot()->xAxis->scaleType(), QCPAxis::stLogarithmic);
    // every point labelled with its variant, at the point
    std::vector<std::pair<QString, QPointF>> labels = a->pointLabels();
    std::sort(labels.begin(), labels.end(), [](const auto& x, const auto& y) { return x.first < y.first; });
    QCOMPARE(labels.size(), std::size_t(3));
    QCOMPARE(labels[0].first, QString("Adapter, M=1"));
    QVERIFY(near(labels[0].second.x(), 1.0) && near(labels[0].second.y(), 80));
    QCOMPARE(labels[1].first, QString("Adapter, M=4"));
    QVERIFY(near(labels[1].second.x(), 2.5) && near(labels[1].second.y(), 84));
    QCOMPARE(labels[2].first, QString("LoRA, M=1"));
    QVERIFY2(page->noteLabel()->text().contains("no parameter counts stored") &&
                 page->noteLabel()->text().endsWith(": LoRA, M=4."),
             qPrintable(page->noteLabel()->text()));
    // the read-out at a point: its variant, share, mean ± std over 3 seeds, front
    a->plot()->replot();
    const QPointF px(a->plot()->xAxis->coordToPixel(2.5), a->plot()->yAxis->coordToPixel(84));
    QCOMPARE(a->readoutAt(px), QString("Adapter, M=4 — 2.5 %: 84.0 ± 1.0 (n = 3), on the Pareto front"));
  }

  void scoreVsInferenceParamsAndAverage() {
    ui::AnalysisView view(&ws_);
    showStudy(view);
    ui::ScoreParamsPage* page = view.scorePage();
    QVERIFY(page->setTask("sst2"));
    page->setCost(ui::ScoreParamsPage::Cost::Inference);
    ui::PlotAdapter* a = page->adapter();
    // merged, Adapter M=4 costs what Adapter M=1 costs (1 %) and scores higher: M=1 leaves the front
    QVERIFY2(samePoints(a->seriesPoints("Variants"), {{0.5, 78}, {1.0, 80}, {1.0, 84}}),
             qPrintable(text(a->seriesPoints("Variants"))));
    QVERIFY2(samePoints(a->seriesPoints("Pareto front"), {{0.5, 78}, {1.0, 84}}),
             qPrintable(text(a->seriesPoints("Pareto front"))));
    // the average over SST-2 and RTE, per seed then over seeds: 68, 70, 73.5
    QVERIFY(page->setTask(""));
    page->setCost(ui::ScoreParamsPage::Cost::Trainable);
    QVERIFY2(samePoints(a->seriesPoints("Pareto front"), {{0.5, 68}, {1.0, 70}, {2.5, 73.5}}),
             qPrintable(text(a->seriesPoints("Pareto front"))));
  }

  void singleModulesVsMerged() {
    ui::AnalysisView view(&ws_);
    showStudy(view);
    ui::ModuleSpreadPage* page = view.spreadPage();
    QCOMPARE(page->taskBox()->count(), 1);  // only SST-2 has module:k evaluations
    QVERIFY(page->setTask("sst2"));
    ui::PlotAdapter* a = page->adapter();
    QCOMPARE(a->seriesLabels(), QStringList({"single modules", "merged", "random", "ensemble", "greedy-soup", "mean"}));
    // modules sorted: 65 76 77 78 79 79 80 80 81 82 83 84 (n = 12, positions 0..11)
    // Q1 at 2.75: 77 + 0.75·1 = 77.75; median at 5.5: 79.5; Q3 at 8.25: 81.25; IQR 3.5, fences
    // 72.5 and 86.5: 65 is an outlier, whiskers 76 and 84
    const std::vector<ui::DrawnBox> boxes = a->boxes("single modules");
    QCOMPARE(boxes.size(), std::size_t(1));
    const ui::DrawnBox& b = boxes[0];
    QVERIFY(near(b.key, 1));
    QVERIFY2(near(b.lowerQuartile, 77.75) && near(b.median, 79.5) && near(b.upperQuartile, 81.25),
             qPrintable(QString("%1 %2 %3").arg(b.lowerQuartile).arg(b.median).arg(b.upperQuartile)));
    QVERIFY(near(b.lowerWhisker, 76) && near(b.upperWhisker, 84));
    QCOMPARE(b.outliers.size(), 1);
    QVERIFY(near(b.outliers[0], 65));
    // merged (the runs' own best dev), one point per seed, jittered around x = 2; means at 2..5
    const QVector<QPointF> merged = a->seriesPoints("merged");
    QCOMPARE(merged.size(), 3);
    QVector<double> ys;
    for (const QPointF& p : merged) {
      QVERIFY(std::fabs(p.x() - 2) <= 0.15);
      ys << p.y();
    }
    std::sort(ys.begin(), ys.end());
    QVERIFY(near(ys[0], 83) && near(ys[1], 84) && near(ys[2], 85));
    const QVector<QPointF> means = a->seriesPoints("mean");
    QVERIFY2(samePoints(means, {{2, 84}, {3, 81}, {4, 256.0 / 3}, {5, 254.0 / 3}}), qPrintable(text(means)));
    // the jitter is deterministic: drawn again, the same points
    view.refresh();
    QVERIFY(samePoints(a->seriesPoints("merged"), merged));
    // the price of the end-of-run evaluations: 6 of 1.5, 1.75 and 2 s by seed (the merge not counted)
    QVERIFY2(page->noteLabel()->text().endsWith("\nCost of evaluating every mode as the runs ended "
                                                 "(train.eval_inference_modes), per run: Adapter, M=4 9.0–12.0 s."),
             qPrintable(page->noteLabel()->text()));
  }

  void brushingFiltersRuns() {
    ui::AnalysisView view(&ws_);
    showStudy(view);
    ui::ParallelPage* page = view.parallelPage();
    ui::ParallelCoordinates* pc = page->plot();
    QStringList axes;
    for (const auto& ax : pc->data().axes) axes << ax.name;
    QCOMPARE(axes, QStringList({"task", "method", "modules", "dev/accuracy"}));
    QCOMPARE(pc->data().axes[1].categories, QStringList({"Adapter", "LoRA"}));
    QCOMPARE(pc->data().runs.size(), std::size_t(24));
    const ui::ParallelAxis& metric = pc->data().axes[3];
    // LoRA M=4 RTE s1 (56) … Adapter M=4 SST-2 s3 (85), widened to whole quarters: 56 … 88
    QVERIFY(near(metric.min, 56) && near(metric.max, 88));

    QSignalSpy spy(page, &ui::ParallelPage::brushedRunsChanged);
    // drag on "method" over its top (LoRA), then on the metric from 78.5 up
    auto drag = [&](int axis, double from, double to) {
      const int x = int(std::lround(pc->axisX(axis)));
      QTest::mousePress(pc, Qt::LeftButton, {}, QPoint(x, int(std::lround(pc->positionY(from)))));
      QTest::mouseMove(pc, QPoint(x, int(std::lround(pc->positionY((from + to) / 2)))));
      QTest::mouseRelease(pc, Qt::LeftButton, {}, QPoint(x, int(std::lround(pc->positionY(to)))));
    };
    drag(1, 1.0, 0.8);
    QCOMPARE(pc->brushedRunIds().size(), std::size_t(12));  // every LoRA run
    drag(3, 1.0, (78.5 - 56) / (88 - 56));
    // LoRA with dev accuracy ≥ 78.5: SST-2 LoRA M=1 seed 3 (79), LoRA M=4 seeds 2 (79) and 3 (80)
    app::Store& s = ws_.store();
    std::vector<qint64> expected = {ui::test::analysisRunId(s, "sst2", "LoRA", 1, 3),
                                    ui::test::analysisRunId(s, "sst2", "LoRA", 4, 2),
                                    ui::test::analysisRunId(s, "sst2", "LoRA", 4, 3)};
    std::vector<qint64> got = pc->brushedRunIds();
    std::sort(expected.begin(), expected.end());
    std::sort(got.begin(), got.end());
    QCOMPARE(got, expected);
    QVERIFY(!spy.isEmpty());
    const QList<QVariant> last = spy.takeLast();
    std::vector<qint64> emitted = last.at(0).value<std::vector<qint64>>();
    std::sort(emitted.begin(), emitted.end());
    QCOMPARE(emitted, expected);
    QCOMPARE(last.at(1).toBool(), true);
    QVERIFY(page->clearButton()->isEnabled());
    // a brush over both values of a categorical axis keeps them both
    drag(2, 0.0, 1.0);
    QCOMPARE(pc->brushedRunIds().size(), std::size_t(3));
    // a click on an axis clears its brush
    const int x1 = int(std::lround(pc->axisX(1)));
    QTest::mouseClick(pc, Qt::LeftButton, {}, QPoint(x1, int(std::lround(pc->positionY(0.5)))));
    QCOMPARE(pc->brushes().count(1), std::size_t(0));
    // SST-2 runs ≥ 78.5 of any method: Adapter M=1 all 3 (79–81), Adapter M=4 all 3, LoRA 1 + 2
    QCOMPARE(pc->brushedRunIds().size(), std::size_t(9));
    // Escape clears them all
    pc->setFocus();
    QTest::keyClick(pc, Qt::Key_Escape);
    QVERIFY(!pc->hasBrushes());
    QCOMPARE(pc->brushedRunIds().size(), std::size_t(24));
    QCOMPARE(spy.takeLast().at(1).toBool(), false);
    QVERIFY(!page->clearButton()->isEnabled());
  }

  void mainWindowFiltersResultsAndKeyboard() {
    ui::MainWindow w;
    QVERIFY(w.openWorkspace(db_, true));
    w.analyses()->setStudy(sid_);
    w.results()->setStudy(sid_);
    QCOMPARE(w.results()->table()->rowCount(), 4);
    // View ▸ Analyses ▸ Parallel coordinates (Ctrl+8)
    QAction* ctrl8 = nullptr;
    for (QAction* act : w.findChildren<QAction*>())
      if (act->shortcut() == QKeySequence(QStringLiteral("Ctrl+8"))) ctrl8 = act;
    QVERIFY(ctrl8);
    ctrl8->trigger();
    QCOMPARE(w.tabs()->currentWidget(), static_cast<QWidget*>(w.analyses()));
    QCOMPARE(w.analyses()->currentPage(), ui::AnalysisView::ParallelCoordinatesPage);
    ui::ParallelCoordinates* pc = w.analyses()->parallelPage()->plot();
    QCOMPARE(w.analyses()->parallelPage()->focusProxy(), static_cast<QWidget*>(pc));
    QCOMPARE(w.runTree()->visibleRunCount(), 24);
    pc->setBrush(1, 0.9, 1.0);  // LoRA
    QCOMPARE(w.results()->table()->rowCount(), 2);
    QCOMPARE(w.runTree()->visibleRunCount(), 12);  // the tree keeps the brushed runs only
    QStringList rows;
    for (const auto& labels : w.results()->pivot().rowLabels) rows << labels.join(", ");
    rows.sort();
    // the method no longer varies among the brushed runs, so the table's rows drop that axis
    QCOMPARE(rows, QStringList({"M=1", "M=4"}));
    int lora = 0;
    for (const auto& ids : w.results()->pivot().rowRuns)
      for (qint64 id : ids) lora += w.workspace()->store().run(id)->variant.startsWith("LoRA, ") ? 1 : 0;
    QCOMPARE(lora, 12);
    w.analyses()->parallelPage()->clearButton()->click();
    QCOMPARE(w.results()->table()->rowCount(), 4);
    QCOMPARE(w.runTree()->visibleRunCount(), 24);
  }

  void exportsEveryPage() {
    ui::AnalysisView view(&ws_);
    showStudy(view);
    QStringList suffixes{"png", "pdf"};
    if (ui::PlotAdapter::supportsSvg()) suffixes << "svg";
    for (auto page : {ui::AnalysisView::ScoreVsParams, ui::AnalysisView::ModulesVsMerged,
                      ui::AnalysisView::ParallelCoordinatesPage}) {
      view.showPage(page);
      for (const QString& suffix : suffixes) {
        const QString path = dir_.filePath(QStringLiteral("page%1.%2").arg(int(page)).arg(suffix));
        QVERIFY2(view.exportPage(path), qPrintable(path));
        QVERIFY2(QFileInfo(path).size() > 1000, qPrintable(path));
      }
      const QImage png(dir_.filePath(QStringLiteral("page%1.png").arg(int(page))));
      QCOMPARE(png.size(), QSize(1200, 700));
      // ADAMIX_SCREENSHOT_DIR: keep the fixture's exports to look at (as test_slurm_monitor does)
      if (const QString shots = qEnvironmentVariable("ADAMIX_SCREENSHOT_DIR"); !shots.isEmpty())
        png.save(QDir(shots).filePath(QStringLiteral("analysis-fixture-page%1.png").arg(int(page))));
    }
    QFile svg(dir_.filePath("page2.svg"));
    if (svg.open(QIODevice::ReadOnly)) QVERIFY(svg.readAll().contains("<svg"));
  }

 private:
  /// Shows `view` at a fixed size on the fixture study.
  void showStudy(ui::AnalysisView& view) {
    view.resize(1100, 700);
    view.show();
    view.setStudy(sid_);
  }

  QTemporaryDir dir_;
  QString db_;
  ui::Workspace ws_;
  qint64 sid_ = 0;
};

QTEST_MAIN(TestAnalysisView)
#include "test_analysis_view.moc"
