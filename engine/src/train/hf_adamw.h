// AdamW exactly as the official AdaMix code runs it: transformers 4.4.2
// src/transformers/optimization.py `AdamW` (correct_bias = True), driven by the HF Trainer, whose
// `model.zero_grad()` in PyTorch 1.x zeroes gradients instead of freeing them. It differs from
// LibTorch's torch::optim::AdamW in two places that move results: eps is added to sqrt(v) before
// the bias correction (folded into the step size), and weight decay is applied after the Adam
// step, to the updated parameter (docs/adamix.md § Optimizer).
#pragma once
#include <torch/torch.h>

#include <cstdint>
#include <unordered_map>
#include <vector>

namespace adamix {

/// transformers 4.4.2 AdamW. Per parameter with a defined gradient g, at step t (its own count):
///   m = β1 m + (1 − β1) g;  v = β2 v + (1 − β2) g²;  denom = √v + eps;
///   p −= lr · √(1 − β2^t) / (1 − β1^t) · m / denom;  then, if wd > 0:  p −= lr · wd · p.
/// Parameters whose gradient is undefined are skipped (no state, no decay), as in PyTorch.
/// On CPU float32 parameters one pass per parameter computes the update with the exact roundings
/// of the eight ATen operators above (train/cpu/aten_adamw.h; where atenAdamWKernelActive()).
/// zeroGrad() zeroes the gradients that exist and keeps them defined (PyTorch 1.x
/// `Module.zero_grad()`): a parameter that received a gradient once keeps being updated every later
/// step, with g = 0 (momentum and decay), even when no forward pass reaches it.
/// True when this process computes CPU float32 updates in one pass (built with the CPU kernels,
/// ATen on its AVX2 kernels, and a one-time probe agreeing with ATen's operators bit for bit).
bool atenAdamWKernelActive();

class HfAdamW {
 public:
  struct Options {
    double lr = 1e-3;
    double beta1 = 0.9, beta2 = 0.999;
    double eps = 1e-6;  ///< the transformers default; the Trainer passes adam_epsilon (1e-8)
    bool correct_bias = true;
  };
  /// Parameters sharing one weight decay (the Trainer's groups: decay / no decay).
  struct Group {
    std::vector<torch::Tensor> params;
    double weight_decay = 0.0;
  };
  struct ParamState {
    int64_t step = 0;
    torch::Tensor exp_avg, exp_avg_sq;  ///< same shape as the parameter
  };

  HfAdamW(std::vector<Group> groups, Options options);

  /// One update of every parameter that has a gradient (no autograd recording).
  void step();
  /// Zeroes existing gradients in place; undefined ones stay undefined.
  void zeroGrad();
  void setLr(double lr) { options_.lr = lr; }
  double lr() const { return options_.lr; }
  const Options& options() const { return options_; }
  const std::vector<Group>& groups() const { return groups_; }
  /// State of `p` (nullptr before its first update).
  const ParamState* state(const torch::Tensor& p) const;
  /// Replaces the state of `p` (checkpoint resume).
  void setState(const torch::Tensor& p, ParamState s);

 private:
  std::vector<Group> groups_;
  Options options_;
  std::unordered_map<const void*, ParamState> state_;
};

}  // namespace adamix
