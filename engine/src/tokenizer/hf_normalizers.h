// The normalizers of a tokenizer.json that the engine implements (tokenizers/src/normalizers/):
// Sequence, NFC, NFD, NFKC, NFKD (unicode.rs, here with utf8proc), Prepend (prepend.rs), Replace
// (replace.rs, String or Regex pattern), Lowercase (utils.rs). Only the text is computed, not
// HF's alignments: the engine needs ids, not offsets.
#pragma once
#include <nlohmann/json.hpp>

#include <functional>
#include <string>

namespace adamix {

/// Normalised text of valid UTF-8 input.
using HfNormalizer = std::function<std::string(const std::string&)>;

/// Builds the normalizer described by `j` (the "normalizer" field, or an element of a Sequence)
/// found at JSON pointer `field` of `file`. Null gives an empty function (no normalisation).
/// Throws EngineError(Model, msg, "file:field...") for an unknown type ("normalizer type
/// 'BertNormalizer' is not supported here (supported: ...)"), a missing or mistyped field, or an
/// invalid Replace regex.
HfNormalizer makeHfNormalizer(const nlohmann::json& j, const std::string& file, const std::string& field);

/// `s` with every occurrence of the literal `from` replaced by `to`, left to right, without
/// overlaps (`from` empty: `s` unchanged) — the Replace normalizer on a String pattern
/// (tokenizers/src/normalizers/replace.rs), which the Replace and Metaspace decoders use too.
std::string replaceLiteral(const std::string& s, const std::string& from, const std::string& to);

/// Unicode normalisation form `form` ("NFC", "NFD", "NFKC", "NFKD") of valid UTF-8 `text`.
/// Throws EngineError(Model) when utf8proc rejects the text.
std::string unicodeNormalize(const std::string& text, const std::string& form);

}  // namespace adamix
