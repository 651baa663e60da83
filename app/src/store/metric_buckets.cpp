// SPDX-License-Identifier: GPL-3.0-or-later
#include "store/metric_buckets.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <utility>

namespace adamix::app {

namespace {

bool sameSample(const SeriesSample& a, const SeriesSample& b) {
  const bool sameValue = a.value == b.value || (std::isnan(a.value) && std::isnan(b.value));
  return a.step == b.step && sameValue && a.epoch == b.epoch && a.time == b.time;
}

}  // namespace

double SeriesBucket::meanValue() const {
  return n > 0 ? sumValue / double(n) : std::numeric_limits<double>::quiet_NaN();
}

double bucketWidthFor(double stepsPerColumn) {
  if (!std::isfinite(stepsPerColumn) || stepsPerColumn <= 1) return 1;
  double w = 1;
  while (w < stepsPerColumn) w *= 2;
  return w;
}

void SeriesBucketer::add(const SeriesSample& p) {
  const std::int64_t index = width_ <= 1 ? std::int64_t(std::floor(p.step)) : std::int64_t(std::floor(p.step / width_));
  if (!open_ || width_ <= 1 || out_.back().index != index) {
    SeriesBucket b;
    b.index = index;
    b.first = b.min = b.max = p;
    out_.push_back(b);
    open_ = true;
  }
  SeriesBucket& b = out_.back();
  b.last = p;
  ++b.points;
  if (!std::isfinite(p.value)) {
    if (!b.hasNonFinite) b.nonFinite = p;
    b.hasNonFinite = true;
    if (b.n == 0) b.min = b.max = b.nonFinite;
    return;
  }
  if (b.n == 0 || p.value < b.min.value) b.min = p;
  if (b.n == 0 || p.value > b.max.value) b.max = p;
  ++b.n;
  b.sumStep += p.step;
  b.sumEpoch += p.epoch;
  b.sumTime += p.time;
  b.sumValue += p.value;
}

void SeriesBucketer::addBucket(const SeriesBucket& in) {
  const std::int64_t index =
      width_ <= 1 ? std::int64_t(std::floor(in.first.step)) : std::int64_t(std::floor(in.first.step / width_));
  if (!open_ || width_ <= 1 || out_.back().index != index) {
    out_.push_back(in);
    out_.back().index = index;
    open_ = true;
    return;
  }
  SeriesBucket& b = out_.back();
  b.last = in.last;
  b.points += in.points;
  if (in.hasNonFinite && !b.hasNonFinite) {
    b.hasNonFinite = true;
    b.nonFinite = in.nonFinite;
  }
  if (in.n > 0) {
    if (b.n == 0 || in.min.value < b.min.value) b.min = in.min;
    if (b.n == 0 || in.max.value > b.max.value) b.max = in.max;
    b.n += in.n;
    b.sumStep += in.sumStep;
    b.sumEpoch += in.sumEpoch;
    b.sumTime += in.sumTime;
    b.sumValue += in.sumValue;
  } else if (b.n == 0) {
    b.min = b.max = b.nonFinite;
  }
}

std::vector<SeriesBucket> SeriesBucketer::take() {
  open_ = false;
  return std::exchange(out_, {});
}

std::vector<SeriesBucket> bucketSeries(const std::vector<SeriesSample>& points, double width) {
  SeriesBucketer b(width);
  for (const SeriesSample& p : points) b.add(p);
  return b.take();
}

std::vector<SeriesBucket> mergeBuckets(const std::vector<SeriesBucket>& buckets, double width) {
  SeriesBucketer b(width);
  for (const SeriesBucket& in : buckets) b.addBucket(in);
  return b.take();
}

std::vector<double> pyramidWidths(double steps) {
  std::vector<double> out;
  for (double w = 8;; w *= 4) {
    out.push_back(w);
    if (steps / w <= 64) break;
  }
  return out;
}

namespace {

constexpr double kBucketFormat = 1.0;  // the first double of an encoded list; byte order shows in it
constexpr int kBucketDoubles = 23;

}  // namespace

QByteArray encodeBuckets(const std::vector<SeriesBucket>& buckets) {
  std::vector<double> d;
  d.reserve(1 + kBucketDoubles * buckets.size());
  d.push_back(kBucketFormat);
  for (const SeriesBucket& b : buckets) {
    d.insert(d.end(), {double(b.index), double(b.n), double(b.points), b.sumStep, b.sumEpoch, b.sumTime, b.sumValue});
    for (const SeriesSample* p : {&b.first, &b.last, &b.min, &b.max}) d.insert(d.end(), {p->step, p->epoch, p->time, p->value});
  }
  return QByteArray(reinterpret_cast<const char*>(d.data()), qsizetype(d.size() * sizeof(double)));
}

std::vector<SeriesBucket> decodeBuckets(const QByteArray& bytes, bool* ok) {
  std::vector<SeriesBucket> out;
  const qsizetype count = bytes.size() / qsizetype(sizeof(double));
  const bool valid = bytes.size() % qsizetype(sizeof(double)) == 0 && count >= 1 && (count - 1) % kBucketDoubles == 0;
  std::vector<double> d(size_t(valid ? count : 0));
  if (valid) std::memcpy(d.data(), bytes.constData(), size_t(bytes.size()));
  if (ok) *ok = valid && d[0] == kBucketFormat;
  if (!valid || d[0] != kBucketFormat) return out;
  out.reserve(size_t((count - 1) / kBucketDoubles));
  for (size_t i = 1; i + kBucketDoubles <= d.size(); i += kBucketDoubles) {
    const double* x = &d[i];
    SeriesBucket b;
    b.index = std::int64_t(x[0]);
    b.n = std::int64_t(x[1]);
    b.points = std::int64_t(x[2]);
    b.sumStep = x[3];
    b.sumEpoch = x[4];
    b.sumTime = x[5];
    b.sumValue = x[6];
    x += 7;
    for (SeriesSample* p : {&b.first, &b.last, &b.min, &b.max}) {
      *p = {x[0], x[1], x[2], x[3]};
      x += 4;
    }
    out.push_back(b);
  }
  return out;
}

std::vector<SeriesSample> minMaxPoints(const std::vector<SeriesBucket>& buckets) {
  std::vector<SeriesSample> out;
  if (buckets.empty()) return out;
  out.reserve(2 * buckets.size() + 2);
  auto push = [&out](const SeriesSample& p) {
    if (out.empty() || !sameSample(out.back(), p)) out.push_back(p);
  };
  push(buckets.front().first);
  for (const SeriesBucket& b : buckets) {
    SeriesSample pts[3] = {b.min, b.max, b.nonFinite};
    const int count = b.hasNonFinite && b.n > 0 ? 3 : 2;
    std::stable_sort(pts, pts + count, [](const SeriesSample& a, const SeriesSample& c) { return a.step < c.step; });
    for (int i = 0; i < count; ++i) push(pts[i]);
  }
  // the last point, unless already there (it can sit before the bucket's min/max only when steps repeat)
  const SeriesSample& last = buckets.back().last;
  bool seen = false;
  for (size_t i = out.size(); i-- > 0 && out[i].step == last.step;) seen = seen || sameSample(out[i], last);
  if (!seen) push(last);
  return out;
}

}  // namespace adamix::app
