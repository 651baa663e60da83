// AdaMix routing (Wang et al. 2022, §2.2 "Routing Policy"): which of the M modules of each
// projection a forward pass uses. One RouteContext is shared by all mixture projections of a
// model; each projection owns a slot in it.
#pragma once
#include <torch/torch.h>

#include <cstdint>
#include <deque>
#include <optional>
#include <random>
#include <vector>

#include "config/routing_mode.h"

namespace adamix {

/// Shared routing state. Draws come from one std::mt19937_64 that the trainer reseeds from
/// (seed, step) before each step, so routes are reproducible and resumable.
class RouteContext {
 public:
  RoutingMode routing = RoutingMode::Batch;
  InferenceMode inference = InferenceMode::Merged;
  int64_t inference_module = 0;
  /// Consistency pass 2 must use, in every projection with M > 1, a module different from pass 1.
  bool distinct_routes = false;
  /// When set, every projection uses this module (clamped to 0 for shared projections);
  /// used for ensemble inference and tests.
  std::optional<int64_t> forced;

  /// Registers a projection; returns its slot id.
  int64_t registerSlot();
  int64_t numSlots() const { return static_cast<int64_t>(current_.size()); }
  /// Reseeds the route generator (the trainer calls this with a mix of seed and step).
  void reseed(uint64_t seed) { rng_.seed(seed); }
  /// Starts a new forward pass. `second_pass` marks the consistency pass; with distinct_routes
  /// its batch draws avoid the previous pass's modules.
  void beginPass(bool second_pass = false);
  /// Per-batch draw for `slot` among `num_modules` (uniform); recorded in lastRoute().
  int64_t drawBatch(int64_t slot, int64_t num_modules);
  /// Per-element draws: int64 tensor of `shape` with values uniform in [0, num_modules).
  torch::Tensor drawIndices(int64_t num_modules, torch::IntArrayRef shape);
  /// Batch route of the current pass per slot (-1: slot not drawn in this pass).
  const std::vector<int64_t>& lastRoute() const { return current_; }

  /// TEST HOOK, never set from a run config: scripted per-batch routes, one vector per coming
  /// forward pass (`passes[i][slot]` = module of that slot in the i-th next pass). Each
  /// beginPass() consumes one; drawBatch() then returns the scripted module (it throws
  /// EngineError(Internal) when the slot is missing or the module is out of range) without drawing.
  /// Once the script is used up, draws are random again. Used by the official-parity test.
  void scriptRoutes(std::vector<std::vector<int64_t>> passes);

  /// Starts a sequence scope for `random` inference during generation (the official sentence
  /// level): until endSequence(), each slot draws ONE module per example on its first forward and
  /// reuses it for the prompt and every generated token. Rows of the decoded batch are grouped by
  /// example, `rows_per_example` consecutive rows each (beams of one example share its route), so
  /// row r belongs to example r / rows_per_example. Throws EngineError(Internal) when
  /// rows_per_example < 1. Without a scope, random inference draws per example at every forward
  /// (classification: one forward per example anyway).
  void beginSequence(int64_t rows_per_example);
  /// Ends the sequence scope; sequenceRoute() stays readable until the next beginSequence().
  void endSequence() { in_sequence_ = false; }
  bool inSequence() const { return in_sequence_; }
  /// Random-inference module per row of a [rows, ...] input for `slot` among `num_modules`:
  /// inside a sequence scope the example routes drawn once per scope (int64 [rows]), else fresh
  /// per-row draws. Throws EngineError(Internal) when `rows` is not a multiple of
  /// rows_per_example or changes the number of examples within a scope.
  torch::Tensor randomInferenceIndices(int64_t slot, int64_t num_modules, int64_t rows);
  /// Module per example of `slot` drawn in the current (or last) sequence scope: int64 [examples];
  /// undefined when the slot has not run in it.
  torch::Tensor sequenceRoute(int64_t slot) const;

 private:
  std::mt19937_64 rng_{0};
  std::deque<std::vector<int64_t>> script_;
  std::vector<int64_t> pass_script_;  ///< scripted route of the current pass; empty = draw
  std::vector<int64_t> current_, previous_;
  bool second_pass_ = false;
  bool in_sequence_ = false;
  int64_t rows_per_example_ = 1;
  std::vector<torch::Tensor> sequence_routes_;  ///< per slot: int64 [examples], undefined = not drawn
};

}  // namespace adamix
