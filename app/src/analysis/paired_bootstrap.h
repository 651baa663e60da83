// Paired bootstrap over dev examples (Efron & Tibshirani 1993; for NLP, Koehn 2004 and
// Berg-Kirkpatrick et al. 2012): resample the examples with replacement, recompute each side's
// metric on the same resample, and read the difference's distribution.
#pragma once

#include "analysis/example_predictions.h"

#include <QString>

#include <cstdint>
#include <vector>

namespace adamix::app::analysis {

/// Result of pairedBootstrap(); differences are variant − baseline, in the metric's own units.
struct BootstrapTest {
  int examples = 0;   ///< examples every run predicted (the resampled set)
  int resamples = 0;
  std::uint64_t seed = 0;
  double observed = 0;  ///< difference on all examples
  double ciLow = 0;     ///< percentile interval of the resampled differences at `level`
  double ciHigh = 0;
  double level = 0.95;
  /// Two-sided p-value: 2 · min(share of resamples with difference ≤ 0, share ≥ 0), at most 1
  /// (the sign test of the bootstrap distribution; with 10,000 resamples p ≥ 0.0002 reads "< 0.0002").
  double p = 0;
  /// The fewest distinct examples one run predicted: more than `examples` when the runs were
  /// scored on different dev subsets (runs trained before task.split_seed drew max_dev_examples).
  int fewestPredicted = 0;
};

/// Paired bootstrap of `metric` between a variant's runs and a baseline's runs (one
/// ExamplePredictions per seed on each side; the difference of a resample is the mean over the
/// variant's runs of the metric minus that over the baseline's). All runs are aligned on their
/// common examples first (alignOnCommonExamples). Deterministic for a seed (std::mt19937_64).
/// Throws std::invalid_argument when a side is empty or no example is common.
BootstrapTest pairedBootstrap(const QString& metric, const std::vector<ExamplePredictions>& variant,
                              const std::vector<ExamplePredictions>& baseline, int resamples = 10000,
                              std::uint64_t seed = 1, double level = 0.95);

}  // namespace adamix::app::analysis
