// Trains and evaluates one run (`adamix-engine train`): the loop of the paper's scripts —
// AdamW, linear warmup/decay, clipping, accumulation, evaluation every N steps and per epoch,
// best-dev selection — with AdaMix's stochastic routing and consistency regularisation
// (Wang et al. 2022 §2.2, eq. 5: L = L_task(pass 1) + λ · L_c(pass 1, pass 2)).
#pragma once
#include <atomic>
#include <string>

#include "io/interrupt.h"  // g_interrupt_requested (SIGINT/SIGTERM)
#include "protocol/events.h"
#include "config/run_config.h"

namespace adamix {

/// Set by the SIGUSR1 handler (a cluster's warning before a time limit or preemption, e.g.
/// Slurm's `--signal=B:USR1@S`, docs/cluster.md): the trainer checkpoints after the current
/// optimizer step and stops with ErrorKind::Preempted (exit 9), so the job can be requeued and
/// continue with --resume.
extern std::atomic<bool> g_preempt_requested;

struct TrainOptions {
  std::string run_dir;
  bool resume = false;
  int64_t threads_override = 0;  ///< > 0 replaces train.threads
  std::string device_override;   ///< non-empty replaces train.device
  /// > 0: checkpoint and stop with ErrorKind::Interrupted once this many optimizer steps are done
  /// (simulates an interruption at a known step; used by resume tests).
  int64_t stop_after_steps = 0;
  /// TEST HOOK: > 0 stops with ErrorKind::Interrupted once this many batches of the end-of-run
  /// inference-mode evaluations are done (simulates an interruption there; resume tests).
  int64_t stop_after_mode_eval_batches = 0;
};

/// Runs `cfg` to the end, writing the run directory (docs/protocol.md) and emitting events.
/// Throws EngineError (config/data/model/numerical/io/interrupted/preempted); the caller emits `error`.
void trainRun(const RunConfig& cfg, const TrainOptions& opts, EventStream& events);

/// Per-(seed, step, micro-batch) stream seed for dropout and routes, so a resumed run draws
/// exactly what the uninterrupted one drew.
uint64_t stepSeed(uint64_t seed, int64_t step, int64_t micro, uint64_t stream);

}  // namespace adamix
