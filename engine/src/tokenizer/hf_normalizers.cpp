#include "tokenizer/hf_normalizers.h"

#include <utf8proc.h>

#include <memory>
#include <vector>

#include "tokenizer/hf_json.h"
#include "tokenizer/onig_regex.h"
#include "tokenizer/unicode.h"

namespace adamix {

namespace {

using hfjson::json;

}  // namespace

std::string replaceLiteral(const std::string& s, const std::string& from, const std::string& to) {
  if (from.empty()) return s;
  std::string out;
  size_t i = 0;
  for (size_t j; (j = s.find(from, i)) != std::string::npos; i = j + from.size()) {
    out.append(s, i, j - i);
    out += to;
  }
  out.append(s, i, std::string::npos);
  return out;
}

std::string unicodeNormalize(const std::string& text, const std::string& form) {
  int options = UTF8PROC_STABLE;
  if (form == "NFC")
    options |= UTF8PROC_COMPOSE;
  else if (form == "NFD")
    options |= UTF8PROC_DECOMPOSE;
  else if (form == "NFKC")
    options |= UTF8PROC_COMPOSE | UTF8PROC_COMPAT;
  else
    options |= UTF8PROC_DECOMPOSE | UTF8PROC_COMPAT;
  utf8proc_uint8_t* out = nullptr;
  // An explicit length (not NULLTERM), so U+0000 inside the text is a character like any other.
  const utf8proc_ssize_t n =
      utf8proc_map(reinterpret_cast<const utf8proc_uint8_t*>(text.data()), static_cast<utf8proc_ssize_t>(text.size()),
                   &out, static_cast<utf8proc_option_t>(options));
  if (n < 0) throw EngineError(ErrorKind::Model, std::string("Unicode normalisation failed: ") + utf8proc_errmsg(n));
  std::string result(reinterpret_cast<const char*>(out), static_cast<size_t>(n));
  std::free(out);
  return result;
}

HfNormalizer makeHfNormalizer(const json& j, const std::string& file, const std::string& field) {
  if (j.is_null()) return {};
  const std::string type = hfjson::typeOf(j);
  if (type == "Sequence") {
    if (!j.contains("normalizers") || !j["normalizers"].is_array())
      hfjson::fail("expected an array of normalizers", file, field + "/normalizers");
    std::vector<HfNormalizer> steps;
    for (size_t i = 0; i < j["normalizers"].size(); ++i)
      if (auto n = makeHfNormalizer(j["normalizers"][i], file, field + "/normalizers/" + std::to_string(i)))
        steps.push_back(std::move(n));
    return [steps](const std::string& s) {
      std::string out = s;
      for (const auto& f : steps) out = f(out);
      return out;
    };
  }
  if (type == "NFC" || type == "NFD" || type == "NFKC" || type == "NFKD")
    return [type](const std::string& s) { return unicodeNormalize(s, type); };
  if (type == "Prepend") {
    const std::string prepend = hfjson::stringAt(j, "prepend", file, field);
    return [prepend](const std::string& s) { return s.empty() ? s : prepend + s; };  // prepend.rs: not on ""
  }
  if (type == "Replace") {
    const std::string content = hfjson::stringAt(j, "content", file, field);
    const json& p = j.value("pattern", json());
    if (p.is_object() && p.contains("String") && p["String"].is_string()) {
      const std::string from = p["String"].get<std::string>();
      return [from, content](const std::string& s) { return replaceLiteral(s, from, content); };
    }
    if (p.is_object() && p.contains("Regex") && p["Regex"].is_string()) {
      auto re = std::make_shared<OnigRegex>(p["Regex"].get<std::string>(), file + ":" + field + "/pattern/Regex");
      return [re, content](const std::string& s) {
        std::string out;
        size_t last = 0;
        for (const auto& [b, e] : re->findAll(s)) {
          out.append(s, last, b - last);
          out += content;
          last = e;
        }
        out.append(s, last, std::string::npos);
        return out;
      };
    }
    hfjson::fail("expected {\"String\": ...} or {\"Regex\": ...}", file, field + "/pattern");
  }
  if (type == "Lowercase")
    return [](const std::string& s) {
      std::vector<char32_t> out;
      for (char32_t c : unicode::decodeUtf8(s)) unicode::appendLowercase(out, c);
      return unicode::encodeUtf8(out);
    };
  hfjson::fail("normalizer type '" + type +
                   "' is not supported here (supported: Sequence, NFC, NFD, NFKC, NFKD, Prepend, Replace, Lowercase)",
               file, field + "/type");
}

}  // namespace adamix
