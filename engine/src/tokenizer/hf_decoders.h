// The decoders of a tokenizer.json that the engine implements (tokenizers/src/decoders/):
// Sequence, ByteLevel (byte_level.rs), Replace (replace.rs, String pattern), ByteFallback
// (byte_fallback.rs), Fuse (fuse.rs), Strip (strip.rs) and Metaspace (metaspace.rs).
#pragma once
#include <nlohmann/json.hpp>

#include <functional>
#include <string>
#include <vector>

namespace adamix {

/// decode_chain: token strings in, token strings out (joined by the caller).
using HfDecoder = std::function<std::vector<std::string>(std::vector<std::string>)>;

/// Builds the decoder described by `j` (the "decoder" field) at JSON pointer `field` of `file`;
/// null gives an empty function (tokens are concatenated as they are).
/// Throws EngineError(Model, msg, "file:field...") for an unknown type or a mistyped field.
HfDecoder makeHfDecoder(const nlohmann::json& j, const std::string& file, const std::string& field);

}  // namespace adamix
