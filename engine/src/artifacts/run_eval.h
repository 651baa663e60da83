// `adamix-engine eval` (docs/protocol.md § eval): a finished run's adapters (artifacts/run_artifact.h)
// or a model directory, evaluated on a task split or on any file in the task's layout under an
// AdaMix inference mode, independent of any training state. Writes predictions (with per-example
// probabilities), metrics and, on a GLUE test split, the GLUE-benchmark submission file.
#pragma once
#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>

#include "protocol/events.h"

namespace adamix {

/// What to evaluate (the command-line options of `eval`; empty / 0 = the default).
struct EvalRequest {
  std::string run_dir;    ///< --run-dir RUN (exclusive with model_dir)
  std::string model_dir;  ///< --model DIR, with task
  std::string task;       ///< --task T (only with model_dir)
  std::string adapter_dir;  ///< --adapter DIR: a PEFT LoRA adapter loaded onto model_dir (only with model_dir)
  std::string split;      ///< --split; "" = dev (exclusive with data_file)
  std::string data_file;  ///< --data FILE in the task's layout (GLUE: labelled or test layout, detected)
  std::string inference;  ///< --inference merged|random|module:K|ensemble; "" = the run's peft.adamix.inference
  std::string out_dir;    ///< --out; "" = RUN/eval/<split or file stem>-<inference, ':' -> '-'> (required with --model)
  std::string data_dir;   ///< --data-dir; "" = the run's task.data_dir
  std::string device;     ///< auto | cpu | cuda; "" = the run's train.device
  int64_t batch_size = 0;  ///< > 0 replaces train.eval_batch_size (GLUE) / generation.batch_size (generation tasks)
  int64_t threads = 0;     ///< > 0 replaces train.threads
};

/// Runs one evaluation: loads the model (loadRun or loadModelForTask), the data — a task split
/// (dev splits subsampled by the run's task.max_dev_examples with its seed, exactly as the trainer's
/// dev set; test splits whole) or `data_file` — and writes into the output directory
/// `predictions.tsv` (gluePredictionsTsv / the generation layout), `metrics.json` (the `finished`
/// payload) and, on a GLUE test split, the submission file (glueSubmissionFile). Emits `started`,
/// `progress` per batch, `metric` per metric (labelled data only) and `finished` on `events`, and
/// returns the `finished` payload. Throws EngineError: Usage (inconsistent request, module:K out of
/// range), Config, Data (bad file or row, naming file:line), Model, Io.
nlohmann::json runEval(const EvalRequest& request, EventStream& events);

/// Id of the event stream of `request`: the run directory's (or the model directory's) name.
std::string evalRunId(const EvalRequest& request);

}  // namespace adamix
