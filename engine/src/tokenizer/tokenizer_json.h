// Hugging Face `tokenizer.json` (the tokenizers library's serialisation) for the kinds the engine
// implements: model WordPiece (with a BertNormalizer), GPT-2-style byte-level BPE (BpeTokenizer)
// and every other BPE pipeline the engine's HF components cover (HfBpeTokenizer: Split regex +
// ByteLevel as Llama 3 / Qwen2/3 / Mistral NeMo, SentencePiece-style BPE with byte fallback as
// Llama 2 / Mistral 7B / TinyLlama / Yi).
#pragma once
#include <memory>
#include <string>

#include "tokenizer/tokenizer.h"

namespace adamix {

/// Reads `path`. Supported: model.type "WordPiece" (normalizer BertNormalizer or null; vocab,
/// unk_token, continuing_subword_prefix, max_input_chars_per_word) and "BPE": a lone ByteLevel
/// pre-tokenizer with the GPT-2 regex and no normalizer goes to BpeTokenizer (GPT-2, RoBERTa), any
/// other BPE file to HfBpeTokenizer (normalizers, pre-tokenizers, decoders and post-processors
/// listed in hf_normalizers.h, hf_pre_tokenizers.h, hf_decoders.h, hf_post_processor.h;
/// byte_fallback, fuse_unk, ignore_merges, added tokens). Follows tokenizers/src/tokenizer/
/// serialization.rs. Throws EngineError(Model, msg, "path:/json/field") for other model types
/// ("tokenizer.json model type 'Unigram' is not supported (supported: WordPiece, BPE)"), an
/// unsupported component ("pre_tokenizer type 'X' is not supported here ..." at
/// ".../type"), an invalid Split regex, and malformed fields.
std::unique_ptr<Tokenizer> loadTokenizerJson(const std::string& path);

}  // namespace adamix
