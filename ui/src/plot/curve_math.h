// Pure curve arithmetic behind the plots: EMA smoothing (of points or of bucket means) and the
// mean ± std of a group of runs aligned on the step or on the bucket. No Qt, no QCustomPlot.
// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <map>
#include <vector>

namespace adamix::ui {

/// Exponential moving average with weight `w` (0 or less: `y` unchanged; capped at 0.999),
/// debiased at the start so the first values are not pulled towards 0. Non-finite values are
/// passed through and leave the average untouched.
std::vector<double> ema(const std::vector<double>& y, double w);

/// The EMA of ema() over a decimated curve: y[i] is the mean of counts[i] points, and a bucket of
/// n points decays the average as n points would (weight w^n for the old average, 1 − w^n for the
/// bucket's mean). With every count 1 it is exactly ema(y, w). A non-finite y (or a count of 0)
/// passes through and leaves the average untouched.
std::vector<double> emaOfMeans(const std::vector<double>& y, const std::vector<double>& counts, double w);

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

/// A group's mean ± std, accumulated one run at a time (Welford), so the runs' curves need not be
/// held together: add() each run's points under a key (its step, or its bucket index when the
/// curves are decimated: all runs are bucketed on the same grid). At each key, band() gives the
/// mean x, the mean value and mean ∓ the sample std (n − 1; 0 with one value) over the values
/// added there; NaN values propagate into their key's mean and band.
class BandAccumulator {
 public:
  void add(double key, double x, double y);
  /// The band, one point per key in ascending key order.
  MeanBand band() const;

 private:
  struct Acc {
    double n = 0, sumX = 0, mean = 0, m2 = 0;
  };
  std::map<double, Acc> acc_;
};

}  // namespace adamix::ui
