// Plot decimation of metric series (store/metric_buckets) and the store's reads behind it:
// buckets by hand on small series (min/max per bucket, first/last kept, NaN), and the store's
// metricBuckets / metricSamples / metricSeriesEnds / metricNames / nested write transactions.
// SPDX-License-Identifier: GPL-3.0-or-later
#include "store/metric_buckets.h"
#include "store/store.h"

#include <QSqlDatabase>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QtTest>

#include <cmath>
#include <limits>

using namespace adamix::app;

namespace {

std::vector<SeriesSample> series(const std::vector<std::pair<double, double>>& stepValue) {
  std::vector<SeriesSample> out;
  for (const auto& [s, v] : stepValue) out.push_back({s, s / 10, 100 + s, v});
  return out;
}

std::vector<std::pair<double, double>> stepsAndValues(const std::vector<SeriesSample>& pts) {
  std::vector<std::pair<double, double>> out;
  for (const SeriesSample& p : pts) out.emplace_back(p.step, p.value);
  return out;
}

using SV = std::vector<std::pair<double, double>>;

}  // namespace

class TestMetricBuckets : public QObject {
  Q_OBJECT
 private slots:
  void bucketWidthIsAPowerOfTwo() {
    QCOMPARE(bucketWidthFor(0.2), 1.0);
    QCOMPARE(bucketWidthFor(1.0), 1.0);
    QCOMPARE(bucketWidthFor(1.01), 2.0);
    QCOMPARE(bucketWidthFor(5.5), 8.0);
    QCOMPARE(bucketWidthFor(8.0), 8.0);
    QCOMPARE(bucketWidthFor(std::numeric_limits<double>::quiet_NaN()), 1.0);
  }

  void minMaxPerBucketByHand() {
    // width 4: buckets [0,4) [4,8) [8,12); values chosen so min/max are inner points
    const auto pts = series({{0, 5}, {1, 9}, {2, 1}, {3, 4},  // bucket 0: first 5, max 9 @1, min 1 @2, last 4
                             {4, 2}, {5, 3}, {6, 8}, {7, 7},  // bucket 1: min 2 @4 (first), max 8 @6
                             {9, 6}});                          // bucket 2: one point
    const std::vector<SeriesBucket> b = bucketSeries(pts, 4);
    QCOMPARE(b.size(), size_t(3));
    QCOMPARE(b[0].index, std::int64_t(0));
    QCOMPARE(b[0].n, std::int64_t(4));
    QCOMPARE(b[0].min.step, 2.0);
    QCOMPARE(b[0].min.value, 1.0);
    QCOMPARE(b[0].max.step, 1.0);
    QCOMPARE(b[0].max.value, 9.0);
    QCOMPARE(b[0].sumValue, 19.0);
    QCOMPARE(b[0].meanValue(), 4.75);
    QCOMPARE(b[0].sumStep, 6.0);
    QCOMPARE(b[0].sumEpoch, 0.6);
    QCOMPARE(b[1].index, std::int64_t(1));
    QCOMPARE(b[1].meanValue(), 5.0);
    QCOMPARE(b[2].index, std::int64_t(2));
    QCOMPARE(b[2].first.step, 9.0);
    // the line: the first point (5 @0), per bucket min and max in step order (a bucket's own
    // first and last, like 4 @3, are dropped), the last point (6 @9, bucket 2's only one)
    QCOMPARE(stepsAndValues(minMaxPoints(b)), (SV{{0, 5}, {1, 9}, {2, 1}, {4, 2}, {6, 8}, {9, 6}}));
  }

  void firstAndLastPointsAreKept() {
    // one bucket of 8: first (3) and last (3) are neither min (1) nor max (9)
    const auto pts = series({{0, 3}, {1, 1}, {2, 2}, {3, 2}, {4, 9}, {5, 2}, {6, 2}, {7, 3}});
    const auto line = minMaxPoints(bucketSeries(pts, 8));
    QCOMPARE(stepsAndValues(line), (SV{{0, 3}, {1, 1}, {4, 9}, {7, 3}}));
    // exact points: epoch and time travel with them
    QCOMPARE(line[2].epoch, 0.4);
    QCOMPARE(line[2].time, 104.0);
  }

  void widthOneKeepsEveryPoint() {
    const auto pts = series({{10, 1}, {20, 0.5}, {30, 0.25}, {30, 0.3}});
    const auto b = bucketSeries(pts, 1);
    QCOMPARE(b.size(), size_t(4));  // a repeated step is a point of its own
    QCOMPARE(stepsAndValues(minMaxPoints(b)), stepsAndValues(pts));
    QVERIFY(minMaxPoints({}).empty());
  }

  void nonFiniteValuesMakeAGapAndStayOutOfTheStatistics() {
    const double nan = std::numeric_limits<double>::quiet_NaN();
    const auto pts = series({{0, 2}, {1, nan}, {2, 4}, {4, nan}, {5, nan}});
    const auto b = bucketSeries(pts, 4);
    QCOMPARE(b.size(), size_t(2));
    QCOMPARE(b[0].n, std::int64_t(2));
    QCOMPARE(b[0].points, std::int64_t(3));
    QCOMPARE(b[0].meanValue(), 3.0);  // NaN left out
    QCOMPARE(b[0].min.value, 2.0);
    QCOMPARE(b[0].max.value, 4.0);
    QVERIFY(b[0].hasNonFinite);
    QCOMPARE(b[0].nonFinite.step, 1.0);
    QCOMPARE(b[1].n, std::int64_t(0));  // only NaN: no mean
    QVERIFY(std::isnan(b[1].meanValue()));
    const auto line = minMaxPoints(b);
    // 2 @0, the NaN @1 between min and max in step order (a gap), 4 @2, then bucket 1's NaN @4, last NaN @5
    QCOMPARE(line.size(), size_t(5));
    QCOMPARE(line[0].value, 2.0);
    QVERIFY(std::isnan(line[1].value) && line[1].step == 1);
    QCOMPARE(line[2].value, 4.0);
    QVERIFY(std::isnan(line[3].value) && line[3].step == 4);
    QVERIFY(std::isnan(line[4].value) && line[4].step == 5);
  }

  /// metricNamesOfAllRuns(): every run's (split, name) pairs in one statement, equal to
  /// metricNames() per run; runs without points are absent; split/name orders as SQLite's BINARY.
  void metricNamesOfAllRunsEqualsThePerRunSkipScan() {
    QTemporaryDir dir;
    Store store;
    store.open(dir.filePath("m.sqlite"));
    QVERIFY(store.metricNamesOfAllRuns().empty());
    std::vector<qint64> ids;
    for (const char* key : {"a", "b", "c", "d"}) {
      NewRun nr;
      nr.runKey = key;
      nr.task = "rte";
      ids.push_back(store.addRun(nr));
    }
    std::vector<MetricPoint> pts;
    for (int s = 1; s <= 30; ++s) {
      pts.push_back({ids[0], s, 0, "train", "loss", 1.0 / s, 0});
      pts.push_back({ids[2], s, 0, "train", "loss", 2.0 / s, 0});
      if (s % 10 == 0) pts.push_back({ids[0], s, 0, "dev", "accuracy", 0.5, 0});
      if (s % 15 == 0) pts.push_back({ids[2], s, 0, "dev", "Accuracy", 0.5, 0});  // upper case sorts first
    }
    pts.push_back({ids[3], 1, 0, "eval", "f1", 0.4, 0});  // one point
    store.appendMetricPoints(pts);
    const auto all = store.metricNamesOfAllRuns();
    QCOMPARE(all.size(), size_t(3));  // run b has no points
    QVERIFY(!all.count(ids[1]));
    for (qint64 id : {ids[0], ids[2], ids[3]}) QCOMPARE(all.at(id), store.metricNames(id));
    QCOMPARE(all.at(ids[0]), (std::vector<std::pair<QString, QString>>{{"dev", "accuracy"}, {"train", "loss"}}));
    QCOMPARE(all.at(ids[2]), (std::vector<std::pair<QString, QString>>{{"dev", "Accuracy"}, {"train", "loss"}}));
    QCOMPARE(all.at(ids[3]), (std::vector<std::pair<QString, QString>>{{"eval", "f1"}}));
  }

  void storeReadsBucketsAndExactPoints() {
    QTemporaryDir dir;
    Store store;
    store.open(dir.filePath("m.sqlite"));
    NewRun nr;
    nr.runKey = "k";
    nr.task = "rte";
    const qint64 id = store.addRun(nr);
    std::vector<MetricPoint> pts;
    for (int s = 1; s <= 100; ++s)
      pts.push_back({id, s, s / 100.0, "train", "loss", s == 37 ? 50.0 : 1.0 / s, 1000.0 + s});
    pts.push_back({id, 50, 0.5, "dev", "accuracy", 0.6, 1050.0});
    pts.push_back({id, 100, 1.0, "dev", "accuracy", 0.7, 1100.0});
    pts.push_back({id, 100, 1.0, "eval", "f1", 0.5, 0.0});
    store.appendMetricPoints(pts);

    QCOMPARE(store.metricNames(id), (std::vector<std::pair<QString, QString>>{
                                        {"dev", "accuracy"}, {"eval", "f1"}, {"train", "loss"}}));
    QVERIFY(store.metricNames(id + 1).empty());
    const auto ends = store.metricSeriesEnds(id, "train", "loss");
    QVERIFY(ends);
    QCOMPARE(ends->first.step, 1.0);
    QCOMPARE(ends->first.value, 1.0);
    QCOMPARE(ends->second.step, 100.0);
    QCOMPARE(ends->second.time, 1100.0);
    QVERIFY(!store.metricSeriesEnds(id, "train", "nothing"));
    QCOMPARE(*store.metricStartTime(id), 1001.0);  // time 0 does not count

    // buckets of 16 over steps 1..100 as the in-memory bucketer makes them from the same points
    std::vector<SeriesSample> loss;
    for (const MetricPoint& p : pts)
      if (p.split == "train") loss.push_back({double(p.step), p.epoch, p.time, p.value});
    const auto fromStore = store.metricBuckets(id, "train", "loss", 0, 1000, 16);
    const auto inMemory = bucketSeries(loss, 16);
    QCOMPARE(fromStore.size(), size_t(7));  // 1..15, 16..31, …, 96..100
    QCOMPARE(fromStore.size(), inMemory.size());
    for (size_t k = 0; k < fromStore.size(); ++k) {
      QCOMPARE(fromStore[k].index, inMemory[k].index);
      QCOMPARE(fromStore[k].n, inMemory[k].n);
      QCOMPARE(fromStore[k].sumValue, inMemory[k].sumValue);
      QCOMPARE(fromStore[k].max.step, inMemory[k].max.step);
    }
    QCOMPARE(fromStore[2].max.step, 37.0);  // the spike
    QCOMPARE(fromStore[2].max.value, 50.0);
    // a step window, and values > 0 only
    const auto window = store.metricBuckets(id, "train", "loss", 40, 47, 1);
    QCOMPARE(window.size(), size_t(8));
    QCOMPARE(window.front().first.step, 40.0);
    QVERIFY(store.metricBuckets(id, "eval", "f1", 0, 1000, 1, true).size() == 1);
    const auto exact = store.metricSamples(id, "train", "loss", 36, 38);
    QCOMPARE(exact.size(), size_t(3));
    QCOMPARE(exact[0].value, 1.0 / 36);
    QCOMPARE(exact[1].value, 50.0);
  }

  void storedSummariesGiveTheSameBuckets() {
    QTemporaryDir dir;
    Store store;
    store.open(dir.filePath("lod.sqlite"));
    NewRun nr;
    nr.runKey = "k";
    nr.task = "rte";
    const qint64 id = store.addRun(nr);
    std::vector<MetricPoint> pts;
    std::vector<SeriesSample> loss;
    for (int s = 3; s <= 5000; ++s) {
      const double v = s % 97 == 0 ? 10.0 + s : 2.0 + std::sin(s * 0.01) + s * 1e-4;
      pts.push_back({id, s, s / 1000.0, "train", "loss", v, 1e9 + s});
      loss.push_back({double(s), s / 1000.0, 1e9 + s, v});
    }
    store.appendMetricPoints(pts);
    QCOMPARE(store.metricBuckets(id, "train", "loss", -64, 1e9, 64).size(), bucketSeries(loss, 64).size());
    store.setRunStatus(id, RunState::Finished);  // an ended run: its series are summarised now
    QSqlQuery q(QSqlDatabase::database(store.connectionName()));
    QVERIFY(q.exec("SELECT COUNT(*), MIN(width), MAX(width) FROM metric_lod WHERE run_id = " + QString::number(id)));
    QVERIFY(q.next());
    QCOMPARE(q.value(0).toInt(), 3);  // 8, 32, 128: 5000 / 128 <= 64
    QCOMPARE(q.value(1).toInt(), 8);
    QCOMPARE(q.value(2).toInt(), 128);
    // every width and window, from the summaries, equals the points bucketed one by one
    for (double width : {8.0, 16.0, 32.0, 256.0, 4096.0})
      for (const auto& [lo, hi] : {std::pair{-width, 1e9}, std::pair{1024.0, 2048.0 + width - 0.5}}) {
        std::vector<SeriesSample> window;
        for (const SeriesSample& p : loss)
          if (p.step >= lo && p.step <= hi) window.push_back(p);
        const auto expected = bucketSeries(window, width);
        const auto got = store.metricBuckets(id, "train", "loss", lo, hi, width);
        QCOMPARE(got.size(), expected.size());
        for (size_t k = 0; k < got.size(); ++k) {
          QCOMPARE(got[k].index, expected[k].index);
          QCOMPARE(got[k].n, expected[k].n);
          QCOMPARE(got[k].points, expected[k].points);
          QCOMPARE(got[k].sumValue, expected[k].sumValue);
          QCOMPARE(got[k].sumStep, expected[k].sumStep);
          for (auto member : {&SeriesBucket::first, &SeriesBucket::last, &SeriesBucket::min, &SeriesBucket::max}) {
            QCOMPARE((got[k].*member).step, (expected[k].*member).step);
            QCOMPARE((got[k].*member).value, (expected[k].*member).value);
            QCOMPARE((got[k].*member).time, (expected[k].*member).time);
          }
        }
      }
    // a new point drops the summaries; the buckets include it (read from the points again)
    store.appendMetricPoints({{id, 5001, 5.001, "train", "loss", 99.0, 1e9 + 5001}});
    QVERIFY(q.exec("SELECT COUNT(*) FROM metric_lod WHERE run_id = " + QString::number(id)) && q.next());
    QCOMPARE(q.value(0).toInt(), 0);
    QCOMPARE(store.metricBuckets(id, "train", "loss", -64, 1e9, 64).back().max.value, 99.0);
    // (and the ended run's summaries are made again by that read)
    QVERIFY(q.exec("SELECT COUNT(*) FROM metric_lod WHERE run_id = " + QString::number(id)) && q.next());
    QCOMPARE(q.value(0).toInt(), 3);
    // deleting the run deletes them (a cache: not counted among the run's rows)
    const RowCounts removed = store.deleteRuns({id});
    QCOMPARE(removed.count("metric_lod"), size_t(0));
    QVERIFY(q.exec("SELECT COUNT(*) FROM metric_lod") && q.next());
    QCOMPARE(q.value(0).toInt(), 0);
  }

  void nestedWriteTransactionsCommitOrRollBackTogether() {
    QTemporaryDir dir;
    Store store;
    store.open(dir.filePath("t.sqlite"));
    NewRun nr;
    nr.runKey = "a";
    nr.task = "rte";
    store.writeTransaction([&] {
      store.addRun(nr);  // a transaction of its own, joined to this one
      nr.runKey = "b";
      store.addRun(nr);
    });
    QCOMPARE(store.listRuns().size(), size_t(2));
    QVERIFY_THROWS_EXCEPTION(std::runtime_error, store.writeTransaction([&] {
      nr.runKey = "c";
      store.addRun(nr);
      throw std::runtime_error("fails after the inner write");
    }));
    QCOMPARE(store.listRuns().size(), size_t(2));  // "c" rolled back with the outer transaction
    nr.runKey = "d";
    store.addRun(nr);  // and the store still writes afterwards
    QCOMPARE(store.listRuns().size(), size_t(3));
  }
};

QTEST_GUILESS_MAIN(TestMetricBuckets)
#include "test_metric_buckets.moc"
