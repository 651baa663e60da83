#include "tokenizer/tokenizer.h"

#include <filesystem>

#include "io/errors.h"
#include "tokenizer/bpe_tokenizer.h"
#include "tokenizer/hf_bpe_tokenizer.h"
#include "tokenizer/sentencepiece_tokenizer.h"
#include "tokenizer/tokenizer_json.h"
#include "tokenizer/wordpiece_tokenizer.h"

namespace adamix {

PairTemplate Tokenizer::pairTemplate() const {
  PairTemplate t;
  if (bosId() >= 0) t.prefix = {bosId()};
  if (eosId() >= 0) {
    t.middle = {eosId()};
    t.suffix = {eosId()};
  }
  return t;
}

std::unique_ptr<Tokenizer> loadTokenizer(const std::string& model_dir, int64_t model_vocab_size) {
  namespace fs = std::filesystem;
  const fs::path dir = model_dir;
  std::error_code ec;
  std::unique_ptr<Tokenizer> tok;
  fs::path used;
  // Preference: SentencePiece model, tokenizer.json, vocab.json + merges.txt, vocab.txt.
  if (fs::exists(dir / "tokenizer.model", ec)) {
    used = dir / "tokenizer.model";
    tok = std::make_unique<SentencePieceTokenizer>(used.string());
  } else if (fs::exists(dir / "tokenizer.json", ec)) {
    used = dir / "tokenizer.json";
    tok = loadTokenizerJson(used.string());
    if (auto* hf = dynamic_cast<HfBpeTokenizer*>(tok.get()); hf && fs::exists(dir / "tokenizer_config.json", ec)) {
      const std::string config = (dir / "tokenizer_config.json").string();
      hf->applyConfig(readTokenizerConfig(config), config);
    }
  } else if (fs::exists(dir / "vocab.json", ec)) {
    used = dir / "vocab.json";
    if (!fs::exists(dir / "merges.txt", ec))
      throw EngineError(ErrorKind::Model, "vocab.json without merges.txt (byte-level BPE needs both)", model_dir);
    tok = BpeTokenizer::fromFiles(used.string(), (dir / "merges.txt").string());
  } else if (fs::exists(dir / "vocab.txt", ec)) {
    used = dir / "vocab.txt";
    tok = WordPieceTokenizer::fromVocabTxt(used.string());
  } else {
    throw EngineError(ErrorKind::Model,
                      "no tokenizer found (expected tokenizer.model, tokenizer.json, vocab.json + merges.txt "
                      "or vocab.txt)",
                      model_dir);
  }
  // A BPE tokenizer.json smaller than the embedding is fine (padded embedding rows are never produced).
  const bool may_be_smaller = dynamic_cast<HfBpeTokenizer*>(tok.get()) != nullptr;
  if (model_vocab_size > 0 && tok->vocabSize() != model_vocab_size &&
      !(may_be_smaller && tok->vocabSize() < model_vocab_size))
    throw EngineError(ErrorKind::Model,
                      "tokenizer has " + std::to_string(tok->vocabSize()) + " tokens but the model's vocab_size is " +
                          std::to_string(model_vocab_size),
                      used.string());
  return tok;
}

}  // namespace adamix
