// Where PlotAdapter reads curves from: the in-memory SeriesStore (Monitor, live) or the workspace
// store through StoreCurveSource (Compare). A plot asks only for what it draws: the buckets of
// the visible step range at its pixel resolution, and the exact points under the cursor.
// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "store/metric_buckets.h"

#include <QString>
#include <QStringList>

#include <optional>
#include <utility>
#include <vector>

namespace adamix::ui {

/// One point of a metric curve (step, epoch, UNIX time, value).
using SeriesPoint = app::SeriesSample;

/// Read access to metric curves keyed by (run, split, metric name).
class CurveSource {
 public:
  virtual ~CurveSource() = default;
  /// Keys of the curves of `run` as "split/name", sorted.
  virtual QStringList metrics(const QString& run) const = 0;
  /// The first and last point (by step) of a curve; nullopt when it has none.
  virtual std::optional<std::pair<SeriesPoint, SeriesPoint>> curveEnds(const QString& run, const QString& split,
                                                                       const QString& name) const = 0;
  /// Earliest point time of a run over all its curves (0 when none): the wall-time origin.
  virtual double startTime(const QString& run) const = 0;
  /// The curve's points with stepLo <= step <= stepHi in buckets of `width` steps
  /// (app::SeriesBucketer); `positiveOnly` leaves out values <= 0.
  virtual std::vector<app::SeriesBucket> buckets(const QString& run, const QString& split, const QString& name,
                                                 double stepLo, double stepHi, double width,
                                                 bool positiveOnly) const = 0;
  /// The curve's exact points with stepLo <= step <= stepHi, by step.
  virtual std::vector<SeriesPoint> points(const QString& run, const QString& split, const QString& name,
                                          double stepLo, double stepHi) const = 0;
};

}  // namespace adamix::ui
