// Text helpers shared by the data-file parsers and their messages: trimming a field and listing
// names ("a, b, c"). No LibTorch.
#pragma once
#include <cstddef>
#include <limits>
#include <string>
#include <vector>

namespace adamix {

/// `s` without spaces, tabs and `\r` at either end (header names, labels, scores of data files).
std::string trimField(const std::string& s);

/// True when `s` is well-formed UTF-8 (utf8proc_iterate over every code point).
bool isValidUtf8(const std::string& s);

/// "a, b, c"; with more than `limit` names the first `limit` and ", … (N in all)".
std::string joinNames(const std::vector<std::string>& names, size_t limit = std::numeric_limits<size_t>::max());

}  // namespace adamix
