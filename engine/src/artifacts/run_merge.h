// `adamix-engine merge` (docs/protocol.md § merge): merges the M modules of every mixture of a
// finished AdaMix run in another way than the paper's uniform average, without retraining, and
// evaluates the result on the run's dev set. Strategies:
//  - uniform: the paper's merging (Wang et al. 2022 §2.3), 1/M each — the run's own merged.safetensors;
//  - greedy-soup: Wortsman et al. 2022 ("Model soups", §3, greedy soup) over the modules: each
//    module alone (module:k) scored on a held-out set, then added best-first to the soup while the
//    soup's held-out score does not drop; uniform over the kept modules;
//  - learned: per mixture projection M logits (the official ExpertSoup's `expert_score_weight`),
//    0 at the start (= uniform), fitted with Adam on the task loss of the held-out set with
//    everything else frozen; merged tensors Σ_k softmax(logits)_k W_k.
// The held-out set is never the dev set the score is reported on: a seeded sample of the run's
// training split.
#pragma once
#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>

#include "protocol/events.h"

namespace adamix {

/// The command-line options of `merge`.
struct MergeRequest {
  std::string run_dir;                      ///< --run-dir RUN (a finished AdaMix run, M > 1)
  std::string strategy;                     ///< --strategy uniform | greedy-soup | learned
  std::optional<int64_t> heldout_examples;  ///< --heldout-examples N; absent = min(1000, train size)
  std::optional<uint64_t> seed;             ///< --seed S of the held-out sample and of the fit; absent = the run's seed
  int64_t epochs = 3;                       ///< --epochs (learned)
  double lr = 0.05;                         ///< --lr (learned; Adam)
  int64_t batch_size = 0;                   ///< --batch-size (learned); 0 = the run's train.batch_size
  std::string out_dir;                      ///< --out; "" = RUN/merges/<strategy>
  std::string out_root;                     ///< --out-root DIR: "" = RUN; the default output is DIR/merges/<strategy>
  int64_t threads = 0;                      ///< > 0 replaces train.threads
  std::string device;                       ///< auto | cpu | cuda; "" = the run's train.device
};

/// Runs one merge: loads the run (loadRun: config.json + adapters.safetensors), draws the held-out
/// sample (subsample of the run's training examples — loadTrainExamples — with N and the seed),
/// fits the strategy's soup weights on it, and writes into the output directory
/// `merged.safetensors` (mergedParameters: the run's merged.safetensors layout, under the soup),
/// `merge.json` (what was fitted, see docs/protocol.md § merge) and the evaluation of the merged
/// weights on the run's dev set (evaluateRunModel, inference merged: `predictions.tsv`,
/// `metrics.json`) — all into a hidden sibling first (io/staging_dir.h StagingDir), moved into
/// place once all are written, so that any error leaves no output folder. SIGINT/SIGTERM
/// (io/interrupt.h) is polled after every batch of every phase and per written tensor. Emits
/// `started`, `progress` (per batch, with `phase`: heldout | fit | dev), `metric` (dev) and
/// `finished` (`mode` "merge") on `events`; returns the `finished` payload. Throws EngineError:
/// Usage (unknown strategy, a run without a mixture of M > 1 modules, a generation task,
/// --heldout-examples outside [1, train size], --epochs < 1, --lr <= 0, --batch-size < 0), Config
/// (config.json), Model (adapters.safetensors missing or corrupt, naming file:tensor), Data,
/// Numerical (a NaN loss while fitting), Io, Interrupted.
nlohmann::json runMerge(const MergeRequest& request, EventStream& events);

}  // namespace adamix
