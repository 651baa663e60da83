// Timing helper shared by the benchmark programs: the median wall time of repeated calls.
#pragma once
#include <algorithm>
#include <chrono>
#include <vector>

namespace adamix::bench {

/// Median seconds per call of `fn` over `reps` timed calls (at least 1), after `warmups` untimed ones.
template <class Fn>
double medianSeconds(int reps, Fn&& fn, int warmups = 2) {
  for (int i = 0; i < warmups; ++i) fn();
  std::vector<double> t;
  for (int i = 0; i < std::max(1, reps); ++i) {
    const auto a = std::chrono::steady_clock::now();
    fn();
    t.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - a).count());
  }
  std::sort(t.begin(), t.end());
  return t[t.size() / 2];
}

}  // namespace adamix::bench
