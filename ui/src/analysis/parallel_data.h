// The parallel coordinates of a study's runs: its ablation axes (RunResult::axes, categorical,
// in axis order; the task first when there are several) and a final numeric axis for a metric.
// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "export/result_set.h"
#include "plot/parallel_coordinates_model.h"

#include <QString>
#include <QStringList>

namespace adamix::ui {

/// The metric axis' choices among `results`: "" (each task's primary metric, as the Results table
/// ranks it) first, then every "split/name" of the runs' best results.
QStringList parallelMetricChoices(const app::ResultSet& results);

/// The axes and polylines of `results`; the last axis is `metric` ("split/name", or "" for each
/// run's task's primary metric) of each run's best results, in table units (×100 for fractions).
ParallelData parallelData(const app::ResultSet& results, const QString& metric);

}  // namespace adamix::ui
