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

/// Text of one prediction as the official run_glue.py writes it: the class id, or for regression
/// (STS-B) the raw score with 3 decimals ("{item:3.3f}"), never clipped to the label range —
/// the official metrics also score the raw, unclipped outputs.
std::string predictionText(double prediction, bool regression);

/// Writes `<dir>/<split.name>.tsv`: header "index\tprediction\tlabel", one row per example in
/// split order (predictionText; label = class id or gold score). Atomic; throws EngineError(Io).
void writeGluePredictions(const std::string& dir, const EncodedSplit& split, const EvalResult& r, bool regression);

}  // namespace adamix
