// The data and the brushing rule of a parallel-coordinates plot (Inselberg 1985): one axis per
// ablation axis (categorical) plus metric axes (numeric), one polyline per run; brushes select
// ranges of an axis and combine with AND. Plain data, no widgets: ParallelCoordinates draws it.
// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QString>
#include <QStringList>
#include <QtGlobal>

#include <map>
#include <vector>

namespace adamix::ui {

/// One vertical axis: categorical (its values in order, bottom to top) or numeric (a range).
struct ParallelAxis {
  QString name;
  QStringList categories;  ///< empty: numeric
  double min = 0, max = 1;  ///< numeric axes: the range drawn bottom to top
  bool numeric() const { return categories.isEmpty(); }
};

/// One run's polyline: per axis the category index (categorical) or the value (numeric); NaN:
/// no value (the line stops there).
struct ParallelRun {
  qint64 id = 0;
  QString label;
  std::vector<double> values;
};

/// What a ParallelCoordinates widget draws.
struct ParallelData {
  std::vector<ParallelAxis> axes;
  std::vector<ParallelRun> runs;
};

/// A brush on one axis: the positions lo ≤ hi it covers, in [0, 1] along the axis (0 = bottom).
struct ParallelBrush {
  double lo = 0, hi = 1;
};

/// Where `value` sits along `axis`, in [0, 1] (0 = bottom); categories are spread evenly (a single
/// category in the middle); NaN for NaN or an out-of-range category.
double axisPosition(const ParallelAxis& axis, double value);

/// The ids of the runs whose value on every brushed axis lies under its brush (AND), in run order;
/// every run when there is no brush. A run without a value on a brushed axis is not brushed.
std::vector<qint64> brushedRuns(const ParallelData& data, const std::map<int, ParallelBrush>& brushes);

}  // namespace adamix::ui
