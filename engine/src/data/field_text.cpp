#include "data/field_text.h"

#include <utf8proc.h>

namespace adamix {

std::string trimField(const std::string& s) {
  size_t b = 0, e = s.size();
  while (b < e && (s[b] == ' ' || s[b] == '\r' || s[b] == '\t')) ++b;
  while (e > b && (s[e - 1] == ' ' || s[e - 1] == '\r' || s[e - 1] == '\t')) --e;
  return s.substr(b, e - b);
}

bool isValidUtf8(const std::string& s) {
  const auto* p = reinterpret_cast<const utf8proc_uint8_t*>(s.data());
  utf8proc_ssize_t left = static_cast<utf8proc_ssize_t>(s.size());
  while (left > 0) {
    utf8proc_int32_t cp;
    const utf8proc_ssize_t n = utf8proc_iterate(p, left, &cp);
    if (n <= 0) return false;
    p += n;
    left -= n;
  }
  return true;
}

std::string exampleTextProblem(const std::string& name, const std::string& text) {
  if (text.size() > kMaxExampleTextBytes)
    return name + " is " + std::to_string(text.size()) + " bytes, more than the limit of " +
           std::to_string(kMaxExampleTextBytes) + " bytes for one example's text (split or shorten it)";
  if (!isValidUtf8(text)) return name + " is not valid UTF-8 (save the file as UTF-8)";
  return "";
}

std::string emptyTextProblem(const std::string& name, size_t number) {
  return "empty text in column " + (name.empty() ? std::to_string(number) : "\"" + name + "\"");
}

std::string joinNames(const std::vector<std::string>& names, size_t limit) {
  std::string out;
  for (size_t i = 0; i < names.size() && i < limit; ++i) out += (i ? ", " : "") + names[i];
  if (names.size() > limit) out += ", … (" + std::to_string(names.size()) + " in all)";
  return out;
}

}  // namespace adamix
