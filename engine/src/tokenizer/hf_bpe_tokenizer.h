// A tokenizer.json with a BPE model, run as Hugging Face tokenizers runs it
// (tokenizers/src/tokenizer/mod.rs encode_single_sequence): added tokens first
// (added_vocabulary.h), then the normalizer (hf_normalizers.h), the pre-tokenizer
// (hf_pre_tokenizers.h), the BPE model (bpe_model.h) and the post-processor's special tokens
// (hf_post_processor.h); decoding through the decoder (hf_decoders.h). The kinds today's small
// open models ship: byte-level BPE with a Split regex (Llama 3, Qwen2/3, Mistral NeMo) and
// SentencePiece-style BPE with byte fallback (Llama 2, Mistral 7B, TinyLlama, Yi).
#pragma once
#include <nlohmann/json.hpp>

#include <memory>
#include <string>
#include <vector>

#include "tokenizer/added_vocabulary.h"
#include "tokenizer/bpe_model.h"
#include "tokenizer/hf_decoders.h"
#include "tokenizer/hf_normalizers.h"
#include "tokenizer/hf_pre_tokenizers.h"
#include "tokenizer/tokenizer.h"
#include "tokenizer/tokenizer_config.h"

namespace adamix {

class HfBpeTokenizer : public Tokenizer {
 public:
  /// Builds the pipeline of tokenizer.json `j` (already parsed from `file`). Special ids: BOS =
  /// the post-processor's first special token, else an added <s> / <|begin_of_text|> /
  /// <|startoftext|>; EOS = an added </s> / <|end_of_text|> / <|endoftext|>; pad 0 — until
  /// applyConfig says otherwise. Throws EngineError(Model, msg, "file:/json/field") for anything
  /// unsupported or malformed (see the make* functions and BpeModel), e.g. continuing_subword_prefix.
  HfBpeTokenizer(const nlohmann::json& j, const std::string& file);

  std::vector<int64_t> encode(const std::string& text) const override;
  /// Added tokens marked special decode to nothing (skip_special_tokens); the rest through the
  /// decoder. Throws EngineError(Model) for an id outside [0, vocabSize()).
  std::string decode(const std::vector<int64_t>& ids) const override;
  /// Highest id + 1 of the model vocabulary and the added tokens (HF get_vocab_size(true)).
  int64_t vocabSize() const override { return static_cast<int64_t>(tokens_.size()); }
  std::string kind() const override { return "bpe"; }
  PairTemplate pairTemplate() const override { return template_; }

  /// Id of an added token or vocabulary token, -1 when there is none.
  int64_t tokenToId(const std::string& token) const;

  /// Applies tokenizer_config.json (read from `config_file`): bos/eos/pad tokens (null = none),
  /// the chat template, and — for LlamaTokenizer(Fast) as transformers' update_post_processor
  /// does — add_bos_token / add_eos_token rebuild the pair template.
  /// Throws EngineError(Model, msg, "config_file:/bos_token") etc. for a token not in the vocabulary.
  void applyConfig(const TokenizerConfig& config, const std::string& config_file);

 private:
  std::string file_;
  AddedVocabulary added_;
  HfNormalizer normalizer_;
  HfPreTokenizer pre_tokenizer_;
  std::unique_ptr<BpeModel> model_;
  HfDecoder decoder_;
  PairTemplate template_;
  std::vector<std::string> tokens_;  ///< id -> token ("" for an id nothing uses)
  std::vector<bool> skip_;           ///< id -> special added token, skipped when decoding
};

}  // namespace adamix
