// Welch's unequal-variances t-test over seeds (Welch 1947): is a variant's mean score different
// from a baseline's? Student's t distribution from Boost.Math.
#pragma once

#include <vector>

namespace adamix::app::analysis {

/// Result of welchTTest(). Differences are a − b; every double is NaN when the test is undefined
/// (fewer than 2 values on a side, or both sides without variance).
struct WelchTest {
  int nA = 0, nB = 0;
  double meanA = 0, meanB = 0;
  double diff = 0;     ///< meanA − meanB
  double t = 0;        ///< diff / sqrt(varA/nA + varB/nB), sample variances (n − 1)
  double df = 0;       ///< Welch–Satterthwaite degrees of freedom
  double p = 0;        ///< two-sided p-value
  double ciLow = 0;    ///< confidence interval of diff: diff ∓ t_{(1+level)/2, df} · se
  double ciHigh = 0;
  double level = 0.95;
  bool defined() const;
};

/// Two-sided Welch t-test of samples `a` (variant, one score per seed) against `b` (baseline),
/// with a `level` confidence interval (0 < level < 1) of the mean difference. Never throws.
WelchTest welchTTest(const std::vector<double>& a, const std::vector<double>& b, double level = 0.95);

}  // namespace adamix::app::analysis
