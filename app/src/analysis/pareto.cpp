#include "analysis/pareto.h"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace adamix::app::analysis {

std::vector<std::size_t> paretoFront(const std::vector<double>& x, const std::vector<double>& y) {
  const std::size_t n = std::min(x.size(), y.size());
  std::vector<std::size_t> order;
  for (std::size_t i = 0; i < n; ++i)
    if (!std::isnan(x[i]) && !std::isnan(y[i])) order.push_back(i);
  // cheapest first; among equal costs the best score first
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    return x[a] != x[b] ? x[a] < x[b] : y[a] > y[b];
  });
  std::vector<std::size_t> front;
  for (std::size_t k = 0; k < order.size(); ++k) {
    const std::size_t i = order[k];
    if (front.empty()) {
      front.push_back(i);
      continue;
    }
    const std::size_t last = front.back();
    // dominated: a cheaper-or-equal point scores strictly higher, or scores equal and is strictly cheaper
    if (y[i] > y[last] || (y[i] == y[last] && x[i] == x[last])) front.push_back(i);
  }
  return front;
}

}  // namespace adamix::app::analysis
