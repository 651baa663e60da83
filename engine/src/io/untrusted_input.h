// Bounds on untrusted input (issue 16, item 6): files the engine and the app did not write —
// configs, vocabularies, datasets, checkpoints' headers, study files, the engine's event stream —
// are size- and nesting-checked before anything proportional to them is allocated, so a crafted
// file gives a clear error instead of a stack overflow or a terabyte allocation.
#pragma once
#include <nlohmann/json.hpp>

#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>

#include "io/errors.h"

namespace adamix {

/// Deepest JSON nesting accepted (objects and arrays). The deepest real file the engine reads
/// (a tokenizer.json with a Sequence normalizer) nests 6 levels; a crafted "[[[[…" of a million
/// levels would otherwise exhaust the stack of every recursive consumer (dump, comparison).
constexpr int kMaxJsonDepth = 128;

/// Size limits of files read whole into memory, checked from the file size before reading.
constexpr uint64_t kMaxConfigFileBytes = 64ull << 20;      ///< config.json, run configs, study files
constexpr uint64_t kMaxVocabularyFileBytes = 512ull << 20;  ///< vocab.txt, vocab.json, merges.txt, tokenizer.json/.model
constexpr uint64_t kMaxDatasetFileBytes = 8ull << 30;       ///< TSV/JSON datasets (MNLI train is 0.4 GB)
/// A run's events.jsonl read whole (`adamix import`). A long run's log is tens of MB (a metric
/// line per logged step, a heartbeat every 2 s); 1 GiB leaves room while bounding the memory.
constexpr uint64_t kMaxEventLogBytes = 1ull << 30;

/// Thrown by jsonDepthGuard()'s callback when a document nests deeper than its limit.
class JsonTooDeep : public std::runtime_error {
 public:
  explicit JsonTooDeep(int max_depth)
      : std::runtime_error("JSON nested deeper than " + std::to_string(max_depth) + " levels") {}
};

/// A nlohmann parser callback that throws JsonTooDeep when an object or array opens at nesting
/// depth `max_depth` (the top level is depth 0), for callers that parse with their own error
/// handling (the app's study files keep their line/column messages).
nlohmann::json::parser_callback_t jsonDepthGuard(int max_depth = kMaxJsonDepth);

/// Thrown by jsonStrictGuard()'s callback when an object repeats a key; pointer() is the repeated
/// key's JSON pointer (e.g. "/train/learning_rate").
class JsonDuplicateKey : public std::runtime_error {
 public:
  explicit JsonDuplicateKey(std::string pointer)
      : std::runtime_error("duplicate key: " + pointer + " appears twice in its object (JSON would keep only the last)"),
        pointer_(std::move(pointer)) {}
  const std::string& pointer() const { return pointer_; }

 private:
  std::string pointer_;
};

/// jsonDepthGuard, and JsonDuplicateKey when an object repeats a key: for files a person writes
/// (run configs, study files), where nlohmann (as Python's json) would silently keep the last of
/// two `learning_rate`s. Files other programs write (HF config.json, tokenizer.json) are not
/// checked: the libraries that read them accept repeats too.
nlohmann::json::parser_callback_t jsonStrictGuard(int max_depth = kMaxJsonDepth);

/// What a JSON error of nlohmann's (`e`, raised parsing `text`) says, with where it is: parse
/// errors name their line and column themselves; a number too large for a double
/// (out_of_range.406, "number overflow parsing '1e999'") does not, so its first occurrence in
/// `text` outside strings and comments is named ("… at line 3, column 12"). Other errors: e.what() as it is.
std::string jsonErrorText(const nlohmann::json::exception& e, std::string_view text);

/// Parses `text` as JSON (optionally with // and /* */ comments). Rejects nesting deeper than
/// `max_depth` while parsing, before the deep value is built.
/// Throws EngineError(kind, "invalid JSON: …" or "JSON nested deeper than 128 levels", source).
nlohmann::json parseJsonBounded(std::string_view text, const std::string& source, ErrorKind kind,
                                bool ignore_comments = false, int max_depth = kMaxJsonDepth);

/// parseJsonBounded with jsonStrictGuard: also throws EngineError(kind, "duplicate key: /a/b
/// appears twice …", source) when an object repeats a key.
nlohmann::json parseJsonStrict(std::string_view text, const std::string& source, ErrorKind kind);

/// Reads the whole file `path` after checking its size against `max_bytes`; a pipe (no size: a FIFO,
/// `<(zcat train.tsv.gz)`) is read in chunks until its writers close it and cut off past `max_bytes`.
/// Throws EngineError(kind, "… is N bytes, more than the limit of M bytes for WHAT", path) when it is
/// larger, EngineError(kind, "cannot open …", path) when it cannot be read or is neither a regular
/// file nor a pipe (a device such as /dev/zero), EngineError(Interrupted, "interrupted while reading
/// WHAT", path) when SIGINT/SIGTERM arrives while it is read — for a pipe also while it waits for a
/// writer that never comes or for data that never arrives (io/interrupt.h; within about 0.1 s).
std::string readFileBounded(const std::string& path, uint64_t max_bytes, ErrorKind kind, const std::string& what);

/// readFileBounded for a file that must be a regular file after following symlinks: a character
/// or block device (/dev/zero never ends and its size reads 0), FIFO or socket is refused before
/// anything is read. For inputs that are always files on disk (a run directory to import), where
/// readFileBounded's reading of a FIFO would wait for a writer. Throws EngineError(kind, "cannot
/// open WHAT: not a regular file (a character device)", path) for those, else as readFileBounded.
std::string readRegularFileBounded(const std::string& path, uint64_t max_bytes, ErrorKind kind,
                                   const std::string& what);

/// readFileBounded + parseJsonBounded.
nlohmann::json readJsonFileBounded(const std::string& path, uint64_t max_bytes, ErrorKind kind,
                                   const std::string& what, bool ignore_comments = false);

}  // namespace adamix
