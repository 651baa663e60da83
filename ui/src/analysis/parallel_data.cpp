// SPDX-License-Identifier: GPL-3.0-or-later
#include "analysis/parallel_data.h"

#include "export/pivot.h"

#include <QObject>

#include <algorithm>
#include <cmath>
#include <set>

namespace adamix::ui {

namespace {

constexpr const char* kBest = "best";

/// A run's best value of split/name, in table units; NaN when it has none.
double bestValue(const app::RunResult& r, const QString& split, const QString& name) {
  for (const app::ResultValue& v : r.values)
    if (v.kind == QLatin1String(kBest) && v.split == split && v.name == name) return v.value * app::metricScale(name);
  return std::nan("");
}

}  // namespace

QStringList parallelMetricChoices(const app::ResultSet& results) {
  QStringList out{QString()};
  std::set<QString> seen;
  for (const app::RunResult& r : results.runs)
    for (const app::ResultValue& v : r.values)
      if (v.kind == QLatin1String(kBest) && seen.insert(v.split + u'/' + v.name).second) out << v.split + u'/' + v.name;
  std::sort(out.begin() + 1, out.end());
  return out;
}

ParallelData parallelData(const app::ResultSet& results, const QString& metric) {
  ParallelData d;
  // the axes in order of first appearance (runs of one study share their order)
  QStringList axisNames;
  QStringList tasks;
  for (const app::RunResult& r : results.runs) {
    if (!tasks.contains(r.task)) tasks << r.task;
    for (const auto& [axis, label] : r.axes)
      if (!axisNames.contains(axis)) axisNames << axis;
  }
  const bool taskAxis = tasks.size() > 1;
  if (taskAxis) {
    ParallelAxis a;
    a.name = QObject::tr("task");
    for (const QString& t : tasks) a.categories << app::taskDisplayName(t);
    d.axes.push_back(a);
  }
  for (const QString& name : axisNames) {
    ParallelAxis a;
    a.name = name;
    for (const app::RunResult& r : results.runs)
      for (const auto& [axis, label] : r.axes)
        if (axis == name && !a.categories.contains(label)) a.categories << label;
    d.axes.push_back(a);
  }
  ParallelAxis m;
  if (metric.isEmpty()) {
    QStringList names;
    for (const QString& t : tasks) {
      const app::PrimaryMetric p = app::primaryMetricFor(t);
      if (!names.contains(p.split + u'/' + p.name)) names << p.split + u'/' + p.name;
    }
    m.name = names.size() == 1 ? names.front() : QObject::tr("primary metric");
  } else {
    m.name = metric;
  }
  double lo = INFINITY, hi = -INFINITY;
  for (const app::RunResult& r : results.runs) {
    ParallelRun run;
    run.id = r.runId;
    run.label = QStringLiteral("%1 · %2 · s%3").arg(app::taskDisplayName(r.task), r.variant).arg(r.seed);
    if (taskAxis) run.values.push_back(double(tasks.indexOf(r.task)));
    for (const QString& name : axisNames) {
      double v = std::nan("");
      for (const auto& [axis, label] : r.axes)
        if (axis == name) v = double(d.axes[std::size_t(run.values.size())].categories.indexOf(label));
      run.values.push_back(v);
    }
    const app::PrimaryMetric p = app::primaryMetricFor(r.task);
    const double value = metric.isEmpty() ? bestValue(r, p.split, p.name)
                                          : bestValue(r, metric.section(u'/', 0, 0), metric.section(u'/', 1));
    if (std::isfinite(value)) {
      lo = std::min(lo, value);
      hi = std::max(hi, value);
    }
    run.values.push_back(value);
    d.runs.push_back(std::move(run));
  }
  if (lo > hi) lo = 0, hi = 1;
  if (hi - lo > 4) {  // whole numbers at the ends: ticks read 51, 55, 59, … rather than 51.72, 55.48
    lo = std::floor(lo);
    hi = lo + 4 * std::ceil((std::ceil(hi) - lo) / 4);
  }
  if (lo == hi) lo -= 1, hi += 1;
  m.min = lo;
  m.max = hi;
  d.axes.push_back(m);
  return d;
}

}  // namespace adamix::ui
