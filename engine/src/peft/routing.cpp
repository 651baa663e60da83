#include "peft/routing.h"

#include "io/errors.h"

namespace adamix {

int64_t RouteContext::registerSlot() {
  current_.push_back(-1);
  previous_.push_back(-1);
  return static_cast<int64_t>(current_.size()) - 1;
}

void RouteContext::beginPass(bool second_pass) {
  previous_ = current_;
  std::fill(current_.begin(), current_.end(), -1);
  second_pass_ = second_pass;
  pass_script_.clear();
  if (!script_.empty()) {
    pass_script_ = std::move(script_.front());
    script_.pop_front();
  }
}

void RouteContext::scriptRoutes(std::vector<std::vector<int64_t>> passes) {
  script_.assign(std::make_move_iterator(passes.begin()), std::make_move_iterator(passes.end()));
}

int64_t RouteContext::drawBatch(int64_t slot, int64_t num_modules) {
  int64_t k = 0;
  const int64_t prev = previous_.at(slot);
  if (!pass_script_.empty()) {
    if (slot >= static_cast<int64_t>(pass_script_.size()) || pass_script_[slot] < 0 ||
        pass_script_[slot] >= num_modules)
      throw EngineError(ErrorKind::Internal, "scripted route has no valid module for slot " + std::to_string(slot));
    k = pass_script_[slot];
  } else if (second_pass_ && distinct_routes && num_modules > 1 && prev >= 0) {
    // Uniform over the M-1 modules other than pass 1's.
    std::uniform_int_distribution<int64_t> dist(0, num_modules - 2);
    k = dist(rng_);
    if (k >= prev) ++k;
  } else {
    std::uniform_int_distribution<int64_t> dist(0, num_modules - 1);
    k = dist(rng_);
  }
  current_.at(slot) = k;
  return k;
}

torch::Tensor RouteContext::drawIndices(int64_t num_modules, torch::IntArrayRef shape) {
  auto out = torch::empty(shape, torch::kInt64);
  auto* p = out.data_ptr<int64_t>();
  std::uniform_int_distribution<int64_t> dist(0, num_modules - 1);
  for (int64_t i = 0; i < out.numel(); ++i) p[i] = dist(rng_);
  return out;
}

void RouteContext::beginSequence(int64_t rows_per_example) {
  if (rows_per_example < 1) throw EngineError(ErrorKind::Internal, "rows_per_example must be >= 1");
  in_sequence_ = true;
  rows_per_example_ = rows_per_example;
  sequence_routes_.assign(current_.size(), torch::Tensor());
}

torch::Tensor RouteContext::randomInferenceIndices(int64_t slot, int64_t num_modules, int64_t rows) {
  if (!in_sequence_) return drawIndices(num_modules, {rows});
  if (rows % rows_per_example_ != 0)
    throw EngineError(ErrorKind::Internal, "sequence route: " + std::to_string(rows) + " rows are not a multiple of " +
                                               std::to_string(rows_per_example_) + " rows per example");
  const int64_t examples = rows / rows_per_example_;
  auto& route = sequence_routes_.at(static_cast<size_t>(slot));
  if (!route.defined())
    route = drawIndices(num_modules, {examples});
  else if (route.size(0) != examples)
    throw EngineError(ErrorKind::Internal, "sequence route: the number of examples changed within a sequence");
  return route.repeat_interleave(rows_per_example_);
}

torch::Tensor RouteContext::sequenceRoute(int64_t slot) const {
  if (slot < 0 || slot >= static_cast<int64_t>(sequence_routes_.size())) return {};
  return sequence_routes_[static_cast<size_t>(slot)];
}

}  // namespace adamix
