// Pareto front of (cost, score) points: the variants no other variant beats on both.
#pragma once

#include <cstddef>
#include <vector>

namespace adamix::app::analysis {

/// Indices of the points on the Pareto front when `x` is a cost (lower is better) and `y` a score
/// (higher is better): no other point has x' ≤ x and y' ≥ y with one of them strict. Ordered by
/// x ascending. Points with a NaN coordinate are never on it. Equal points are all kept.
std::vector<std::size_t> paretoFront(const std::vector<double>& x, const std::vector<double>& y);

}  // namespace adamix::app::analysis
