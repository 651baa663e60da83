// Dev-set evaluation of a task model under an AdaMix inference mode (merged, random, module:k,
// ensemble — docs/adamix.md § Merging and inference modes).
#pragma once
#include <torch/torch.h>

#include <map>
#include <string>
#include <vector>

#include "data/glue.h"
#include "model/task_model.h"
#include "peft/routing.h"
#include "train/task_data.h"

namespace adamix {

struct EvalResult {
  std::map<std::string, double> metrics;  ///< HF GLUE names, fractions; plus "loss"
  std::vector<double> predictions;        ///< class id or score per example, split order
};

/// Model outputs for one batch under the context's inference mode, in eval mode and no_grad:
/// classification -> probabilities [B, C]; regression -> predictions [B]. Ensemble averages the
/// M single-module outputs (probabilities, or predictions for regression).
torch::Tensor inferenceOutputs(TaskModelImpl& model, RouteContext& routes, int64_t num_modules,
                               const torch::Tensor& input_ids, const torch::Tensor& attention_mask);

/// Evaluates `split` in batches of `batch_size` on `device`; restores the model's training mode.
EvalResult evaluate(TaskModelImpl& model, RouteContext& routes, int64_t num_modules, const TaskSpec& spec,
                    const EncodedSplit& split, int64_t pad_id, int64_t batch_size, const torch::Device& device);

}  // namespace adamix
