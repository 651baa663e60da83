// Dev-set evaluation of a task model under an AdaMix inference mode (merged, random, module:k,
// ensemble — docs/adamix.md § Merging and inference modes).
#pragma once
#include <torch/torch.h>

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "data/glue.h"
#include "model/task_model.h"
#include "peft/routing.h"
#include "train/task_data.h"

namespace adamix {

struct EvalResult {
  std::map<std::string, double> metrics;  ///< HF GLUE names, fractions; plus "loss"; empty when unlabelled
  std::vector<double> predictions;        ///< class id (argmax of probabilities) or score per example, split order
  /// Classification: [N, C] float32 CPU, the probabilities inferenceOutputs gave each example
  /// (rows sum to 1), split order; undefined for regression.
  torch::Tensor probabilities;
};

/// Model outputs for one batch under the context's inference mode, in eval mode and no_grad:
/// classification -> probabilities [B, C]; regression -> predictions [B]. Ensemble averages the
/// M single-module outputs (probabilities, or predictions for regression).
torch::Tensor inferenceOutputs(TaskModelImpl& model, RouteContext& routes, int64_t num_modules,
                               const torch::Tensor& input_ids, const torch::Tensor& attention_mask);

/// Evaluates `split` in batches of `batch_size` on `device`; restores the model's training mode.
/// An unlabelled split (EncodedSplit::labelled false) gets predictions and probabilities only.
/// `on_batch(done, total)` (optional) is called after each batch.
EvalResult evaluate(TaskModelImpl& model, RouteContext& routes, int64_t num_modules, const TaskSpec& spec,
                    const EncodedSplit& split, int64_t pad_id, int64_t batch_size, const torch::Device& device,
                    const std::function<void(int64_t, int64_t)>& on_batch = {});

/// Text of one prediction as the official run_glue.py writes it: the class id, or for regression
/// (STS-B) the raw score with 3 decimals ("{item:3.3f}"), never clipped to the label range —
/// the official metrics also score the raw, unclipped outputs.
std::string predictionText(double prediction, bool regression);

/// Predictions as TSV text: header "index\tprediction\tlabel" then, for classification,
/// "\tprob_0 … \tprob_{C-1}"; one row per example in split order (Example::index,
/// predictionText, label = class id or gold score, probabilities with 9 significant digits —
/// float32 round trip). The label column is left out for an unlabelled split.
std::string gluePredictionsTsv(const EncodedSplit& split, const EvalResult& r, bool regression);

/// The GLUE-benchmark submission file of a test split's predictions: header "index\tprediction",
/// one row per example (Example::index = the test file's index column); the prediction as the
/// benchmark expects it: the label name spec.label_names[class] (RTE/QNLI entailment /
/// not_entailment, MNLI/AX entailment / neutral / contradiction, 0/1 for CoLA, SST-2, MRPC, QQP,
/// WNLI), STS-B the score with 3 decimals (predictionText).
std::string glueSubmissionTsv(const TaskSpec& spec, const EncodedSplit& split, const EvalResult& r);

/// Writes gluePredictionsTsv to `<dir>/<split.name>.tsv`. Atomic; throws EngineError(Io).
void writeGluePredictions(const std::string& dir, const EncodedSplit& split, const EvalResult& r, bool regression);

}  // namespace adamix
