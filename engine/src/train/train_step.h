// One AdaMix training micro-step (Wang et al. 2022 §2.2, eq. 5): pass 1 with a fresh stochastic
// route -> task loss; with λ > 0 a second pass with another route -> consistency loss;
// backward of (task + λ · consistency) / accumulation; then the optimizer step as the official
// HF Trainer takes it (clip, transformers 4.4.2 AdamW, zero_grad). Shared by the trainer, bench/
// and the parity test (tests/engine/test_official_parity.cpp).
#pragma once
#include <torch/torch.h>

#include <string>
#include <utility>
#include <vector>

#include "config/run_config.h"
#include "model/task_model.h"
#include "peft/routing.h"
#include "train/hf_adamw.h"

namespace adamix {

struct StepLosses {
  double total = 0;        ///< task + λ · consistency (before division by accumulation)
  double consistency = 0;  ///< 0 without a second pass
  torch::Tensor output1;   ///< pass-1 model output (logits), detached
};

/// Runs forward pass(es) and backward on one batch. `labels`: [B] int64 (classification), float
/// (regression), or [B, T] int64 for a causal LM (kIgnoreLabel outside the completion; loss =
/// completionLoss with `label_smoothing`, consistency over the completion positions only).
/// `second_pass`: run the consistency pass (λ > 0 and something stochastic).
/// Throws EngineError(Numerical) when the loss is NaN or infinite (before backward).
StepLosses forwardBackward(TaskModelImpl& model, RouteContext& routes, const torch::Tensor& input_ids,
                           const torch::Tensor& attention_mask, const torch::Tensor& labels, double lambda,
                           bool second_pass, double loss_scale, int64_t step, double label_smoothing = 0.0);

/// The HF Trainer's optimizer (transformers 4.4.2 Trainer.create_optimizer): AdamW with lr, betas,
/// eps and weight decay from `train`, two groups: decay for tensors with >= 2 dims, none for 1-D
/// ones (biases and LayerNorm weights, the Trainer's `no_decay = ["bias", "LayerNorm.weight"]`).
HfAdamW makeOptimizer(const std::vector<std::pair<std::string, torch::Tensor>>& trainable, const TrainConfig& train);

/// Ends one optimizer step as the HF Trainer does: clips the global gradient norm of the
/// parameters that have a gradient to `max_grad_norm` (0 = no clipping), steps, then zeroes the
/// gradients (kept defined: modules routed once keep being updated; docs/adamix.md § Optimizer).
void optimizerStep(HfAdamW& optimizer, double max_grad_norm);

}  // namespace adamix
