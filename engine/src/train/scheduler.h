// Learning-rate schedule of the paper's scripts (HF get_linear_schedule_with_warmup):
// linear warmup from 0 to the peak over W steps, then linear decay to 0 at the last step.
#pragma once
#include <cstdint>

namespace adamix {

/// Warmup steps: `warmup_steps` when > 0, else ceil(warmup_ratio * total_steps) (HF
/// TrainingArguments.get_warmup_steps).
int64_t resolveWarmupSteps(int64_t total_steps, double warmup_ratio, int64_t warmup_steps);

/// Multiplier of the peak LR for the update at 0-based optimizer step `step`:
/// step < W: step / W; else max(0, (T - step) / (T - W)). Same as HF's LambdaLR lambda.
double linearScheduleFactor(int64_t step, int64_t warmup, int64_t total_steps);

}  // namespace adamix
