// The paper's per-module vs merged comparison (Wang et al. 2022, Fig. 5/6) at the end of `train`:
// the run's dev set evaluated under every AdaMix inference mode with the weights the run saved,
// each written and reported as `adamix-engine eval --run-dir RUN --split dev --inference MODE`
// would (docs/protocol.md § "evaluation").
#pragma once
#include <functional>
#include <string>
#include <vector>

#include "artifacts/run_eval.h"
#include "protocol/events.h"

namespace adamix {

/// The modes evaluated for a mixture of `num_modules` modules, in order:
/// "module:0" … "module:M-1", "random", "ensemble".
std::vector<std::string> endOfRunInferenceModes(int64_t num_modules);

/// Evaluates the run's dev split (evaluateRunModel, split "dev", default output directory
/// `<run_dir>/eval/<dev split>-<mode, ':' as '-'>/`) under each endOfRunInferenceModes mode, and
/// after each emits one `evaluation` event on `events`: split, inference, weights_step, examples,
/// metrics ({name: value} of the split), primary_metric, out (absolute), predictions
/// ("predictions.tsv"), wall_s. `run.model` must hold the weights adapters.safetensors holds.
/// `after_batch` runs after every batch (the trainer's interrupt check; it may throw) — an
/// interrupted pass leaves only whole files behind (each written atomically) and is redone whole
/// by `train --resume`. Throws EngineError as evaluateRunModel.
void evaluateInferenceModes(const RunModelView& run, const std::string& run_dir, EventStream& events,
                            const std::function<void()>& after_batch);

}  // namespace adamix
