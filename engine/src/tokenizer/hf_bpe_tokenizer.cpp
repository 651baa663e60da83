#include "tokenizer/hf_bpe_tokenizer.h"

#include "tokenizer/hf_json.h"
#include "tokenizer/hf_post_processor.h"
#include "tokenizer/unicode.h"

namespace adamix {

namespace {

using hfjson::json;

std::vector<std::pair<std::string, std::string>> readMerges(const json& m, const std::string& file) {
  std::vector<std::pair<std::string, std::string>> merges;
  const json& list = m.value("merges", json::array());
  if (!list.is_array()) hfjson::fail("expected an array", file, "/model/merges");
  merges.reserve(list.size());
  for (size_t i = 0; i < list.size(); ++i) {
    const json& e = list[i];
    if (e.is_string()) {
      const auto s = e.get<std::string>();
      const auto sp = s.find(' ');  // serialization.rs: splitn(2, ' ')
      if (sp == std::string::npos)
        hfjson::fail("merge '" + s + "' is not two tokens", file, "/model/merges/" + std::to_string(i));
      merges.emplace_back(s.substr(0, sp), s.substr(sp + 1));
    } else if (e.is_array() && e.size() == 2 && e[0].is_string() && e[1].is_string()) {
      merges.emplace_back(e[0].get<std::string>(), e[1].get<std::string>());
    } else {
      hfjson::fail("merges must be \"a b\" strings or [a, b] pairs", file, "/model/merges/" + std::to_string(i));
    }
  }
  return merges;
}

}  // namespace

HfBpeTokenizer::HfBpeTokenizer(const json& j, const std::string& file) : file_(file) {
  const json& m = j["model"];
  if (!m.contains("vocab") || !m["vocab"].is_object()) hfjson::fail("missing vocab object", file, "/model/vocab");
  for (const char* key : {"continuing_subword_prefix", "end_of_word_suffix"})
    if (!hfjson::stringAt(m, key, file, "/model").empty())
      hfjson::fail(std::string(key) + " is not supported", file, std::string("/model/") + key);
  if (m.contains("dropout") && !m["dropout"].is_null() &&
      !(m["dropout"].is_number() && m["dropout"].get<double>() == 0))
    hfjson::fail("BPE dropout is not supported (tokenisation must be deterministic)", file, "/model/dropout");
  std::unordered_map<std::string, int64_t> vocab;
  vocab.reserve(m["vocab"].size());
  for (auto it = m["vocab"].begin(); it != m["vocab"].end(); ++it)
    vocab.emplace(it.key(), hfjson::integer(it.value(), file, "/model/vocab"));
  BpeModelOptions opt;
  opt.unk_token = hfjson::stringAt(m, "unk_token", file, "/model");
  opt.fuse_unk = hfjson::boolAt(m, "fuse_unk", file, "/model", false);
  opt.byte_fallback = hfjson::boolAt(m, "byte_fallback", file, "/model", false);
  opt.ignore_merges = hfjson::boolAt(m, "ignore_merges", file, "/model", false);
  // Ids index a table sized from the largest one: an id beyond the number of entries (a corrupt
  // or hostile file, 1e17) is refused before any allocation.
  added_ = AddedVocabulary(j.value("added_tokens", json()), file);
  const size_t entries = vocab.size() + added_.tokens().size();
  for (const auto& [tok, id] : vocab)
    if (static_cast<uint64_t>(id) >= entries)
      hfjson::fail("token '" + tok + "' has id " + std::to_string(id) + " but the vocabulary and added tokens have " +
                       std::to_string(entries) + " entries",
                   file, "/model/vocab");
  model_ = std::make_unique<BpeModel>(std::move(vocab), readMerges(m, file), opt, file);

  normalizer_ = makeHfNormalizer(j.value("normalizer", json()), file, "/normalizer");
  pre_tokenizer_ = makeHfPreTokenizer(j.value("pre_tokenizer", json()), file, "/pre_tokenizer");
  decoder_ = makeHfDecoder(j.value("decoder", json()), file, "/decoder");
  template_ = makeHfPairTemplate(j.value("post_processor", json()), file, "/post_processor");

  int64_t max_id = -1;
  for (const auto& [tok, id] : model_->vocab()) max_id = std::max(max_id, id);
  for (size_t i = 0; i < added_.tokens().size(); ++i) {
    const auto& t = added_.tokens()[i];
    if (static_cast<uint64_t>(t.id) >= entries)
      hfjson::fail("added token '" + t.content + "' has id " + std::to_string(t.id) +
                       " but the vocabulary and added tokens have " + std::to_string(entries) + " entries",
                   file, "/added_tokens/" + std::to_string(i) + "/id");
    max_id = std::max(max_id, t.id);
  }
  if (max_id < 0) hfjson::fail("empty vocabulary", file, "/model/vocab");
  tokens_.assign(static_cast<size_t>(max_id + 1), std::string());
  skip_.assign(tokens_.size(), false);
  for (const auto& [tok, id] : model_->vocab()) tokens_[id] = tok;
  for (const auto& t : added_.tokens()) {
    tokens_[t.id] = t.content;
    skip_[t.id] = t.special;
  }

  for (const auto* run : {&template_.prefix, &template_.middle, &template_.suffix})
    for (const int64_t id : *run)
      if (id < 0 || id >= vocabSize())
        hfjson::fail("special token id " + std::to_string(id) + " is outside the vocabulary of " +
                         std::to_string(vocabSize()),
                     file, "/post_processor");

  auto firstOf = [&](std::initializer_list<const char*> names) {
    for (const char* n : names)
      if (const int64_t id = added_.idOf(n); id >= 0) return id;
    return int64_t{-1};
  };
  bos_id_ = !template_.prefix.empty() ? template_.prefix[0] : firstOf({"<s>", "<|begin_of_text|>", "<|startoftext|>"});
  eos_id_ = firstOf({"</s>", "<|end_of_text|>", "<|endoftext|>"});
  pad_id_ = 0;
}

int64_t HfBpeTokenizer::tokenToId(const std::string& token) const {
  const int64_t id = added_.idOf(token);
  return id >= 0 ? id : model_->tokenToId(token);
}

std::vector<int64_t> HfBpeTokenizer::encode(const std::string& input) const {
  // Invalid UTF-8 becomes U+FFFD first (HF takes a Rust &str, valid by construction).
  const std::string text = unicode::encodeUtf8(unicode::decodeUtf8(input));
  std::vector<int64_t> ids;
  for (const auto& raw : added_.split(text, false)) {
    if (raw.id >= 0) {
      ids.push_back(raw.id);
      continue;
    }
    const std::string normalized = normalizer_ ? normalizer_(raw.text) : raw.text;
    const std::vector<AddedSplit> parts =
        added_.hasNormalized() ? added_.split(normalized, true) : std::vector<AddedSplit>{{normalized, -1, 0}};
    for (const auto& part : parts) {
      if (part.id >= 0) {
        ids.push_back(part.id);
        continue;
      }
      std::vector<PreToken> pieces{{part.text, raw.offset == 0 && part.offset == 0}};
      if (pre_tokenizer_) pre_tokenizer_(pieces);
      for (const auto& p : pieces) model_->tokenize(p.text, ids);
    }
  }
  return ids;
}

std::string HfBpeTokenizer::decode(const std::vector<int64_t>& ids) const {
  std::vector<std::string> toks;
  for (const int64_t id : ids) {
    if (id < 0 || id >= vocabSize())
      throw EngineError(ErrorKind::Model,
                        "token id " + std::to_string(id) + " outside the vocabulary of " + std::to_string(vocabSize()),
                        file_);
    if (!skip_[id]) toks.push_back(tokens_[id]);
  }
  if (decoder_) toks = decoder_(std::move(toks));
  std::string out;
  for (const auto& t : toks) out += t;
  return out;
}

void HfBpeTokenizer::applyConfig(const TokenizerConfig& c, const std::string& config_file) {
  auto resolve = [&](const std::optional<std::string>& tok, const char* field, int64_t current) {
    if (!tok) return current;
    if (tok->empty()) return int64_t{-1};
    const int64_t id = tokenToId(*tok);
    if (id < 0) hfjson::fail("token '" + *tok + "' is not in the vocabulary of " + file_, config_file, field);
    return id;
  };
  bos_id_ = resolve(c.bos_token, "/bos_token", bos_id_);
  eos_id_ = resolve(c.eos_token, "/eos_token", eos_id_);
  const int64_t pad = resolve(c.pad_token, "/pad_token", pad_id_);
  pad_id_ = pad >= 0 ? pad : 0;
  chat_template_ = c.chat_template;
  const bool llama = c.tokenizer_class == "LlamaTokenizer" || c.tokenizer_class == "LlamaTokenizerFast";
  if (llama && (c.add_bos_token || c.add_eos_token)) {
    // transformers LlamaTokenizerFast.update_post_processor: (bos) A (eos) [(bos) B (eos)].
    const bool add_bos = c.add_bos_token.value_or(true), add_eos = c.add_eos_token.value_or(false);
    if (add_bos && bos_id_ < 0)
      hfjson::fail("add_bos_token is true but there is no bos_token", config_file, "/add_bos_token");
    if (add_eos && eos_id_ < 0)
      hfjson::fail("add_eos_token is true but there is no eos_token", config_file, "/add_eos_token");
    PairTemplate t;
    if (add_bos) t.prefix = {bos_id_};
    if (add_eos) t.middle.push_back(eos_id_);
    if (add_bos) t.middle.push_back(bos_id_);
    if (add_eos) t.suffix = {eos_id_};
    template_ = t;
  }
}

}  // namespace adamix
