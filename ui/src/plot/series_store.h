// Series store: metric curves of runs held in memory for plotting (filled from the Store or live
// from engine events). Plots read it only through PlotAdapter, as a CurveSource.
// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "plot/curve_source.h"

#include <QHash>
#include <QString>
#include <QStringList>

#include <vector>

namespace adamix::app {
class Store;
}

namespace adamix::ui {

/// Curves keyed by (run, split, metric name). `run` is any stable key (config hash or store id).
class SeriesStore : public CurveSource {
 public:
  /// Appends one point (points should arrive in step order; out-of-order steps are inserted).
  void append(const QString& run, const QString& split, const QString& name, const SeriesPoint& point);
  /// The points of one curve (nullptr when there are none).
  const std::vector<SeriesPoint>* series(const QString& run, const QString& split, const QString& name) const;
  /// Replaces a run's curves with its metric points from the store (store id `runId`).
  void loadRun(app::Store& store, qint64 runId, const QString& run);
  bool hasRun(const QString& run) const { return runs_.contains(run); }
  void removeRun(const QString& run);
  /// Drops a run's points with step > `step` on every curve (a resume from the checkpoint at `step`).
  void dropPointsAfter(const QString& run, double step);
  void clear();
  /// Keys of the curves of `run` as "split/name", sorted.
  QStringList metrics(const QString& run) const override;
  std::optional<std::pair<SeriesPoint, SeriesPoint>> curveEnds(const QString& run, const QString& split,
                                                               const QString& name) const override;
  std::vector<app::SeriesBucket> buckets(const QString& run, const QString& split, const QString& name,
                                         double stepLo, double stepHi, double width,
                                         bool positiveOnly) const override;
  std::vector<SeriesPoint> points(const QString& run, const QString& split, const QString& name, double stepLo,
                                  double stepHi) const override;
  /// Increments on every change (views redraw only when it moved).
  quint64 revision() const { return revision_; }
  /// Earliest point time of a run over all its curves (0 when none): wall-time origin.
  double startTime(const QString& run) const override;
  /// Number of points held over all curves.
  qsizetype pointCount() const;

 private:
  static QString key(const QString& split, const QString& name) { return split + QLatin1Char('/') + name; }
  QHash<QString, QHash<QString, std::vector<SeriesPoint>>> runs_;  // run → "split/name" → points
  quint64 revision_ = 1;  // never 0: views use 0 for "not drawn yet"
};

}  // namespace adamix::ui
