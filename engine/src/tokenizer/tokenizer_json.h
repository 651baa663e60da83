// Hugging Face `tokenizer.json` (the tokenizers library's serialisation) for the kinds the engine
// implements: model WordPiece (with a BertNormalizer) and byte-level BPE.
#pragma once
#include <memory>
#include <string>

#include "tokenizer/tokenizer.h"

namespace adamix {

/// Reads `path`. Supported: model.type "WordPiece" (normalizer BertNormalizer or null; vocab,
/// unk_token, continuing_subword_prefix, max_input_chars_per_word) and "BPE" with a ByteLevel
/// pre-tokenizer (vocab, merges as "a b" strings or [a, b] pairs, added special tokens).
/// Throws EngineError(Model, msg, "path:/json/field") for other model types ("tokenizer.json model
/// type 'Unigram' is not supported (supported: WordPiece, BPE)"), other normalizers or
/// pre-tokenizers, and malformed fields.
std::unique_ptr<Tokenizer> loadTokenizerJson(const std::string& path);

}  // namespace adamix
