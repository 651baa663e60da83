// The paper's analyses (issue 14) on plain data: Welch's t-test against closed forms and an
// independent numerical integration, the paired bootstrap against a case whose distribution is
// known exactly, the Pareto front, metrics recomputed from predictions, and the study-level
// score-vs-parameters, per-mode and significance tables with their export marks.
// SPDX-License-Identifier: GPL-3.0-or-later
#include "analysis/example_predictions.h"
#include "analysis/paired_bootstrap.h"
#include "analysis/pareto.h"
#include "analysis/study_analysis.h"
#include "analysis/welch_test.h"
#include "export/pivot.h"

#include <QFile>
#include <QTemporaryDir>
#include <QTest>

#include <sys/stat.h>

#include <cmath>

using namespace adamix::app;
using namespace adamix::app::analysis;

namespace {

/// P(|T| > t) for Student's t with `df` degrees of freedom, by Simpson's rule on the density:
/// an implementation independent of Boost.Math.
double twoSidedTailByIntegration(double t, double df) {
  const double c = std::exp(std::lgamma((df + 1) / 2) - std::lgamma(df / 2)) / std::sqrt(df * M_PI);
  auto pdf = [&](double x) { return c * std::pow(1 + x * x / df, -(df + 1) / 2); };
  const int n = 200000;  // even
  const double h = std::fabs(t) / n;
  double sum = pdf(0) + pdf(std::fabs(t));
  for (int i = 1; i < n; ++i) sum += (i % 2 ? 4 : 2) * pdf(i * h);
  return 1 - 2 * (sum * h / 3);
}

ExamplePredictions predictions(std::vector<double> pred, std::vector<double> label) {
  ExamplePredictions p;
  for (size_t i = 0; i < pred.size(); ++i) p.index.push_back(static_cast<long long>(i));
  p.prediction = std::move(pred);
  p.label = std::move(label);
  return p;
}

std::vector<int> allRows(size_t n) {
  std::vector<int> rows(n);
  for (size_t i = 0; i < n; ++i) rows[i] = int(i);
  return rows;
}

void writeFile(const QString& path, const QByteArray& text) {
  QFile f(path);
  QVERIFY(f.open(QIODevice::WriteOnly));
  f.write(text);
}

/// A run of the synthetic study: variant `method`, task sst2, dev accuracy `acc` (best).
RunResult run(qint64 id, const QString& method, int seed, double acc, std::optional<RunParams> params) {
  RunResult r;
  r.runId = id;
  r.task = QStringLiteral("sst2");
  r.seed = seed;
  r.variant = method;
  r.axes = {{QStringLiteral("method"), method}};
  r.values = {{QStringLiteral("dev"), QStringLiteral("accuracy"), acc, QStringLiteral("best")}};
  r.params = params;
  r.axisPaths = {"/peft/method"};
  return r;
}

RunParams params(qint64 base, qint64 trainablePeft, qint64 inferencePeft) {
  RunParams p;
  p.base = base;
  p.trainablePeft = trainablePeft;
  p.inferencePeft = inferencePeft;
  return p;
}

/// Four variants on SST-2, two seeds each: A (1 % trainable, 1 % at inference, 81.0), B (4 %, 1 %,
/// 86.0), C (0.5 %, 0.5 %, 71.0), D (2 %, 2 %, 79.0); E has no parameter counts.
ResultSet study() {
  ResultSet s;
  s.runs = {run(1, "A", 1, 0.80, params(1000, 10, 10)), run(2, "A", 2, 0.82, params(1000, 10, 10)),
            run(3, "B", 1, 0.85, params(1000, 40, 10)), run(4, "B", 2, 0.87, params(1000, 40, 10)),
            run(5, "C", 1, 0.70, params(1000, 5, 5)),   run(6, "C", 2, 0.72, params(1000, 5, 5)),
            run(7, "D", 1, 0.78, params(1000, 20, 20)), run(8, "D", 2, 0.80, params(1000, 20, 20)),
            run(9, "E", 1, 0.90, std::nullopt)};
  return s;
}

PivotTable pivotOf(const ResultSet& s) {
  PivotOptions o;
  o.primaryOnly = true;
  return buildPivot(s, o);
}

int rowOf(const PivotTable& t, const QString& label) { return findRow(t, label).value_or(-1); }

}  // namespace

class TestAnalysis : public QObject {
  Q_OBJECT

 private slots:
  // ---- Welch ---------------------------------------------------------------------------
  void welchMatchesTheFormulaAndAnIndependentTail() {
    const WelchTest w = welchTTest({1, 2, 3, 4}, {2, 4, 6, 8, 10});
    // means 2.5 and 6; variances 5/3 and 10; se² = 5/12 + 2 = 29/12; df = 2523/457
    QCOMPARE(w.nA, 4);
    QCOMPARE(w.nB, 5);
    QCOMPARE(w.diff, -3.5);
    QVERIFY(std::fabs(w.t - (-3.5 / std::sqrt(29.0 / 12))) < 1e-12);
    QVERIFY(std::fabs(w.df - 2523.0 / 457) < 1e-12);
    QVERIFY(std::fabs(w.p - twoSidedTailByIntegration(w.t, w.df)) < 1e-8);
    QVERIFY(w.defined());
    // the interval is diff ∓ q·se where q leaves 2.5 % in each tail
    const double q = (w.ciHigh - w.diff) / std::sqrt(29.0 / 12);
    QVERIFY(std::fabs((w.diff - w.ciLow) - (w.ciHigh - w.diff)) < 1e-12);
    QVERIFY(std::fabs(twoSidedTailByIntegration(q, w.df) - 0.05) < 1e-8);
  }

  void welchWithTwoDegreesOfFreedomHasAClosedForm() {
    // {85, 87} against {80, 82}: diff 5, se² = 2, df = 2, and for df = 2 the two-sided tail is
    // 1 − t / sqrt(2 + t²)
    const WelchTest w = welchTTest({85, 87}, {80, 82});
    const double t = 5 / std::sqrt(2.0);
    QVERIFY(std::fabs(w.t - t) < 1e-12);
    QVERIFY(std::fabs(w.df - 2) < 1e-12);
    QVERIFY(std::fabs(w.p - (1 - t / std::sqrt(2 + t * t))) < 1e-12);
    // the textbook quantile: t(0.975, 10) = 2.228138851986 ⇒ p = 0.05
    QVERIFY(std::fabs(twoSidedTailByIntegration(2.228138851986, 10) - 0.05) < 1e-9);
  }

  void welchIsUndefinedWithoutTwoValuesOrVariance() {
    QVERIFY(!welchTTest({1}, {2, 3}).defined());
    QVERIFY(!welchTTest({}, {2, 3}).defined());
    const WelchTest same = welchTTest({5, 5}, {4, 4});
    QVERIFY(!same.defined());
    QCOMPARE(same.diff, 1.0);  // the difference of means is still reported
    QCOMPARE(same.nA, 2);
  }

  // ---- Pareto ----------------------------------------------------------------------------
  void paretoFrontKeepsTheUndominated() {
    //            0    1    2    3    4     5
    const std::vector<double> x{1.0, 4.0, 0.5, 2.0, 1.0, std::nan("")};
    const std::vector<double> y{81, 86, 71, 79, 81, 99};
    // 3 is beaten by 0 (cheaper, better); 4 equals 0 (kept); 5 has no cost
    QCOMPARE(paretoFront(x, y), (std::vector<size_t>{2, 0, 4, 1}));
    QCOMPARE(paretoFront({1, 1}, {5, 6}), (std::vector<size_t>{1}));
    QVERIFY(paretoFront({}, {}).empty());
  }

  // ---- metrics from predictions --------------------------------------------------------
  void metricsRecomputedFromPredictions() {
    // TP 2, FP 1, FN 1, TN 1
    const ExamplePredictions p = predictions({1, 1, 0, 0, 1}, {1, 0, 0, 1, 1});
    const auto rows = allRows(5);
    QCOMPARE(metricOnRows(QStringLiteral("accuracy"), p, rows), 3.0 / 5);
    QVERIFY(std::fabs(metricOnRows(QStringLiteral("f1"), p, rows) - 4.0 / 6) < 1e-12);
    QVERIFY(std::fabs(metricOnRows(QStringLiteral("matthews_correlation"), p, rows) - 1.0 / 6) < 1e-12);
    // a resample repeats rows: {0, 0, 1} → 2 of 3 right
    QVERIFY(std::fabs(metricOnRows(QStringLiteral("accuracy"), p, {0, 0, 1}) - 2.0 / 3) < 1e-12);
    const ExamplePredictions r = predictions({1, 2, 3, 4}, {2, 4, 6, 9});
    QVERIFY(std::fabs(metricOnRows(QStringLiteral("spearmanr"), r, allRows(4)) - 1) < 1e-12);
    QVERIFY_THROWS_EXCEPTION(std::invalid_argument, metricOnRows(QStringLiteral("bleu"), p, rows));
    QVERIFY(!isExampleMetric(QStringLiteral("bleu")));
  }

  void predictionsFilesAreReadAndBadOnesNamed() {
    QTemporaryDir dir;
    const QString good = dir.filePath(QStringLiteral("good.tsv"));
    writeFile(good, "index\tprediction\tlabel\tprob_0\tprob_1\n0\t1\t1\t0.2\t0.8\n3\t0\t1\t0.6\t0.4\n");
    const ExamplePredictions p = readPredictionsTsv(good);
    QCOMPARE(p.index, (std::vector<long long>{0, 3}));
    QCOMPARE(p.prediction, (std::vector<double>{1, 0}));
    QCOMPARE(p.label, (std::vector<double>{1, 1}));
    auto errorOf = [](const QString& path) -> QString {
      try {
        readPredictionsTsv(path, 2);
      } catch (const PredictionsError& e) {
        return QString::fromUtf8(e.what());
      }
      return QStringLiteral("<no error>");
    };
    const QString noLabel = dir.filePath(QStringLiteral("nolabel.tsv"));
    writeFile(noLabel, "index\tprediction\n0\t1\n");
    QCOMPARE(errorOf(noLabel), noLabel + QStringLiteral(":1: has no 'label' column (unlabelled data cannot be scored)"));
    const QString bad = dir.filePath(QStringLiteral("bad.tsv"));
    writeFile(bad, "index\tprediction\tlabel\n0\t1\t1\n1\tx\t0\n");
    QCOMPARE(errorOf(bad), bad + QStringLiteral(":3: column 'prediction' is not a number: \"x\""));
    // a file's bytes reach messages (a terminal, the GUI) escaped: no terminal control sequence
    const QString esc = dir.filePath(QStringLiteral("esc.tsv"));
    writeFile(esc, "index\tprediction\tlabel\n\x1b[31m7\t1\t1\n0\t\x1b]0;title\x07\t0\n");
    QCOMPARE(errorOf(esc), esc + QStringLiteral(":2: index is not an integer: \"\\x1b[31m7\""));
    writeFile(esc, "index\tprediction\tlabel\n0\t\x1b]0;title\x07\t0\n");
    QCOMPARE(errorOf(esc), esc + QStringLiteral(":2: column 'prediction' is not a number: \"\\x1b]0;title\\x07\""));
    const QString shortRow = dir.filePath(QStringLiteral("short.tsv"));
    writeFile(shortRow, "index\tprediction\tlabel\n0\t1\n");
    QCOMPARE(errorOf(shortRow), shortRow + QStringLiteral(":2: 2 columns, the header has 3"));
    const QString big = dir.filePath(QStringLiteral("big.tsv"));
    writeFile(big, "index\tprediction\tlabel\n0\t1\t1\n1\t1\t1\n2\t1\t1\n");
    QCOMPARE(errorOf(big), big + QStringLiteral(": more than 2 rows"));
    QVERIFY(errorOf(dir.filePath(QStringLiteral("missing.tsv"))).contains(QStringLiteral("cannot be read")));
    // a FIFO is not opened (the read would wait for a writer), nor a link to a device
    const QString fifo = dir.filePath(QStringLiteral("fifo.tsv"));
    QCOMPARE(::mkfifo(QFile::encodeName(fifo).constData(), 0600), 0);
    QCOMPARE(errorOf(fifo), fifo + QStringLiteral(": not a regular file"));
    const QString zero = dir.filePath(QStringLiteral("zero.tsv"));
    QVERIFY(QFile::link(QStringLiteral("/dev/zero"), zero));
    QCOMPARE(errorOf(zero), zero + QStringLiteral(": not a regular file"));
    // a line past the bound is refused where it starts, not read whole
    const QString longLine = dir.filePath(QStringLiteral("long.tsv"));
    writeFile(longLine, "index\tprediction\tlabel\n0\t1\t1\n" + QByteArray(kMaxPredictionsLineBytes + 10, '1') + "\n");
    QCOMPARE(errorOf(longLine), longLine + QStringLiteral(":3: line longer than 65536 bytes"));
  }

  void runsAlignOnTheirCommonExamples() {
    ExamplePredictions a = predictions({1, 0, 1}, {1, 1, 0});  // indices 0, 1, 2
    ExamplePredictions b;
    b.index = {2, 0, 7};
    b.prediction = {0, 1, 1};
    b.label = {0, 1, 1};
    const auto aligned = alignOnCommonExamples({a, b});
    QCOMPARE(aligned[0].index, (std::vector<long long>{0, 2}));
    QCOMPARE(aligned[1].index, (std::vector<long long>{0, 2}));
    QCOMPARE(aligned[1].prediction, (std::vector<double>{1, 0}));
    b.label = {1, 1, 1};  // example 2: label 0 in a, 1 in b
    QVERIFY_THROWS_EXCEPTION(PredictionsError, alignOnCommonExamples({a, b}));
  }

  // ---- paired bootstrap ------------------------------------------------------------------
  void bootstrapOfIdenticalRunsIsZero() {
    const ExamplePredictions p = predictions({1, 0, 1, 1, 0, 0, 1, 0, 1, 1}, {1, 1, 1, 0, 0, 0, 1, 1, 1, 0});
    const BootstrapTest b = pairedBootstrap(QStringLiteral("accuracy"), {p}, {p}, 2000, 7);
    QCOMPARE(b.examples, 10);
    QCOMPARE(b.observed, 0.0);
    QCOMPARE(b.ciLow, 0.0);
    QCOMPARE(b.ciHigh, 0.0);
    QCOMPARE(b.p, 1.0);
  }

  void bootstrapMatchesTheBinomialItResamples() {
    // The variant is right on all 10 examples, the baseline on 5: a resample's difference is the
    // share of baseline errors drawn, Binomial(10, 1/2) / 10. Its 2.5 % and 97.5 % quantiles are
    // 0.2 and 0.8 (P(X ≤ 1) = 0.0107, P(X ≤ 2) = 0.0547); P(diff ≤ 0) = 2^-10.
    const std::vector<double> label{1, 1, 1, 1, 1, 0, 0, 0, 0, 0};
    const ExamplePredictions right = predictions(label, label);
    const ExamplePredictions half = predictions({1, 1, 1, 1, 1, 1, 1, 1, 1, 1}, label);
    const BootstrapTest b = pairedBootstrap(QStringLiteral("accuracy"), {right}, {half}, 10000, 1);
    QCOMPARE(b.observed, 0.5);
    QVERIFY(std::fabs(b.ciLow - 0.2) < 1e-12);
    QVERIFY(std::fabs(b.ciHigh - 0.8) < 1e-12);
    // expected p = 2 · 2^-10 = 0.00195; 10,000 resamples: within 5 binomial standard deviations
    const double expected = 2.0 / 1024, sd = 2 * std::sqrt(1.0 / 1024 * (1 - 1.0 / 1024) / 10000);
    QVERIFY2(std::fabs(b.p - expected) < 5 * sd, qPrintable(QString::number(b.p)));
    // seeded: the same seed gives the same p, another seed another sample of resamples
    QCOMPARE(pairedBootstrap(QStringLiteral("accuracy"), {right}, {half}, 10000, 1).p, b.p);
    QCOMPARE(b.resamples, 10000);
    QCOMPARE(b.seed, std::uint64_t(1));
    QVERIFY_THROWS_EXCEPTION(std::invalid_argument, pairedBootstrap(QStringLiteral("accuracy"), {}, {half}));
  }

  // ---- study level -----------------------------------------------------------------------
  void scoreVsParamsMarksTheParetoFronts() {
    const ResultSet s = study();
    const PivotTable t = pivotOf(s);
    const auto plots = scoreVsParams(t, s);
    QCOMPARE(plots.size(), size_t(1));  // one task, no average
    const ScoreVsParams& p = plots[0];
    QCOMPARE(p.task, QStringLiteral("sst2"));
    std::map<QString, ScorePoint> by;
    for (const ScorePoint& pt : p.points) by[pt.variant] = pt;
    QCOMPARE(by.size(), size_t(5));
    QVERIFY(std::fabs(by["A"].mean - 81) < 1e-9);
    QVERIFY(std::fabs(by["A"].std - std::sqrt(2.0)) < 1e-9);
    QCOMPARE(by["A"].n, 2);
    QCOMPARE(by["A"].trainablePercent, 1.0);
    QCOMPARE(by["B"].trainablePercent, 4.0);
    QCOMPARE(by["B"].inferencePercent, 1.0);
    QVERIFY(std::isnan(by["E"].trainablePercent));
    // trainable: C (0.5, 71), A (1, 81), B (4, 86) on it; D (2, 79) is beaten by A
    QVERIFY(by["A"].onTrainableFront && by["B"].onTrainableFront && by["C"].onTrainableFront);
    QVERIFY(!by["D"].onTrainableFront && !by["E"].onTrainableFront);
    // inference: B beats A at the same 1 %
    QVERIFY(by["B"].onInferenceFront && by["C"].onInferenceFront);
    QVERIFY(!by["A"].onInferenceFront && !by["D"].onInferenceFront);
  }

  void modeDistributionsGatherModulesAndModes() {
    ResultSet s = study();
    auto mode = [](const char* inference, double acc) {
      InferenceResult i;
      i.inference = QString::fromLatin1(inference);
      i.split = QStringLiteral("dev");
      i.metrics = {{QStringLiteral("accuracy"), acc}};
      i.label = QStringLiteral("eval dev (%1)").arg(i.inference);
      return i;
    };
    s.runs[0].inference = {mode("module:0", 0.70), mode("module:1", 0.75), mode("random", 0.72),
                           mode("ensemble", 0.805), mode("greedy-soup", 0.81)};
    for (int k = 0; k < 4; ++k) {  // the end-of-run modes and their cost (not the merge)
      s.runs[0].inference[size_t(k)].endOfRun = true;
      s.runs[0].inference[size_t(k)].wallS = 0.5 + k;
    }
    s.runs[0].inference[4].wallS = 30;
    s.runs[1].inference = {mode("module:0", 0.74), mode("module:1", 0.79), mode("random", 0.76)};
    const PivotTable t = pivotOf(s);
    const auto dists = modeDistributions(t, s);
    QCOMPARE(dists.size(), size_t(1));  // only A has module evaluations
    const ModeDistribution& d = dists[0];
    QCOMPARE(d.variant, QStringLiteral("A"));
    QCOMPARE(d.metric, QStringLiteral("accuracy"));
    QCOMPARE(d.modules.size(), size_t(4));
    QVERIFY(std::fabs(d.modules[1] - 75) < 1e-9 && std::fabs(d.modules[3] - 79) < 1e-9);
    QCOMPARE(d.modes.size(), size_t(4));
    QCOMPARE(d.modes[0].first, QStringLiteral("merged"));
    QCOMPARE(d.modes[0].second.size(), size_t(2));
    QVERIFY(std::fabs(d.modes[0].second[1] - 82) < 1e-9);
    QCOMPARE(d.modes[1].first, QStringLiteral("random"));
    QCOMPARE(d.modes[2].first, QStringLiteral("ensemble"));
    QCOMPARE(d.modes[3].first, QStringLiteral("greedy-soup"));
    QVERIFY(std::fabs(d.modes[3].second[0] - 81) < 1e-9);
    // one run evaluated its modes as it ended: 0.5 + 1.5 + 2.5 + 3.5 s; the other did not
    QCOMPARE(d.endOfRunSeconds.size(), size_t(1));
    QCOMPARE(d.endOfRunSeconds[0], 8.0);
  }

  void significanceAgainstABaselineRow() {
    QTemporaryDir dir;
    ResultSet s = study();
    // predictions of A's and B's runs on 4 dev examples (labels 1 1 0 0)
    auto file = [&](const char* name, const char* preds) {
      const QString path = dir.filePath(QString::fromLatin1(name));
      QByteArray text = "index\tprediction\tlabel\n";
      const char labels[] = {'1', '1', '0', '0'};
      for (int i = 0; i < 4; ++i) text += QByteArray::number(i) + '\t' + preds[i] + '\t' + labels[i] + '\n';
      writeFile(path, text);
      return path;
    };
    s.runs[0].predictions["dev"] = file("a1.tsv", "1100");  // A: 4/4, 3/4
    s.runs[1].predictions["dev"] = file("a2.tsv", "1000");
    s.runs[2].predictions["dev"] = file("b1.tsv", "1101");  // B: 3/4, 2/4
    s.runs[3].predictions["dev"] = file("b2.tsv", "1001");
    const PivotTable t = pivotOf(s);
    SignificanceOptions o;
    o.baselineRow = rowOf(t, QStringLiteral("a"));
    QVERIFY(o.baselineRow >= 0);
    o.resamples = 2000;
    const SignificanceTable sig = significance(t, s, o);
    QCOMPARE(sig.baselineLabel, QStringLiteral("A"));
    const int b = rowOf(t, QStringLiteral("B")), c = rowOf(t, QStringLiteral("C")), e = rowOf(t, QStringLiteral("E"));
    QVERIFY(!sig.cells[size_t(o.baselineRow)][0]);  // the baseline itself
    const CellSignificance& cb = *sig.cells[size_t(b)][0];
    // Welch on the table's values: {85, 87} vs {80, 82}, df 2 (closed form as above)
    const double tb = 5 / std::sqrt(2.0);
    QVERIFY(std::fabs(cb.welch.t - tb) < 1e-9);
    QVERIFY(std::fabs(cb.welch.p - (1 - tb / std::sqrt(2 + tb * tb))) < 1e-9);
    // bootstrap on the files: B averages (3/4 + 2/4)/2, A (4/4 + 3/4)/2 → −25 points
    QVERIFY(cb.bootstrap);
    QVERIFY(std::fabs(cb.bootstrap->observed - (-25)) < 1e-9);
    QCOMPARE(cb.bootstrap->examples, 4);
    QVERIFY(cb.bootstrap->ciLow <= -25 && cb.bootstrap->ciHigh <= 0);
    // C has no predictions: Welch only, and why
    const CellSignificance& cc = *sig.cells[size_t(c)][0];
    QVERIFY(!cc.bootstrap);
    QCOMPARE(cc.bootstrapNote, QStringLiteral("predictions missing for some runs"));
    // E has one seed: Welch undefined, no mark
    QVERIFY(!sig.cells[size_t(e)][0]->welch.defined());
    QVERIFY_THROWS_EXCEPTION(std::invalid_argument, significance(t, s, SignificanceOptions{99}));

    // export marks: C is far below A (71 vs 81, p < 0.05): †
    const PivotMarks marks = significanceMarks(sig);
    QCOMPARE(marks.cells[size_t(c)][0], QString(QChar(0x2020)));
    QCOMPARE(marks.cells[size_t(b)][0], QString());  // p = 0.072
    const QString md = pivotToMarkdown(t, &marks);
    QVERIFY2(md.contains(QStringLiteral("| C | 71.0 ± 1.4 † |")), qPrintable(md));
    QVERIFY(md.contains(QStringLiteral("† p < 0.05 against A, Welch's t-test over seeds; ‡ p < 0.05, paired bootstrap "
                                       "over dev examples (2,000 resamples, seed 1).")));
    const QString tex = pivotToLatex(t, &marks);
    QVERIFY2(tex.contains(QStringLiteral("71.0$\\pm$1.4$^{\\dagger}$")), qPrintable(tex));
    // the legend's "<" as \textless{}: OT1 prints a raw "<" as "¡"
    QVERIFY2(
        tex.contains(QStringLiteral("{\\footnotesize $^{\\dagger}$ p \\textless{} 0.05 against A, Welch's t-test over "
                                    "seeds; $^{\\ddagger}$ p \\textless{} 0.05, paired bootstrap over dev examples "
                                    "(2,000 resamples, seed 1).} \\\\\n")),
        qPrintable(tex));
    const QString csv = significanceToCsv(t, sig);
    QVERIFY2(csv.startsWith(QStringLiteral("method,column,n,mean,baseline,baseline n,baseline mean,welch diff,")),
             qPrintable(csv));
    QVERIFY(csv.contains(QStringLiteral("B,SST-2,2,86,A,2,81,5,3.535533906,2,0.07152330911,")));
    QVERIFY(csv.contains(QStringLiteral("C,SST-2,2,71,A,2,81,-10,")));
    QVERIFY(csv.contains(QStringLiteral(",predictions missing for some runs\n")));
  }

  /// MNLI's two dev sets are two columns (MNLI-m, MNLI-mm): each column's paired bootstrap reads
  /// that split's predictions file (predictions/dev_matched.tsv, dev_mismatched.tsv). Before, only
  /// predictions/dev.tsv was known, which MNLI runs do not write: their bootstrap was missing.
  void significanceOfEachMnliDevSetReadsItsOwnPredictions() {
    QTemporaryDir dir;
    auto file = [&](const QString& name, const char* preds) {
      const QString path = dir.filePath(name);
      QByteArray text = "index\tprediction\tlabel\n";
      const char labels[] = {'0', '1', '2', '0'};
      for (int i = 0; i < 4; ++i) text += QByteArray::number(i) + '\t' + preds[i] + '\t' + labels[i] + '\n';
      writeFile(path, text);
      return path;
    };
    ResultSet s;
    // matched: A 4/4 and 4/4, B 2/4 and 3/4 (B − A = −37.5 points); mismatched: A 2/4 and 3/4,
    // B 4/4 and 3/4 (B − A = +25 points)
    const char* matched[] = {"0120", "0120", "0000", "0100"};
    const char* mismatched[] = {"0000", "0100", "0120", "0110"};
    const double accM[] = {1.0, 1.0, 0.5, 0.75}, accMm[] = {0.5, 0.75, 1.0, 0.75};
    for (int k = 0; k < 4; ++k) {
      RunResult r = run(k + 1, k < 2 ? "A" : "B", k % 2 + 1, 0, std::nullopt);
      r.task = QStringLiteral("mnli");
      r.values = {{QStringLiteral("dev_matched"), QStringLiteral("accuracy"), accM[k], QStringLiteral("best")},
                  {QStringLiteral("dev_mismatched"), QStringLiteral("accuracy"), accMm[k], QStringLiteral("best")}};
      r.predictions[QStringLiteral("dev_matched")] = file(QStringLiteral("m%1.tsv").arg(k), matched[k]);
      r.predictions[QStringLiteral("dev_mismatched")] = file(QStringLiteral("mm%1.tsv").arg(k), mismatched[k]);
      s.runs.push_back(r);
    }
    const PivotTable t = buildPivot(s, PivotOptions{});
    SignificanceOptions o;
    o.baselineRow = rowOf(t, QStringLiteral("A"));
    o.resamples = 500;
    const SignificanceTable sig = significance(t, s, o);
    const int b = rowOf(t, QStringLiteral("B"));
    std::map<QString, double> observed;
    for (size_t c = 0; c < t.columns.size(); ++c) {
      const auto& cell = sig.cells[size_t(b)][c];
      QVERIFY2(cell && cell->bootstrap, qPrintable(t.columns[c].header));
      QCOMPARE(cell->bootstrap->examples, 4);
      observed[t.columns[c].split] = cell->bootstrap->observed;
    }
    QCOMPARE(observed.size(), size_t(2));
    QVERIFY(std::fabs(observed[QStringLiteral("dev_matched")] - (-37.5)) < 1e-9);
    QVERIFY(std::fabs(observed[QStringLiteral("dev_mismatched")] - 25) < 1e-9);
  }

  /// New-user defect: a bootstrap in which no resample crossed zero has p = 0, which the CSV wrote
  /// as an exact 0 (the GUI says p < 0.0001). It is written as the bound 2/B the resamples resolve.
  void csvBootstrapPIsNoFalseZero() {
    PivotTable t;
    t.rowHeaders = {QStringLiteral("Variant")};
    t.rowLabels = {{QStringLiteral("A")}, {QStringLiteral("B")}, {QStringLiteral("C")}};
    t.columns = {PivotColumn{QStringLiteral("SST-2"), QStringLiteral("sst2"), QStringLiteral("dev"),
                             QStringLiteral("accuracy")}};
    SignificanceTable sig;
    sig.baselineRow = 0;
    sig.baselineLabel = QStringLiteral("A");
    CellSignificance zero, some;
    zero.welch.nA = zero.welch.nB = some.welch.nA = some.welch.nB = 3;
    zero.bootstrap = BootstrapTest{872, 10000, 1, 7.5, 5.1, 9.9, 0.95, 0.0};
    some.bootstrap = BootstrapTest{872, 10000, 1, 0.5, -0.4, 1.4, 0.95, 0.3148};
    sig.cells = {{std::nullopt}, {zero}, {some}};
    const QStringList lines = significanceToCsv(t, sig).split(u'\n', Qt::SkipEmptyParts);
    QCOMPARE(lines.size(), 3);
    const int col = lines[0].split(u',').indexOf(QStringLiteral("bootstrap p"));
    QVERIFY(col > 0);
    QCOMPARE(lines[1].split(u',').value(col), QStringLiteral("<0.0002"));
    QCOMPARE(lines[2].split(u',').value(col), QStringLiteral("0.3148"));
    zero.bootstrap->resamples = 2000;
    QCOMPARE(bootstrapPText(*zero.bootstrap), QStringLiteral("<0.001"));
  }

  /// Review defect: runs scored on different dev subsets (seeded by the run seed before
  /// task.split_seed drew them) left the bootstrap 3 common examples of 64 and nothing said so.
  void bootstrapOnFewerCommonExamplesSaysSo() {
    // Two runs of 10 examples sharing 4 (indices 6..9 of the first are 0..3 of the second).
    ExamplePredictions a = predictions({1, 1, 1, 1, 1, 1, 1, 0, 1, 0}, {1, 1, 1, 1, 1, 1, 1, 1, 1, 1});
    ExamplePredictions b = predictions({1, 0, 1, 1, 1, 1, 1, 1, 1, 1}, {1, 1, 1, 1, 1, 1, 1, 1, 1, 1});
    for (auto& i : b.index) i += 6;
    const BootstrapTest shared = pairedBootstrap(QStringLiteral("accuracy"), {a}, {b}, 1000, 1);
    QCOMPARE(shared.examples, 4);
    QCOMPARE(shared.fewestPredicted, 10);
    // on indices 6..9: a right on 6 and 8 (2 of 4), b on 6, 8 and 9 (its positions 0, 2, 3) → −0.25
    QCOMPARE(shared.observed, -0.25);
    QCOMPARE(bootstrapSubsetNote(shared), QStringLiteral("only the 4 examples all its runs share (a run predicted 10): "
                                                         "they were scored on different dev examples"));
    const BootstrapTest same = pairedBootstrap(QStringLiteral("accuracy"), {a}, {a}, 1000, 1);
    QCOMPARE(same.fewestPredicted, 10);
    QVERIFY(bootstrapSubsetNote(same).isEmpty());

    PivotTable t;
    t.rowHeaders = {QStringLiteral("Variant")};
    t.rowLabels = {{QStringLiteral("A")}, {QStringLiteral("B")}};
    t.columns = {PivotColumn{QStringLiteral("SST-2"), QStringLiteral("sst2"), QStringLiteral("dev"),
                             QStringLiteral("accuracy")}};
    SignificanceTable sig;
    sig.baselineRow = 0;
    sig.baselineLabel = QStringLiteral("A");
    sig.options.bootstrap = true;
    CellSignificance cell;
    cell.bootstrap = shared;
    sig.cells = {{std::nullopt}, {cell}};
    QVERIFY(significanceToCsv(t, sig).contains(QStringLiteral(",only the 4 examples all its runs share")));
    QVERIFY(significanceLegend(sig).endsWith(QStringLiteral(
        "The runs were scored on different dev examples: a bootstrap uses only those all its runs share (as few as 4 "
        "of the 10 a run predicted).")));
    sig.cells = {{std::nullopt}, {CellSignificance{}}};
    QVERIFY(!significanceLegend(sig).contains(QStringLiteral("different dev examples")));
  }
};

QTEST_GUILESS_MAIN(TestAnalysis)
#include "test_analysis.moc"
