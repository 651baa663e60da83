// Tokenizer interface (SentencePiece, WordPiece, byte-level BPE, tokenizer.json) and
// the loader that picks the implementation from the files in a model directory.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "data/encoding.h"

namespace adamix {

/// Text <-> token ids. Implementations are immutable after loading and thread-safe for const use.
class Tokenizer {
 public:
  virtual ~Tokenizer() = default;
  /// Token ids of `text`, without any special tokens (no BOS/EOS/CLS/SEP).
  virtual std::vector<int64_t> encode(const std::string& text) const = 0;
  /// Text of `ids`; control tokens (BOS/EOS/pad) decode to nothing.
  /// Throws EngineError(Model) for an id outside [0, vocabSize()).
  virtual std::string decode(const std::vector<int64_t>& ids) const = 0;
  /// Number of ids (pieces), specials included.
  virtual int64_t vocabSize() const = 0;
  /// Special ids; -1 when the tokenizer has none.
  virtual int64_t bosId() const { return bos_id_; }
  virtual int64_t eosId() const { return eos_id_; }
  /// Padding id used in batches; never -1 (0 when the model defines none — padding is masked).
  virtual int64_t padId() const { return pad_id_; }
  /// Special tokens around one or two segments. Default (decoder models such as Llama):
  /// prefix {BOS}, middle {EOS}, suffix {EOS} (BOS omitted when there is none).
  virtual PairTemplate pairTemplate() const;
  /// "sentencepiece", "wordpiece", "bpe".
  virtual std::string kind() const = 0;
  /// The chat template (Jinja text) of the model's tokenizer_config.json; "" when there is none
  /// or the tokenizer was not loaded from a tokenizer.json.
  const std::string& chatTemplate() const { return chat_template_; }

 protected:
  int64_t bos_id_ = -1, eos_id_ = -1, pad_id_ = 0;
  std::string chat_template_;
};

/// Loads the tokenizer of an HF model directory, first found of: `tokenizer.model`
/// (SentencePiece), `tokenizer.json` (WordPiece, byte-level BPE — GPT-2/RoBERTa, or with a Split
/// regex as Llama 3, Qwen2/3, Mistral NeMo — or SentencePiece-style BPE with byte fallback as
/// Llama 2, Mistral 7B, TinyLlama, Yi; tokenizer_json.h), `vocab.json` + `merges.txt`
/// (byte-level BPE), `vocab.txt` (WordPiece). With a BPE `tokenizer.json`, a
/// `tokenizer_config.json` beside it sets BOS / EOS / pad and the chat template
/// (HfBpeTokenizer::applyConfig).
/// `model_vocab_size` > 0 is checked against the tokenizer's size; a BPE tokenizer.json may be
/// smaller than the model's embedding (Qwen pads it: 151,669 tokens, vocab_size 151,936).
/// Throws EngineError(Model, msg, path) when no supported tokenizer file is present, the file is
/// unreadable or corrupt, or the sizes differ ("tokenizer has 512 tokens but the model's
/// vocab_size is 1000").
std::unique_ptr<Tokenizer> loadTokenizer(const std::string& model_dir, int64_t model_vocab_size);

}  // namespace adamix
