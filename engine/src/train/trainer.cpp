#include "train/trainer.h"

#include <ATen/Parallel.h>
#include <ATen/autocast_mode.h>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "artifacts/inference_mode_evals.h"
#include "artifacts/run_eval.h"
#include "data/batching.h"
#include "data/own_task.h"
#include "io/atomic_file.h"
#include "io/errors.h"
#include "io/safetensors.h"
#include "model/checkpoint.h"
#include "peft/peft.h"
#include "runtime/compute_kernels.h"
#include "runtime/cpu_runtime.h"
#include "tokenizer/tokenizer.h"
#include "train/evaluation.h"
#include "train/nlg_evaluation.h"
#include "train/nlg_task.h"
#include "train/run_report.h"
#include "train/scheduler.h"
#include "train/task_data.h"
#include "train/train_checkpoint.h"
#include "train/train_step.h"

namespace fs = std::filesystem;
using nlohmann::json;

namespace adamix {

std::atomic<bool> g_preempt_requested{false};

uint64_t stepSeed(uint64_t seed, int64_t step, int64_t micro, uint64_t stream) {
  return splitmix64(splitmix64(splitmix64(seed) ^ static_cast<uint64_t>(step)) ^ (static_cast<uint64_t>(micro) << 8) ^
                    stream);
}

namespace {
/// The `started` event's data of a classification / regression run: per split its file, and the
/// rows the bad_rows policy skipped with the first messages ("path:line: what").
json skippedRowsJson(const TaskData& d) {
  json out = json::object();
  auto one = [&](const EncodedSplit& s) {
    out[s.name] = {{"source", s.source}, {"skipped_rows", s.skipped_rows}, {"skipped", s.skipped_messages}};
  };
  one(d.train);
  for (const auto& s : d.dev) one(s);
  return out;
}
}  // namespace

void trainRun(const RunConfig& given, const TrainOptions& opts, EventStream& events) {
  RunConfig cfg = given;  // task.labels resolved below
  const auto wall_start = std::chrono::steady_clock::now();
  const fs::path run_dir = opts.run_dir;
  std::error_code ec;
  fs::create_directories(run_dir / "checkpoint", ec);
  fs::create_directories(run_dir / "predictions", ec);
  if (ec) throw EngineError(ErrorKind::Io, "cannot create the run directory: " + ec.message(), run_dir.string());

  // Alive from the start: loading the model and the data can take longer than the app's
  // heartbeat timeout on a loaded machine, and silence there got runs killed as lost.
  events.setStep(0);
  events.startHeartbeat(2.0);

  const int64_t threads = opts.threads_override > 0 ? opts.threads_override : cfg.train.threads;
  setComputeThreads(static_cast<int>(threads));
  const auto device = resolveDevice(opts.device_override.empty() ? cfg.train.device : opts.device_override,
                                    opts.device_override.empty() ? "/train/device" : "--device");
  const bool autocast_bf16 = cfg.train.bf16 && device.is_cuda();

  // Resolved config first, so a failed run still documents what it tried. An own classification
  // task's label set is inferred from its train file here and written with it (eval, merge and
  // export read the run's config.json, so they map the same ids to the same names).
  try {
    cfg.task = resolveOwnLabels(given.task);
  } catch (const EngineError&) {
    writeFileAtomically(run_dir / "config.json", toJson(given).dump(2) + "\n");
    throw;
  }
  const auto resolved = toJson(cfg);
  writeFileAtomically(run_dir / "config.json", resolved.dump(2) + "\n");

  // Generation tasks (e2e, webnlg, dart, own generation tasks) train a causal LM on (context,
  // completion) pairs and evaluate by decoding; the others classify/regress. Everything else is shared.
  const bool nlg = isGenerationTask(cfg.task);
  const TaskSpec spec = nlg ? TaskSpec{} : taskSpecOf(cfg.task);
  const HeadType head = nlg ? HeadType::CausalLM : spec.regression ? HeadType::Regression : HeadType::Classification;
  auto model = loadTaskModel(cfg.model_path, head, nlg ? 0 : spec.num_labels, cfg.seed, cfg.model_dropout);
  checkSequenceLengthFits(cfg.task.max_seq_length, model->config(), "/task/max_seq_length");
  auto tokenizer = loadTokenizer(cfg.model_path, model->config().vocab_size);
  // BERT token types: the separator between the two segments of the pair template.
  if (const auto tmpl = tokenizer->pairTemplate(); !tmpl.middle.empty())
    model->setSegmentSeparator(tmpl.middle.front());
  // bounds before the modules are allocated (issue 16): M x rank at every site must fit in memory
  if (cfg.peft.method == PeftMethod::Adapter)
    checkAdaptationFitsMemory(model->config(), cfg.peft.adamix.num_modules, cfg.peft.adapter.bottleneck,
                              cfg.peft.adapter.attention_adapter ? 2 : 1, "/peft/adamix/num_modules",
                              "/peft/adapter/bottleneck");
  else if (cfg.peft.method == PeftMethod::Lora)
    checkAdaptationFitsMemory(model->config(), cfg.peft.adamix.num_modules, cfg.peft.lora.rank,
                              static_cast<int64_t>(cfg.peft.lora.targets.size()), "/peft/adamix/num_modules",
                              "/peft/lora/rank");
  auto peft = applyPeft(*model, cfg.peft, model->headPrefixes(), cfg.seed);
  if (cfg.model_dtype == "bfloat16")
    std::cerr << "note: model.dtype bfloat16: " << storeFrozenProjections(*model, torch::kBFloat16)
              << " frozen projections stored and multiplied in BF16\n";
  auto& routes = *peft.routes;
  model->to(device);
  model->train();

  TaskData data;
  NlgTaskData nlg_data;
  if (nlg) {
    nlg_data = loadNlgTaskData(cfg, *tokenizer);
  } else {
    data = loadTaskData(cfg, *tokenizer);
    for (const EncodedSplit* s : {&data.train, data.dev.empty() ? nullptr : &data.dev.front()}) {
      if (!s || s->skipped_rows == 0) continue;
      std::cerr << "warning: skipped " << s->skipped_rows << " malformed rows in " << s->name << " ("
                << s->source << ", bad_rows skip)\n";
      for (const auto& m : s->skipped_messages) std::cerr << "  " << m << "\n";
    }
  }

  const int64_t n_train = static_cast<int64_t>(nlg ? nlg_data.train.size() : data.train.examples.size());
  const int64_t micro_per_epoch = (n_train + cfg.train.batch_size - 1) / cfg.train.batch_size;
  const int64_t steps_per_epoch = (micro_per_epoch + cfg.train.grad_accum - 1) / cfg.train.grad_accum;
  const int64_t total_steps = cfg.train.max_steps > 0 ? cfg.train.max_steps : cfg.train.epochs * steps_per_epoch;
  const int64_t warmup = resolveWarmupSteps(total_steps, cfg.train.warmup_ratio, cfg.train.warmup_steps);

  // transformers 4.4.2 AdamW, no decay on biases and norm weights (1-D tensors), as the HF Trainer.
  auto trainable = trainableParameters(*model);
  auto optimizer = makeOptimizer(trainable, cfg.train);

  const auto ckpt_path = (run_dir / "checkpoint" / "state.safetensors").string();
  TrainProgress prog;
  int64_t resumed_from = 0;
  if (opts.resume && fs::exists(ckpt_path)) {
    prog = loadTrainCheckpoint(ckpt_path, trainable, optimizer);
    resumed_from = prog.step;
  }

  json started = {
      {"config", resolved},
      {"device", device.str()},
      {"threads", at::get_num_threads()},
      {"kernels", computeKernelsJson()},
      {"params", paramsJson(peft.counts)},
      {"total_steps", total_steps},
      {"steps_per_epoch", steps_per_epoch},
      {"train_examples", n_train},
      {"data", nlg ? json{{"source", nlg_data.source}, {"dev_inputs", nlg_data.dev.size()}} : skippedRowsJson(data)},
      {"resumed_from_step", resumed_from}};
  events.emit("started", started);
  events.setStep(prog.step);

  const double lambda = cfg.peft.adamix.consistency_weight;
  // A second pass only differs when something is stochastic: M > 1 routes, or LoRA dropout.
  const bool second_pass =
      lambda > 0 && (peft.num_modules > 1 || (cfg.peft.method == PeftMethod::Lora && cfg.peft.lora.dropout > 0));
  const std::string primary = primaryMetricOf(cfg.task);

  // train.keep best: the trainable tensors of each new best evaluation, written at the end.
  const bool keep_best = cfg.train.keep == KeepWeights::Best;
  auto keepBest = [&]() {
    if (!keep_best) return;
    for (const auto& [name, p] : trainable) prog.best_weights[name] = p.detach().to(torch::kCPU, /*non_blocking=*/false, /*copy=*/true);
  };

  auto run_eval = [&](double epoch_f) {
    json split_metrics = json::object();
    if (nlg) {
      const auto r = evaluateGeneration(*model, routes, peft.num_modules, cfg, nlg_data, *tokenizer);
      for (const auto& [name, value] : r.metrics) {
        events.emit("metric",
                    {{"step", prog.step}, {"epoch", epoch_f}, {"split", "dev"}, {"name", name}, {"value", value}});
        split_metrics["dev"][name] = value;
      }
      const double v = r.metrics.at(primary);
      if (!prog.has_best || v > prog.best_value) {
        prog.has_best = true;
        prog.best_value = v;
        prog.best_step = prog.step;
        prog.best = split_metrics;
        keepBest();
        writeNlgPredictions((run_dir / "predictions").string(), nlg_data, r);
      }
      prog.final = split_metrics;
      prog.last_eval_step = prog.step;
      return;
    }
    std::vector<EvalResult> results;
    for (const auto& split : data.dev) {
      results.push_back(evaluate(*model, routes, peft.num_modules, spec, split, tokenizer->padId(),
                                 cfg.train.eval_batch_size, device));
      for (const auto& [name, value] : results.back().metrics) {
        events.emit("metric",
                    {{"step", prog.step}, {"epoch", epoch_f}, {"split", split.name}, {"name", name}, {"value", value}});
        split_metrics[split.name][name] = value;
      }
    }
    // Model selection on the primary metric of the first dev split (dev, or MNLI dev_matched).
    const double v = results.front().metrics.at(primary);
    if (!prog.has_best || v > prog.best_value) {
      prog.has_best = true;
      prog.best_value = v;
      prog.best_step = prog.step;
      prog.best = split_metrics;
      keepBest();
      for (size_t i = 0; i < data.dev.size(); ++i)
        writeGluePredictions((run_dir / "predictions").string(), data.dev[i], results[i], spec.regression);
    }
    prog.final = split_metrics;
    prog.last_eval_step = prog.step;
  };

  int64_t last_checkpoint_step = -1;
  auto checkpoint = [&]() {
    if (last_checkpoint_step == prog.step) return;
    last_checkpoint_step = prog.step;
    saveTrainCheckpoint(ckpt_path, trainable, optimizer, prog);
    events.emit("checkpoint", {{"step", prog.step}, {"path", "checkpoint/state.safetensors"}});
  };

  int64_t examples_acc = 0, tokens_acc = 0;  // throughput of the log window (not checkpointed)
  auto window_start = std::chrono::steady_clock::now();

  while (prog.step < total_steps) {
    const auto order = epochOrder(static_cast<size_t>(n_train), static_cast<size_t>(cfg.train.batch_size), cfg.seed,
                                  prog.epoch, /*shuffle=*/true);
    while (prog.micro_in_epoch < micro_per_epoch && prog.step < total_steps) {
      const double factor = linearScheduleFactor(prog.step, warmup, total_steps);
      optimizer.setLr(cfg.train.learning_rate * factor);
      const int64_t n_micro = std::min(cfg.train.grad_accum, micro_per_epoch - prog.micro_in_epoch);
      for (int64_t mi = 0; mi < n_micro; ++mi) {
        const auto& positions = order[static_cast<size_t>(prog.micro_in_epoch + mi)];
        torch::Tensor ids, mask, labels;
        int64_t batch_tokens = 0;
        if (nlg) {
          auto b = makeLmBatch(nlg_data.train, positions, tokenizer->padId());
          ids = b.input_ids.to(device), mask = b.attention_mask.to(device), labels = b.labels.to(device);
          batch_tokens = b.num_tokens;
        } else {
          auto b = makeBatch(data.train.encoded, data.train.examples, positions, spec.regression, tokenizer->padId());
          ids = b.input_ids.to(device), mask = b.attention_mask.to(device), labels = b.labels.to(device);
          batch_tokens = b.num_tokens;
        }
        torch::manual_seed(stepSeed(cfg.seed, prog.step, mi, 1));
        routes.reseed(stepSeed(cfg.seed, prog.step, mi, 2));
        if (autocast_bf16) {
          at::autocast::set_enabled(true);
          at::autocast::set_autocast_gpu_dtype(at::kBFloat16);
        }
        const auto losses = forwardBackward(*model, routes, ids, mask, labels, lambda, second_pass,
                                            1.0 / static_cast<double>(n_micro), prog.step, cfg.train.label_smoothing);
        if (autocast_bf16) {
          at::autocast::set_enabled(false);
          at::autocast::clear_cache();
        }
        prog.window_loss += losses.total;
        prog.window_consistency += losses.consistency;
        ++prog.window_micro;
        examples_acc += static_cast<int64_t>(positions.size());
        tokens_acc += batch_tokens;
      }
      // Clip, step, zero (not free) the gradients: as the official Trainer's model.zero_grad() in
      // PyTorch 1.x, a module routed once keeps receiving AdamW momentum and decay updates.
      optimizerStep(optimizer, cfg.train.max_grad_norm);
      prog.micro_in_epoch += n_micro;
      ++prog.step;
      events.setStep(prog.step);
      const double epoch_f = static_cast<double>(prog.epoch) +
                             static_cast<double>(prog.micro_in_epoch) / static_cast<double>(micro_per_epoch);

      if (prog.step % cfg.train.log_every_steps == 0 || prog.step == total_steps) {
        const auto now = std::chrono::steady_clock::now();
        const double secs = std::max(1e-9, std::chrono::duration<double>(now - window_start).count());
        const double mean_loss = prog.window_loss / static_cast<double>(std::max<int64_t>(1, prog.window_micro));
        events.emit("progress", {{"step", prog.step},
                                 {"total_steps", total_steps},
                                 {"epoch", epoch_f},
                                 {"loss", mean_loss},
                                 {"lr", cfg.train.learning_rate * factor},
                                 {"examples_per_s", examples_acc / secs},
                                 {"tokens_per_s", tokens_acc / secs}});
        events.emit(
            "metric",
            {{"step", prog.step}, {"epoch", epoch_f}, {"split", "train"}, {"name", "loss"}, {"value", mean_loss}});
        if (second_pass)
          events.emit("metric", {{"step", prog.step},
                                 {"epoch", epoch_f},
                                 {"split", "train"},
                                 {"name", "consistency"},
                                 {"value", prog.window_consistency /
                                               static_cast<double>(std::max<int64_t>(1, prog.window_micro))}});
        prog.window_loss = prog.window_consistency = 0;
        prog.window_micro = 0;
        examples_acc = tokens_acc = 0;
        window_start = now;
      }
      const bool epoch_end = prog.micro_in_epoch >= micro_per_epoch;
      if ((cfg.train.eval_every_steps > 0 && prog.step % cfg.train.eval_every_steps == 0) || epoch_end ||
          prog.step == total_steps)
        run_eval(epoch_f);
      if (epoch_end) {
        ++prog.epoch;
        prog.micro_in_epoch = 0;
      }
      if ((cfg.train.checkpoint_every_steps > 0 && prog.step % cfg.train.checkpoint_every_steps == 0) || epoch_end)
        checkpoint();
      if (g_interrupt_requested ||
          (opts.stop_after_steps > 0 && prog.step >= opts.stop_after_steps && prog.step < total_steps)) {
        checkpoint();
        events.stopHeartbeat();
        throw EngineError(ErrorKind::Interrupted,
                          "interrupted at step " + std::to_string(prog.step) + "; continue with --resume");
      }
      if (g_preempt_requested && prog.step < total_steps) {
        checkpoint();
        events.stopHeartbeat();
        throw EngineError(ErrorKind::Preempted, "preempted at step " + std::to_string(prog.step) +
                                                    " (time-limit or preemption warning); checkpoint written, the "
                                                    "requeued job continues with --resume");
      }
      // A new epoch draws a new order (the outer loop): as the official Trainer's RandomSampler,
      // which reshuffles every epoch, and as a run resumed at this point computes it.
      if (epoch_end) break;
    }
  }
  if (prog.last_eval_step != prog.step) run_eval(static_cast<double>(prog.epoch));
  checkpoint();

  // Final artifacts: all modules, and what inference runs (merged), from the best evaluation's
  // weights (train.keep best; the checkpoint above keeps the last step's for a later resume).
  int64_t weights_step = prog.step;
  if (keep_best && prog.has_best) {
    torch::NoGradGuard no_grad;
    for (auto& [name, p] : trainable) p.copy_(prog.best_weights.at(name));
    weights_step = prog.best_step;
  }
  std::map<std::string, torch::Tensor> adapters;
  for (auto& [name, p] : trainable) adapters[name] = p.detach().cpu();
  json meta = {{"peft", resolved["peft"]},
               {"model", cfg.model_path},
               {"task", cfg.task.name},
               {"weights_step", weights_step}};
  saveSafetensors((run_dir / "adapters.safetensors").string(), adapters, {{"config", meta.dump()}});
  model->eval();
  auto merged = mergedParameters(*model);
  for (auto& [k, v] : merged) v = v.cpu();
  saveSafetensors((run_dir / "merged.safetensors").string(), merged, {{"config", meta.dump()}});

  // The paper's per-module vs merged comparison (Fig. 5/6): the dev set under every inference
  // mode, with the weights just saved. An interruption here leaves the checkpoint of the last
  // step; `--resume` redoes this whole stage.
  if (evalsInferenceModes(cfg)) {
    int64_t batches_done = 0;
    const RunModelView view{cfg, *model, *tokenizer, peft, weights_step, device};
    evaluateInferenceModes(view, run_dir.string(), events, [&] {
      ++batches_done;
      if (g_interrupt_requested ||
          (opts.stop_after_mode_eval_batches > 0 && batches_done >= opts.stop_after_mode_eval_batches)) {
        events.stopHeartbeat();
        throw EngineError(ErrorKind::Interrupted, "interrupted during the end-of-run evaluation of the inference "
                                                  "modes; `--resume` redoes it");
      }
      if (g_preempt_requested) {
        events.stopHeartbeat();
        throw EngineError(ErrorKind::Preempted, "preempted during the end-of-run evaluation of the inference modes; "
                                                "the requeued job redoes it with --resume");
      }
    });
  }

  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count();
  json finished = {{"final", prog.final},       {"best", prog.best}, {"best_step", prog.best_step},
                   {"primary_metric", primary}, {"wall_s", wall},    {"params", paramsJson(peft.counts)},
                   {"total_steps", total_steps}, {"weights_step", weights_step}};
  if (nlg) {
    finished["predictions"] = "predictions/dev.tsv";
    finished["metric_notes"] = {{"meteor", "METEOR (exact match approximation; docs/nlg.md)"}};
  }
  writeFileAtomically(run_dir / "results.json", finished.dump(2) + "\n");
  events.stopHeartbeat();
  events.emit("finished", finished);
}

}  // namespace adamix
