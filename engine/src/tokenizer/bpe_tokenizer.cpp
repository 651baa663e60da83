#include "tokenizer/bpe_tokenizer.h"

#include <nlohmann/json.hpp>

#include <fstream>
#include <limits>
#include <sstream>

#include "io/errors.h"
#include "io/untrusted_input.h"
#include "tokenizer/unicode.h"

namespace adamix {

namespace u = unicode;

namespace {

bool isL(char32_t c) { return u::isLetter(c); }
bool isN(char32_t c) { return u::isNumber(c); }
bool isS(char32_t c) { return u::isWhiteSpace(c); }
bool isOther(char32_t c) { return !isS(c) && !isL(c) && !isN(c); }  // [^\s\p{L}\p{N}]

// Length of the match of the GPT-2 pattern at `i` (always >= 1 when i < n).
size_t matchAt(const std::vector<char32_t>& t, size_t i) {
  const size_t n = t.size();
  // 's|'t|'re|'ve|'m|'ll|'d
  if (t[i] == '\'' && i + 1 < n) {
    const char32_t a = t[i + 1];
    if (a == 's' || a == 't' || a == 'm' || a == 'd') return 2;
    if (i + 2 < n) {
      const char32_t b = t[i + 2];
      if ((a == 'r' && b == 'e') || (a == 'v' && b == 'e') || (a == 'l' && b == 'l')) return 3;
    }
  }
  // ' ?X+' for X = letters, numbers, others (in that order).
  for (auto cls : {isL, isN, isOther}) {
    size_t j = i;
    if (t[j] == ' ' && j + 1 < n && cls(t[j + 1])) ++j;
    if (!cls(t[j])) continue;
    while (j < n && cls(t[j])) ++j;
    return j - i;
  }
  // \s+(?!\S): the whitespace run, minus its last character when non-space follows it.
  size_t j = i;
  while (j < n && isS(t[j])) ++j;
  const size_t run = j - i;
  if (j == n || run == 1) return run;  // at the end, or \s+ (a single space before a word)
  return run - 1;
}

}  // namespace

std::vector<std::string> gpt2PreTokenize(const std::string& text) {
  const auto cps = u::decodeUtf8(text);
  std::vector<std::string> out;
  for (size_t i = 0; i < cps.size();) {
    const size_t len = matchAt(cps, i);
    out.push_back(u::encodeUtf8(std::vector<char32_t>(cps.begin() + i, cps.begin() + i + len)));
    i += len;
  }
  return out;
}

const std::vector<char32_t>& byteToUnicode() {
  static const std::vector<char32_t> table = [] {
    std::vector<char32_t> t(256, 0);
    std::vector<bool> direct(256, false);
    for (int b = '!'; b <= '~'; ++b) direct[b] = true;
    for (int b = 0xA1; b <= 0xAC; ++b) direct[b] = true;
    for (int b = 0xAE; b <= 0xFF; ++b) direct[b] = true;
    char32_t next = 256;
    for (int b = 0; b < 256; ++b) t[b] = direct[b] ? static_cast<char32_t>(b) : next++;
    return t;
  }();
  return table;
}

BpeTokenizer::BpeTokenizer(std::unordered_map<std::string, int64_t> vocab,
                           std::vector<std::pair<std::string, std::string>> merges,
                           std::map<std::string, int64_t> special_tokens, const std::string& source)
    : vocab_(std::move(vocab)), source_(source) {
  for (const auto& [tok, id] : special_tokens) vocab_.emplace(tok, id);
  if (vocab_.empty()) throw EngineError(ErrorKind::Model, "empty BPE vocabulary", source);
  int64_t max_id = -1;
  for (const auto& [tok, id] : vocab_) {
    if (id < 0) throw EngineError(ErrorKind::Model, "negative id for token '" + tok + "'", source);
    // Contiguous ids 0..max need max + 1 entries: a larger id is refused before the id table is
    // allocated (an id of 10^17 in a fuzzed vocab.json asked for exabytes).
    if (static_cast<uint64_t>(id) >= vocab_.size())
      throw EngineError(ErrorKind::Model,
                        "token ids are not contiguous: token '" + tok + "' has id " + std::to_string(id) +
                            " but the vocabulary has " + std::to_string(vocab_.size()) + " entries",
                        source);
    max_id = std::max(max_id, id);
  }
  tokens_.assign(static_cast<size_t>(max_id + 1), std::string());
  std::vector<bool> seen(tokens_.size(), false);
  for (const auto& [tok, id] : vocab_) {  // ids checked above: 0 <= id <= max_id
    tokens_[id] = tok;
    seen[id] = true;
  }
  for (size_t i = 0; i < seen.size(); ++i)
    if (!seen[i])
      throw EngineError(ErrorKind::Model, "token ids are not contiguous: no token has id " + std::to_string(i), source);
  for (size_t r = 0; r < merges.size(); ++r) {
    const auto& [a, b] = merges[r];
    if (!vocab_.count(a) || !vocab_.count(b) || !vocab_.count(a + b))
      throw EngineError(
          ErrorKind::Model,
          "merge " + std::to_string(r + 1) + " '" + a + " " + b + "' uses or makes a token missing from the vocabulary",
          source);
    ranks_.emplace(merges[r], static_cast<int64_t>(r));
  }
  special_.assign(tokens_.size(), false);
  for (const auto& [tok, id] : special_tokens) special_[id] = true;
  auto id = [&](const char* t) {
    auto it = vocab_.find(t);
    return it == vocab_.end() ? int64_t{-1} : it->second;
  };
  roberta_ = id("<s>") >= 0 && id("</s>") >= 0;
  if (roberta_) {
    cls_id_ = bos_id_ = id("<s>");
    sep_id_ = eos_id_ = id("</s>");
    pad_id_ = id("<pad>") >= 0 ? id("<pad>") : 0;
    for (const char* t : {"<s>", "</s>", "<pad>", "<mask>"})
      if (id(t) >= 0) special_[id(t)] = true;
  } else if (id("<|endoftext|>") >= 0) {
    bos_id_ = eos_id_ = id("<|endoftext|>");
    special_[bos_id_] = true;
    pad_id_ = 0;  // GPT-2 has no padding token; padded positions are masked
  }
}

std::unique_ptr<BpeTokenizer> BpeTokenizer::fromFiles(const std::string& vocab_json, const std::string& merges_txt) {
  const nlohmann::json j =
      readJsonFileBounded(vocab_json, kMaxVocabularyFileBytes, ErrorKind::Model, "BPE vocabulary");
  if (!j.is_object()) throw EngineError(ErrorKind::Model, "expected an object token -> id", vocab_json);
  std::unordered_map<std::string, int64_t> vocab;
  for (auto it = j.begin(); it != j.end(); ++it) {
    if (!it.value().is_number_integer())
      throw EngineError(ErrorKind::Model, "id of token '" + it.key() + "' is not an integer", vocab_json);
    vocab.emplace(it.key(), it.value().get<int64_t>());
  }
  std::istringstream min(readFileBounded(merges_txt, kMaxVocabularyFileBytes, ErrorKind::Model, "BPE merges"));
  std::vector<std::pair<std::string, std::string>> merges;
  std::string line;
  for (size_t n = 1; std::getline(min, line); ++n) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty() || (n == 1 && line.rfind("#version", 0) == 0)) continue;
    const auto sp = line.find(' ');
    if (sp == std::string::npos || sp == 0 || sp + 1 >= line.size() || line.find(' ', sp + 1) != std::string::npos)
      throw EngineError(ErrorKind::Model, "expected two tokens separated by one space",
                        merges_txt + ":" + std::to_string(n));
    merges.emplace_back(line.substr(0, sp), line.substr(sp + 1));
  }
  return std::make_unique<BpeTokenizer>(std::move(vocab), std::move(merges), std::map<std::string, int64_t>{},
                                        vocab_json);
}

PairTemplate BpeTokenizer::pairTemplate() const {
  if (!roberta_) return {};
  return {{cls_id_}, {sep_id_, sep_id_}, {sep_id_}};
}

void BpeTokenizer::bpe(const std::string& mapped_word, std::vector<int64_t>& out) const {
  // Symbols = code points of the byte-mapped word; merge the lowest-ranked adjacent pair until
  // none is in the merge table.
  std::vector<std::string> sym;
  for (char32_t c : u::decodeUtf8(mapped_word)) {
    std::string s;
    u::appendUtf8(s, c);
    sym.push_back(std::move(s));
  }
  while (sym.size() > 1) {
    int64_t best = std::numeric_limits<int64_t>::max();
    size_t at = 0;
    for (size_t i = 0; i + 1 < sym.size(); ++i) {
      auto it = ranks_.find({sym[i], sym[i + 1]});
      if (it != ranks_.end() && it->second < best) {
        best = it->second;
        at = i;
      }
    }
    if (best == std::numeric_limits<int64_t>::max()) break;
    // Merge every occurrence of that pair, left to right.
    const std::string a = sym[at], b = sym[at + 1];
    std::vector<std::string> merged;
    for (size_t i = 0; i < sym.size();) {
      if (i + 1 < sym.size() && sym[i] == a && sym[i + 1] == b) {
        merged.push_back(a + b);
        i += 2;
      } else {
        merged.push_back(sym[i++]);
      }
    }
    sym.swap(merged);
  }
  for (const auto& s : sym) {
    auto it = vocab_.find(s);
    if (it == vocab_.end())
      throw EngineError(ErrorKind::Model, "byte-level BPE symbol '" + s + "' is not in the vocabulary", source_);
    out.push_back(it->second);
  }
}

std::vector<int64_t> BpeTokenizer::encode(const std::string& text) const {
  const auto& b2u = byteToUnicode();
  std::vector<int64_t> ids;
  for (const auto& piece : gpt2PreTokenize(text)) {
    std::string mapped;
    for (unsigned char b : piece) u::appendUtf8(mapped, b2u[b]);
    bpe(mapped, ids);
  }
  return ids;
}

std::string BpeTokenizer::decode(const std::vector<int64_t>& ids) const {
  static const std::unordered_map<char32_t, unsigned char> u2b = [] {
    std::unordered_map<char32_t, unsigned char> m;
    const auto& t = byteToUnicode();
    for (int b = 0; b < 256; ++b) m[t[b]] = static_cast<unsigned char>(b);
    return m;
  }();
  std::string out;
  for (int64_t id : ids) {
    if (id < 0 || id >= vocabSize())
      throw EngineError(ErrorKind::Model,
                        "token id " + std::to_string(id) + " outside the vocabulary of " + std::to_string(vocabSize()),
                        source_);
    if (special_[id]) continue;
    for (char32_t c : u::decodeUtf8(tokens_[id])) {
      auto it = u2b.find(c);
      if (it != u2b.end())
        out += static_cast<char>(it->second);
      else
        u::appendUtf8(out, c);  // a non-byte-level added token: its text as is
    }
  }
  return out;
}

}  // namespace adamix
