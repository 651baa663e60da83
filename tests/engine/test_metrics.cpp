// GLUE metrics against values worked out by hand (see the comments next to each expectation).
#include <QtTest/QtTest>

#include <cmath>

#include "data/glue.h"
#include "io/errors.h"
#include "metrics/glue_metrics.h"
#include "test_support.h"

using namespace adamix;

namespace {
bool near(double a, double b, double tol = 1e-9) { return std::fabs(a - b) <= tol; }
}  // namespace

class TestMetrics : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void binaryConfusionMatrix() {
    // labels 1 1 1 1 0 0 0, preds 1 1 1 0 1 0 0 -> TP=3 FN=1 FP=1 TN=2.
    const std::vector<int64_t> labels = {1, 1, 1, 1, 0, 0, 0};
    const std::vector<int64_t> preds = {1, 1, 1, 0, 1, 0, 0};
    // accuracy = (3+2)/7
    QVERIFY(near(accuracy(preds, labels), 5.0 / 7.0));
    // F1 = 2TP / (2TP+FP+FN) = 6/8
    QVERIFY(near(binaryF1(preds, labels), 0.75));
    // MCC = (TP*TN - FP*FN) / sqrt((TP+FP)(TP+FN)(TN+FP)(TN+FN)) = (6-1)/sqrt(4*4*3*3) = 5/12
    QVERIFY(near(matthewsCorrelation(preds, labels), 5.0 / 12.0));
  }

  void mccEdgeCases() {
    const std::vector<int64_t> labels = {1, 0, 1, 0};
    QVERIFY(near(matthewsCorrelation(labels, labels), 1.0));
    QVERIFY(near(matthewsCorrelation({0, 1, 0, 1}, labels), -1.0));
    // All predictions one class: (TP+FP)(TN+FN) has a zero factor -> 0 (sklearn).
    QCOMPARE(matthewsCorrelation({1, 1, 1, 1}, labels), 0.0);
    QCOMPARE(matthewsCorrelation({0, 0, 0, 0}, {0, 0, 0, 0}), 0.0);
    // 3 classes, sklearn formula: true 0 0 1 1 2 2, pred 0 0 1 2 2 2; correct c=5, n=6,
    // t=(2,2,2) p=(2,1,3): cov(yt,yp)=5*6-(4+2+6)=18, cov(yp,yp)=36-(4+1+9)=22,
    // cov(yt,yt)=36-12=24 -> 18/sqrt(24*22).
    QVERIFY(near(matthewsCorrelation({0, 0, 1, 2, 2, 2}, {0, 0, 1, 1, 2, 2}), 18.0 / std::sqrt(24.0 * 22.0)));
  }

  void f1EdgeCases() {
    // No positive predicted nor true: 2TP+FP+FN = 0 -> 0.
    QCOMPARE(binaryF1({0, 0}, {0, 0}), 0.0);
    // TP=0, FP=1, FN=1 -> 0.
    QCOMPARE(binaryF1({1, 0}, {0, 1}), 0.0);
    // TP=1, FP=0, FN=1 -> 2/3.
    QVERIFY(near(binaryF1({1, 0}, {1, 1}), 2.0 / 3.0));
  }

  void pearsonByHand() {
    // x = 1..5, y = 2 4 5 4 5: dx = -2 -1 0 1 2, dy = -2 0 1 0 1 -> sxy = 6, sxx = 10, syy = 6,
    // r = 6/sqrt(60).
    QVERIFY(near(pearson({1, 2, 3, 4, 5}, {2, 4, 5, 4, 5}), 6.0 / std::sqrt(60.0)));
    QVERIFY(near(pearson({1, 2, 3}, {3, 2, 1}), -1.0));
    QCOMPARE(pearson({1, 1, 1}, {1, 2, 3}), 0.0);  // constant input -> 0 (documented)
  }

  void spearmanWithTies() {
    // y = 2 4 5 4 5 -> average ranks 1 2.5 4.5 2.5 4.5.
    const auto r = averageRanks({2, 4, 5, 4, 5});
    const std::vector<double> expect = {1, 2.5, 4.5, 2.5, 4.5};
    QCOMPARE(r, expect);
    // Pearson of ranks (1..5) and (1 2.5 4.5 2.5 4.5): dx=-2 -1 0 1 2, dy=-2 -.5 1.5 -.5 1.5,
    // sxy = 4+.5+0-.5+3 = 7, sxx = 10, syy = 4+.25+2.25+.25+2.25 = 9 -> 7/sqrt(90).
    QVERIFY(near(spearman({1, 2, 3, 4, 5}, {2, 4, 5, 4, 5}), 7.0 / std::sqrt(90.0)));
    // Monotone but non-linear -> 1.
    QVERIFY(near(spearman({1, 2, 3, 4}, {1, 8, 27, 64}), 1.0));
  }

  void glueMetricNames() {
    const std::vector<int64_t> labels = {1, 1, 1, 1, 0, 0, 0};
    const std::vector<int64_t> preds = {1, 1, 1, 0, 1, 0, 0};
    auto cola = computeGlueMetrics(taskSpec("cola"), preds, labels);
    QCOMPARE(cola.size(), size_t(1));
    QVERIFY(near(cola.at("matthews_correlation"), 5.0 / 12.0));
    auto mrpc = computeGlueMetrics(taskSpec("mrpc"), preds, labels);
    QCOMPARE(mrpc.size(), size_t(2));
    QVERIFY(near(mrpc.at("accuracy"), 5.0 / 7.0));
    QVERIFY(near(mrpc.at("f1"), 0.75));
    auto qqp = computeGlueMetrics(taskSpec("qqp"), preds, labels);
    QVERIFY(qqp.count("accuracy") && qqp.count("f1"));
    for (const char* t : {"sst2", "qnli", "rte", "wnli", "mnli"}) {
      auto m = computeGlueMetrics(taskSpec(t), preds, labels);
      QCOMPARE(m.size(), size_t(1));
      QVERIFY(near(m.at("accuracy"), 5.0 / 7.0));
    }
    const std::vector<float> p = {1, 2, 3, 4, 5}, l = {2, 4, 5, 4, 5};
    auto stsb = computeGlueMetrics(taskSpec("stsb"), p, l);
    QCOMPARE(stsb.size(), size_t(2));
    QVERIFY(near(stsb.at("pearson"), 6.0 / std::sqrt(60.0), 1e-7));
    QVERIFY(near(stsb.at("spearmanr"), 7.0 / std::sqrt(90.0), 1e-7));
    QCOMPARE(taskSpec("stsb").primary_metric, std::string("pearson"));
    QCOMPARE(taskSpec("cola").primary_metric, std::string("matthews_correlation"));
  }

  void errors() {
    bool threw = false;
    try {
      computeGlueMetrics(taskSpec("stsb"), std::vector<int64_t>{1}, std::vector<int64_t>{1});
    } catch (const EngineError& e) {
      threw = e.kind() == ErrorKind::Internal;
    }
    QVERIFY(threw);
    threw = false;
    try {
      accuracy({1, 0}, {1});
    } catch (const EngineError& e) {
      threw = e.kind() == ErrorKind::Internal;
    }
    QVERIFY(threw);
    QVERIFY_THROWS_EXCEPTION(EngineError, accuracy({}, {}));
  }
};

QTEST_GUILESS_MAIN(TestMetrics)
#include "test_metrics.moc"
