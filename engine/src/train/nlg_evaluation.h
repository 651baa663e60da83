// Dev evaluation of a generation task: decode every dev input (model/beam_search.h) under the
// run's AdaMix inference mode, score against the grouped references (metrics/nlg_metrics.h) and
// write the predictions.
#pragma once
#include <torch/torch.h>

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "model/beam_search.h"
#include "model/task_model.h"
#include "peft/routing.h"
#include "tokenizer/tokenizer.h"
#include "train/nlg_task.h"

namespace adamix {

struct NlgEvalResult {
  std::map<std::string, double> metrics;  ///< computeNlgMetrics names (bleu, nist, ...)
  std::vector<std::string> predictions;   ///< decoded text per dev item
};

/// DecodeOptions of a run config (end tokens: nlgStopIds — EOS, and GPT-2's "\n\n" token).
DecodeOptions decodeOptions(const GenerationConfig& g, const Tokenizer& tok, uint64_t seed);

/// decodeBatch of one batch of token-id `prompts` under the inference mode in `routes` (a routing
/// pass per decoding step; ensemble: one scorer per module). `random` inference draws one module
/// per example and projection for the whole sequence (RouteContext::beginSequence with the beam
/// size as rows per example). The caller sets eval mode and no_grad. Returns one token sequence per
/// prompt (end token kept); errors as decodeBatch.
std::vector<std::vector<int64_t>> decodeRouted(TaskModelImpl& model, RouteContext& routes, int64_t num_modules,
                                               const std::vector<std::vector<int64_t>>& prompts,
                                               const DecodeOptions& opts, bool use_cache, int64_t pad_id);

/// Decodes `prompts` in batches of g.batch_size under the inference mode in `routes` (merged,
/// random — one module per example and projection, drawn once for the whole sequence (prompt and
/// every generated token, shared by the example's beams; RouteContext::beginSequence) —, module:k, or ensemble: the
/// mean of the M single-module next-token distributions, one KV cache each); eval mode and no_grad inside, the training
/// mode restored. Returns the decoded texts (end token removed, trimmed). `after_batch(done, total)`
/// (optional) runs after each decoded batch (batches done, batches in all); `before_step`
/// (optional) before each decoding step (DecodeOptions::before_step). Either may throw (an
/// interrupt), which ends the decoding.
std::vector<std::string> generateTexts(TaskModelImpl& model, RouteContext& routes, int64_t num_modules,
                                       const std::vector<std::vector<int64_t>>& prompts, const GenerationConfig& g,
                                       const Tokenizer& tok, uint64_t seed,
                                       const std::function<void(int64_t, int64_t)>& after_batch = {},
                                       const std::function<void()>& before_step = {});

/// generateTexts on the dev inputs (`after_batch` as there) + computeNlgMetrics(task) against
/// their references.
NlgEvalResult evaluateGeneration(TaskModelImpl& model, RouteContext& routes, int64_t num_modules, const RunConfig& cfg,
                                 const NlgTaskData& data, const Tokenizer& tok,
                                 const std::function<void(int64_t, int64_t)>& after_batch = {});

/// Writes `dir`/`stem`.tsv (index, input, prediction, references joined by " ||| "; tabs/newlines
/// in texts replaced by spaces) and `dir`/`stem`.jsonl (one {"index", "input", "prediction",
/// "references"} object per line). Throws EngineError(Io).
void writeNlgPredictions(const std::string& dir, const NlgTaskData& data, const NlgEvalResult& r,
                         const std::string& stem = "dev");

}  // namespace adamix
