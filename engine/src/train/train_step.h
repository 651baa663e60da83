// One AdaMix training micro-step (Wang et al. 2022 §2.2, eq. 5): pass 1 with a fresh stochastic
// route -> task loss; with λ > 0 a second pass with another route -> consistency loss;
// backward of (task + λ · consistency) / accumulation. Shared by the trainer and bench/.
#pragma once
#include <torch/torch.h>

#include "model/task_model.h"
#include "peft/routing.h"

namespace adamix {

struct StepLosses {
  double total = 0;        ///< task + λ · consistency (before division by accumulation)
  double consistency = 0;  ///< 0 without a second pass
};

/// Runs forward pass(es) and backward on one batch. `labels`: [B] int64 (classification), float
/// (regression), or [B, T] int64 for a causal LM (kIgnoreLabel outside the completion; loss =
/// completionLoss with `label_smoothing`, consistency over the completion positions only).
/// `second_pass`: run the consistency pass (λ > 0 and something stochastic).
/// Throws EngineError(Numerical) when the loss is NaN or infinite (before backward).
StepLosses forwardBackward(TaskModelImpl& model, RouteContext& routes, const torch::Tensor& input_ids,
                           const torch::Tensor& attention_mask, const torch::Tensor& labels, double lambda,
                           bool second_pass, double loss_scale, int64_t step, double label_smoothing = 0.0);

}  // namespace adamix
