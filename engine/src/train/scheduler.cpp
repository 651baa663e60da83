#include "train/scheduler.h"

#include <algorithm>
#include <cmath>

namespace adamix {

int64_t resolveWarmupSteps(int64_t total_steps, double warmup_ratio, int64_t warmup_steps) {
  if (warmup_steps > 0) return warmup_steps;
  return static_cast<int64_t>(std::ceil(warmup_ratio * static_cast<double>(total_steps)));
}

double linearScheduleFactor(int64_t step, int64_t warmup, int64_t total) {
  if (step < warmup) return static_cast<double>(step) / static_cast<double>(std::max<int64_t>(1, warmup));
  return std::max(0.0, static_cast<double>(total - step) / static_cast<double>(std::max<int64_t>(1, total - warmup)));
}

}  // namespace adamix
