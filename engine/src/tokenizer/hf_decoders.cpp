#include "tokenizer/hf_decoders.h"

#include <cstdio>
#include <unordered_map>

#include "tokenizer/bpe_tokenizer.h"
#include "tokenizer/hf_json.h"
#include "tokenizer/hf_normalizers.h"
#include "tokenizer/unicode.h"

namespace adamix {

namespace {

using hfjson::json;

const std::string kReplacementChar = "\xEF\xBF\xBD";

// String::from_utf8_lossy: each invalid sequence becomes U+FFFD.
std::string lossyUtf8(const std::string& bytes) { return unicode::encodeUtf8(unicode::decodeUtf8(bytes)); }

bool validUtf8(const std::string& bytes) { return lossyUtf8(bytes) == bytes; }

// "<0xNN>" -> NN, or -1.
int byteToken(const std::string& t) {
  unsigned v = 0;
  char tail = 0;
  if (t.size() == 6 && t.compare(0, 3, "<0x") == 0 && std::sscanf(t.c_str() + 3, "%2X%c", &v, &tail) == 2 &&
      tail == '>')
    return static_cast<int>(v);
  return -1;
}

}  // namespace

HfDecoder makeHfDecoder(const json& j, const std::string& file, const std::string& field) {
  if (j.is_null()) return {};
  const std::string type = hfjson::typeOf(j);
  if (type == "Sequence") {
    if (!j.contains("decoders") || !j["decoders"].is_array())
      hfjson::fail("expected an array of decoders", file, field + "/decoders");
    std::vector<HfDecoder> steps;
    for (size_t i = 0; i < j["decoders"].size(); ++i)
      if (auto d = makeHfDecoder(j["decoders"][i], file, field + "/decoders/" + std::to_string(i)))
        steps.push_back(std::move(d));
    return [steps](std::vector<std::string> tokens) {
      for (const auto& f : steps) tokens = f(std::move(tokens));
      return tokens;
    };
  }
  if (type == "ByteLevel")
    return [](std::vector<std::string> tokens) {
      static const std::unordered_map<char32_t, unsigned char> u2b = [] {
        std::unordered_map<char32_t, unsigned char> m;
        const auto& t = byteToUnicode();
        for (int b = 0; b < 256; ++b) m[t[b]] = static_cast<unsigned char>(b);
        return m;
      }();
      std::string bytes;
      for (const auto& tok : tokens)
        for (char32_t c : unicode::decodeUtf8(tok)) {
          auto it = u2b.find(c);
          if (it != u2b.end())
            bytes += static_cast<char>(it->second);
          else
            unicode::appendUtf8(bytes, c);
        }
      return std::vector<std::string>{lossyUtf8(bytes)};
    };
  if (type == "Replace") {
    const json& p = j.value("pattern", json());
    if (!p.is_object() || !p.contains("String") || !p["String"].is_string())
      hfjson::fail("only {\"String\": ...} patterns are supported in decoders", file, field + "/pattern");
    const std::string from = p["String"].get<std::string>(), to = hfjson::stringAt(j, "content", file, field);
    return [from, to](std::vector<std::string> tokens) {
      for (auto& t : tokens) t = replaceLiteral(t, from, to);
      return tokens;
    };
  }
  if (type == "ByteFallback")
    return [](std::vector<std::string> tokens) {
      std::vector<std::string> out;
      std::string pending;  // consecutive byte tokens
      size_t pending_count = 0;
      auto flush = [&] {
        if (pending_count == 0) return;
        if (validUtf8(pending))
          out.push_back(pending);
        else
          for (size_t k = 0; k < pending_count; ++k) out.push_back(kReplacementChar);
        pending.clear();
        pending_count = 0;
      };
      for (auto& t : tokens) {
        const int b = byteToken(t);
        if (b >= 0) {
          pending += static_cast<char>(b);
          ++pending_count;
        } else {
          flush();
          out.push_back(std::move(t));
        }
      }
      flush();
      return out;
    };
  if (type == "Fuse")
    return [](std::vector<std::string> tokens) {
      std::string all;
      for (const auto& t : tokens) all += t;
      return std::vector<std::string>{all};
    };
  if (type == "Strip") {
    const std::string content = hfjson::stringAt(j, "content", file, field, " ");
    const auto cps = unicode::decodeUtf8(content);
    if (cps.size() != 1) hfjson::fail("expected one character", file, field + "/content");
    const int64_t start = hfjson::integerAt(j, "start", file, field, 0),
                  stop = hfjson::integerAt(j, "stop", file, field, 0);
    const char32_t c = cps[0];
    return [c, start, stop](std::vector<std::string> tokens) {
      for (auto& t : tokens) {
        auto chars = unicode::decodeUtf8(t);
        size_t b = 0, e = chars.size();
        for (int64_t k = 0; k < start && b < e && chars[b] == c; ++k) ++b;
        for (int64_t k = 0; k < stop && e > b && chars[e - 1] == c; ++k) --e;
        t = unicode::encodeUtf8(std::vector<char32_t>(chars.begin() + b, chars.begin() + e));
      }
      return tokens;
    };
  }
  if (type == "Metaspace") {
    const std::string replacement = hfjson::stringAt(j, "replacement", file, field, "\xE2\x96\x81");
    std::string scheme = "always";
    if (j.contains("prepend_scheme") && !j["prepend_scheme"].is_null())
      scheme = hfjson::stringAt(j, "prepend_scheme", file, field);
    else if (!hfjson::boolAt(j, "add_prefix_space", file, field, true))
      scheme = "never";
    return [replacement, scheme](std::vector<std::string> tokens) {
      for (size_t i = 0; i < tokens.size(); ++i) {
        std::string t = replaceLiteral(tokens[i], replacement, " ");
        if (i == 0 && scheme != "never" && !t.empty() && t[0] == ' ') t.erase(0, 1);
        tokens[i] = std::move(t);
      }
      return tokens;
    };
  }
  hfjson::fail("decoder type '" + type +
                   "' is not supported here (supported: Sequence, ByteLevel, Replace, ByteFallback, Fuse, Strip, "
                   "Metaspace)",
               file, field + "/type");
}

}  // namespace adamix
