// SPDX-License-Identifier: GPL-3.0-or-later
#include "plot/parallel_coordinates_model.h"

#include <cmath>
#include <limits>

namespace adamix::ui {

double axisPosition(const ParallelAxis& axis, double value) {
  constexpr double nan = std::numeric_limits<double>::quiet_NaN();
  if (std::isnan(value)) return nan;
  if (axis.numeric()) return axis.max > axis.min ? (value - axis.min) / (axis.max - axis.min) : 0.5;
  const int n = int(axis.categories.size());
  const int i = int(std::lround(value));
  if (i < 0 || i >= n) return nan;
  return n == 1 ? 0.5 : double(i) / double(n - 1);
}

std::vector<qint64> brushedRuns(const ParallelData& data, const std::map<int, ParallelBrush>& brushes) {
  std::vector<qint64> out;
  for (const ParallelRun& run : data.runs) {
    bool in = true;
    for (const auto& [axis, brush] : brushes) {
      if (axis < 0 || std::size_t(axis) >= data.axes.size()) continue;
      const double v = std::size_t(axis) < run.values.size() ? run.values[std::size_t(axis)] : std::nan("");
      const double pos = axisPosition(data.axes[std::size_t(axis)], v);
      // a hair of tolerance: a brush dragged exactly onto a category or the range's end takes it
      if (std::isnan(pos) || pos < brush.lo - 1e-9 || pos > brush.hi + 1e-9) {
        in = false;
        break;
      }
    }
    if (in) out.push_back(run.id);
  }
  return out;
}

}  // namespace adamix::ui
