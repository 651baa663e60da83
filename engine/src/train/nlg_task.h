// A generation task's data for one run: (context, completion) training pairs with the loss on
// the completion only, dev inputs with grouped references, and causal-LM batches.
// Sequence format as the official AdaMix NLG code (src/gpt2_encode.py with --add_bos --add_eos,
// src/format_converting_e2e.py): context = tokens(input) + EOS, completion = tokens(" " +
// reference) + EOS; GPT-2's <|endoftext|> is both. Tokenizers with a BOS distinct from EOS
// (Llama: BOS 1, EOS 2) also get their BOS first, as they were pre-trained with it:
// BOS + tokens(input) + EOS + tokens(" " + reference) + EOS. Decoding stops at EOS or at the
// double-newline token where the vocabulary has one (GPT-2 "\n\n" = 628), as gpt2_beam.py.
#pragma once
#include <torch/torch.h>

#include <set>
#include <string>
#include <vector>

#include "data/nlg_data.h"
#include "tokenizer/tokenizer.h"
#include "config/run_config.h"

namespace adamix {

/// Ignored label value (torch cross_entropy's ignore_index default).
constexpr int64_t kIgnoreLabel = -100;

/// One tokenised training pair.
struct LmExample {
  std::vector<int64_t> context;     ///< [BOS] + input tokens + EOS
  std::vector<int64_t> completion;  ///< tokens(" " + reference) + EOS (truncated to fit max_seq_length)
};

struct NlgTaskData {
  std::vector<LmExample> train;
  std::vector<NlgItem> dev;                   ///< evaluation inputs with all their references
  std::vector<std::vector<int64_t>> prompts;  ///< context tokens of each dev item
  std::string source;                         ///< what was read/split, for the started event
};

/// Context tokens of an input ([BOS] + tokens(input) + EOS; BOS only when the tokenizer's BOS
/// differs from its EOS), keeping at most `max_len` − 1 tokens (the input is cut from its end
/// when longer; the EOS separator and at least one input token are kept, so for max_len < 4 the
/// context may be longer). Without an EOS the separator is left out.
std::vector<int64_t> nlgContext(const std::string& input, const Tokenizer& tok, int64_t max_len);

/// A training pair: nlgContext(input) and tokens(" " + reference) + EOS, the completion cut so
/// that context + completion fit `max_len` (the EOS is kept; pad id when there is no EOS).
LmExample nlgExample(const std::string& input, const std::string& reference, const Tokenizer& tok, int64_t max_len);

/// Token ids that end a generated completion: EOS, and the double-newline token when "\n\n"
/// encodes to a single token (GPT-2: 628).
std::set<int64_t> nlgStopIds(const Tokenizer& tok);

/// Loads the task's files (cfg.task: dev_items > 0 -> seeded split of dev_file by distinct input;
/// else train_file and dev_file), subsamples (max_train_examples: seeded on the run seed over
/// training pairs; max_dev_examples: first N dev items of a seeded permutation) and tokenises.
/// Throws EngineError(Data) for bad files, EngineError(Config) for impossible splits.
NlgTaskData loadNlgTaskData(const RunConfig& cfg, const Tokenizer& tokenizer);

/// Causal-LM batch: input_ids [B, T] = context + completion, right-padded with pad_id;
/// attention_mask [B, T]; labels [B, T] = input ids on completion positions, kIgnoreLabel on
/// context and padding (the loss shifts them: logits at t predict labels at t + 1).
struct LmBatch {
  torch::Tensor input_ids, attention_mask, labels;
  int64_t num_tokens = 0;
};
LmBatch makeLmBatch(const std::vector<LmExample>& examples, const std::vector<size_t>& positions, int64_t pad_id);

/// Completion-only causal-LM loss: cross-entropy of logits[:, :-1] against labels[:, 1:] over the
/// positions whose label is not kIgnoreLabel (mean), optional label smoothing, fp32.
/// logits [B, T, V], labels [B, T] -> scalar.
torch::Tensor completionLoss(const torch::Tensor& logits, const torch::Tensor& labels, double label_smoothing = 0.0);

/// Mask [B·(T−1)] (float 0/1) of the completion positions of a shifted LM batch: the rows that
/// completionLoss counts; used by the consistency term (docs/adamix.md § Consistency regularisation: completion
/// tokens).
torch::Tensor completionMask(const torch::Tensor& labels);

}  // namespace adamix
