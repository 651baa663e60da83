// tokenizer_config.json (Hugging Face transformers' tokenizer settings beside tokenizer.json):
// the BOS / EOS / pad tokens, add_bos_token / add_eos_token and the chat template.
#pragma once
#include <optional>
#include <string>

namespace adamix {

struct TokenizerConfig {
  /// Token text; std::nullopt when the key is absent, "" when it is JSON null (no such token).
  std::optional<std::string> bos_token, eos_token, pad_token;
  std::optional<bool> add_bos_token, add_eos_token;
  std::string tokenizer_class;
  std::string chat_template;  ///< "" when none; the "default" one of a list of named templates
};

/// Reads `path`. Token fields may be strings or AddedToken objects ({"content": ...}), as
/// transformers writes them. Throws EngineError(Model, msg, "path:/field") for invalid JSON, a
/// token field of another type, or a mistyped add_*_token / chat_template.
TokenizerConfig readTokenizerConfig(const std::string& path);

}  // namespace adamix
