#include "analysis/paired_bootstrap.h"

#include "analysis/box_summary.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>
#include <set>
#include <stdexcept>

namespace adamix::app::analysis {

namespace {

double meanMetric(const QString& metric, const std::vector<ExamplePredictions>& runs, std::size_t from, std::size_t to,
                  const std::vector<int>& rows) {
  double sum = 0;
  for (std::size_t r = from; r < to; ++r) sum += metricOnRows(metric, runs[r], rows);
  return sum / double(to - from);
}

}  // namespace

BootstrapTest pairedBootstrap(const QString& metric, const std::vector<ExamplePredictions>& variant,
                              const std::vector<ExamplePredictions>& baseline, int resamples, std::uint64_t seed,
                              double level) {
  if (variant.empty() || baseline.empty()) throw std::invalid_argument("paired bootstrap: a side has no runs");
  if (resamples < 1) throw std::invalid_argument("paired bootstrap: resamples must be >= 1");
  std::vector<ExamplePredictions> all(variant);
  all.insert(all.end(), baseline.begin(), baseline.end());
  std::size_t fewest = std::numeric_limits<std::size_t>::max();
  for (const ExamplePredictions& run : all)
    fewest = std::min(fewest, std::set<long long>(run.index.begin(), run.index.end()).size());
  all = alignOnCommonExamples(all);
  const std::size_t n = all.front().index.size();
  if (n == 0) throw std::invalid_argument("paired bootstrap: the runs have no example in common");
  const std::size_t split = variant.size();

  BootstrapTest b;
  b.examples = int(n);
  b.fewestPredicted = int(fewest);
  b.resamples = resamples;
  b.seed = seed;
  b.level = level;
  std::vector<int> rows(n);
  for (std::size_t i = 0; i < n; ++i) rows[i] = int(i);
  b.observed = meanMetric(metric, all, 0, split, rows) - meanMetric(metric, all, split, all.size(), rows);

  std::mt19937_64 rng(seed);
  std::uniform_int_distribution<int> pick(0, int(n) - 1);
  std::vector<double> diffs;
  diffs.reserve(std::size_t(resamples));
  int atMost0 = 0, atLeast0 = 0;
  for (int s = 0; s < resamples; ++s) {
    for (std::size_t i = 0; i < n; ++i) rows[i] = pick(rng);
    const double d = meanMetric(metric, all, 0, split, rows) - meanMetric(metric, all, split, all.size(), rows);
    diffs.push_back(d);
    if (d <= 0) ++atMost0;
    if (d >= 0) ++atLeast0;
  }
  std::sort(diffs.begin(), diffs.end());
  b.ciLow = quantileSorted(diffs, (1 - level) / 2);
  b.ciHigh = quantileSorted(diffs, 1 - (1 - level) / 2);
  b.p = std::min(1.0, 2.0 * double(std::min(atMost0, atLeast0)) / double(resamples));
  return b;
}

}  // namespace adamix::app::analysis
