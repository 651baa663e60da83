#include "tokenizer/wordpiece_tokenizer.h"

#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "io/errors.h"
#include "io/untrusted_input.h"
#include "tokenizer/unicode.h"

namespace adamix {

namespace u = unicode;

WordPieceTokenizer::WordPieceTokenizer(std::vector<std::string> vocab, BertNormalizerOptions normalizer,
                                       const std::string& source, std::string unk_token, std::string continuing_prefix,
                                       size_t max_input_chars_per_word)
    : vocab_(std::move(vocab)),
      norm_(normalizer),
      prefix_(std::move(continuing_prefix)),
      max_chars_(max_input_chars_per_word),
      source_(source) {
  if (vocab_.empty()) throw EngineError(ErrorKind::Model, "empty WordPiece vocabulary", source);
  for (size_t i = 0; i < vocab_.size(); ++i)
    if (!ids_.emplace(vocab_[i], static_cast<int64_t>(i)).second)
      throw EngineError(ErrorKind::Model, "duplicate token '" + vocab_[i] + "' (line " + std::to_string(i + 1) + ")",
                        source);
  unk_id_ = tokenId(unk_token);
  if (unk_id_ < 0)
    throw EngineError(ErrorKind::Model, "unknown token '" + unk_token + "' not in the vocabulary", source);
  cls_id_ = tokenId("[CLS]");
  sep_id_ = tokenId("[SEP]");
  mask_id_ = tokenId("[MASK]");
  const int64_t pad = tokenId("[PAD]");
  pad_id_ = pad >= 0 ? pad : 0;
}

std::unique_ptr<WordPieceTokenizer> WordPieceTokenizer::fromVocabTxt(const std::string& path) {
  std::istringstream in(readFileBounded(path, kMaxVocabularyFileBytes, ErrorKind::Model, "WordPiece vocabulary"));
  std::vector<std::string> vocab;
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    vocab.push_back(line);
  }
  bool cased = false;
  for (const auto& t : vocab) {
    if (t.empty() || t.front() == '[') continue;
    for (char c : t) cased |= c >= 'A' && c <= 'Z';
  }
  BertNormalizerOptions norm;
  const auto config = std::filesystem::path(path).parent_path() / "tokenizer_config.json";
  std::error_code ec;
  if (std::filesystem::is_regular_file(config, ec)) {
    // an unreadable or malformed tokenizer_config.json is ignored here (casing is then inferred),
    // as before; its size and nesting are still bounded
    nlohmann::json j;
    try {
      j = readJsonFileBounded(config.string(), kMaxConfigFileBytes, ErrorKind::Model, "tokenizer config");
    } catch (const EngineError&) {
    }
    if (j.is_object() && j.contains("do_lower_case") && j["do_lower_case"].is_boolean())
      cased = !j["do_lower_case"].get<bool>();
  }
  norm.lowercase = norm.strip_accents = !cased;
  return std::make_unique<WordPieceTokenizer>(std::move(vocab), norm, path);
}

int64_t WordPieceTokenizer::tokenId(const std::string& token) const {
  auto it = ids_.find(token);
  return it == ids_.end() ? -1 : it->second;
}

PairTemplate WordPieceTokenizer::pairTemplate() const {
  // BERT's template ([CLS] a [SEP] b [SEP]) indexes the embedding table with these ids: a
  // vocabulary without them is a model error here, not an index error in the first forward.
  for (const auto& [name, id] : {std::pair<const char*, int64_t>{"[CLS]", cls_id_}, {"[SEP]", sep_id_}})
    if (id < 0)
      throw EngineError(ErrorKind::Model,
                        std::string("special token '") + name + "' not in the vocabulary (BERT's sequence template needs it)",
                        source_);
  return bertTemplate(cls_id_, sep_id_);
}

std::vector<std::string> WordPieceTokenizer::basicTokenize(const std::string& text) const {
  // Normalizer (tokenizers bert.rs order: clean text, CJK, strip accents, lowercase).
  std::vector<char32_t> cps;
  for (char32_t c : u::decodeUtf8(text)) {
    if (norm_.clean_text) {
      if (c == 0 || c == 0xFFFD) continue;
      const auto cat = u::category(c);
      const bool ws = c == ' ' || c == '\t' || c == '\n' || c == '\r' || cat == u::Category::SpaceSeparator;
      if (ws) {
        cps.push_back(' ');
        continue;
      }
      if (cat == u::Category::Control || cat == u::Category::Format || cat == u::Category::Other ||
          cat == u::Category::Unassigned)
        continue;
    }
    if (norm_.handle_chinese_chars && u::isCjkIdeograph(c)) {
      cps.insert(cps.end(), {U' ', c, U' '});
      continue;
    }
    cps.push_back(c);
  }
  if (norm_.strip_accents) {
    std::vector<char32_t> s;
    for (char32_t c : cps) u::appendStrippedAccents(s, c);
    cps.swap(s);
  }
  if (norm_.lowercase) {
    std::vector<char32_t> s;
    for (char32_t c : cps) u::appendLowercase(s, c);
    cps.swap(s);
  }
  // Pre-tokenizer: split on whitespace, punctuation characters are words of their own.
  std::vector<std::string> words;
  std::vector<char32_t> cur;
  auto flush = [&] {
    if (!cur.empty()) words.push_back(u::encodeUtf8(cur));
    cur.clear();
  };
  for (char32_t c : cps) {
    if (u::isWhiteSpace(c)) {
      flush();
      continue;
    }
    if (u::isBertPunctuation(c)) {
      flush();
      cur.push_back(c);
      flush();
      continue;
    }
    cur.push_back(c);
  }
  flush();
  return words;
}

void WordPieceTokenizer::wordPiece(const std::vector<char32_t>& word, std::vector<int64_t>& out) const {
  if (word.size() > max_chars_) {
    out.push_back(unk_id_);
    return;
  }
  std::vector<int64_t> pieces;
  size_t start = 0;
  while (start < word.size()) {
    size_t end = word.size();
    int64_t found = -1;
    while (start < end) {  // greedy longest match
      std::string sub = start > 0 ? prefix_ : std::string();
      for (size_t i = start; i < end; ++i) u::appendUtf8(sub, word[i]);
      found = tokenId(sub);
      if (found >= 0) break;
      --end;
    }
    if (found < 0) {
      out.push_back(unk_id_);  // the whole word is unknown
      return;
    }
    pieces.push_back(found);
    start = end;
  }
  out.insert(out.end(), pieces.begin(), pieces.end());
}

std::vector<int64_t> WordPieceTokenizer::encode(const std::string& text) const {
  std::vector<int64_t> ids;
  for (const auto& w : basicTokenize(text)) wordPiece(u::decodeUtf8(w), ids);
  return ids;
}

std::string WordPieceTokenizer::decode(const std::vector<int64_t>& ids) const {
  std::string out;
  for (int64_t id : ids) {
    if (id < 0 || id >= vocabSize())
      throw EngineError(ErrorKind::Model,
                        "token id " + std::to_string(id) + " outside the vocabulary of " + std::to_string(vocabSize()),
                        source_);
    if (id == cls_id_ || id == sep_id_ || id == pad_id_ || id == mask_id_) continue;
    const std::string& t = vocab_[id];
    if (!prefix_.empty() && t.rfind(prefix_, 0) == 0)
      out += t.substr(prefix_.size());
    else
      out += (out.empty() ? "" : " ") + t;
  }
  // HF tokenizers WordPiece decoder `cleanup` (clean_up_tokenization).
  static const std::pair<const char*, const char*> kCleanup[] = {
      {" .", "."},   {" ?", "?"},           {" !", "!"},   {" ,", ","},     {" ' ", "'"},   {" n't", "n't"},
      {" 'm", "'m"}, {" do not", " don't"}, {" 's", "'s"}, {" 've", "'ve"}, {" 're", "'re"}};
  for (const auto& [from, to] : kCleanup) {
    const std::string f = from, t = to;
    for (size_t pos = out.find(f); pos != std::string::npos; pos = out.find(f, pos + t.size()))
      out.replace(pos, f.size(), t);
  }
  return out;
}

}  // namespace adamix
