// Tokenizer-agnostic assembly of model inputs from token ids: special-token templates and
// Hugging Face "longest_first" truncation.
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

namespace adamix {

/// Special tokens around the segments: pair = prefix a middle b suffix; single = prefix a suffix.
struct PairTemplate {
  std::vector<int64_t> prefix, middle, suffix;
};

/// Llama-style decoder: pair = BOS a EOS b EOS, single = BOS a EOS.
PairTemplate decoderTemplate(int64_t bos, int64_t eos);
/// BERT-style encoder: pair = CLS a SEP b SEP, single = CLS a SEP.
PairTemplate bertTemplate(int64_t cls, int64_t sep);

/// Number of special tokens the template adds (middle only counts for pairs).
size_t numSpecialTokens(const PairTemplate& t, bool pair);

/// HF `truncate_sequences(..., truncation_strategy="longest_first")` (right side): removes
/// `num_to_remove` tokens one at a time, from the end of `a` if `b` is null or len(a) > len(b),
/// otherwise from the end of `b` (so ties remove from b). Stops early when both are empty.
void truncateLongestFirst(std::vector<int64_t>& a, std::vector<int64_t>* b, size_t num_to_remove);

/// prefix a [middle b] suffix, with a/b truncated longest-first so the total length (specials
/// included) is <= max_len. `b` null = single sentence (middle unused). max_len <= 0 = no limit.
/// Throws EngineError(Config, ..., "/task/max_seq_length") when max_len is positive but not larger
/// than the number of special tokens (no room for any text token).
std::vector<int64_t> encodePair(const std::vector<int64_t>& a, const std::vector<int64_t>* b, const PairTemplate& tmpl,
                                int64_t max_len);

}  // namespace adamix
