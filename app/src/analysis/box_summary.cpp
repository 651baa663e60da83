#include "analysis/box_summary.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace adamix::app::analysis {

double quantileSorted(const std::vector<double>& sorted, double q) {
  const double pos = q * double(sorted.size() - 1);
  const std::size_t lo = std::size_t(std::floor(pos));
  const std::size_t hi = std::min(lo + 1, sorted.size() - 1);
  return sorted[lo] + (pos - double(lo)) * (sorted[hi] - sorted[lo]);
}

BoxSummary boxSummary(std::vector<double> values) {
  values.erase(std::remove_if(values.begin(), values.end(), [](double v) { return std::isnan(v); }), values.end());
  std::sort(values.begin(), values.end());
  BoxSummary b;
  b.n = int(values.size());
  if (values.empty()) {
    constexpr double nan = std::numeric_limits<double>::quiet_NaN();
    b.lowerQuartile = b.median = b.upperQuartile = b.lowerWhisker = b.upperWhisker = nan;
    return b;
  }
  b.lowerQuartile = quantileSorted(values, 0.25);
  b.median = quantileSorted(values, 0.5);
  b.upperQuartile = quantileSorted(values, 0.75);
  const double reach = 1.5 * (b.upperQuartile - b.lowerQuartile);
  b.lowerWhisker = b.lowerQuartile;
  b.upperWhisker = b.upperQuartile;
  for (double v : values) {
    if (v < b.lowerQuartile - reach || v > b.upperQuartile + reach) {
      b.outliers.push_back(v);
      continue;
    }
    b.lowerWhisker = std::min(b.lowerWhisker, v);
    b.upperWhisker = std::max(b.upperWhisker, v);
  }
  return b;
}

}  // namespace adamix::app::analysis
