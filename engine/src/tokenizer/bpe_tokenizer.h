// Byte-level BPE tokenizer (GPT-2, RoBERTa) as HF tokenizers' ByteLevel pre-tokenizer + BPE
// model + ByteLevel decoder: GPT-2 pre-tokenisation pattern (implemented by hand over Unicode
// categories), bytes mapped to printable code points (bytes_to_unicode), merges applied by rank.
// From `vocab.json` + `merges.txt` or from a `tokenizer.json` (tokenizer_json.h).
#pragma once
#include <map>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "tokenizer/tokenizer.h"

namespace adamix {

/// Splits `text` like the GPT-2 pattern
///   's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
/// and returns the pieces (UTF-8). Concatenating them gives `text` back.
std::vector<std::string> gpt2PreTokenize(const std::string& text);

/// GPT-2 bytes_to_unicode: printable bytes map to themselves, the others to U+0100 upwards.
const std::vector<char32_t>& byteToUnicode();

class BpeTokenizer : public Tokenizer {
 public:
  /// `vocab`: token -> id; `merges`: pairs in rank order; `special_tokens`: content -> id of the
  /// added special tokens (skipped when decoding). RoBERTa's template is used when the
  /// vocabulary has <s> and </s>, GPT-2's (no specials) otherwise.
  /// Throws EngineError(Model, msg, source) for an empty vocabulary, a merge whose parts or result
  /// are not tokens, or non-contiguous ids.
  BpeTokenizer(std::unordered_map<std::string, int64_t> vocab, std::vector<std::pair<std::string, std::string>> merges,
               std::map<std::string, int64_t> special_tokens, const std::string& source);

  /// Reads vocab.json (object token -> id) and merges.txt ("a b" per line after a "#version"
  /// header). Throws EngineError(Model, msg, path:line) for malformed files.
  static std::unique_ptr<BpeTokenizer> fromFiles(const std::string& vocab_json, const std::string& merges_txt);

  std::vector<int64_t> encode(const std::string& text) const override;
  /// Concatenated tokens mapped back to bytes; special tokens skipped. decode(encode(x)) == x.
  std::string decode(const std::vector<int64_t>& ids) const override;
  int64_t vocabSize() const override { return static_cast<int64_t>(tokens_.size()); }
  std::string kind() const override { return "bpe"; }
  /// RoBERTa: <s> a </s></s> b </s>; GPT-2: a b (no special tokens).
  PairTemplate pairTemplate() const override;

 private:
  void bpe(const std::string& mapped_word, std::vector<int64_t>& out) const;

  std::unordered_map<std::string, int64_t> vocab_;
  std::vector<std::string> tokens_;  ///< id -> token
  std::map<std::pair<std::string, std::string>, int64_t> ranks_;
  std::vector<bool> special_;  ///< id -> skipped when decoding
  std::string source_;         ///< the vocabulary file, named by errors found while encoding
  bool roberta_ = false;
  int64_t cls_id_ = -1, sep_id_ = -1;
};

}  // namespace adamix
