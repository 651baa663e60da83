// How the Results table shows a cell's significance against the baseline row: the marks after
// its value (†: Welch's t-test over seeds, ‡: paired bootstrap over dev examples) and the tooltip
// with the tests' numbers.
// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "analysis/study_analysis.h"

#include <QString>

namespace adamix::ui {

/// "†", "‡", "†‡" or "" for a cell tested at level `alpha`.
QString significanceMarks(const app::analysis::CellSignificance& cell, double alpha);

/// The tooltip of a tested cell: the baseline, then Welch (n, t, df, p, CI of the difference) and
/// the paired bootstrap (difference, CI, p, examples, resamples) or the reason there is none.
/// Differences are in table units, with `decimals` decimals.
QString significanceTooltip(const app::analysis::CellSignificance& cell, const QString& baseline, int decimals);

}  // namespace adamix::ui
