// Oniguruma regular expressions, the engine Hugging Face tokenizers itself uses for the regex
// patterns of tokenizer.json (the `onig` crate, tokenizers/src/utils/onig.rs: SysRegex). Needed
// for the Split pre-tokenizers of Llama 3, Qwen2/3 and Mistral NeMo (\p{L}, (?i:...), \s+(?!\S)),
// which std::regex cannot express.
#pragma once
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace adamix {

/// A compiled UTF-8 Oniguruma pattern (default syntax, no options, as SysRegex::new). Immutable
/// after construction; findAll is safe to call from several threads.
class OnigRegex {
 public:
  /// Compiles `pattern`. Throws EngineError(Model, "invalid regular expression ...: <Oniguruma's
  /// message>", `where`) when Oniguruma rejects it; `where` names the file and JSON field.
  OnigRegex(const std::string& pattern, const std::string& where);
  ~OnigRegex();
  OnigRegex(const OnigRegex&) = delete;
  OnigRegex& operator=(const OnigRegex&) = delete;

  /// Byte spans [begin, end) of the successive non-overlapping matches in `text` (valid UTF-8),
  /// as the onig crate's find_iter: after an empty match the search moves on one character, and
  /// an empty match right after the previous match is skipped.
  std::vector<std::pair<size_t, size_t>> findAll(std::string_view text) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  std::string where_;
};

}  // namespace adamix
