// The BPE model of a tokenizer.json (tokenizers/src/models/bpe/model.rs and word.rs): a word's
// characters become symbols (unknown characters as <0xNN> byte tokens with byte_fallback, else as
// the unknown token, consecutive ones fused with fuse_unk), then the lowest-ranked adjacent pair
// is merged first (leftmost on ties) until no merge applies. With ignore_merges a word that is
// itself a token is emitted whole (Llama 3, Mistral NeMo).
#pragma once
#include <cstdint>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

namespace adamix {

struct BpeModelOptions {
  std::string unk_token;  ///< "" = none: unknown characters are dropped (as HF does)
  bool fuse_unk = false;
  bool byte_fallback = false;
  bool ignore_merges = false;
};

class BpeModel {
 public:
  /// `vocab`: token -> id; `merges` in rank order. `file` names errors (located at /model/...).
  /// Throws EngineError(Model, msg, "file:/model/...") for a merge whose parts or result are not
  /// in the vocabulary (/model/merges), an unk_token not in it (/model/unk_token), or
  /// byte_fallback without all 256 <0xNN> tokens (/model/byte_fallback).
  BpeModel(std::unordered_map<std::string, int64_t> vocab,
           const std::vector<std::pair<std::string, std::string>>& merges, BpeModelOptions options,
           const std::string& file);

  /// Appends the ids of `word` (one pre-tokenised piece) to `out`.
  void tokenize(const std::string& word, std::vector<int64_t>& out) const;

  /// Id of `token`, -1 when it is not in the vocabulary.
  int64_t tokenToId(const std::string& token) const;
  const std::unordered_map<std::string, int64_t>& vocab() const { return vocab_; }

 private:
  std::unordered_map<std::string, int64_t> vocab_;
  std::unordered_map<uint64_t, std::pair<int32_t, int64_t>> merges_;  ///< (a, b) -> (rank, id of a+b)
  BpeModelOptions options_;
  int64_t unk_id_ = -1;
  int64_t byte_ids_[256];
};

}  // namespace adamix
