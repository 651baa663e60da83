#include "artifacts/run_eval.h"

#include <ATen/Parallel.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <iostream>

#include "artifacts/run_artifact.h"
#include "data/glue.h"
#include "data/glue_test.h"
#include "data/own_task.h"
#include "io/atomic_file.h"
#include "io/errors.h"
#include "io/interrupt.h"
#include "io/output_folder.h"
#include "runtime/compute_kernels.h"
#include "runtime/cpu_runtime.h"
#include "train/evaluation.h"
#include "train/nlg_evaluation.h"
#include "train/nlg_task.h"
#include "train/run_report.h"
#include "train/task_data.h"

namespace fs = std::filesystem;
using nlohmann::json;

namespace adamix {

namespace {

/// The last component of a directory path, ignoring a trailing separator.
std::string dirName(const std::string& dir) {
  auto p = fs::path(dir).lexically_normal();
  if (p.filename().empty()) p = p.parent_path();
  return p.filename().string();
}

void checkRequest(const EvalRequest& r) {
  if (r.run_dir.empty() == r.model_dir.empty())
    throw EngineError(ErrorKind::Usage, "give either --run-dir or --model (with --task)", "--run-dir");
  if (!r.model_dir.empty() && r.task.empty())
    throw EngineError(ErrorKind::Usage, "--model needs --task", "--task");
  if (!r.adapter_dir.empty() && r.model_dir.empty())
    throw EngineError(ErrorKind::Usage, "--adapter needs --model (the adapter's base model) and --task", "--adapter");
  if (!r.run_dir.empty() && !r.task.empty())
    throw EngineError(ErrorKind::Usage, "--task is taken from the run's config.json; leave it out with --run-dir",
                      "--task");
  if (!r.model_dir.empty() && r.out_dir.empty())
    throw EngineError(ErrorKind::Usage, "--model needs --out (there is no run directory to write into)", "--out");
  if (!r.out_root.empty() && r.run_dir.empty())
    throw EngineError(ErrorKind::Usage, "--out-root replaces the run directory in the default output path; it needs --run-dir",
                      "--out-root");
  if (!r.split.empty() && !r.data_file.empty())
    throw EngineError(ErrorKind::Usage, "give either --split or --data, not both", "--data");
  if (r.batch_size < 0) throw EngineError(ErrorKind::Usage, "--batch-size must be > 0", "--batch-size");
  if (r.max_seq_length != 0 && r.model_dir.empty())
    throw EngineError(ErrorKind::Usage, "--max-seq-length is the run's task.max_seq_length with --run-dir; give it with --model",
                      "--max-seq-length");
  if (r.max_seq_length < 0) throw EngineError(ErrorKind::Usage, "--max-seq-length must be > 0", "--max-seq-length");
}

/// What is evaluated and how, shared by the GLUE and generation paths.
struct EvalContext {
  const RunModelView& run;
  RunConfig cfg;          ///< the run's config with --data-dir applied
  std::string split;      ///< split name or the data file's stem
  std::string inference;  ///< canonical inference name
  fs::path out;
  const EvalReporting& reporting;
  std::string data_file;  ///< --data as an absolute path; "" for a split
};

json startedEvent(const EvalContext& c, int64_t examples, int64_t batches) {
  return {{"config", toJson(c.cfg)},
          {"device", c.run.device.str()},
          {"threads", at::get_num_threads()},
          {"kernels", computeKernelsJson()},
          {"params", paramsJson(c.run.peft.counts)},
          {"total_steps", batches},
          {"resumed_from_step", 0},
          {"mode", "eval"},
          {"split", c.split},
          {"inference", c.inference},
          {"examples", examples}};
}

void emitStarted(const EvalContext& c, int64_t examples, int64_t batches) {
  if (c.reporting.emit_events) c.reporting.events.emit("started", startedEvent(c, examples, batches));
}

void batchDone(const EvalContext& c, int64_t done, int64_t total) {
  if (c.reporting.emit_events) {
    c.reporting.events.setStep(done);
    c.reporting.events.emit("progress", {{"step", done}, {"total_steps", total}});
  }
  if (c.reporting.after_batch) c.reporting.after_batch(done, total);
}

/// Emits one `metric` per metric (when reporting events) and returns the `finished` payload
/// (without `submission`).
json finishEval(const EvalContext& c, const std::map<std::string, double>& metrics, const std::string& primary,
                int64_t examples, double wall_s) {
  json split_metrics = json::object();
  for (const auto& [name, value] : metrics) {
    if (c.reporting.emit_events)
      c.reporting.events.emit("metric", {{"step", c.run.weights_step},
                                         {"epoch", 0},
                                         {"split", c.split},
                                         {"name", name},
                                         {"value", value}});
    split_metrics[c.split][name] = value;
  }
  return {{"mode", "eval"},
          {"final", split_metrics},
          {"best", split_metrics},
          {"best_step", c.run.weights_step},
          {"primary_metric", primary},
          {"wall_s", wall_s},
          {"params", paramsJson(c.run.peft.counts)},
          {"split", c.split},
          {"inference", c.inference},
          {"examples", examples},
          {"out", c.reporting.reported_out.empty() ? fs::absolute(c.out).lexically_normal().string()
                                                   : c.reporting.reported_out},
          {"predictions", "predictions.tsv"},
          {"data_file", c.data_file}};
}

/// GLUE tasks: classification / regression of one split or file.
json evalGlue(EvalContext& c, const EvalRequest& req, std::chrono::steady_clock::time_point wall_start) {
  const auto& cfg = c.cfg;
  const TaskSpec spec = taskSpecOf(cfg.task);
  LoadedSplit loaded;
  bool labelled = true;
  std::string submission;
  if (isOwnTask(cfg.task)) {
    // Own datasets: a file is labelled when it has the label column (else predictions only).
    const std::string path = req.data_file.empty() ? ownSplitPath(cfg.task, req.split.empty() ? "dev" : req.split)
                                                   : req.data_file;
    loaded = loadOwnFileDetectingLabels(cfg.task, spec, path, cfg.task.bad_rows, &labelled);
    if (req.data_file.empty() && c.split == "dev") loaded.examples = devSubset(std::move(loaded.examples), cfg.task);
  } else if (!req.data_file.empty()) {
    labelled = !isGlueTestLayout(spec, req.data_file);
    loaded = labelled ? loadGlueFile(spec, req.data_file, cfg.task.bad_rows)
                      : loadGlueTestFile(spec, req.data_file, cfg.task.bad_rows);
  } else {
    const std::string asked = req.split.empty() ? "dev" : req.split;
    loaded = loadAnySplit(spec, cfg.task.data_dir, asked, cfg.task.bad_rows, labelled);
    const bool dev = std::find(spec.dev_splits.begin(), spec.dev_splits.end(), c.split) != spec.dev_splits.end();
    // The run's dev set: the same subsample the trainer evaluated.
    if (dev) loaded.examples = devSubset(std::move(loaded.examples), cfg.task);
    if (isGlueTestSplit(asked)) submission = glueSubmissionFile(spec, asked);
  }
  if (loaded.skipped > 0) std::cerr << "warning: skipped " << loaded.skipped << " malformed rows in " << loaded.path << "\n";
  if (loaded.examples.empty()) throw EngineError(ErrorKind::Data, "no examples to evaluate", loaded.path);
  auto split = encodeSplit(c.split, std::move(loaded), spec, c.run.tokenizer, cfg.task.max_seq_length);
  split.labelled = labelled;

  const int64_t batch = req.batch_size > 0 ? req.batch_size : cfg.train.eval_batch_size;
  const auto n = static_cast<int64_t>(split.examples.size());
  const int64_t batches = (n + batch - 1) / batch;
  emitStarted(c, n, batches);
  const auto r = evaluate(c.run.model, *c.run.peft.routes, c.run.peft.num_modules, spec, split,
                          c.run.tokenizer.padId(), batch, c.run.device,
                          [&](int64_t done, int64_t total) { batchDone(c, done, total); });
  writeFileAtomically(c.out / "predictions.tsv", gluePredictionsTsv(split, r, spec.regression));
  if (!submission.empty()) writeFileAtomically(c.out / submission, glueSubmissionTsv(spec, split, r));
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count();
  auto finished = finishEval(c, r.metrics, spec.primary_metric, n, wall);
  if (!submission.empty()) finished["submission"] = submission;
  return finished;
}

/// Generation tasks: decode the run's dev inputs or a dataset file, score against its references.
json evalGeneration(EvalContext& c, const EvalRequest& req, std::chrono::steady_clock::time_point wall_start) {
  auto cfg = c.cfg;
  if (req.batch_size > 0) cfg.generation.batch_size = req.batch_size;
  NlgTaskData data;
  if (!req.data_file.empty()) {
    data.dev = groupByInput(loadGenerationFile(cfg.task, req.data_file).pairs);
    if (data.dev.empty()) throw EngineError(ErrorKind::Data, "no examples to evaluate", req.data_file);
    for (const auto& item : data.dev) data.prompts.push_back(nlgContext(item.input, c.run.tokenizer, cfg.task.max_seq_length));
  } else {
    if (!req.split.empty() && req.split != "dev")
      throw EngineError(ErrorKind::Usage,
                        "generation task " + cfg.task.name + " has only the run's dev split; evaluate other data with --data FILE",
                        "--split");
    data = loadNlgTaskData(cfg, c.run.tokenizer);
  }
  const auto n = static_cast<int64_t>(data.dev.size());
  const int64_t batches = (n + cfg.generation.batch_size - 1) / cfg.generation.batch_size;
  emitStarted(c, n, batches);
  // Decoded in one call, as the trainer does, so `random` inference draws what the run drew.
  const auto r = evaluateGeneration(c.run.model, *c.run.peft.routes, c.run.peft.num_modules, cfg, data, c.run.tokenizer,
                                    [&](int64_t done, int64_t total) { batchDone(c, done, total); });
  writeNlgPredictions(c.out.string(), data, r, "predictions");
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count();
  auto finished = finishEval(c, r.metrics, "bleu", n, wall);
  finished["metric_notes"] = {{"meteor", "METEOR (exact match approximation; docs/nlg.md)"}};
  return finished;
}

/// Restores the routes' inference mode when an evaluation ends (normally or by an exception).
struct InferenceModeRestorer {
  RouteContext& routes;
  InferenceMode mode;
  int64_t module;
  explicit InferenceModeRestorer(RouteContext& r) : routes(r), mode(r.inference), module(r.inference_module) {}
  ~InferenceModeRestorer() {
    routes.inference = mode;
    routes.inference_module = module;
  }
};

}  // namespace

std::string evalRunId(const EvalRequest& request) {
  return dirName(request.run_dir.empty() ? request.model_dir : request.run_dir);
}

std::string evalOutputDir(const std::string& root, const std::string& out_dir, const std::string& split,
                          const std::string& inference, const std::string& data_file) {
  if (!out_dir.empty()) return out_dir;
  std::string mode_dir = inference;
  std::replace(mode_dir.begin(), mode_dir.end(), ':', '-');
  // a folder is this evaluation's when its metrics.json names the same split and data file
  return firstFreeOutputFolder(fs::path(root) / "eval" / (split + "-" + mode_dir), "metrics.json", 1 << 20,
                               [&](const json& m) {
                                 return m.value("split", std::string()) == split &&
                                        m.value("data_file", std::string()) == data_file;
                               })
      .string();
}

json evaluateRunModel(const RunModelView& run, const EvalRequest& req, const EvalReporting& reporting) {
  const auto wall_start = std::chrono::steady_clock::now();
  EvalContext c{run, run.config, "", "", {}, reporting};
  if (!req.data_dir.empty()) c.cfg.task.data_dir = req.data_dir;
  if (req.data_file.empty() && c.cfg.task.data_dir.empty())
    throw EngineError(ErrorKind::Usage, "no data directory: give --data-dir or --data FILE", "--data-dir");

  // Inference mode: the routes' (the run's), or --inference; restored at the end.
  auto& routes = *run.peft.routes;
  InferenceModeRestorer restore(routes);
  if (!req.inference.empty()) {
    int64_t module = 0;
    routes.inference = parseInferenceMode(req.inference, module, "--inference");
    routes.inference_module = module;
    // One module: random, ensemble and module:0 compute what merged does; evaluating them would
    // add a column to the results that looks like another measurement (a new user's report).
    if (run.peft.num_modules == 1 && routes.inference != InferenceMode::Merged)
      throw EngineError(ErrorKind::Usage,
                        "the run has one module (no mixture): --inference " + req.inference +
                            " is its merged weights; use --inference merged (the default)",
                        "--inference");
  }
  if (routes.inference == InferenceMode::Module && routes.inference_module >= run.peft.num_modules)
    throw EngineError(ErrorKind::Usage,
                      "module:" + std::to_string(routes.inference_module) + " does not exist: the run has " +
                          std::to_string(run.peft.num_modules) + " module(s) (0-based)",
                      "--inference");
  c.inference = inferenceName(routes.inference, routes.inference_module);

  // Split name: canonical split, or the data file's stem.
  const bool nlg = isGenerationTask(c.cfg.task);
  if (!req.data_file.empty())
    c.split = fs::path(req.data_file).stem().string();
  else if (nlg)
    c.split = "dev";
  else if (isOwnTask(c.cfg.task))
    c.split = req.split.empty() ? "dev" : req.split;
  else
    c.split = canonicalSplitName(taskSpec(c.cfg.task.name), req.split.empty() ? "dev" : req.split);

  if (!req.data_file.empty()) c.data_file = fs::absolute(req.data_file).lexically_normal().string();
  c.out = evalOutputDir(req.out_root.empty() ? req.run_dir : req.out_root, req.out_dir, c.split, c.inference,
                        c.data_file);
  // The folders this evaluation makes (the first that does not exist yet and all below it) are
  // removed again when it fails: a bad data file leaves no empty eval/<name>/ behind.
  fs::path made = fs::absolute(c.out).lexically_normal();
  if (!made.has_filename()) made = made.parent_path();
  std::error_code ec;
  while (!fs::exists(made.parent_path(), ec) && made.has_parent_path() && made.parent_path() != made)
    made = made.parent_path();
  const bool makes = !fs::exists(made, ec);
  fs::create_directories(c.out, ec);
  if (ec) throw EngineError(ErrorKind::Io, "cannot create the output directory: " + ec.message(), c.out.string());
  try {
    auto finished = nlg ? evalGeneration(c, req, wall_start) : evalGlue(c, req, wall_start);
    writeFileAtomically(c.out / "metrics.json", finished.dump(2) + "\n");
    return finished;
  } catch (...) {
    if (makes) fs::remove_all(made, ec);
    throw;
  }
}

json runEval(const EvalRequest& req, EventStream& events) {
  checkRequest(req);
  events.setStep(0);
  events.startHeartbeat(2.0);

  LoadedRun run = req.run_dir.empty() ? loadModelForTask(req.model_dir, req.task, req.adapter_dir, req.max_seq_length) : loadRun(req.run_dir);
  const auto& cfg = run.config;
  const int64_t threads = req.threads > 0 ? req.threads : cfg.train.threads;
  setComputeThreads(static_cast<int>(threads));
  const auto device =
      resolveDevice(req.device.empty() ? cfg.train.device : req.device, req.device.empty() ? "/train/device" : "--device");
  run.model->to(device);
  run.model->eval();

  const RunModelView view{cfg, *run.model, *run.tokenizer, run.peft, std::max<int64_t>(0, run.weights_step), device};
  // SIGINT/SIGTERM: stop after the batch (evaluateRunModel removes the folders it made).
  auto interrupted = [](int64_t done, int64_t total) {
    if (g_interrupt_requested)
      throwIfInterrupted(
          "evaluating (batch " + std::to_string(done) + " of " + std::to_string(total) + "); nothing was written", "");
  };
  auto finished = evaluateRunModel(view, req, EvalReporting{events, true, interrupted});
  events.stopHeartbeat();
  events.emit("finished", finished);
  return finished;
}

}  // namespace adamix
