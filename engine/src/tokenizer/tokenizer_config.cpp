#include "tokenizer/tokenizer_config.h"

#include "io/untrusted_input.h"
#include "tokenizer/hf_json.h"

namespace adamix {

namespace {

using hfjson::json;

std::optional<std::string> tokenField(const json& j, const char* key, const std::string& path) {
  if (!j.contains(key)) return std::nullopt;
  const json& v = j[key];
  if (v.is_null()) return std::string();
  if (v.is_string()) return v.get<std::string>();
  if (v.is_object() && v.contains("content") && v["content"].is_string()) return v["content"].get<std::string>();
  hfjson::fail("expected a token string, an AddedToken object with \"content\", or null", path, std::string("/") + key);
}

std::optional<bool> flag(const json& j, const char* key, const std::string& path) {
  if (!j.contains(key) || j[key].is_null()) return std::nullopt;
  if (!j[key].is_boolean())
    hfjson::fail(std::string("expected true or false, got ") + j[key].type_name(), path, std::string("/") + key);
  return j[key].get<bool>();
}

}  // namespace

TokenizerConfig readTokenizerConfig(const std::string& path) {
  const json j = readJsonFileBounded(path, kMaxVocabularyFileBytes, ErrorKind::Model, "tokenizer config");
  if (!j.is_object()) hfjson::fail("expected a JSON object", path, "");
  TokenizerConfig c;
  c.bos_token = tokenField(j, "bos_token", path);
  c.eos_token = tokenField(j, "eos_token", path);
  c.pad_token = tokenField(j, "pad_token", path);
  c.add_bos_token = flag(j, "add_bos_token", path);
  c.add_eos_token = flag(j, "add_eos_token", path);
  c.tokenizer_class = hfjson::stringAt(j, "tokenizer_class", path, "");
  if (j.contains("chat_template") && !j["chat_template"].is_null()) {
    const json& t = j["chat_template"];
    if (t.is_string()) {
      c.chat_template = t.get<std::string>();
    } else if (t.is_array()) {  // [{"name": "default", "template": "..."}, ...]
      for (size_t i = 0; i < t.size(); ++i) {
        const std::string at = "/chat_template/" + std::to_string(i);
        if (!t[i].is_object()) hfjson::fail("expected {\"name\": ..., \"template\": ...}", path, at);
        if (hfjson::stringAt(t[i], "name", path, at) == "default")
          c.chat_template = hfjson::stringAt(t[i], "template", path, at);
      }
    } else {
      hfjson::fail(std::string("expected a string or a list of named templates, got ") + t.type_name(), path,
                   "/chat_template");
    }
  }
  return c;
}

}  // namespace adamix
