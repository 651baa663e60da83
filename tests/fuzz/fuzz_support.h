// Shared pieces of the libFuzzer targets (issue 16, item 1). Each target feeds one parser of
// untrusted input; an EngineError (or the app's StudyError) that names the place at fault is the
// expected outcome of bad input. Anything else — a crash, a sanitizer report, another exception
// escaping, or an error without a location — is a finding.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "io/errors.h"
#include "tokenizer/tokenizer.h"

namespace adamix::fuzz {

/// A directory private to this fuzzing process (under $TMPDIR, /dev/shm preferred), created once.
const std::string& tempDir();

/// Writes `bytes` to tempDir()/`name` (replacing it) and returns the path. Aborts on I/O failure.
std::string writeFile(const std::string& name, std::string_view bytes);

/// Removes tempDir()/`name` if present (files a previous input wrote must not leak into the next).
void removeFile(const std::string& name);

/// The expected outcome of bad input: aborts (a finding) when the error names no file, line or
/// field, so every rejected input is also checked for a usable message.
void checkError(const EngineError& e);

/// Encodes a fixed set of texts (ASCII, accents, CJK, emoji, control characters, invalid UTF-8)
/// plus `extra`, decodes the ids back, and checks every id is inside the vocabulary. Aborts when
/// an id is out of range.
void exerciseTokenizer(const Tokenizer& tokenizer, std::string_view extra);

}  // namespace adamix::fuzz

/// Runs `body`, accepting EngineError (checked by checkError) as the expected rejection.
#define ADAMIX_FUZZ_EXPECT_REJECTION(body)     \
  try {                                        \
    body;                                      \
  } catch (const ::adamix::EngineError& e) {   \
    ::adamix::fuzz::checkError(e);             \
  }
