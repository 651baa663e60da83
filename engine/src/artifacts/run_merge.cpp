#include "artifacts/run_merge.h"

#include <ATen/Parallel.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <memory>
#include <numeric>

#include "artifacts/run_artifact.h"
#include "artifacts/run_eval.h"
#include "config/run_config.h"
#include "data/batching.h"
#include "data/glue.h"
#include "data/own_task.h"
#include "io/atomic_file.h"
#include "io/errors.h"
#include "io/interrupt.h"
#include "io/output_folder.h"
#include "io/safetensors.h"
#include "io/staging_dir.h"
#include "peft/merge_weights.h"
#include "peft/mixture_linear.h"
#include "runtime/compute_kernels.h"
#include "runtime/cpu_runtime.h"
#include "train/evaluation.h"
#include "train/run_report.h"
#include "train/task_data.h"
#include "train/train_step.h"

namespace fs = std::filesystem;
using nlohmann::json;

namespace adamix {

namespace {

constexpr int64_t kDefaultHeldoutExamples = 1000;

/// One mixture projection with M modules: the unit the soup weights are fitted for.
struct SoupProjection {
  std::string name;  ///< module path, e.g. "model.layers.0.mlp.ffn_adapter.adapter.down"
  std::shared_ptr<MixtureLinearImpl> mix;
};

void checkRequest(const MergeRequest& r) {
  if (r.run_dir.empty()) throw EngineError(ErrorKind::Usage, "--run-dir is required", "--run-dir");
  if (r.strategy != "uniform" && r.strategy != "greedy-soup" && r.strategy != "learned")
    throw EngineError(ErrorKind::Usage, "expected uniform, greedy-soup or learned, got \"" + r.strategy + "\"",
                      "--strategy");
  if (r.heldout_examples && *r.heldout_examples < 1)
    throw EngineError(ErrorKind::Usage, "must be >= 1", "--heldout-examples");
  if (r.epochs < 1) throw EngineError(ErrorKind::Usage, "must be >= 1", "--epochs");
  checkLearningRate(r.lr, ErrorKind::Usage, "--lr");
  if (r.batch_size < 0) throw EngineError(ErrorKind::Usage, "must be > 0", "--batch-size");
}

/// Everything one merge works on.
struct MergeContext {
  LoadedRun run;
  const TaskSpec* spec = nullptr;  ///< points to task_spec
  TaskSpec task_spec;
  torch::Device device = torch::kCPU;
  EncodedSplit heldout;
  std::vector<SoupProjection> projections;
  int64_t modules = 0;  ///< M
  EventStream* events = nullptr;
  int64_t batches_done = 0;  ///< all phases, for heartbeats
};

/// One batch of a phase done: a `progress` event, then SIGINT/SIGTERM (io/interrupt.h) ends the
/// merge with EngineError(Interrupted) before the next batch.
void progress(MergeContext& c, const char* phase, int64_t done, int64_t total) {
  c.events->setStep(++c.batches_done);
  c.events->emit("progress", {{"phase", phase}, {"step", done}, {"total_steps", total}});
  if (g_interrupt_requested)
    throwIfInterrupted(std::string("merging (phase ") + phase + ", batch " + std::to_string(done) + " of " +
                           std::to_string(total) + "); nothing was written",
                       "");
}

std::vector<SoupProjection> soupProjections(TaskModelImpl& model, int64_t modules) {
  std::vector<SoupProjection> out;
  for (const auto& item : model.named_modules("", /*include_self=*/false))
    if (auto mix = std::dynamic_pointer_cast<MixtureLinearImpl>(item.value()); mix && mix->numModules() == modules)
      out.push_back({item.key(), mix});
  return out;
}

void setSoups(MergeContext& c, const SoupWeights& soup) {
  for (auto& p : c.projections) p.mix->setSoup(soup);
}

/// Metrics of the current merge (merged inference) on the held-out sample.
std::map<std::string, double> heldoutMetrics(MergeContext& c) {
  auto& routes = *c.run.peft.routes;
  routes.inference = InferenceMode::Merged;
  const auto r = evaluate(*c.run.model, routes, c.modules, *c.spec, c.heldout, c.run.tokenizer->padId(),
                          c.run.config.train.eval_batch_size, c.device,
                          [&](int64_t done, int64_t total) { progress(c, "heldout", done, total); });
  return r.metrics;
}

json metricsJson(const std::map<std::string, double>& m) {
  json j = json::object();
  for (const auto& [k, v] : m) j[k] = v;
  return j;
}

/// Greedy soup (Wortsman et al. 2022, §3): modules sorted by their held-out score alone, each
/// kept when the uniform soup with it scores at least the soup without it. Returns the kept set
/// (ascending) and records the steps in `report`.
std::vector<int64_t> greedySoup(MergeContext& c, json& report) {
  const auto& primary = c.spec->primary_metric;
  std::vector<double> scores;
  for (int64_t k = 0; k < c.modules; ++k) {
    setSoups(c, SoupWeights{{k}, {}});  // = module:k
    scores.push_back(heldoutMetrics(c).at(primary));
  }
  std::vector<int64_t> order(static_cast<size_t>(c.modules));
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](int64_t a, int64_t b) { return scores[a] > scores[b]; });
  std::vector<int64_t> kept = {order[0]};
  double current = scores[static_cast<size_t>(order[0])];
  json steps = json::array({{{"module", order[0]}, {"soup_score", current}, {"kept", true}}});
  for (size_t i = 1; i < order.size(); ++i) {
    auto candidate = kept;
    candidate.push_back(order[i]);
    std::sort(candidate.begin(), candidate.end());  // the uniform merge averages in module order
    setSoups(c, SoupWeights{candidate, {}});
    const double s = heldoutMetrics(c).at(primary);
    const bool keep = s >= current;
    if (keep) {
      kept = candidate;
      current = s;
    }
    steps.push_back({{"module", order[i]}, {"soup_score", s}, {"kept", keep}});
  }
  report["module_scores"] = scores;
  report["order"] = order;
  report["steps"] = steps;
  report["kept"] = kept;
  return kept;
}

/// Learned soup weights: per projection M logits (the official ExpertSoup's expert_score_weight),
/// zeros at the start (uniform), trained with Adam on the task loss of the held-out sample, the
/// model in eval mode (no dropout) and every model parameter frozen. Leaves the projections'
/// soups at softmax(logits) and records the fit in `report`.
void learnSoupWeights(MergeContext& c, const MergeRequest& req, uint64_t seed, json& report) {
  auto& model = *c.run.model;
  auto trainable = trainableParameters(model);  // frozen while fitting, trainable again after
  for (auto& p : model.parameters()) p.set_requires_grad(false);
  model.eval();
  c.run.peft.routes->inference = InferenceMode::Merged;
  torch::manual_seed(seed);
  std::vector<torch::Tensor> logits;
  for (size_t i = 0; i < c.projections.size(); ++i)
    logits.push_back(torch::zeros({c.modules}, torch::TensorOptions().dtype(torch::kFloat32).device(c.device))
                         .requires_grad_(true));
  torch::optim::Adam adam(logits, torch::optim::AdamOptions(req.lr));
  auto applyLogits = [&](bool detached) {
    for (size_t i = 0; i < c.projections.size(); ++i) {
      auto w = torch::softmax(logits[i], 0);
      c.projections[i].mix->setSoup(SoupWeights{{}, detached ? w.detach() : w});
    }
  };
  const int64_t batch = req.batch_size > 0 ? req.batch_size : c.run.config.train.batch_size;
  const auto n = c.heldout.examples.size();
  const int64_t per_epoch = static_cast<int64_t>((n + static_cast<size_t>(batch) - 1) / static_cast<size_t>(batch));
  const int64_t total = per_epoch * req.epochs;
  int64_t step = 0;
  json epoch_losses = json::array();
  for (int64_t epoch = 0; epoch < req.epochs; ++epoch) {
    double loss_sum = 0;
    for (const auto& positions : epochOrder(n, static_cast<size_t>(batch), seed, epoch, /*shuffle=*/true)) {
      applyLogits(false);
      auto b = makeBatch(c.heldout.encoded, c.heldout.examples, positions, c.spec->regression, c.run.tokenizer->padId());
      const auto losses = forwardBackward(model, *c.run.peft.routes, b.input_ids.to(c.device),
                                          b.attention_mask.to(c.device), b.labels.to(c.device), /*lambda=*/0,
                                          /*second_pass=*/false, /*loss_scale=*/1.0, step);
      adam.step();
      adam.zero_grad();
      loss_sum += losses.total;
      progress(c, "fit", ++step, total);
    }
    epoch_losses.push_back(loss_sum / static_cast<double>(per_epoch));
  }
  applyLogits(true);
  for (auto& [name, p] : trainable) p.set_requires_grad(true);
  report["learned"] = {{"optimizer", "Adam"},
                       {"lr", req.lr},
                       {"epochs", req.epochs},
                       {"batch_size", batch},
                       {"steps", step},
                       {"epoch_mean_loss", epoch_losses}};
}

/// Per projection, the weight each module gets in the merge (softmax for learned, 1/|kept| or 0).
json projectionWeights(const MergeContext& c) {
  json out = json::object();
  for (const auto& p : c.projections) {
    const auto& soup = p.mix->soup();
    std::vector<double> w(static_cast<size_t>(c.modules), 0.0);
    if (soup.coefficients.defined()) {
      const auto cpu = soup.coefficients.detach().to(torch::kCPU, torch::kFloat64).contiguous();
      std::copy(cpu.data_ptr<double>(), cpu.data_ptr<double>() + cpu.numel(), w.begin());
    } else if (!soup.kept.empty()) {
      for (const int64_t k : soup.kept) w[static_cast<size_t>(k)] = 1.0 / static_cast<double>(soup.kept.size());
    } else {
      std::fill(w.begin(), w.end(), 1.0 / static_cast<double>(c.modules));
    }
    out[p.name] = w;
  }
  return out;
}

}  // namespace

json runMerge(const MergeRequest& req, EventStream& events) {
  const auto wall_start = std::chrono::steady_clock::now();
  checkRequest(req);
  events.setStep(0);
  events.startHeartbeat(2.0);

  // The run's kind first (config.json alone), so a run without a mixture is refused before loading.
  const auto cfg = loadRunConfig((fs::path(req.run_dir) / "config.json").string());
  if (!hasMixture(cfg))
    throw EngineError(ErrorKind::Usage,
                      "merge needs an AdaMix run (peft.method adapter or lora with peft.adamix.num_modules > 1); "
                      "this run has " + std::to_string(cfg.peft.adamix.num_modules) + " module(s) of method " +
                          peftMethodName(cfg.peft.method),
                      "--run-dir");
  if (isGenerationTask(cfg.task))
    throw EngineError(ErrorKind::Usage,
                      "merge scores soups by classification / regression metrics; generation task " + cfg.task.name +
                          " is not supported",
                      "--run-dir");

  MergeContext c;
  c.events = &events;
  c.run = loadRun(req.run_dir);
  c.task_spec = taskSpecOf(cfg.task);
  c.spec = &c.task_spec;
  c.modules = c.run.peft.num_modules;
  c.projections = soupProjections(*c.run.model, c.modules);
  const auto& rcfg = c.run.config;
  setComputeThreads(static_cast<int>(req.threads > 0 ? req.threads : rcfg.train.threads));
  c.device = resolveDevice(req.device.empty() ? rcfg.train.device : req.device,
                           req.device.empty() ? "/train/device" : "--device");
  c.run.model->to(c.device);
  c.run.model->eval();

  // Held-out sample: N examples of the run's training split (never the dev split it is scored on).
  auto train = loadTrainExamples(rcfg);
  const auto train_size = static_cast<int64_t>(train.examples.size());
  const int64_t n = req.heldout_examples.value_or(std::min(kDefaultHeldoutExamples, train_size));
  if (n > train_size)
    throw EngineError(ErrorKind::Usage,
                      std::to_string(n) + " held-out examples asked, the run's training split has " +
                          std::to_string(train_size),
                      "--heldout-examples");
  const uint64_t seed = req.seed.value_or(rcfg.seed);
  train.examples = subsample(train.examples, n, seed);
  c.heldout = encodeSplit("heldout", std::move(train), *c.spec, *c.run.tokenizer, rcfg.task.max_seq_length);
  json indices = json::array();
  for (const auto& e : c.heldout.examples) indices.push_back(e.index);
  const json heldout = {{"split", "train"}, {"examples", n}, {"seed", seed}};

  const int64_t weights_step = std::max<int64_t>(0, c.run.weights_step);
  // What identifies this merge's result (merge.json's "request"): a default folder holding
  // another merge of the strategy (another sample, seed or fit) is not reused.
  json request = {{"strategy", req.strategy}, {"heldout_examples", n}, {"seed", seed}};
  if (req.strategy == "learned")
    request.update({{"epochs", req.epochs},
                    {"lr", req.lr},
                    {"batch_size", req.batch_size > 0 ? req.batch_size : rcfg.train.batch_size}});
  const fs::path out =
      !req.out_dir.empty()
          ? fs::path(req.out_dir)
          : firstFreeOutputFolder(fs::path(req.out_root.empty() ? req.run_dir : req.out_root) / "merges" / req.strategy,
                                  "merge.json", 64 << 20,
                                  [&](const json& m) { return m.contains("request") && m["request"] == request; });
  events.emit("started", {{"config", toJson(rcfg)},
                          {"device", c.device.str()},
                          {"threads", at::get_num_threads()},
                          {"kernels", computeKernelsJson()},
                          {"params", paramsJson(c.run.peft.counts)},
                          {"total_steps", 0},
                          {"resumed_from_step", 0},
                          {"mode", "merge"},
                          {"strategy", req.strategy},
                          {"heldout", heldout},
                          {"modules", c.modules}});

  json report = {{"strategy", req.strategy},
                 {"request", request},
                 {"run_dir", fs::absolute(req.run_dir).lexically_normal().string()},
                 {"weights_step", weights_step},
                 {"modules", c.modules},
                 {"primary_metric", c.spec->primary_metric},
                 {"heldout", {{"split", "train"}, {"examples", n}, {"seed", seed}, {"indices", indices}}}};
  if (req.strategy == "greedy-soup") {
    setSoups(c, SoupWeights{greedySoup(c, report), {}});
  } else if (req.strategy == "learned") {
    setSoups(c, {});
    report["heldout_metrics_uniform"] = metricsJson(heldoutMetrics(c));
    learnSoupWeights(c, req, seed, report);
  } else {
    setSoups(c, {});
  }
  report["weights"] = projectionWeights(c);
  const auto heldout_metrics = heldoutMetrics(c);
  report["heldout_metrics"] = metricsJson(heldout_metrics);
  report["heldout_score"] = heldout_metrics.at(c.spec->primary_metric);

  // Every file is written into a hidden sibling of the output folder (io/staging_dir.h), moved into
  // place once all are: a dev evaluation that fails or is interrupted leaves no partial merge, and
  // the default folder stays free for the next try (firstFreeOutputFolder would skip a folder
  // without merge.json). The staging folder is removed on any exception.
  StagingDir staging(out);
  // What inference runs, in the run's merged.safetensors layout, under the soup.
  auto merged = mergedParameters(*c.run.model);
  for (auto& [name, t] : merged) t = t.cpu();
  const json meta = {{"peft", toJson(rcfg)["peft"]},
                     {"model", rcfg.model_path},
                     {"task", rcfg.task.name},
                     {"weights_step", weights_step},
                     {"merge", {{"strategy", req.strategy}, {"report", "merge.json"}}}};
  saveSafetensors((staging.path() / "merged.safetensors").string(), merged, {{"config", meta.dump()}},
                  /*interruptible=*/true);

  // The run's dev set under the merged weights, written as `eval` writes it.
  EvalRequest dev_req;
  dev_req.run_dir = req.run_dir;
  dev_req.split = "dev";
  dev_req.inference = "merged";
  dev_req.out_dir = staging.path().string();
  const RunModelView view{rcfg, *c.run.model, *c.run.tokenizer, c.run.peft, weights_step, c.device};
  const auto dev = evaluateRunModel(
      view, dev_req,
      EvalReporting{events, false, [&](int64_t done, int64_t total) { progress(c, "dev", done, total); },
                    staging.finalPath().string()});
  const std::string split = dev.at("split");
  const json dev_metrics = dev.at("final").at(split);
  for (const auto& [name, value] : dev_metrics.items())
    events.emit("metric", {{"step", weights_step}, {"epoch", 0}, {"split", split}, {"name", name}, {"value", value}});
  report["dev"] = {{"split", split}, {"metrics", dev_metrics}};
  writeFileAtomically(staging.path() / "merge.json", report.dump(2) + "\n");
  staging.commit("merge.json");  // merge.json last: the record that makes the folder this merge's

  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count();
  json finished = {{"mode", "merge"},
                   {"strategy", req.strategy},
                   {"heldout", heldout},
                   {"heldout_score", report["heldout_score"]},
                   {"out", staging.finalPath().string()},
                   {"predictions", "predictions.tsv"},
                   {"split", split},
                   {"examples", dev.at("examples")},
                   {"merged", "merged.safetensors"},
                   {"report", "merge.json"},
                   {"final", dev.at("final")},
                   {"best", dev.at("best")},
                   {"best_step", weights_step},
                   {"weights_step", weights_step},
                   {"primary_metric", c.spec->primary_metric},
                   {"params", paramsJson(c.run.peft.counts)},
                   {"wall_s", wall}};
  if (report.contains("kept")) finished["kept"] = report["kept"];
  events.stopHeartbeat();
  events.emit("finished", finished);
  return finished;
}

}  // namespace adamix
