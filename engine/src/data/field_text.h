// Text helpers shared by the data-file parsers and their messages: trimming a field, listing
// names ("a, b, c"), and the rules every loader applies to an example's text (size and UTF-8;
// the message for an empty one). No LibTorch.
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

/// Longest text of one example (a sentence, an NLG input or reference) a loader accepts: tokenizing
/// costs about 90 bytes of memory per byte of text at once, so a 40 MB line took 3.7 GB before
/// truncation to max_seq_length could apply. 1 MiB is about 200,000 words, far past any model's context.
constexpr size_t kMaxExampleTextBytes = size_t{1} << 20;

/// What makes one example text unusable, else "": over kMaxExampleTextBytes ("NAME is N bytes, more
/// than the limit of 1048576 bytes for one example's text (split or shorten it)") or not valid UTF-8
/// ("NAME is not valid UTF-8 (save the file as UTF-8)": the Hugging Face readers refuse such a file;
/// the tokenizers would read U+FFFD). `name` says which text ("text_a", "reference"). The rule of
/// every loader: GLUE and its test layout, own datasets, E2E, WebNLG, DART; the caller adds the
/// file and line or record.
std::string exampleTextProblem(const std::string& name, const std::string& text);

/// The bad-row message for a text cell a row must fill but left empty: `empty text in column
/// "NAME"`, or `empty text in column N` (1-based) for a file without a header (`name` empty).
std::string emptyTextProblem(const std::string& name, size_t number = 0);

/// "a, b, c"; with more than `limit` names the first `limit` and ", … (N in all)".
std::string joinNames(const std::vector<std::string>& names, size_t limit = std::numeric_limits<size_t>::max());

}  // namespace adamix
