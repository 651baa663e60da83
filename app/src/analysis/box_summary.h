// Quantiles and Tukey's box-plot summary of a sample (Tukey 1977): what a box plot of single
// modules' scores draws (paper Fig. 5/6), and the percentile intervals of the paired bootstrap.
#pragma once

#include <vector>

namespace adamix::app::analysis {

/// The q-quantile (0 ≤ q ≤ 1) of ascending `sorted` values, linear between order statistics
/// (numpy's default, "type 7"). `sorted` must not be empty.
double quantileSorted(const std::vector<double>& sorted, double q);

/// Tukey's box: quartiles by quantileSorted(), whiskers at the most extreme values within
/// 1.5 × IQR of the box, the values beyond them as outliers. All NaN for an empty sample.
struct BoxSummary {
  int n = 0;
  double lowerQuartile = 0, median = 0, upperQuartile = 0;
  double lowerWhisker = 0, upperWhisker = 0;
  std::vector<double> outliers;  ///< ascending
};

/// The box summary of `values` (any order; NaNs are left out).
BoxSummary boxSummary(std::vector<double> values);

}  // namespace adamix::app::analysis
