// Pure curve arithmetic behind the plots: EMA smoothing and the mean ± std of a group of runs
// aligned on the step. No Qt, no QCustomPlot.
// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <vector>

namespace adamix::ui {

/// Exponential moving average with weight `w` (0 or less: `y` unchanged; capped at 0.999),
/// debiased at the start so the first values are not pulled towards 0. Non-finite values are
/// passed through and leave the average untouched.
std::vector<double> ema(const std::vector<double>& y, double w);

/// One run's curve: parallel arrays of step, x (step, epoch or time) and value.
struct StepCurve {
  std::vector<double> step, x, y;
};

/// A group's mean curve with its ±1 std band, one point per distinct step in ascending order.
struct MeanBand {
  std::vector<double> x, mean, lo, hi;
};

/// Aligns `curves` on the step: at each step that any curve has, x is the mean x, `mean` the mean
/// value and lo/hi = mean ∓ the sample std (n − 1) over the curves having that step (0 with one
/// curve). NaN values propagate into that step's mean and band.
MeanBand meanStdByStep(const std::vector<StepCurve>& curves);

}  // namespace adamix::ui
