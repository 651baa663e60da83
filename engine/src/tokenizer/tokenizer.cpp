#include "tokenizer/tokenizer.h"

#include <filesystem>

#include "io/errors.h"
#include "tokenizer/sentencepiece_tokenizer.h"

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
  if (fs::exists(dir / "tokenizer.model", ec)) {
    used = dir / "tokenizer.model";
    tok = std::make_unique<SentencePieceTokenizer>(used.string());
  } else {
    std::string found;
    for (const char* f : {"tokenizer.json", "vocab.txt", "vocab.json"})
      if (fs::exists(dir / f, ec)) found += std::string(found.empty() ? "" : ", ") + f;
    throw EngineError(ErrorKind::Model,
                      found.empty() ? "no tokenizer found (expected tokenizer.model)"
                                    : "tokenizer kind not supported yet (found " + found +
                                          "; supported: tokenizer.model)",
                      model_dir);
  }
  if (model_vocab_size > 0 && tok->vocabSize() != model_vocab_size)
    throw EngineError(ErrorKind::Model,
                      "tokenizer has " + std::to_string(tok->vocabSize()) +
                          " tokens but the model's vocab_size is " + std::to_string(model_vocab_size),
                      used.string());
  return tok;
}

}  // namespace adamix
