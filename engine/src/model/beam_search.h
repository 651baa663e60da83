// Batched decoding for causal LMs: greedy, beam search (length penalty, no-repeat n-grams, a set
// of end tokens) and sampling (temperature, top-p), over left-padded prompts with an optional
// KV cache. The model is reached through a TokenScorer, so any architecture implementing
// TaskModelImpl::forwardDecode (and ensembles of routes) decodes the same way.
#pragma once
#include <torch/torch.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "model/task_model.h"

namespace adamix {

enum class DecodeStrategy { Greedy, Beam, Sample };

struct DecodeOptions {
  DecodeStrategy strategy = DecodeStrategy::Beam;
  int64_t beam_size = 4;             ///< beams per prompt (Beam only)
  double length_penalty = 1.0;       ///< α: finished score = Σ log p / length^α (length = new tokens incl. end)
  int64_t no_repeat_ngram_size = 0;  ///< > 0: no n-gram of this size twice in the generated tokens
  int64_t max_new_tokens = 64;
  std::set<int64_t> end_ids;  ///< generation of a row stops after one of these
  double temperature = 1.0;   ///< Sample only
  double top_p = 1.0;         ///< Sample only: nucleus mass kept
  uint64_t seed = 0;          ///< Sample only
  /// Optional: runs before each decoding step; it may throw to end the decoding (an interrupt).
  std::function<void()> before_step;
};

/// Next-token log-probabilities for a batch of sequences being decoded.
class TokenScorer {
 public:
  virtual ~TokenScorer() = default;
  /// new_ids [N, T] (the tokens not yet seen; all tokens when the scorer has no cache),
  /// attention_mask [N, S] (all tokens so far incl. the new ones; 0 = left padding),
  /// position_ids [N, T] -> log-probabilities [N, V] (float32) of the token after the last one.
  virtual torch::Tensor step(const torch::Tensor& new_ids, const torch::Tensor& attention_mask,
                             const torch::Tensor& position_ids) = 0;
  /// Keeps rows `rows` [N'] of the batch state (beam reordering). No-op without a cache.
  virtual void selectRows(const torch::Tensor& rows) = 0;
  /// Whether step() wants only the new tokens (true: cached) or the whole sequence (false).
  virtual bool cached() const = 0;
};

/// TokenScorer over a causal-LM TaskModelImpl via forwardDecode; `use_cache` uses
/// newDecodeState() when the architecture has one. Caller provides no_grad/eval mode. The cache
/// belongs to one decodeBatch call: make a new scorer for each.
std::unique_ptr<TokenScorer> makeModelScorer(TaskModelImpl& lm, bool use_cache = true);

/// Decodes every prompt (non-empty token ids, BOS included by the caller) and returns the new
/// tokens of the best hypothesis per prompt (an end token, when produced, is the last element).
/// Greedy: argmax per step; Beam: HF-style beam search (2K candidates per step, a candidate
/// ending in an end token becomes a finished hypothesis when ranked within the top K; a prompt is
/// done when it has K finished hypotheses none of which the best running beam can still beat
/// at the current length; at max_new_tokens the running beams are finished); Sample: softmax of
/// logits/temperature restricted to the smallest top-p nucleus. Prompts are left-padded with
/// `pad_id` (masked). Throws EngineError(Usage) for empty prompts or beam_size < 1.
std::vector<std::vector<int64_t>> decodeBatch(TokenScorer& scorer, const std::vector<std::vector<int64_t>>& prompts,
                                              const DecodeOptions& options, int64_t pad_id);

/// Tokens banned at the next step of `generated` by a no-repeat n-gram size `n`: every token t
/// such that (last n−1 tokens, t) already occurs in `generated` (HF NoRepeatNGramLogitsProcessor).
std::vector<int64_t> bannedNgramTokens(const std::vector<int64_t>& generated, int64_t n);

}  // namespace adamix
