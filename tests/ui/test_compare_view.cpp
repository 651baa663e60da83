// Compare view: curves, smoothing, grouping, x axis, log scale, legend click, bars, export.
#include "compare/compare_view.h"
#include "export/pivot.h"
#include "ui_fixture.h"
#include "workspace/workspace.h"

#include <qcustomplot.h>

#include <QComboBox>
#include <QDir>
#include <QFileInfo>
#include <QLabel>
#include <QSet>
#include <QSqlDatabase>
#include <QSqlQuery>
#include <QTemporaryDir>

#include <optional>
#include <QtTest>
#include <nlohmann/json.hpp>

using namespace adamix;
using namespace adamix::app;

class TestCompareView : public QObject {
  Q_OBJECT
 private slots:
  void initTestCase() {
    QStandardPaths::setTestModeEnabled(true);
    QVERIFY(dir_.isValid());
    const QString db = dir_.filePath("ws.sqlite");
    {
      app::Store s;
      s.open(db);
      ui::test::fillFixtureStore(s, dir_.filePath("runs"));
    }
    QVERIFY(ws_.open(db));
    for (const auto& r : ws_.store().listRuns()) ids_ << r.id;
    QCOMPARE(ids_.size(), 8);
  }

  void init() {
    view_ = std::make_unique<ui::CompareView>(&ws_);
    view_->resize(1200, 700);
    view_->show();
    QVERIFY(QTest::qWaitForWindowExposed(view_.get()));
    view_->setSmoothing(0);
    view_->setSelectedRuns(ids_);
    view_->setMetric("train/loss");
    view_->setGroupBy("");
    view_->setXAxis(ui::XAxisKind::Step);
    view_->setLogScale(false);
  }

  void overlaysOneCurvePerRun() {
    ui::PlotAdapter* a = view_->adapter();
    QCOMPARE(a->seriesLabels().size(), 8);
    QCOMPARE(view_->plot()->graphCount(), 8);
    QCPGraph* g = a->mainGraph("rte · Adapter · s1");
    QVERIFY(g);
    QCOMPARE(g->data()->size(), 10);
    QCOMPARE(g->data()->at(0)->key, 10.0);
    QCOMPARE(g->data()->at(0)->value, 1.1);  // 1/1 + 0.1 * seed 1
    QVERIFY(view_->metricBox()->findText("dev/accuracy") >= 0);
  }

  void smoothingKeepsTheRawCurveFaded() {
    view_->setSmoothing(0.5);
    ui::PlotAdapter* a = view_->adapter();
    QCOMPARE(a->seriesLabels().size(), 8);
    QCOMPARE(view_->plot()->graphCount(), 16);  // smoothed + faded raw per run
    QCPGraph* g = a->mainGraph("rte · Adapter · s1");
    QCOMPARE(g->data()->at(0)->value, 1.1);  // debiased EMA starts at the first value
    // second value: (0.5*0.5*1.1 + 0.5*0.6) / (0.5*0.5 + 0.5) with y1 = 1/2 + 0.1
    QVERIFY(qAbs(g->data()->at(1)->value - (0.25 * 1.1 + 0.5 * 0.6) / 0.75) < 1e-12);
    QVERIFY(g->pen().color().alpha() == 255);
    int faded = 0;
    for (int i = 0; i < view_->plot()->graphCount(); ++i) faded += view_->plot()->graph(i)->pen().color().alpha() < 255;
    QCOMPARE(faded, 8);
  }

  void groupsByVariantWithMeanAndBand() {
    view_->setGroupBy("variant");
    ui::PlotAdapter* a = view_->adapter();
    QCOMPARE(a->seriesLabels(),
             QStringList({"rte · Adapter (n=2)", "rte · AdaMix (n=2)", "sst2 · Adapter (n=2)", "sst2 · AdaMix (n=2)"}));
    QCPGraph* mean = a->mainGraph("rte · Adapter (n=2)");
    QCOMPARE(mean->data()->size(), 10);
    QVERIFY(qAbs(mean->data()->at(0)->value - 1.15) < 1e-12);  // seeds 1 and 2: 1.1 and 1.2
    QCOMPARE(view_->plot()->graphCount(), 12);                 // mean + lower + upper per group
    // the band: some graph fills down to another at mean ± std (0.0707…)
    bool band = false;
    for (int i = 0; i < view_->plot()->graphCount(); ++i) {
      QCPGraph* g = view_->plot()->graph(i);
      if (g->channelFillGraph() && qAbs(g->data()->at(0)->value - (1.15 + 0.0707106781)) < 1e-6) band = true;
    }
    QVERIFY(band);
  }

  void xAxisByEpochAndLogScale() {
    view_->setXAxis(ui::XAxisKind::Epoch);
    QCPGraph* g = view_->adapter()->mainGraph("rte · Adapter · s1");
    QVERIFY(qAbs(g->data()->at(0)->key - 0.1) < 1e-12);
    view_->setXAxis(ui::XAxisKind::WallTime);
    g = view_->adapter()->mainGraph("rte · Adapter · s1");
    QCOMPARE(g->data()->at(0)->key, 0.0);
    QCOMPARE(g->data()->at(9)->key, 9.0);
    view_->setLogScale(true);
    QCOMPARE(view_->plot()->yAxis->scaleType(), QCPAxis::stLogarithmic);
  }

  void legendClickHidesASeries() {
    QCustomPlot* plot = view_->plot();
    plot->replot();
    QCPAbstractLegendItem* item = plot->legend->item(0);
    QVERIFY(item);
    const QString label = view_->adapter()->seriesLabels().first();
    QVERIFY(view_->adapter()->isSeriesVisible(label));
    QTest::mouseClick(plot, Qt::LeftButton, {}, item->rect().center());
    QVERIFY(!view_->adapter()->isSeriesVisible(label));
    QTest::mouseClick(plot, Qt::LeftButton, {}, item->rect().center());
    QVERIFY(view_->adapter()->isSeriesVisible(label));
  }

  void hoverReadout() {
    QCustomPlot* plot = view_->plot();
    plot->replot();
    QCPGraph* g = view_->adapter()->mainGraph("sst2 · AdaMix · s2");
    const QPointF px(plot->xAxis->coordToPixel(g->data()->at(4)->key),
                     plot->yAxis->coordToPixel(g->data()->at(4)->value));
    const QString text = view_->adapter()->readoutAt(px);
    QVERIFY2(text.contains("step") && text.contains(QString::number(g->data()->at(4)->value, 'g', 5)),
             qPrintable(text));
  }

  void barsOfFinalMetricsWithErrorBars() {
    view_->setMode(ui::CompareView::Mode::Bars);
    QCustomPlot* plot = view_->plot();
    int bars = 0, errors = 0;
    QCPBars* adamix = nullptr;
    for (int i = 0; i < plot->plottableCount(); ++i) {
      if (auto* b = qobject_cast<QCPBars*>(plot->plottable(i))) {
        ++bars;
        if (b->name() == "AdaMix") adamix = b;
      }
      errors += qobject_cast<QCPErrorBars*>(plot->plottable(i)) != nullptr;
    }
    QCOMPARE(bars, 2);
    QCOMPARE(errors, 2);
    QVERIFY(adamix);
    QCOMPARE(adamix->data()->size(), 3);  // RTE, SST-2, Avg.
    QVERIFY(qAbs(adamix->data()->at(0)->value - 65.0) < 1e-9);
    QVERIFY(qAbs(adamix->data()->at(2)->value - 75.0) < 1e-9);
  }

  /// New-user defect: an evaluation of another file (`adamix run eval --data`) was drawn as a bar
  /// under "best dev score". The bars are the runs' own best dev scores only.
  void barsLeaveEvaluationsOut() {
    std::optional<qint64> adamixRun;
    for (const auto& r : ws_.store().listRuns())
      if (r.variant == "AdaMix" && !adamixRun) adamixRun = r.id;
    QVERIFY(adamixRun);
    app::Evaluation e;
    e.runId = *adamixRun;
    e.dataFile = dir_.filePath("my.tsv");
    e.inference = QStringLiteral("module:2");
    e.examples = 4;
    e.metrics = {{QStringLiteral("accuracy"), 0.25}};
    e.primaryMetric = QStringLiteral("accuracy");
    e.outDir = dir_.filePath("eval/my-module-2");
    const qint64 evalId = ws_.store().addEvaluation(e);
    view_->setMode(ui::CompareView::Mode::Bars);
    QCustomPlot* plot = view_->plot();
    QCPBars* adamix = nullptr;
    for (int i = 0; i < plot->plottableCount(); ++i)
      if (auto* b = qobject_cast<QCPBars*>(plot->plottable(i)); b && b->name() == "AdaMix") adamix = b;
    QVERIFY(adamix);
    QCOMPARE(adamix->data()->size(), 3);  // RTE, SST-2, Avg.: no bar of the evaluation
    auto* ticker = dynamic_cast<QCPAxisTickerText*>(plot->xAxis->ticker().data());
    QVERIFY(ticker);
    QStringList ticks = ticker->ticks().values();
    QCOMPARE(ticks, QStringList({"RTE", "SST-2", "Avg."}));
    QCOMPARE(plot->yAxis->label(), QString("best dev score (×100), mean ± std over seeds"));
    {  // the other tests see the fixture as it was
      QSqlDatabase d = QSqlDatabase::addDatabase("QSQLITE", "poke");
      d.setDatabaseName(dir_.filePath("ws.sqlite"));
      QVERIFY(d.open());
      QVERIFY(QSqlQuery(d).exec(QStringLiteral("DELETE FROM evaluations WHERE id = %1").arg(evalId)));
      d.close();
    }
    QSqlDatabase::removeDatabase("poke");
    QVERIFY(ws_.store().evaluations(*adamixRun).empty());
  }

  void exportsPngAndPdf() {
    const QString png = dir_.filePath("plot.png"), pdf = dir_.filePath("plot.pdf");
    QVERIFY(view_->exportPlot(png));
    QVERIFY(view_->exportPlot(pdf));
    QVERIFY(QFileInfo(png).size() > 1000);
    QVERIFY(QFileInfo(pdf).size() > 1000);
    QImage img(png);
    QCOMPARE(img.width(), 1200);
  }

  void exportsSvgWhenBuiltWithQtSvg() {
    if (!ui::PlotAdapter::supportsSvg()) QSKIP("built without Qt Svg (qt6-svg-dev)");
    const QString svg = dir_.filePath("plot.svg");
    QVERIFY(view_->exportPlot(svg));
    QFile f(svg);
    QVERIFY(f.open(QIODevice::ReadOnly));
    const QByteArray text = f.readAll();
    QVERIFY2(text.startsWith("<?xml"), text.left(80).constData());
    QVERIFY(text.contains("<svg") && text.contains("viewBox=\"0 0 1200 700\""));
    // the curves are vector paths, and the axis label is text
    QVERIFY(text.count("<path") + text.count("<polyline") >= 8);
    QVERIFY(text.contains(">step<"));
  }

  void liveModeIsFastOnScreenButExportsAtFullQuality() {
    ui::PlotAdapter* a = view_->adapter();
    QCustomPlot* plot = a->plot();
    a->setLiveMode(true);
    QVERIFY(plot->plottingHints().testFlag(QCP::phFastPolylines));
    QVERIFY(plot->notAntialiasedElements().testFlag(QCP::aePlottables));
    // the export draws at full quality: identical to an export made out of live mode
    QVERIFY(view_->exportPlot(dir_.filePath("live.png")));
    QVERIFY(plot->plottingHints().testFlag(QCP::phFastPolylines));
    QVERIFY(plot->notAntialiasedElements().testFlag(QCP::aePlottables));
    a->setLiveMode(false);
    QVERIFY(!plot->plottingHints().testFlag(QCP::phFastPolylines));
    QCOMPARE(plot->notAntialiasedElements(), QCP::AntialiasedElements(QCP::aeNone));
    QVERIFY(view_->exportPlot(dir_.filePath("still.png")));
    QCOMPARE(QImage(dir_.filePath("live.png")), QImage(dir_.filePath("still.png")));
    // and differs from what the screen shows in live mode (so the comparison above can fail)
    a->setLiveMode(true);
    const QImage liveScreen = plot->toPixmap(1200, 700).toImage().convertToFormat(QImage::Format_ARGB32);
    QVERIFY(liveScreen != QImage(dir_.filePath("still.png")).convertToFormat(QImage::Format_ARGB32));
  }

  // Issue 18 item 8: Compare opens on the newest study's finished runs, the tasks' primary metric,
  // grouped by variant; 20 series get 20 distinct colours; the legend sits beside the axis rect.
  void opensWithTheFinishedRunsPrimaryMetricAndVariantGroups() {
    const QString db = dir_.filePath("twenty/ws.sqlite");
    QDir().mkpath(dir_.filePath("twenty"));
    QList<qint64> finished;
    {
      app::Store s;
      s.open(db);
      // an older study with a finished run: not the default
      const qint64 old = s.upsertStudy("older", {}, nlohmann::json::object());
      ui::test::addPlainRun(s, old, "old", "rte", "Old", 0, app::RunState::Finished);
      const qint64 sid = ui::test::fillFixtureStore(s, dir_.filePath("twenty/runs"));
      // 12 more finished runs (6 variants × 2 seeds on rte) and one failed run: 20 finished in all
      for (int v = 1; v <= 6; ++v)
        for (int seed : {1, 2}) {
          const qint64 id = ui::test::addPlainRun(s, sid, QString("extra-%1-%2").arg(v).arg(seed), "rte",
                                                  QString("Variant number %1 with a long label").arg(v), seed,
                                                  app::RunState::Finished, {}, true);
          std::vector<app::MetricPoint> pts;
          for (int k = 1; k <= 5; ++k) {
            pts.push_back({id, 10 * k, k / 5.0, "train", "loss", 1.0 / k + 0.01 * v, 1700000000.0 + k});
            pts.push_back({id, 10 * k, k / 5.0, "dev", "accuracy", 0.5 + 0.01 * v + 0.01 * k, 1700000000.0 + k});
          }
          s.appendMetricPoints(pts);
        }
      ui::test::addPlainRun(s, sid, "failed", "rte", "Broken", 0, app::RunState::Failed);
      app::RunFilter f;
      f.studyId = sid;
      f.statuses = {app::RunState::Finished};
      for (const auto& r : s.listRuns(f)) finished << r.id;
    }
    QCOMPARE(finished.size(), 20);
    ui::Workspace ws;
    QVERIFY(ws.open(db));
    ui::CompareView view(&ws);
    view.resize(1200, 700);
    view.show();
    QVERIFY(QTest::qWaitForWindowExposed(&view));
    view.refresh();  // what the workspace's change signal does after opening

    // the default selection, metric and grouping
    QCOMPARE(view.selectedRuns(), finished);
    auto* caption = view.findChild<QLabel*>("compareCaption");
    QVERIFY2(caption, "no caption saying what Compare shows");
    QVERIFY2(caption->text().startsWith("The 20 finished runs of study fixture."), qPrintable(caption->text()));
    QCOMPARE(view.metricBox()->currentText(), QString("dev/accuracy"));  // RTE and SST-2 rank by dev accuracy
    auto* group = view.findChild<QComboBox*>("groupBox");
    QVERIFY(group);
    QCOMPARE(group->currentData().toString(), QString("variant"));
    QStringList labels = view.adapter()->seriesLabels();
    QCOMPARE(labels.size(), 4 + 6);  // fixture: 2 variants × 2 tasks; extra: 6 variants on rte
    QVERIFY2(labels.contains("rte · AdaMix (n=2)") && labels.contains("rte · Variant number 6 with a long label (n=2)"),
             qPrintable(labels.join(" | ")));

    // the legend lies beside the axis rect, inside the widget, whole
    QCustomPlot* plot = view.plot();
    plot->replot();
    const QRect legend = plot->legend->outerRect();
    const QRect axes = plot->axisRect()->rect();
    QVERIFY(plot->legend->visible());
    QVERIFY2(!legend.intersects(axes), qPrintable(QString("legend %1,%2 %3x%4 axes %5,%6 %7x%8")
                                                      .arg(legend.x()).arg(legend.y()).arg(legend.width())
                                                      .arg(legend.height()).arg(axes.x()).arg(axes.y())
                                                      .arg(axes.width()).arg(axes.height())));
    QVERIFY(legend.left() >= axes.right());
    QVERIFY(plot->rect().contains(legend));
    for (int i = 0; i < plot->legend->itemCount(); ++i)
      QVERIFY(plot->rect().contains(plot->legend->item(i)->outerRect()));

    // 20 runs ungrouped: 20 series that all look different (distinct colours)
    view.setGroupBy("");
    labels = view.adapter()->seriesLabels();
    QCOMPARE(labels.size(), 20);
    QSet<QRgb> colours;
    for (const QString& l : labels) colours.insert(view.adapter()->mainGraph(l)->pen().color().rgb());
    QCOMPARE(colours.size(), 20);
    plot->replot();
    QVERIFY(!plot->legend->outerRect().intersects(plot->axisRect()->rect()));
    for (int i = 0; i < plot->legend->itemCount(); ++i)
      QVERIFY(plot->rect().contains(plot->legend->item(i)->outerRect()));

    if (qEnvironmentVariableIsSet("COMPARE_TEST_PNG"))  // to look at: COMPARE_TEST_PNG=/tmp/x.png
      QVERIFY(view.plot()->savePng(qEnvironmentVariable("COMPARE_TEST_PNG"), 1200, 600));

    // a choice sticks through refreshes; a selection from the tree replaces the default
    view.setMetric("train/loss");
    view.refresh();
    QCOMPARE(view.metricBox()->currentText(), QString("train/loss"));
    QCOMPARE(group->currentData().toString(), QString());
    view.setSelectedRuns(finished.mid(0, 2));
    QCOMPARE(view.selectedRuns(), finished.mid(0, 2));
    view.refresh();
    QCOMPARE(view.selectedRuns(), finished.mid(0, 2));
    QVERIFY2(caption->text().startsWith("2 runs selected in the Workspace tree"), qPrintable(caption->text()));
  }

  // The one place that decides grouping, and the default metric of a selection.
  void groupKeyAndPrimaryMetric() {
    app::RunRecord r;
    r.task = "rte";
    r.variant = "AdaMix";
    r.axes = {{"variant", "AdaMix"}, {"/peft/adamix/num_modules", 4}};
    QCOMPARE(ui::CompareView::groupKey(r, ""), QString());
    QCOMPARE(ui::CompareView::groupKey(r, "variant"), QString("rte · AdaMix"));
    QCOMPARE(ui::CompareView::groupKey(r, "task"), QString("rte"));
    QCOMPARE(ui::CompareView::groupKey(r, "/peft/adamix/num_modules"), QString("rte · /peft/adamix/num_modules=4"));
    QCOMPARE(ui::CompareView::groupKey(r, "variant", "train/epochs=3"), QString("rte · AdaMix · train/epochs=3"));
    r.variant.clear();
    QCOMPARE(ui::CompareView::groupKey(r, "variant"), QString("rte · base"));
    app::RunRecord cola = r, cola2 = r;
    cola.task = cola2.task = "cola";
    QCOMPARE(ui::CompareView::primaryMetricOf({cola}), QString("dev/matthews_correlation"));
    QCOMPARE(ui::CompareView::primaryMetricOf({r, cola, cola2}), QString("dev/matthews_correlation"));
    QCOMPARE(ui::CompareView::primaryMetricOf({}), QString());
  }

  // Issue 18, item 1 in Compare: "AdaMix" meant M = 4 at one launch and M = 8 at the next. Grouped
  // by variant, the two never share a mean line; a note names the setting.
  void variantGroupsAreKeyedByWhatWasTrained() {
    QTemporaryDir dir;
    const QString db = ui::test::createRelaunchedWorkspace(dir.path());
    ui::Workspace ws;
    QVERIFY(ws.open(db));
    ui::CompareView view(&ws);
    view.resize(1200, 700);
    view.show();
    QVERIFY(QTest::qWaitForWindowExposed(&view));
    QList<qint64> all;
    for (const auto& r : ws.store().listRuns()) all << r.id;
    view.setSelectedRuns(all);
    view.setMetric("train/loss");
    view.setGroupBy("variant");
    QStringList labels = view.adapter()->seriesLabels();
    labels.sort();
    QCOMPARE(labels, QStringList({"rte · AdaMix · peft/adamix/num_modules=4 (n=1)",
                                  "rte · AdaMix · peft/adamix/num_modules=8 (n=1)",
                                  "rte · Adapter · peft/adamix/num_modules=1 (n=2)"}));
    QCPGraph* m8 = view.adapter()->mainGraph("rte · AdaMix · peft/adamix/num_modules=8 (n=1)");
    QVERIFY(m8);
    QCOMPARE(m8->data()->at(0)->value, 1.8);  // the M = 8 run's own loss, not a mean with M = 4's 1.7
    auto* note = view.findChild<QLabel*>("compareSettingsNote");
    QVERIFY(note && note->isVisible());
    QVERIFY2(note->text().contains("(peft/adamix/num_modules)"), qPrintable(note->text()));
    view.setGroupBy("");  // ungrouped: each curve names its setting, the note stays
    labels = view.adapter()->seriesLabels();
    labels.sort();
    QCOMPARE(labels, QStringList({"rte · AdaMix · s1 · peft/adamix/num_modules=4",
                                  "rte · AdaMix · s2 · peft/adamix/num_modules=8",
                                  "rte · Adapter · s1 · peft/adamix/num_modules=1",
                                  "rte · Adapter · s2 · peft/adamix/num_modules=1"}));
    QVERIFY(note->isVisible());
  }

  // Runs computed by different kernels (a cluster's two node types) are compared as usual, under a
  // note that names the ways with their run counts; computed alike, no note.
  void runsComputedDifferentlyAreNoted() {
    QTemporaryDir dir;
    const QString db = ui::test::createRelaunchedWorkspace(dir.path());
    ui::Workspace ws;
    QVERIFY(ws.open(db));
    const auto runs = ws.store().listRuns();
    QCOMPARE(runs.size(), size_t(4));
    const auto haswell = nlohmann::json::parse(R"({"device":"cpu","blas_core":"Haswell","fused_cpu_kernels":false})");
    const auto cuda = nlohmann::json::parse(R"({"device":"cuda","blas_core":"Haswell","fused_cpu_kernels":false})");
    qint64 onGpu = 0;  // one AdaMix run
    for (const auto& r : runs)
      if (r.variant != "Adapter") onGpu = r.id;
    for (const auto& r : runs) ws.store().setRunCompute(r.id, r.id == onGpu ? cuda : haswell);
    ui::CompareView view(&ws);
    view.resize(1200, 700);
    view.show();
    QVERIFY(QTest::qWaitForWindowExposed(&view));
    QList<qint64> adapters, all;
    for (const auto& r : runs) {
      all << r.id;
      if (r.variant == "Adapter") adapters << r.id;
    }
    view.setSelectedRuns(all);
    view.setMetric("train/loss");
    view.setGroupBy("variant");
    auto* note = view.findChild<QLabel*>("compareSettingsNote");
    QVERIFY(note && note->isVisible());
    const QString computed = QStringLiteral("⚠ ") + app::computeNote({{QStringLiteral("CPU, OpenBLAS Haswell"), 3},
                                                                     {QStringLiteral("CUDA"), 1}});
    QVERIFY2(note->text().endsWith(u'\n' + computed), qPrintable(note->text()));  // after the settings note
    QVERIFY(computed.contains(QStringLiteral("CPU, OpenBLAS Haswell (3 runs); CUDA (1 run)")));
    QVERIFY(!view.adapter()->seriesLabels().isEmpty());  // drawn as usual
    if (const QString shots = qEnvironmentVariable("ADAMIX_TEST_SCREENSHOTS"); !shots.isEmpty()) {
      QTest::qWait(50);
      view.grab().save(QDir(shots).filePath("compare-computed-differently.png"));  // to look at
    }
    view.setSelectedRuns(adapters);  // both Haswell, trained alike: no note at all
    QVERIFY(!note->isVisible());
  }

  // QA 2: a run that logged a single point (a 1-epoch run, an 8-step run logging every 10) is drawn
  // as a visible marker, alone and as a group mean, on axes centred on it.
  void aSinglePointIsDrawnAsAMarker() {
    const QString db = dir_.filePath("single/ws.sqlite");
    QDir().mkpath(dir_.filePath("single"));
    qint64 id = 0;
    {
      app::Store s;
      s.open(db);
      const qint64 sid = s.upsertStudy("one-epoch", {}, nlohmann::json::object());
      id = ui::test::addPlainRun(s, sid, "one", "rte", "Short", 1, app::RunState::Finished);
      s.appendMetricPoints({{id, 8, 1.0, "train", "loss", 0.7, 1700000000.0}});
    }
    ui::Workspace ws;
    QVERIFY(ws.open(db));
    ui::CompareView view(&ws);
    view.resize(1000, 600);
    view.show();
    QVERIFY(QTest::qWaitForWindowExposed(&view));
    view.setSmoothing(0);
    view.setSelectedRuns({id});
    view.setGroupBy("");
    view.setMetric("train/loss");
    QCPGraph* g = view.adapter()->mainGraph("rte · Short · s1");
    QVERIFY(g);
    QCOMPARE(g->data()->size(), 1);
    QCOMPARE(g->data()->at(0)->key, 8.0);
    QCOMPARE(g->data()->at(0)->value, 0.7);
    QVERIFY(g->visible());
    QVERIFY(g->scatterStyle().shape() != QCPScatterStyle::ssNone);
    QVERIFY(g->scatterStyle().size() >= 5);
    QVERIFY(g->scatterStyle().pen().color().alpha() == 255 || g->scatterStyle().brush().color().alpha() == 255);
    const QCPRange x = view.plot()->xAxis->range(), y = view.plot()->yAxis->range();
    QVERIFY2(x.lower < 8 && 8 < x.upper && x.size() <= 10, qPrintable(QString("x %1..%2").arg(x.lower).arg(x.upper)));
    QVERIFY2(y.lower < 0.7 && 0.7 < y.upper && y.size() <= 2, qPrintable(QString("y %1..%2").arg(y.lower).arg(y.upper)));
    // smoothed and as a group mean too
    view.setSmoothing(0.6);
    g = view.adapter()->mainGraph("rte · Short · s1");
    QVERIFY(g && g->data()->size() == 1 && g->scatterStyle().shape() != QCPScatterStyle::ssNone);
    view.setGroupBy("variant");
    QCOMPARE(view.adapter()->seriesLabels().size(), 1);
    g = view.adapter()->mainGraph(view.adapter()->seriesLabels().first());
    QVERIFY(g && g->data()->size() == 1 && g->scatterStyle().shape() != QCPScatterStyle::ssNone);
    // runs of two points and more keep a plain line
    QCPGraph* line = view_->adapter()->mainGraph("rte · Adapter · s1");
    QVERIFY(line && line->scatterStyle().shape() == QCPScatterStyle::ssNone);
    QCOMPARE(line->lineStyle(), QCPGraph::lsLine);
  }

  // QA 5: deleting the selected run falls back to the newest study's finished runs (docs/gui.md):
  // caption, metric box and plot follow; no "Select runs…" over the old axes.
  void deletingTheSelectionFallsBackToTheNewestStudy() {
    const QString db = dir_.filePath("fallback/ws.sqlite");
    QDir().mkpath(dir_.filePath("fallback"));
    qint64 id = 0;
    {
      app::Store s;
      s.open(db);
      ui::test::fillFixtureStore(s, dir_.filePath("fallback/runs"));
      const qint64 sid = s.upsertStudy("picked", {}, nlohmann::json::object());
      // not a finished run: its study is no default
      id = ui::test::addPlainRun(s, sid, "picked-run", "rte", "Picked", 1, app::RunState::Failed);
      s.appendMetricPoints({{id, 10, 0.1, "train", "loss", 0.9, 1700000000.0},
                            {id, 20, 0.2, "train", "loss", 0.8, 1700000001.0}});
    }
    ui::Workspace ws;
    QVERIFY(ws.open(db));
    ui::CompareView view(&ws);
    view.resize(1000, 600);
    view.show();
    QVERIFY(QTest::qWaitForWindowExposed(&view));
    view.setSelectedRuns({id});
    QCOMPARE(view.adapter()->seriesLabels().size(), 1);
    ws.store().deleteRuns({id});
    emit ws.changed();  // what Delete… (or F5 after a CLI delete) does
    QCOMPARE(view.selectedRuns().size(), 8);
    QVERIFY2(view.captionLabel()->text().startsWith("The 8 finished runs of study fixture"),
             qPrintable(view.captionLabel()->text()));
    QVERIFY(!view.metricBox()->currentText().isEmpty());
    QVERIFY(view.adapter()->seriesLabels().size() > 0);
    QVERIFY(view.plot()->xAxis->visible());
  }

  // Issue 19 item 6: a curve of many more points than pixel columns reaches the plot as at most
  // two points per bucket of about one column (min and max: the spike stays, and the first and last
  // points), a read-out shows the exact stored value of a point that is not drawn, zooming reads
  // the range again at full resolution, and a group's band is the mean ± std over its runs of their
  // bucket means.
  void manyPointsAreDecimatedButReadOutExactly() {
    const QString db = dir_.filePath("many/ws.sqlite");
    QDir().mkpath(dir_.filePath("many"));
    constexpr int kSteps = 20000;
    // value(step, seed) = seed + step / 3e5: rising in each bucket (its min is its first point, its
    // max its last), with 16 significant digits; seed 1 has a spike of 100 at step 12345
    auto value = [](int step, int seed) { return step == 12345 && seed == 1 ? 100.0 : seed + step / 3.0e5; };
    QList<qint64> ids;
    {
      app::Store s;
      s.open(db);
      const qint64 sid = s.upsertStudy("many", {}, nlohmann::json::object());
      for (int seed = 1; seed <= 3; ++seed) {
        const qint64 id = ui::test::addPlainRun(s, sid, QString("many-%1").arg(seed), "rte", "AdaMix", seed,
                                                app::RunState::Finished, {});
        std::vector<app::MetricPoint> pts;
        for (int step = 1; step <= kSteps; ++step)
          pts.push_back({id, step, step / double(kSteps), "train", "loss", value(step, seed), 1.7e9 + step});
        s.appendMetricPoints(pts);
        ids << id;
      }
    }
    ui::Workspace ws;
    QVERIFY(ws.open(db));
    ui::CompareView view(&ws);
    view.resize(1200, 700);
    view.show();
    QVERIFY(QTest::qWaitForWindowExposed(&view));
    view.setSmoothing(0);
    view.setSelectedRuns({ids.first()});
    view.setMetric("train/loss");
    view.setGroupBy("");
    view.setXAxis(ui::XAxisKind::Step);
    ui::PlotAdapter* a = view.adapter();
    QCustomPlot* plot = view.plot();
    plot->replot();
    QTRY_COMPARE(a->bucketWidth(), app::bucketWidthFor((kSteps - 1) / double(plot->axisRect()->width())));
    const int columns = plot->axisRect()->width();
    QVERIFY(a->bucketWidth() > 1);
    QCPGraph* g = a->mainGraph("rte · AdaMix · s1");
    QVERIFY(g);
    QVERIFY2(g->data()->size() <= 2 * columns + 2,
             qPrintable(QString("%1 points for %2 columns").arg(g->data()->size()).arg(columns)));
    QVERIFY(g->data()->size() >= columns / 2);
    auto drawn = [&](double step) {
      auto it = g->data()->findBegin(step, false);
      return it != g->data()->constEnd() && it->key == step ? std::optional<double>(it->value) : std::nullopt;
    };
    QCOMPARE(drawn(12345), std::optional<double>(100.0));  // the spike
    QCOMPARE(drawn(1), std::optional<double>(value(1, 1)));  // first and last points
    QCOMPARE(drawn(kSteps), std::optional<double>(value(kSteps, 1)));
    // a point inside a bucket (neither its min nor its max) is not drawn; its read-out is exact
    const int w = int(a->bucketWidth());
    const int inner = 24 * w + w / 2 + 1;
    QVERIFY(!drawn(inner));
    const QPointF px(plot->xAxis->coordToPixel(inner), plot->yAxis->coordToPixel(value(inner, 1)));
    const QString text = a->readoutAt(px);
    const QString exact = QString::number(value(inner, 1), 'g', QLocale::FloatingPointShortest);
    QVERIFY(exact.size() >= 12);  // more digits than a rounded read-out shows
    QVERIFY2(text.endsWith(QString("step %1: %2").arg(inner).arg(exact)), qPrintable(text + " / " + exact));

    // zoom in: read again, every stored point of the range drawn as stored
    plot->xAxis->setRange(1000, 1100);
    QTRY_COMPARE(a->bucketWidth(), 1.0);
    for (int step = 1000; step <= 1100; ++step) QCOMPARE(drawn(step), std::optional<double>(value(step, 1)));

    // grouped: the band at a bucket is the mean ± sample std over the runs of their bucket means
    view.setSelectedRuns(ids);
    view.setGroupBy("variant");
    plot->replot();
    QTRY_VERIFY(a->bucketWidth() > 1);
    QCOMPARE(a->seriesLabels(), QStringList{"rte · AdaMix (n=3)"});
    const double width = a->bucketWidth();
    const int k = 100;  // steps [100 w, 101 w): no spike
    double sumStep = 0;
    for (int step = int(k * width); step < int((k + 1) * width); ++step) sumStep += step;
    const double meanStep = sumStep / width;
    // run means: seed + meanStep / 3e5, for seeds 1, 2, 3 → mean 2 + meanStep / 3e5, sample std 1
    const double mean = 2 + meanStep / 3.0e5;
    QCPGraph* m = a->mainGraph("rte · AdaMix (n=3)");
    auto at = m->data()->findBegin(meanStep, false);
    QVERIFY(at != m->data()->constEnd());
    QVERIFY2(qAbs(at->key - meanStep) < 1e-9, qPrintable(QString::number(at->key)));
    QVERIFY(qAbs(at->value - mean) < 1e-9);
    int bands = 0;
    for (int i = 0; i < plot->graphCount(); ++i) {
      QCPGraph* b = plot->graph(i);
      if (b == m) continue;
      auto it = b->data()->findBegin(meanStep, false);
      if (it == b->data()->constEnd() || qAbs(it->key - meanStep) > 1e-9) continue;
      bands += qAbs(it->value - (mean - 1)) < 1e-9 || qAbs(it->value - (mean + 1)) < 1e-9;
    }
    QCOMPARE(bands, 2);
    QVERIFY(m->data()->size() <= 2 * plot->axisRect()->width() + 2);
  }

  // An empty plot's message shows no axes of the last plot.
  void aMessageHidesTheAxes() {
    view_->adapter()->showMessage("nothing");
    QVERIFY(!view_->plot()->xAxis->visible() && !view_->plot()->yAxis->visible());
    view_->setSelectedRuns(ids_);
    QVERIFY(view_->plot()->xAxis->visible() && view_->plot()->yAxis->visible());
  }

  void cleanup() { view_.reset(); }

 private:
  QTemporaryDir dir_;
  ui::Workspace ws_;
  QList<qint64> ids_;
  std::unique_ptr<ui::CompareView> view_;
};

QTEST_MAIN(TestCompareView)
#include "test_compare_view.moc"
