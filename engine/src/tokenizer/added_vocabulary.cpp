#include "tokenizer/added_vocabulary.h"

#include "tokenizer/hf_json.h"
#include "tokenizer/unicode.h"

namespace adamix {

namespace {

using hfjson::json;

// The character that ends before `i` / starts at `i` of valid UTF-8 `s`.
char32_t charBefore(const std::string& s, size_t i) {
  size_t b = i;
  while (b > 0 && (static_cast<unsigned char>(s[b - 1]) & 0xC0) == 0x80) --b;
  if (b > 0) --b;
  return unicode::decodeUtf8(s.substr(b, i - b)).at(0);
}
char32_t charAt(const std::string& s, size_t i) {
  size_t e = i + 1;
  while (e < s.size() && (static_cast<unsigned char>(s[e]) & 0xC0) == 0x80) ++e;
  return unicode::decodeUtf8(s.substr(i, e - i)).at(0);
}
bool isWordChar(char32_t c) { return unicode::isLetter(c) || unicode::isNumber(c) || c == '_'; }

}  // namespace

AddedVocabulary::AddedVocabulary(const json& added_tokens, const std::string& file) {
  for (auto& v : by_first_byte_) v.assign(256, {});
  if (added_tokens.is_null()) return;
  if (!added_tokens.is_array()) hfjson::fail("expected an array", file, "/added_tokens");
  for (size_t i = 0; i < added_tokens.size(); ++i) {
    const json& t = added_tokens[i];
    const std::string field = "/added_tokens/" + std::to_string(i);
    if (!t.is_object() || !t.contains("content") || !t.contains("id"))
      hfjson::fail("expected an object with content and id", file, field);
    AddedToken a;
    a.content = hfjson::stringAt(t, "content", file, field);
    if (a.content.empty()) hfjson::fail("empty token", file, field + "/content");
    a.id = hfjson::integer(t["id"], file, field + "/id");
    if (a.id < 0) hfjson::fail("negative id", file, field + "/id");
    a.special = hfjson::boolAt(t, "special", file, field, false);
    a.normalized = hfjson::boolAt(t, "normalized", file, field, !a.special);
    a.lstrip = hfjson::boolAt(t, "lstrip", file, field, false);
    a.rstrip = hfjson::boolAt(t, "rstrip", file, field, false);
    a.single_word = hfjson::boolAt(t, "single_word", file, field, false);
    has_normalized_ = has_normalized_ || a.normalized;
    by_first_byte_[a.normalized ? 1 : 0][static_cast<unsigned char>(a.content[0])].push_back(tokens_.size());
    tokens_.push_back(std::move(a));
  }
}

int64_t AddedVocabulary::idOf(const std::string& content) const {
  for (const auto& t : tokens_)
    if (t.content == content) return t.id;
  return -1;
}

std::vector<AddedSplit> AddedVocabulary::split(const std::string& text, bool normalized) const {
  const auto& index = by_first_byte_[normalized ? 1 : 0];
  std::vector<AddedSplit> out;
  size_t last = 0;  // end of the previous token (text before it is already emitted or pending)
  for (size_t i = 0; i < text.size();) {
    const auto& cands = index[static_cast<unsigned char>(text[i])];
    const AddedToken* best = nullptr;
    for (size_t c : cands) {
      const auto& t = tokens_[c];
      if ((!best || t.content.size() > best->content.size()) && text.compare(i, t.content.size(), t.content) == 0) {
        if (t.single_word && ((i > 0 && isWordChar(charBefore(text, i))) ||
                              (i + t.content.size() < text.size() && isWordChar(charAt(text, i + t.content.size())))))
          continue;
        best = &t;
      }
    }
    if (!best) {
      ++i;
      continue;
    }
    size_t start = i, end = i + best->content.size();
    if (best->lstrip)
      while (start > last && unicode::isWhiteSpace(charBefore(text, start))) {
        size_t b = start - 1;
        while (b > last && (static_cast<unsigned char>(text[b]) & 0xC0) == 0x80) --b;
        start = b;
      }
    if (best->rstrip)
      while (end < text.size() && unicode::isWhiteSpace(charAt(text, end))) {
        ++end;
        while (end < text.size() && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) ++end;
      }
    if (start > last) out.push_back({text.substr(last, start - last), -1, last});
    out.push_back({text.substr(start, end - start), best->id, start});
    last = i = end;
  }
  if (last < text.size()) out.push_back({text.substr(last), -1, last});
  return out;
}

}  // namespace adamix
