// Decimation of a metric series for plots: consecutive points summarised per bucket of steps
// (count, sums for the mean, exact first / last / min / max points), so a plot draws at most two
// points per bucket (min and max, which keeps every spike) while exports and read-outs use the
// exact stored points. Shared by the store (buckets read in SQL order) and the GUI's in-memory
// series, so both decimate the same way.
// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QByteArray>

#include <cstdint>
#include <vector>

namespace adamix::app {

/// One point of a metric series as plots use it.
struct SeriesSample {
  double step = 0;
  double epoch = 0;
  double time = 0;  ///< UNIX seconds
  double value = 0;
};

/// The points of one bucket of a series: `index` = floor(step / width) (with width 1: every
/// point is its own bucket). min and max are taken over the finite values; the sums and `n` count
/// finite values only; a bucket holding only non-finite values has n = 0 and min/max = its first
/// non-finite point (drawn as a gap).
struct SeriesBucket {
  std::int64_t index = 0;
  std::int64_t n = 0;       ///< finite values in the bucket
  std::int64_t points = 0;  ///< all points in the bucket (non-finite ones too)
  SeriesSample first, last, min, max;
  double sumStep = 0, sumEpoch = 0, sumTime = 0, sumValue = 0;
  bool hasNonFinite = false;
  SeriesSample nonFinite;  ///< the first non-finite point (when hasNonFinite)

  /// Mean of the finite values (NaN when n = 0).
  double meanValue() const;
};

/// The smallest power of two (1, 2, 4, …) that is at least `stepsPerColumn` (1 for anything
/// up to 1 or not finite): the bucket width, in steps, for a plot showing `stepsPerColumn` steps
/// per pixel column. Powers of two keep buckets of every run aligned (index = floor(step / width)).
double bucketWidthFor(double stepsPerColumn);

/// Accumulates points, in step order, into buckets of `width` steps (width <= 1: one bucket per
/// point, index = step). Feed with add(); take the result with take().
class SeriesBucketer {
 public:
  explicit SeriesBucketer(double width) : width_(width) {}
  void add(const SeriesSample& p);
  /// Adds a bucket of a finer width that divides this one (its points all fall in one bucket
  /// here): the result is the same as adding its points one by one.
  void addBucket(const SeriesBucket& b);
  /// The buckets so far, in step order; the bucketer is empty afterwards.
  std::vector<SeriesBucket> take();

 private:
  double width_;
  std::vector<SeriesBucket> out_;
  bool open_ = false;
};

/// Buckets of a coarser width (a multiple of theirs) made from finer ones, in step order.
std::vector<SeriesBucket> mergeBuckets(const std::vector<SeriesBucket>& buckets, double width);

/// The bucket widths of the store's stored summaries (its level-of-detail pyramid): 8, 32, 128, …
/// steps, each 4× the previous, up to the first with at most 64 buckets for `steps` steps.
std::vector<double> pyramidWidths(double steps);
/// Buckets of finite values (the store's) as bytes, and back: 23 doubles per bucket after a
/// format mark; empty when `bytes` is not such a list (another format or byte order).
QByteArray encodeBuckets(const std::vector<SeriesBucket>& buckets);
std::vector<SeriesBucket> decodeBuckets(const QByteArray& bytes, bool* ok = nullptr);

/// Buckets of a whole series (points in step order).
std::vector<SeriesBucket> bucketSeries(const std::vector<SeriesSample>& points, double width);

/// The points a line plot draws for these buckets: the series' first point, then per bucket its
/// min and max in step order (one point when they coincide; a non-finite point of the bucket,
/// which QCustomPlot draws as a gap, after them), then the series' last point. Never more than
/// 2 points per bucket + 2; with one point per bucket: exactly the points.
std::vector<SeriesSample> minMaxPoints(const std::vector<SeriesBucket>& buckets);

}  // namespace adamix::app
