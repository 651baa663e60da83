#include "tokenizer/hf_pre_tokenizers.h"

#include <memory>

#include "tokenizer/bpe_tokenizer.h"
#include "tokenizer/hf_json.h"
#include "tokenizer/onig_regex.h"
#include "tokenizer/unicode.h"

namespace adamix {

namespace {

using hfjson::json;

enum class Behavior { Removed, Isolated, MergedWithPrevious, MergedWithNext, Contiguous };

Behavior behaviorOf(const json& j, const std::string& file, const std::string& field) {
  const std::string b = hfjson::stringAt(j, "behavior", file, field);
  if (b == "Removed") return Behavior::Removed;
  if (b == "Isolated") return Behavior::Isolated;
  if (b == "MergedWithPrevious") return Behavior::MergedWithPrevious;
  if (b == "MergedWithNext") return Behavior::MergedWithNext;
  if (b == "Contiguous") return Behavior::Contiguous;
  hfjson::fail(
      "split behavior '" + b + "' is unknown (Removed, Isolated, MergedWithPrevious, MergedWithNext, Contiguous)", file,
      field + "/behavior");
}

/// normalizer.rs NormalizedString::split: `matches` (sorted, non-overlapping spans of `s`) and the
/// gaps between them, combined per `behavior`.
std::vector<PreToken> splitBy(const PreToken& piece, const std::vector<std::pair<size_t, size_t>>& matches,
                              Behavior behavior, bool invert) {
  const std::string& s = piece.text;
  struct Span {
    size_t b, e;
    bool match;
  };
  std::vector<Span> spans;
  size_t last = 0;
  for (const auto& [b, e] : matches) {
    if (b > last) spans.push_back({last, b, false});
    spans.push_back({b, e, true});
    last = e;
  }
  if (last < s.size()) spans.push_back({last, s.size(), false});
  if (invert)
    for (auto& sp : spans) sp.match = !sp.match;
  std::vector<std::pair<size_t, size_t>> out;  // spans of the result
  switch (behavior) {
    case Behavior::Isolated:
      for (const auto& sp : spans) out.emplace_back(sp.b, sp.e);
      break;
    case Behavior::Removed:
      for (const auto& sp : spans)
        if (!sp.match) out.emplace_back(sp.b, sp.e);
      break;
    case Behavior::Contiguous: {
      bool prev_match = false;
      for (const auto& sp : spans) {
        if (sp.match && prev_match && !out.empty())
          out.back().second = sp.e;
        else
          out.emplace_back(sp.b, sp.e);
        prev_match = sp.match;
      }
      break;
    }
    case Behavior::MergedWithPrevious: {
      bool prev_match = false;
      for (const auto& sp : spans) {
        if (sp.match && !prev_match && !out.empty())
          out.back().second = sp.e;
        else
          out.emplace_back(sp.b, sp.e);
        prev_match = sp.match;
      }
      break;
    }
    case Behavior::MergedWithNext: {
      bool prev_match = false;
      for (const auto& sp : spans) {
        if (!sp.match && prev_match && !out.empty())
          out.back().second = sp.e;
        else
          out.emplace_back(sp.b, sp.e);
        prev_match = sp.match;
      }
      break;
    }
  }
  std::vector<PreToken> pieces;
  for (const auto& [b, e] : out)
    if (e > b) pieces.push_back({s.substr(b, e - b), piece.at_start && b == 0});
  return pieces;
}

std::vector<std::pair<size_t, size_t>> literalMatches(const std::string& s, const std::string& pattern) {
  std::vector<std::pair<size_t, size_t>> m;
  if (pattern.empty()) return m;
  for (size_t i = 0; (i = s.find(pattern, i)) != std::string::npos; i += pattern.size())
    m.emplace_back(i, i + pattern.size());
  return m;
}

HfPreTokenizer applyToEach(std::function<std::vector<PreToken>(const PreToken&)> f) {
  return [f](std::vector<PreToken>& pieces) {
    std::vector<PreToken> out;
    for (const auto& p : pieces)
      for (auto& q : f(p)) out.push_back(std::move(q));
    pieces.swap(out);
  };
}

}  // namespace

std::string byteLevelMap(const std::string& bytes) {
  const auto& b2u = byteToUnicode();
  std::string mapped;
  for (unsigned char b : bytes) unicode::appendUtf8(mapped, b2u[b]);
  return mapped;
}

HfPreTokenizer makeHfPreTokenizer(const json& j, const std::string& file, const std::string& field) {
  if (j.is_null()) return {};
  const std::string type = hfjson::typeOf(j);
  if (type == "Sequence") {
    if (!j.contains("pretokenizers") || !j["pretokenizers"].is_array())
      hfjson::fail("expected an array of pre-tokenizers", file, field + "/pretokenizers");
    std::vector<HfPreTokenizer> steps;
    for (size_t i = 0; i < j["pretokenizers"].size(); ++i)
      if (auto p = makeHfPreTokenizer(j["pretokenizers"][i], file, field + "/pretokenizers/" + std::to_string(i)))
        steps.push_back(std::move(p));
    return [steps](std::vector<PreToken>& pieces) {
      for (const auto& f : steps) f(pieces);
    };
  }
  if (type == "Split") {
    const Behavior behavior = behaviorOf(j, file, field);
    const bool invert = hfjson::boolAt(j, "invert", file, field, false);
    const json& p = j.value("pattern", json());
    if (p.is_object() && p.contains("Regex") && p["Regex"].is_string()) {
      auto re = std::make_shared<OnigRegex>(p["Regex"].get<std::string>(), file + ":" + field + "/pattern/Regex");
      return applyToEach(
          [re, behavior, invert](const PreToken& t) { return splitBy(t, re->findAll(t.text), behavior, invert); });
    }
    if (p.is_object() && p.contains("String") && p["String"].is_string()) {
      const std::string lit = p["String"].get<std::string>();
      return applyToEach([lit, behavior, invert](const PreToken& t) {
        return splitBy(t, literalMatches(t.text, lit), behavior, invert);
      });
    }
    hfjson::fail("expected {\"String\": ...} or {\"Regex\": ...}", file, field + "/pattern");
  }
  if (type == "ByteLevel") {
    const bool add_prefix_space = hfjson::boolAt(j, "add_prefix_space", file, field, true);
    const bool use_regex = hfjson::boolAt(j, "use_regex", file, field, true);
    return applyToEach([add_prefix_space, use_regex](const PreToken& t) {
      std::string s = t.text;
      if (add_prefix_space && !s.empty() && s[0] != ' ') s = " " + s;
      std::vector<PreToken> out;
      if (use_regex) {
        bool first = true;
        for (auto& w : gpt2PreTokenize(s)) {
          out.push_back({byteLevelMap(w), t.at_start && first});
          first = false;
        }
      } else {
        out.push_back({byteLevelMap(s), t.at_start});
      }
      return out;
    });
  }
  if (type == "Metaspace") {
    const std::string replacement = hfjson::stringAt(j, "replacement", file, field, "\xE2\x96\x81");
    if (unicode::decodeUtf8(replacement).size() != 1)
      hfjson::fail("expected one character", file, field + "/replacement");
    std::string scheme;
    if (j.contains("prepend_scheme") && !j["prepend_scheme"].is_null())
      scheme = hfjson::stringAt(j, "prepend_scheme", file, field);
    else
      scheme = hfjson::boolAt(j, "add_prefix_space", file, field, true) ? "always" : "never";
    if (scheme != "always" && scheme != "first" && scheme != "never")
      hfjson::fail("prepend_scheme '" + scheme + "' is unknown (always, first, never)", file,
                   field + "/prepend_scheme");
    const bool split = hfjson::boolAt(j, "split", file, field, true);
    return applyToEach([replacement, scheme, split](const PreToken& t) {
      std::string s;
      for (char c : t.text) {
        if (c == ' ')
          s += replacement;
        else
          s += c;
      }
      const bool starts = s.compare(0, replacement.size(), replacement) == 0;
      // NormalizedString::prepend does nothing to an empty string.
      if (!s.empty() && !starts && (scheme == "always" || (scheme == "first" && t.at_start))) s = replacement + s;
      PreToken whole{s, t.at_start};
      if (!split) return std::vector<PreToken>{whole};
      return splitBy(whole, literalMatches(s, replacement), Behavior::MergedWithNext, false);
    });
  }
  hfjson::fail(
      "pre_tokenizer type '" + type + "' is not supported here (supported: Sequence, Split, ByteLevel, Metaspace)",
      file, field + "/type");
}

}  // namespace adamix
