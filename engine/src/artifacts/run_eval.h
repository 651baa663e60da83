// `adamix-engine eval` (docs/protocol.md § eval): a finished run's adapters (artifacts/run_artifact.h)
// or a model directory, evaluated on a task split or on any file in the task's layout under an
// AdaMix inference mode, independent of any training state. Writes predictions (with per-example
// probabilities), metrics and, on a GLUE test split, the GLUE-benchmark submission file.
#pragma once
#include <nlohmann/json.hpp>

#include <torch/torch.h>

#include <cstdint>
#include <functional>
#include <string>

#include "config/run_config.h"
#include "model/task_model.h"
#include "peft/peft.h"
#include "protocol/events.h"
#include "tokenizer/tokenizer.h"

namespace adamix {

/// What to evaluate (the command-line options of `eval`; empty / 0 = the default).
struct EvalRequest {
  std::string run_dir;    ///< --run-dir RUN (exclusive with model_dir)
  std::string model_dir;  ///< --model DIR, with task
  std::string task;       ///< --task T (only with model_dir)
  std::string adapter_dir;  ///< --adapter DIR: a PEFT LoRA adapter loaded onto model_dir (only with model_dir)
  int64_t max_seq_length = 0;  ///< --max-seq-length (only with model_dir): > 0 replaces the task's default (128)
  std::string split;      ///< --split; "" = dev (exclusive with data_file)
  std::string data_file;  ///< --data FILE in the task's layout (GLUE: labelled or test layout, detected)
  std::string inference;  ///< --inference merged|random|module:K|ensemble; "" = the run's peft.adamix.inference
  std::string out_dir;    ///< --out; "" = RUN/eval/<split or file stem>-<inference, ':' -> '-'> (required with --model)
  std::string out_root;   ///< --out-root DIR: the default output directory is made in DIR instead of RUN (a run
                          ///< read from another workspace, written into this one's); ignored with --out
  std::string data_dir;   ///< --data-dir; "" = the run's task.data_dir
  std::string device;     ///< auto | cpu | cuda; "" = the run's train.device
  int64_t batch_size = 0;  ///< > 0 replaces train.eval_batch_size (GLUE) / generation.batch_size (generation tasks)
  int64_t threads = 0;     ///< > 0 replaces train.threads
};

/// A run's model in memory, as evaluateRunModel evaluates it: loadRun's (`eval`), the trainer's
/// own at the end of `train`, or a merge's soup (`merge`). The model is on `device` in eval mode.
struct RunModelView {
  const RunConfig& config;
  TaskModelImpl& model;
  const Tokenizer& tokenizer;
  const PeftHandle& peft;      ///< routes (their inference mode is set per request and restored), counts, M
  int64_t weights_step = 0;    ///< step of the weights, for events (0 when unknown)
  torch::Device device = torch::kCPU;
};

/// How evaluateRunModel reports. `emit_events` true: `started`, `progress` per batch (setting the
/// heartbeat step to the batch count) and `metric` per metric on `events`, as `eval` does; false:
/// no events at all (inside `train`, whose stream has its own `started`/`finished`).
/// `after_batch(done, total)` (optional) runs after each batch either way — a generation task's
/// after each decoded batch (`train` and `eval` check for interrupts there; it may throw).
/// `reported_out` (optional): the output directory the payload (`out`, in metrics.json too) names
/// when the files are written elsewhere first (merge's staging folder, renamed into place later).
struct EvalReporting {
  EventStream& events;
  bool emit_events = true;
  std::function<void(int64_t, int64_t)> after_batch;
  std::string reported_out;
};

/// One evaluation of an in-memory run model — the single code path of `eval`, of `train`'s
/// end-of-run inference-mode evaluations and of `merge`'s evaluation of its soup. Reads the data
/// of `request` (split / data_file / data_dir, see runEval; `run_dir` names the default output
/// directory), evaluates under `request.inference` (or the routes' mode), and writes into the
/// output directory (created) `predictions.tsv`, `metrics.json` (the payload) and, on a GLUE test
/// split, the submission file, each atomically. Returns the `finished` payload of `eval`
/// (docs/protocol.md § eval). model_dir / adapter_dir / task / device / threads of `request` are
/// not read. Throws EngineError as runEval.
nlohmann::json evaluateRunModel(const RunModelView& run, const EvalRequest& request, const EvalReporting& reporting);

/// The output directory of an evaluation: `out_dir`, or `<root>/eval/<split>-<inference with ':' as '-'>`
/// where `root` is the run directory (or the request's out_root) — with `-2`, `-3`, … appended
/// while that folder holds another evaluation (its metrics.json names another split or
/// `data_file`, the absolute --data path, "" for a split; or it holds other files): a data file
/// named like a split (`dev.tsv`, `test.tsv`) or two files of one stem never share a folder.
std::string evalOutputDir(const std::string& root, const std::string& out_dir, const std::string& split,
                          const std::string& inference, const std::string& data_file = {});

/// Runs one evaluation: loads the model (loadRun or loadModelForTask), the data — a task split
/// (dev splits subsampled by the run's task.max_dev_examples with its seed, exactly as the trainer's
/// dev set; test splits whole) or `data_file` — and writes into the output directory
/// `predictions.tsv` (gluePredictionsTsv / the generation layout), `metrics.json` (the `finished`
/// payload) and, on a GLUE test split, the submission file (glueSubmissionFile). Emits `started`,
/// `progress` per batch, `metric` per metric (labelled data only) and `finished` on `events`, and
/// returns the `finished` payload (loadRun / loadModelForTask, then evaluateRunModel).
/// SIGINT/SIGTERM (io/interrupt.h) is polled while the data is read and after every batch:
/// EngineError(Interrupted), the folders this evaluation made removed. Throws EngineError: Usage
/// (inconsistent request, module:K out of range), Config, Data (bad file or row, naming
/// file:line), Model, Io, Interrupted.
nlohmann::json runEval(const EvalRequest& request, EventStream& events);

/// Id of the event stream of `request`: the run directory's (or the model directory's) name.
std::string evalRunId(const EvalRequest& request);

}  // namespace adamix
