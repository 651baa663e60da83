// SPDX-License-Identifier: GPL-3.0-or-later
#include "plot/store_curve_source.h"

#include "store/store.h"

namespace adamix::ui {

namespace {

/// Store reads of a plot never throw into the drawing code: a failed read draws nothing.
template <class F, class T>
T orEmpty(F&& read, T empty) {
  try {
    return read();
  } catch (const std::exception&) {
    return empty;
  }
}

}  // namespace

void StoreCurveSource::setStore(app::Store* store) {
  if (store == store_) return;
  store_ = store;
  cache_.clear();
}

void StoreCurveSource::invalidate(const QString& run) { cache_.remove(run); }

void StoreCurveSource::clear() { cache_.clear(); }

void StoreCurveSource::prefetchMetrics() const {
  if (!store_ || !store_->isOpen()) return;
  const auto all = orEmpty([&] { return store_->metricNamesOfAllRuns(); },
                           std::map<qint64, std::vector<std::pair<QString, QString>>>());
  for (const auto& [id, names] : all) {
    RunCache& c = cache_[QString::number(id)];
    if (c.metrics) continue;
    QStringList out;
    for (const auto& [split, name] : names) out << split + u'/' + name;
    out.sort();
    c.metrics = out;
  }
}

QStringList StoreCurveSource::metrics(const QString& run) const {
  RunCache& c = cache_[run];
  if (!c.metrics) {
    if (!store_ || !store_->isOpen()) return {};
    c.metrics = orEmpty(
        [&] {
          QStringList out;
          for (const auto& [split, name] : store_->metricNames(run.toLongLong())) out << split + u'/' + name;
          out.sort();
          return out;
        },
        QStringList());
  }
  return *c.metrics;
}

std::optional<std::pair<SeriesPoint, SeriesPoint>> StoreCurveSource::curveEnds(const QString& run,
                                                                               const QString& split,
                                                                               const QString& name) const {
  RunCache& c = cache_[run];
  const QString key = split + u'/' + name;
  auto it = c.ends.find(key);
  if (it == c.ends.end()) {
    if (!store_ || !store_->isOpen()) return std::nullopt;
    it = c.ends.insert(key, orEmpty([&] { return store_->metricSeriesEnds(run.toLongLong(), split, name); },
                                    std::optional<std::pair<SeriesPoint, SeriesPoint>>()));
  }
  return *it;
}

double StoreCurveSource::startTime(const QString& run) const {
  RunCache& c = cache_[run];
  if (!c.startTime) {
    if (!store_ || !store_->isOpen()) return 0;
    c.startTime = orEmpty([&] { return store_->metricStartTime(run.toLongLong()).value_or(0.0); }, 0.0);
  }
  return *c.startTime;
}

std::vector<app::SeriesBucket> StoreCurveSource::buckets(const QString& run, const QString& split,
                                                         const QString& name, double stepLo, double stepHi,
                                                         double width, bool positiveOnly) const {
  if (!store_ || !store_->isOpen()) return {};
  return orEmpty(
      [&] { return store_->metricBuckets(run.toLongLong(), split, name, stepLo, stepHi, width, positiveOnly); },
      std::vector<app::SeriesBucket>());
}

std::vector<SeriesPoint> StoreCurveSource::points(const QString& run, const QString& split, const QString& name,
                                                  double stepLo, double stepHi) const {
  if (!store_ || !store_->isOpen()) return {};
  return orEmpty([&] { return store_->metricSamples(run.toLongLong(), split, name, stepLo, stepHi); },
                 std::vector<SeriesPoint>());
}

}  // namespace adamix::ui
