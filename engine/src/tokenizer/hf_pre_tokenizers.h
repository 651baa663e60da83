// The pre-tokenizers of a tokenizer.json that the engine implements
// (tokenizers/src/pre_tokenizers/): Sequence (sequence.rs), Split (split.rs: String or Regex
// pattern, the five split behaviours, invert), ByteLevel (byte_level.rs: add_prefix_space, GPT-2
// regex when use_regex, bytes mapped to printable code points) and Metaspace (metaspace.rs:
// replacement, prepend_scheme always/first/never or the older add_prefix_space, split).
#pragma once
#include <nlohmann/json.hpp>

#include <functional>
#include <string>
#include <vector>

namespace adamix {

/// One piece of pre-tokenised text. `at_start`: the piece begins at offset 0 of the input
/// (HF's offsets_original().0 == 0, which Metaspace's prepend_scheme "first" looks at).
struct PreToken {
  std::string text;
  bool at_start = false;
};

/// Replaces each piece by the pieces it splits into.
using HfPreTokenizer = std::function<void(std::vector<PreToken>&)>;

/// Builds the pre-tokenizer described by `j` (the "pre_tokenizer" field or an element of a
/// Sequence) at JSON pointer `field` of `file`; null gives an empty function.
/// Throws EngineError(Model, msg, "file:field...") for an unknown type ("pre_tokenizer type
/// 'Whitespace' is not supported here (supported: ...)" at ".../type"), an invalid Split regex
/// (".../pattern/Regex"), an unknown behavior or prepend_scheme, or a mistyped field.
HfPreTokenizer makeHfPreTokenizer(const nlohmann::json& j, const std::string& file, const std::string& field);

/// UTF-8 text of `bytes` mapped through GPT-2's bytes_to_unicode (ByteLevel's last step).
std::string byteLevelMap(const std::string& bytes);

}  // namespace adamix
