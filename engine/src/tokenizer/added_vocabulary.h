// The added tokens of a tokenizer.json (tokenizers/src/tokenizer/added_vocabulary.rs): special
// and other added tokens are found in the text before normalisation and pre-tokenisation
// (leftmost, longest first) and become their own ids; the text between them goes through the
// pipeline. Tokens with "normalized": true are matched in the normalised text instead.
#pragma once
#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace adamix {

struct AddedToken {
  std::string content;
  int64_t id = -1;
  bool special = false, normalized = false, lstrip = false, rstrip = false, single_word = false;
};

/// One piece of text after added-token matching: an added token (`id` >= 0) or text to tokenise.
struct AddedSplit {
  std::string text;
  int64_t id = -1;
  size_t offset = 0;  ///< byte offset of the piece in the text it was found in
};

class AddedVocabulary {
 public:
  AddedVocabulary() = default;
  /// Reads the "added_tokens" array. Throws EngineError(Model, msg, "file:/added_tokens/i/...")
  /// for a missing content or id, an empty content, or mistyped flags.
  AddedVocabulary(const nlohmann::json& added_tokens, const std::string& file);

  /// Splits `text` on the tokens whose `normalized` flag equals `normalized`
  /// (added_vocabulary.rs split_with_indices, with lstrip/rstrip/single_word).
  std::vector<AddedSplit> split(const std::string& text, bool normalized) const;

  const std::vector<AddedToken>& tokens() const { return tokens_; }
  /// Id of the added token with this content, -1 when none.
  int64_t idOf(const std::string& content) const;
  bool hasNormalized() const { return has_normalized_; }

 private:
  std::vector<AddedToken> tokens_;
  std::vector<std::vector<size_t>> by_first_byte_[2];  ///< [normalized][byte] -> token indices
  bool has_normalized_ = false;
};

}  // namespace adamix
