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
