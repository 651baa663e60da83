// The workspace store as a CurveSource (Compare): curves are read from SQLite when drawn, as
// buckets of the visible step range (never all points), and exactly under the cursor. What a
// redraw asks again (metric names, curve ends, start times) is cached per run.
// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "plot/curve_source.h"

#include <QHash>

namespace adamix::app {
class Store;
}

namespace adamix::ui {

/// Curves of the store's runs; a run's key is its store id as text.
class StoreCurveSource : public CurveSource {
 public:
  /// Reads from `store` (which must outlive this source, or be replaced with setStore()).
  explicit StoreCurveSource(app::Store* store = nullptr) : store_(store) {}
  /// Reads from another store (nullptr: none; every read is empty); forgets the cache when it changes.
  void setStore(app::Store* store);
  /// Forgets what was cached about a run (its points changed) or about every run.
  void invalidate(const QString& run);
  void clear();

  /// Reads the metric names of every run whose names are not cached, in one store statement
  /// (Store::metricNamesOfAllRuns); a view about to ask metrics() of many runs calls it first.
  void prefetchMetrics() const;
  QStringList metrics(const QString& run) const override;
  std::optional<std::pair<SeriesPoint, SeriesPoint>> curveEnds(const QString& run, const QString& split,
                                                               const QString& name) const override;
  double startTime(const QString& run) const override;
  std::vector<app::SeriesBucket> buckets(const QString& run, const QString& split, const QString& name,
                                         double stepLo, double stepHi, double width,
                                         bool positiveOnly) const override;
  std::vector<SeriesPoint> points(const QString& run, const QString& split, const QString& name, double stepLo,
                                  double stepHi) const override;

 private:
  struct RunCache {
    std::optional<QStringList> metrics;
    std::optional<double> startTime;
    QHash<QString, std::optional<std::pair<SeriesPoint, SeriesPoint>>> ends;  // "split/name" →
  };
  app::Store* store_;
  mutable QHash<QString, RunCache> cache_;
};

}  // namespace adamix::ui
