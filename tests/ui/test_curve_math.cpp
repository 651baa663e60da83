// curve_math: EMA smoothing (of points and of bucket means) and group mean ± std, checked against
// hand-computed numbers.
#include "plot/curve_math.h"

#include <QtTest>

#include <cmath>
#include <limits>

using namespace adamix::ui;

namespace {
bool near(double a, double b) { return std::fabs(a - b) < 1e-12; }
}  // namespace

class TestCurveMath : public QObject {
  Q_OBJECT
 private slots:
  void emaIsDebiased() {
    // w = 0.5: acc 0.5, 1.25, 2.125; norm 0.5, 0.75, 0.875 → 1, 5/3, 17/7
    const auto s = ema({1, 2, 3}, 0.5);
    QCOMPARE(s.size(), size_t(3));
    QVERIFY(near(s[0], 1.0));
    QVERIFY(near(s[1], 5.0 / 3.0));
    QVERIFY(near(s[2], 17.0 / 7.0));
  }

  void emaEdgeCases() {
    const std::vector<double> y = {4, 1, 7};
    QCOMPARE(ema(y, 0), y);
    QCOMPARE(ema(y, -1), y);
    QVERIFY(ema({}, 0.5).empty());
    // weights above 0.999 are capped: a constant stays constant
    for (double v : ema({2, 2, 2}, 5)) QVERIFY(near(v, 2));
    // a NaN passes through and leaves the average untouched
    const double nan = std::numeric_limits<double>::quiet_NaN();
    const auto s = ema({1, nan, 3}, 0.5);
    QVERIFY(near(s[0], 1));
    QVERIFY(std::isnan(s[1]));
    QVERIFY(near(s[2], (0.5 * 0.5 + 0.5 * 3) / 0.75));  // = 7/3
  }

  void groupMeanAndSampleStd() {
    // run a: steps 0,1,2; run b: steps 0,1 (shorter); x = step
    const StepCurve a{{0, 1, 2}, {0, 1, 2}, {1, 2, 5}};
    const StepCurve b{{0, 1}, {0, 1}, {3, 6}};
    const MeanBand m = meanStdByStep({a, b});
    QCOMPARE(m.x, (std::vector<double>{0, 1, 2}));
    QCOMPARE(m.mean, (std::vector<double>{2, 4, 5}));
    // sample std of {1,3} = √2, of {2,6} = √8; one run at step 2: 0
    QVERIFY(near(m.lo[0], 2 - std::sqrt(2.0)) && near(m.hi[0], 2 + std::sqrt(2.0)));
    QVERIFY(near(m.lo[1], 4 - std::sqrt(8.0)) && near(m.hi[1], 4 + std::sqrt(8.0)));
    QCOMPARE(m.lo[2], 5.0);
    QCOMPARE(m.hi[2], 5.0);
  }

  void groupAlignsOnTheStepNotTheIndex() {
    // steps given out of order and x (e.g. wall time) differing per run: x is averaged per step
    const StepCurve a{{10, 0}, {4, 0}, {1, 1}};
    const StepCurve b{{10}, {6}, {3}};
    const MeanBand m = meanStdByStep({a, b});
    QCOMPARE(m.x, (std::vector<double>{0, 5}));
    QCOMPARE(m.mean, (std::vector<double>{1, 2}));
    QVERIFY(meanStdByStep({}).x.empty());
  }

  void nanPropagatesIntoItsStep() {
    const double nan = std::numeric_limits<double>::quiet_NaN();
    const MeanBand m = meanStdByStep({StepCurve{{0, 1}, {0, 1}, {1, nan}}, StepCurve{{0, 1}, {0, 1}, {3, 2}}});
    QVERIFY(near(m.mean[0], 2));
    QVERIFY(std::isnan(m.mean[1]) && std::isnan(m.lo[1]) && std::isnan(m.hi[1]));
  }

  void emaOfMeansWeighsABucketAsItsPoints() {
    // counts of 1: exactly ema()
    const std::vector<double> y = {1, 2, 3, 7};
    const auto a = emaOfMeans(y, {1, 1, 1, 1}, 0.5), b = ema(y, 0.5);
    for (size_t i = 0; i < y.size(); ++i) QVERIFY(near(a[i], b[i]));
    // a bucket of 2 decays by w² = 0.25: acc 0.75·1 = 0.75, norm 0.75 → 1; then
    // acc 0.25·0.75 + 0.75·5 = 3.9375, norm 0.25·0.75 + 0.75 = 0.9375 → 4.2
    const auto s = emaOfMeans({1, 5}, {2, 2}, 0.5);
    QVERIFY(near(s[0], 1));
    QVERIFY(near(s[1], 4.2));
    // an empty bucket (only NaN) passes through
    const double nan = std::numeric_limits<double>::quiet_NaN();
    const auto g = emaOfMeans({1, nan, 5}, {2, 0, 2}, 0.5);
    QVERIFY(std::isnan(g[1]) && near(g[2], 4.2));
  }

  void bandFromBucketMeansByHand() {
    // three runs, buckets of 4 steps; each run gives one mean per bucket, added run by run
    //   bucket 0: run means 1, 2, 6 (x 1.5 each)  → mean 3, sample std √7
    //   bucket 1: run means 4, 8 (x 5.5, 6)        → mean 6, std √8, x 5.75
    BandAccumulator acc;
    acc.add(0, 1.5, 1);
    acc.add(1, 5.5, 4);
    acc.add(0, 1.5, 2);
    acc.add(1, 6, 8);
    acc.add(0, 1.5, 6);
    const MeanBand m = acc.band();
    QCOMPARE(m.x, (std::vector<double>{1.5, 5.75}));
    QCOMPARE(m.mean, (std::vector<double>{3, 6}));
    QVERIFY(near(m.lo[0], 3 - std::sqrt(7.0)) && near(m.hi[0], 3 + std::sqrt(7.0)));
    QVERIFY(near(m.lo[1], 6 - std::sqrt(8.0)) && near(m.hi[1], 6 + std::sqrt(8.0)));
  }
};

QTEST_GUILESS_MAIN(TestCurveMath)
#include "test_curve_math.moc"
