// WordPiece tokenizer (BERT): HF BertNormalizer + BertPreTokenizer + WordPiece model, as in
// transformers' BertTokenizer / tokenizers' bert.rs, from `vocab.txt` (one token per line, id =
// line number) or from a `tokenizer.json` with a WordPiece model (tokenizer_json.h).
#pragma once
#include <string>
#include <unordered_map>
#include <vector>

#include "tokenizer/tokenizer.h"

namespace adamix {

/// BertNormalizer options (HF defaults for uncased models: all true; strip_accents follows
/// lowercase when unset).
struct BertNormalizerOptions {
  bool clean_text = true;            ///< drop NUL, U+FFFD and control chars; whitespace -> ' '
  bool handle_chinese_chars = true;  ///< spaces around CJK ideographs
  bool strip_accents = true;         ///< NFD, then drop nonspacing marks (Mn)
  bool lowercase = true;             ///< full Unicode lowercase (after accent stripping, as tokenizers)
};

class WordPieceTokenizer : public Tokenizer {
 public:
  /// `vocab[i]` is the token of id i. Special tokens are looked up by their usual names
  /// ([CLS], [SEP], [PAD], [UNK]); `unk_token` must be in the vocabulary.
  /// Throws EngineError(Model, msg, source) for an empty vocabulary, duplicate tokens or a missing
  /// unknown token.
  WordPieceTokenizer(std::vector<std::string> vocab, BertNormalizerOptions normalizer, const std::string& source,
                     std::string unk_token = "[UNK]", std::string continuing_prefix = "##",
                     size_t max_input_chars_per_word = 100);

  /// Reads `vocab.txt`. Casing: `do_lower_case` from tokenizer_config.json next to it when
  /// present, else uncased unless a non-special token contains an ASCII capital.
  static std::unique_ptr<WordPieceTokenizer> fromVocabTxt(const std::string& path);

  std::vector<int64_t> encode(const std::string& text) const override;
  /// Tokens joined with spaces, "##" continuations glued, HF's clean-up of spaces before
  /// punctuation and contractions; special tokens ([CLS], [SEP], [PAD], [MASK]) skipped.
  std::string decode(const std::vector<int64_t>& ids) const override;
  int64_t vocabSize() const override { return static_cast<int64_t>(vocab_.size()); }
  std::string kind() const override { return "wordpiece"; }
  /// [CLS] a [SEP] b [SEP]. Throws EngineError(Model, the vocabulary file) when the vocabulary
  /// has no [CLS] or no [SEP].
  PairTemplate pairTemplate() const override;

  /// The normalized, pre-tokenized words of `text` (before WordPiece), for tests.
  std::vector<std::string> basicTokenize(const std::string& text) const;
  int64_t tokenId(const std::string& token) const;  ///< -1 when absent

 private:
  void wordPiece(const std::vector<char32_t>& word, std::vector<int64_t>& out) const;

  std::vector<std::string> vocab_;
  std::unordered_map<std::string, int64_t> ids_;
  BertNormalizerOptions norm_;
  std::string prefix_;
  size_t max_chars_;
  std::string source_;  ///< the vocabulary file, named by errors found while decoding
  int64_t unk_id_ = -1, cls_id_ = -1, sep_id_ = -1, mask_id_ = -1;
};

}  // namespace adamix
