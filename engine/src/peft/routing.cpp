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

}  // namespace adamix
