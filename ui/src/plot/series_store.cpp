// SPDX-License-Identifier: GPL-3.0-or-later
#include "plot/series_store.h"

#include "store/store.h"

#include <algorithm>

namespace adamix::ui {

void SeriesStore::append(const QString& run, const QString& split, const QString& name, const SeriesPoint& point) {
  auto& pts = runs_[run][key(split, name)];
  if (pts.empty() || pts.back().step <= point.step) {
    pts.push_back(point);
  } else {
    auto it =
        std::upper_bound(pts.begin(), pts.end(), point.step, [](double s, const SeriesPoint& p) { return s < p.step; });
    pts.insert(it, point);
  }
  ++revision_;
}

const std::vector<SeriesPoint>* SeriesStore::series(const QString& run, const QString& split,
                                                    const QString& name) const {
  auto r = runs_.constFind(run);
  if (r == runs_.constEnd()) return nullptr;
  auto s = r->constFind(key(split, name));
  return s == r->constEnd() || s->empty() ? nullptr : &*s;
}

void SeriesStore::loadRun(app::Store& store, qint64 runId, const QString& run) {
  auto& curves = runs_[run];
  curves.clear();
  for (const app::MetricPoint& p : store.metricPoints(runId))
    curves[key(p.split, p.name)].push_back({double(p.step), p.epoch, p.time, p.value});
  for (auto& pts : curves)
    std::stable_sort(pts.begin(), pts.end(),
                     [](const SeriesPoint& a, const SeriesPoint& b) { return a.step < b.step; });
  ++revision_;
}

void SeriesStore::removeRun(const QString& run) {
  if (runs_.remove(run)) ++revision_;
}

void SeriesStore::dropPointsAfter(const QString& run, double step) {
  auto r = runs_.find(run);
  if (r == runs_.end()) return;
  for (auto& pts : *r)
    pts.erase(std::find_if(pts.begin(), pts.end(), [step](const SeriesPoint& p) { return p.step > step; }), pts.end());
  ++revision_;
}

void SeriesStore::clear() {
  runs_.clear();
  ++revision_;
}

QStringList SeriesStore::metrics(const QString& run) const {
  QStringList out = runs_.value(run).keys();
  out.sort();
  return out;
}

std::optional<std::pair<SeriesPoint, SeriesPoint>> SeriesStore::curveEnds(const QString& run, const QString& split,
                                                                            const QString& name) const {
  const auto* pts = series(run, split, name);
  if (!pts) return std::nullopt;
  return std::make_pair(pts->front(), pts->back());
}

namespace {

/// The points of `pts` (by step) with lo <= step <= hi.
std::pair<std::vector<SeriesPoint>::const_iterator, std::vector<SeriesPoint>::const_iterator> stepRange(
    const std::vector<SeriesPoint>& pts, double lo, double hi) {
  auto begin = std::lower_bound(pts.begin(), pts.end(), lo, [](const SeriesPoint& p, double s) { return p.step < s; });
  auto end = std::upper_bound(begin, pts.end(), hi, [](double s, const SeriesPoint& p) { return s < p.step; });
  return {begin, end};
}

}  // namespace

std::vector<app::SeriesBucket> SeriesStore::buckets(const QString& run, const QString& split, const QString& name,
                                                    double stepLo, double stepHi, double width,
                                                    bool positiveOnly) const {
  const auto* pts = series(run, split, name);
  if (!pts) return {};
  app::SeriesBucketer b(width);
  const auto [begin, end] = stepRange(*pts, stepLo, stepHi);
  for (auto it = begin; it != end; ++it)
    if (!positiveOnly || it->value > 0) b.add(*it);
  return b.take();
}

std::vector<SeriesPoint> SeriesStore::points(const QString& run, const QString& split, const QString& name,
                                             double stepLo, double stepHi) const {
  const auto* pts = series(run, split, name);
  if (!pts) return {};
  const auto [begin, end] = stepRange(*pts, stepLo, stepHi);
  return {begin, end};
}

double SeriesStore::startTime(const QString& run) const {
  double t0 = 0;
  bool any = false;
  for (const auto& pts : runs_.value(run))
    for (const SeriesPoint& p : pts)
      if (p.time > 0 && (!any || p.time < t0)) {
        t0 = p.time;
        any = true;
      }
  return t0;
}

qsizetype SeriesStore::pointCount() const {
  qsizetype n = 0;
  for (const auto& curves : runs_)
    for (const auto& pts : curves) n += qsizetype(pts.size());
  return n;
}

}  // namespace adamix::ui
