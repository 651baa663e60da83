// Results ▸ Baseline: significance marks, tooltips and legend on a store with known values
// (analysis_fixture.cpp). Welch's t and df are computed here by hand from the formula; p for
// df = 4 from the closed form of Student's t with 4 degrees of freedom,
// P(|T| > t) = 1 − x(3 − x²)/2 with x = t/√(t² + 4); the bootstrap is checked against what
// can be said without resampling (observed difference, all differences of one sign, p = 1 and
// CI [0, 0] for identical predictions, P(no differing example drawn) = 0.6¹⁰, and the 95 %
// interval from the quantiles of the binomial distribution of the resampled difference).
#include "analysis_fixture.h"
#include "results/results_view.h"
#include "workspace/workspace.h"

#include <QComboBox>
#include <QLabel>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QtTest>

#include <cmath>

using namespace adamix;

namespace {

struct Welch {
  double t, df;
};

/// Welch's t and Welch–Satterthwaite df from the formula (sample variances, n − 1).
Welch welchByHand(const std::vector<double>& a, const std::vector<double>& b) {
  auto mean = [](const std::vector<double>& x) {
    double s = 0;
    for (double v : x) s += v;
    return s / double(x.size());
  };
  auto var = [&](const std::vector<double>& x) {
    const double m = mean(x);
    double s = 0;
    for (double v : x) s += (v - m) * (v - m);
    return s / double(x.size() - 1);
  };
  const double sa = var(a) / double(a.size()), sb = var(b) / double(b.size());
  return {(mean(a) - mean(b)) / std::sqrt(sa + sb),
          (sa + sb) * (sa + sb) / (sa * sa / double(a.size() - 1) + sb * sb / double(b.size() - 1))};
}

/// The q-quantile of Binomial(n, p): the smallest k with P(K ≤ k) ≥ q, from the pmf by hand.
/// With every seed predicting alike, a paired bootstrap of accuracy over 10 examples where the
/// variant is right on d more of them has resampled differences 100 · K / 10, K ~ Binomial(10, d/10):
/// the percentile interval is 10 · (quantile at 2.5 %, quantile at 97.5 %).
int binomialQuantile(int n, double p, double q) {
  double cdf = 0, pmf = std::pow(1 - p, n);
  for (int k = 0; k <= n; ++k) {
    cdf += pmf;
    if (cdf >= q) return k;
    pmf *= double(n - k) / double(k + 1) * p / (1 - p);
  }
  return n;
}

/// Two-sided p of Student's t with 4 degrees of freedom (closed form).
double pStudent4(double t) {
  const double x = std::fabs(t) / std::sqrt(t * t + 4);
  return 1 - x * (3 - x * x) / 2;
}

}  // namespace

class TestResultsSignificance : public QObject {
  Q_OBJECT
 private slots:
  void initTestCase() {
    QStandardPaths::setTestModeEnabled(true);
    QVERIFY(dir_.isValid());
    const QString db = dir_.filePath("ws.sqlite");
    {
      app::Store s;
      s.open(db);
      sid_ = ui::test::fillAnalysisStore(s, dir_.filePath("runs"));
    }
    QVERIFY(ws_.open(db));
  }

  void closedFormReference() {
    // the reference itself: t_{0.975, 4} = 2.776445 (every t table) gives p = 0.05
    QVERIFY(std::fabs(pStudent4(2.776445) - 0.05) < 1e-6);
  }

  void baselineChooserListsRows() {
    ui::ResultsView view(&ws_);
    view.setStudy(sid_);
    QComboBox* b = view.baselineBox();
    QCOMPARE(b->count(), 5);
    QCOMPARE(b->itemText(0), QString("none"));
    QCOMPARE(b->currentIndex(), 0);
    QVERIFY(!view.significanceLegendLabel()->isVisibleTo(&view));
    QVERIFY(!view.significance());
  }

  void marksTooltipsAndLegend() {
    ui::ResultsView view(&ws_);
    view.resize(1000, 500);
    view.show();
    view.setStudy(sid_);
    const int baseline = pivotRow(view, "Adapter, M=1");
    QVERIFY(baseline >= 0);
    view.setBaseline(baseline);
    QCOMPARE(view.baselineBox()->currentText(), QString("Adapter, M=1"));
    view.waitForSignificance();
    QVERIFY(view.significance().has_value());
    const auto& sig = *view.significance();
    const int sst2 = columnOf(view, "SST-2"), rte = columnOf(view, "RTE");
    QVERIFY(sst2 >= 0 && rte >= 0);
    const int adapter4 = pivotRow(view, "Adapter, M=4"), lora1 = pivotRow(view, "LoRA, M=1"),
              lora4 = pivotRow(view, "LoRA, M=4"), base = pivotRow(view, "Adapter, M=1");

    // Welch, SST-2, Adapter M=4 {83, 84, 85} against {79, 80, 81}: df = 4 exactly
    const Welch w1 = welchByHand({83, 84, 85}, {79, 80, 81});
    const auto& c1 = *sig.cells[adapter4][sst2];
    QVERIFY(std::fabs(c1.welch.t - w1.t) < 1e-9);
    QVERIFY(std::fabs(w1.t - 4.898979485566356) < 1e-12);  // 4 / √(2/3)
    QVERIFY(std::fabs(c1.welch.df - 4) < 1e-9);
    QVERIFY(std::fabs(c1.welch.p - pStudent4(w1.t)) < 1e-9);
    QVERIFY(c1.welch.p < 0.05);  // 0.00805
    // RTE, Adapter M=4 {61, 63, 65} against {59, 60, 61}: unequal variances, df = 2.941…
    const Welch w2 = welchByHand({61, 63, 65}, {59, 60, 61});
    const auto& c2 = *sig.cells[adapter4][rte];
    QVERIFY(std::fabs(c2.welch.t - w2.t) < 1e-9);
    QVERIFY(std::fabs(c2.welch.df - w2.df) < 1e-9);
    QVERIFY(std::fabs(w2.df - 50.0 / 17.0) < 1e-12);  // (5/3)² / ((4/3)²/2 + (1/3)²/2)
    // SST-2, LoRA M=1 {77, 78, 79}: t = −2.449, df = 4, p = 0.0705: no †
    const auto& c3 = *sig.cells[lora1][sst2];
    QVERIFY(std::fabs(c3.welch.p - pStudent4(welchByHand({77, 78, 79}, {79, 80, 81}).t)) < 1e-9);
    QVERIFY(c3.welch.p > 0.05);

    // bootstrap over the 10 examples (×100): Adapter M=4 is right on a superset (2 more)
    QVERIFY(c1.bootstrap.has_value());
    QCOMPARE(c1.bootstrap->examples, 10);
    QCOMPARE(c1.bootstrap->resamples, 10000);
    QVERIFY(std::fabs(c1.bootstrap->observed - 20) < 1e-9);
    QVERIFY(c1.bootstrap->ciLow >= 0);
    // LoRA M=1 right on 4 more: p = 2 · P(none of the 4 drawn) = 2 · 0.6^10 = 0.0121
    QVERIFY(c3.bootstrap.has_value());
    QVERIFY(std::fabs(c3.bootstrap->observed - 40) < 1e-9);
    QVERIFY2(std::fabs(c3.bootstrap->p - 2 * std::pow(0.6, 10)) < 0.006, qPrintable(QString::number(c3.bootstrap->p)));
    // the 95 % interval from the binomial distribution of the resampled difference: [10, 70]
    QCOMPARE(binomialQuantile(10, 0.4, 0.025), 1);
    QCOMPARE(binomialQuantile(10, 0.4, 0.975), 7);
    QCOMPARE(c3.bootstrap->ciLow, 10.0 * binomialQuantile(10, 0.4, 0.025));
    QCOMPARE(c3.bootstrap->ciHigh, 10.0 * binomialQuantile(10, 0.4, 0.975));
    // Adapter M=4, 2 examples more: K ~ Binomial(10, 0.2), interval [0, 50]
    QCOMPARE(c1.bootstrap->ciLow, 10.0 * binomialQuantile(10, 0.2, 0.025));
    QCOMPARE(c1.bootstrap->ciHigh, 10.0 * binomialQuantile(10, 0.2, 0.975));
    QCOMPARE(c1.bootstrap->ciHigh, 50.0);
    // LoRA M=4 predicts exactly as the baseline: difference 0, CI [0, 0], p = 1
    const auto& c4 = *sig.cells[lora4][sst2];
    QVERIFY(c4.bootstrap.has_value());
    QCOMPARE(c4.bootstrap->observed, 0.0);
    QCOMPARE(c4.bootstrap->ciLow, 0.0);
    QCOMPARE(c4.bootstrap->ciHigh, 0.0);
    QCOMPARE(c4.bootstrap->p, 1.0);
    // RTE runs have no predictions: a note, no ‡
    const auto& c2b = *sig.cells[adapter4][rte];
    QVERIFY(!c2b.bootstrap);
    QCOMPARE(c2b.bootstrapNote, QString("predictions missing for some runs"));
    // nothing for the baseline row itself
    QVERIFY(!sig.cells[base][sst2]);

    // what the table shows
    QTableWidget* t = view.table();
    const int labelCols = 2;
    QCOMPARE(t->item(rowOf(view, "Adapter, M=4"), labelCols + sst2)->text(), QString("84.0 ± 1.0 †"));
    QCOMPARE(t->item(rowOf(view, "LoRA, M=1"), labelCols + sst2)->text(), QString("78.0 ± 1.0 ‡"));
    QCOMPARE(t->item(rowOf(view, "LoRA, M=4"), labelCols + sst2)->text(), QString("79.0 ± 1.0"));
    QCOMPARE(t->item(rowOf(view, "Adapter, M=1"), labelCols + sst2)->text(), QString("80.0 ± 1.0"));
    const QString tip = t->item(rowOf(view, "Adapter, M=4"), labelCols + sst2)->toolTip();
    QVERIFY2(tip.contains("Against Adapter, M=1:"), qPrintable(tip));
    QVERIFY2(tip.contains("n = 3 vs 3, t = 4.899, df = 4.00, p = 0.00805\n    difference 4.000, 95 % CI ["),
             qPrintable(tip));
    QVERIFY2(tip.contains("difference 20.000, 95 % CI ["), qPrintable(tip));
    QVERIFY2(tip.contains("\n    10 examples, 10,000 resamples (seed 1)"), qPrintable(tip));
    const QString rteTip = t->item(rowOf(view, "Adapter, M=4"), labelCols + rte)->toolTip();
    QVERIFY2(rteTip.contains("‡ Paired bootstrap: none — predictions missing for some runs"), qPrintable(rteTip));
    QCOMPARE(view.significanceLegendLabel()->text(),
             QString("† p < 0.05 against Adapter, M=1, Welch's t-test over seeds; ‡ p < 0.05, paired bootstrap "
                     "over dev examples (10,000 resamples, seed 1)."));
    QVERIFY(view.significanceLegendLabel()->isVisible());

    // Copy / Export carry the marks and the legend, as `adamix export --baseline` writes them
    const QString md = view.exportText(ui::TableFormat::Markdown);
    QVERIFY2(md.contains("| Adapter | M=4 | **84.0 ± 1.0** † | 84.7 ± 0.6 | **63.0 ± 2.0** |"), qPrintable(md));
    QVERIFY2(md.contains("| LoRA | M=1 | 78.0 ± 1.0 ‡ | — | 58.0 ± 1.0 |"), qPrintable(md));
    QVERIFY2(md.contains("| Adapter | M=1 | 80.0 ± 1.0 | — | 60.0 ± 1.0 |"), qPrintable(md));
    QVERIFY2(md.contains("† p < 0.05 against Adapter, M=1"), qPrintable(md));
    const QString tex = view.exportText(ui::TableFormat::Latex);
    QVERIFY2(tex.contains("\\textbf{84.0$\\pm$1.0}$^{\\dagger}$"), qPrintable(tex));
    const QString csv = view.exportText(ui::TableFormat::Csv);
    QVERIFY2(csv.startsWith("method,modules,column,n,mean,baseline,"), qPrintable(csv));
    QVERIFY2(csv.contains(",4.898979"), qPrintable(csv));  // Welch t = 4/sqrt(2/3), the closed form above

    // deterministic: computed again, the same numbers
    const double low = c3.bootstrap->ciLow, high = c3.bootstrap->ciHigh, p = c3.bootstrap->p;
    view.setBaseline(-1);
    QVERIFY(!view.significance());
    QVERIFY(!view.significanceLegendLabel()->isVisible());
    QCOMPARE(t->item(rowOf(view, "Adapter, M=4"), labelCols + sst2)->text(), QString("84.0 ± 1.0"));
    QVERIFY(!view.exportText(ui::TableFormat::Markdown).contains("†"));
    view.setBaseline(base);
    view.waitForSignificance();
    const auto& again = *view.significance()->cells[lora1][sst2]->bootstrap;
    QCOMPARE(again.ciLow, low);
    QCOMPARE(again.ciHigh, high);
    QCOMPARE(again.p, p);
  }

  void baselineSurvivesRefresh() {
    ui::ResultsView view(&ws_);
    view.setStudy(sid_);
    view.setBootstrapResamples(200);
    view.setBaseline(pivotRow(view, "LoRA, M=4"));
    view.waitForSignificance();
    view.refresh();
    QCOMPARE(view.baselineBox()->currentText(), QString("LoRA, M=4"));
    // the same table against the same baseline: the tests stand, nothing is computed again
    QVERIFY(!view.significanceRunning());
    QVERIFY(view.significance().has_value());
    view.waitForSignificance();
    QVERIFY(view.significance().has_value());
    QCOMPARE(view.significance()->baselineLabel, QString("LoRA, M=4"));
    QCOMPARE(view.significance()->options.resamples, 200);
  }

 private:
  /// The pivot row labelled `label` ("Adapter, M=4").
  static int pivotRow(const ui::ResultsView& v, const QString& label) {
    for (std::size_t r = 0; r < v.pivot().rowLabels.size(); ++r)
      if (v.pivot().rowLabels[r].join(", ") == label) return int(r);
    return -1;
  }
  static int columnOf(const ui::ResultsView& v, const QString& header) {
    for (std::size_t c = 0; c < v.pivot().columns.size(); ++c)
      if (v.pivot().columns[c].header == header) return int(c);
    return -1;
  }
  /// The table row showing `label` (the table may be sorted).
  static int rowOf(const ui::ResultsView& v, const QString& label) {
    const QTableWidget* t = v.table();
    for (int r = 0; r < t->rowCount(); ++r)
      if (t->item(r, 0)->text() + ", " + t->item(r, 1)->text() == label) return r;
    return -1;
  }

  QTemporaryDir dir_;
  ui::Workspace ws_;
  qint64 sid_ = 0;
};

QTEST_MAIN(TestResultsSignificance)
#include "test_results_significance.moc"
