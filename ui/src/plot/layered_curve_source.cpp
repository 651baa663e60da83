// SPDX-License-Identifier: GPL-3.0-or-later
#include "plot/layered_curve_source.h"

namespace adamix::ui {

std::pair<const CurveSource*, QString> LayeredCurveSource::at(const QString& run) const {
  if (!live_->hasRun(run))
    if (auto it = storedIds_.constFind(run); it != storedIds_.constEnd()) return {stored_, *it};
  return {live_, run};
}

QStringList LayeredCurveSource::metrics(const QString& run) const {
  const auto [source, key] = at(run);
  return source->metrics(key);
}

std::optional<std::pair<SeriesPoint, SeriesPoint>> LayeredCurveSource::curveEnds(const QString& run,
                                                                                 const QString& split,
                                                                                 const QString& name) const {
  const auto [source, key] = at(run);
  return source->curveEnds(key, split, name);
}

double LayeredCurveSource::startTime(const QString& run) const {
  const auto [source, key] = at(run);
  return source->startTime(key);
}

std::vector<app::SeriesBucket> LayeredCurveSource::buckets(const QString& run, const QString& split,
                                                           const QString& name, double stepLo, double stepHi,
                                                           double width, bool positiveOnly) const {
  const auto [source, key] = at(run);
  return source->buckets(key, split, name, stepLo, stepHi, width, positiveOnly);
}

std::vector<SeriesPoint> LayeredCurveSource::points(const QString& run, const QString& split, const QString& name,
                                                    double stepLo, double stepHi) const {
  const auto [source, key] = at(run);
  return source->points(key, split, name, stepLo, stepHi);
}

}  // namespace adamix::ui
