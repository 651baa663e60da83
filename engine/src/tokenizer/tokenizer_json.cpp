#include "tokenizer/tokenizer_json.h"

#include <nlohmann/json.hpp>

#include <fstream>

#include "io/errors.h"
#include "io/untrusted_input.h"
#include "tokenizer/bpe_tokenizer.h"
#include "tokenizer/hf_bpe_tokenizer.h"
#include "tokenizer/wordpiece_tokenizer.h"

namespace adamix {

namespace {

using json = nlohmann::json;

[[noreturn]] void fail(const std::string& msg, const std::string& path, const std::string& field) {
  throw EngineError(ErrorKind::Model, msg, path + ":" + field);
}

/// A JSON integer at `field` (token ids, sizes). Anything else — a float such as 3e45, whose
/// conversion to int64 is undefined behaviour — is an error naming the field.
int64_t integerAt(const json& v, const std::string& path, const std::string& field) {
  if (!v.is_number_integer())
    fail(std::string("expected an integer, got ") + v.type_name() + " " + v.dump(), path, field);
  return v.get<int64_t>();
}

std::string typeOf(const json& j) {
  return j.is_object() && j.contains("type") && j["type"].is_string() ? j["type"].get<std::string>() : "";
}

std::unique_ptr<Tokenizer> wordPieceFrom(const json& j, const std::string& path) {
  const json& m = j["model"];
  BertNormalizerOptions norm{false, false, false, false};
  const json& n = j.value("normalizer", json());
  if (typeOf(n) == "BertNormalizer") {
    norm.clean_text = n.value("clean_text", true);
    norm.handle_chinese_chars = n.value("handle_chinese_chars", true);
    norm.lowercase = n.value("lowercase", true);
    norm.strip_accents = n.contains("strip_accents") && n["strip_accents"].is_boolean() ? n["strip_accents"].get<bool>()
                                                                                        : norm.lowercase;
  } else if (!n.is_null()) {
    fail("normalizer '" + typeOf(n) + "' is not supported with WordPiece (supported: BertNormalizer)", path,
         "/normalizer");
  }
  const json& pre = j.value("pre_tokenizer", json());
  if (!pre.is_null() && typeOf(pre) != "BertPreTokenizer")
    fail("pre_tokenizer '" + typeOf(pre) + "' is not supported with WordPiece (supported: BertPreTokenizer)", path,
         "/pre_tokenizer");
  if (!m.contains("vocab") || !m["vocab"].is_object()) fail("missing vocab object", path, "/model/vocab");
  std::vector<std::string> vocab(m["vocab"].size());
  for (auto it = m["vocab"].begin(); it != m["vocab"].end(); ++it) {
    const auto id = integerAt(it.value(), path, "/model/vocab");
    if (id < 0 || id >= static_cast<int64_t>(vocab.size()))
      fail("token ids are not 0..N-1 (token '" + it.key() + "' has id " + std::to_string(id) + ")", path,
           "/model/vocab");
    vocab[id] = it.key();
  }
  const int64_t max_chars = m.contains("max_input_chars_per_word")
                                ? integerAt(m["max_input_chars_per_word"], path, "/model/max_input_chars_per_word")
                                : 100;
  if (max_chars < 1) fail("must be positive", path, "/model/max_input_chars_per_word");
  return std::make_unique<WordPieceTokenizer>(std::move(vocab), norm, path, m.value("unk_token", "[UNK]"),
                                              m.value("continuing_subword_prefix", "##"),
                                              static_cast<size_t>(max_chars));
}

// GPT-2 and RoBERTa files: a lone ByteLevel pre-tokenizer with the GPT-2 regex, no normalizer.
bool isGpt2Style(const json& j) {
  const json& pre = j.value("pre_tokenizer", json());
  return typeOf(pre) == "ByteLevel" && !pre.value("add_prefix_space", false) && pre.value("use_regex", true) &&
         j.value("normalizer", json()).is_null();
}

std::unique_ptr<Tokenizer> bpeFrom(const json& j, const std::string& path) {
  if (!isGpt2Style(j)) return std::make_unique<HfBpeTokenizer>(j, path);
  const json& m = j["model"];
  const json& pre = j.value("pre_tokenizer", json());
  if (typeOf(pre) != "ByteLevel" || pre.value("add_prefix_space", false) || !pre.value("use_regex", true))
    fail("only byte-level BPE is supported (pre_tokenizer ByteLevel, add_prefix_space false, GPT-2 regex)", path,
         "/pre_tokenizer");
  const json& n = j.value("normalizer", json());
  if (!n.is_null()) fail("a normalizer with byte-level BPE is not supported", path, "/normalizer");
  if (!m.contains("vocab") || !m["vocab"].is_object()) fail("missing vocab object", path, "/model/vocab");
  std::unordered_map<std::string, int64_t> vocab;
  for (auto it = m["vocab"].begin(); it != m["vocab"].end(); ++it)
    vocab.emplace(it.key(), integerAt(it.value(), path, "/model/vocab"));
  std::vector<std::pair<std::string, std::string>> merges;
  for (const auto& e : m.value("merges", json::array())) {
    if (e.is_string()) {
      const auto s = e.get<std::string>();
      const auto sp = s.find(' ');
      if (sp == std::string::npos) fail("merge '" + s + "' is not two tokens", path, "/model/merges");
      merges.emplace_back(s.substr(0, sp), s.substr(sp + 1));
    } else if (e.is_array() && e.size() == 2) {
      merges.emplace_back(e[0].get<std::string>(), e[1].get<std::string>());
    } else {
      fail("merges must be \"a b\" strings or [a, b] pairs", path, "/model/merges");
    }
  }
  std::map<std::string, int64_t> specials;
  for (const auto& t : j.value("added_tokens", json::array()))
    if (t.value("special", false))
      specials[t.at("content").get<std::string>()] = integerAt(t.at("id"), path, "/added_tokens");
  return std::make_unique<BpeTokenizer>(std::move(vocab), std::move(merges), std::move(specials), path);
}

}  // namespace

std::unique_ptr<Tokenizer> loadTokenizerJson(const std::string& path) {
  const json j = readJsonFileBounded(path, kMaxVocabularyFileBytes, ErrorKind::Model, "tokenizer");
  if (!j.is_object() || !j.contains("model") || !j["model"].is_object()) fail("missing model object", path, "/model");
  std::string type = typeOf(j["model"]);
  // Older files omit model.type; BPE models are recognised by their merges.
  if (type.empty() && j["model"].contains("merges")) type = "BPE";
  try {
    if (type == "WordPiece") return wordPieceFrom(j, path);
    if (type == "BPE") return bpeFrom(j, path);
  } catch (const json::exception& e) {
    throw EngineError(ErrorKind::Model, std::string("malformed tokenizer.json: ") + e.what(), path);
  }
  fail("tokenizer.json model type '" + type + "' is not supported (supported: WordPiece, BPE)", path, "/model/type");
}

}  // namespace adamix
