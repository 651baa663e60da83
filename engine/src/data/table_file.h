// Own dataset files read as tables of named columns: CSV (RFC 4180 quoting: `"` quotes, `""` an
// escaped quote, newlines inside quotes; parsed by libcsv in strict mode), TSV (GLUE's literal
// layout, data/tsv.h: no quoting) and JSONL (one JSON object per line, nlohmann::json). CSV and
// TSV take their column names from the first row; JSONL from the keys, in order of first
// appearance (within one object in key order: nlohmann::json sorts them). Rows keep their 1-based file line. No LibTorch here (adamix_core: the GUI previews
// files with it).
#pragma once
#include <nlohmann/json.hpp>

#include <cstddef>
#include <limits>
#include <string>
#include <vector>

namespace adamix {

/// One data row of a table.
struct TableRow {
  /// One cell per TableFile::columns entry. CSV/TSV: the field text (a row of another width
  /// leaves `error` set). JSONL: strings as they are, numbers and booleans as JSON writes them
  /// ("1", "0.5", "true"), arrays and objects as their JSON text; "" for a missing key or null.
  std::vector<std::string> cells;
  std::vector<bool> present;  ///< false where a JSONL key is missing or null (CSV/TSV: all true)
  /// JSONL: what each cell held (a number written with an integral value, 1.0, reads "1", as
  /// pandas writes integer labels of a float column). CSV/TSV: all Text.
  enum class Kind : unsigned char { Text, Number, Boolean, Container };
  std::vector<Kind> kinds;
  int line = 0;               ///< 1-based line where the row starts
  std::string error;          ///< non-empty: the row is malformed (wrong width, bad JSON, not an object)
};

/// A whole (or the head of a) table file.
struct TableFile {
  std::string path;
  std::string format;                ///< "csv" | "tsv" | "jsonl"
  std::vector<std::string> columns;  ///< header names (trimmed of spaces and `\r`)
  std::vector<TableRow> rows;        ///< data rows in file order (the header excluded)
  bool truncated = false;            ///< stopped after max_rows data rows
};

/// "csv" | "tsv" | "jsonl" from a file name's extension (.csv, .tsv, .jsonl, .json), "" otherwise.
std::string tableFormatOf(const std::string& path);

/// Parses table text of `format`. A UTF-8 BOM is skipped, `\r\n` handled, blank lines are not rows.
/// Throws EngineError(Data, what, "path:line") for a file-level fault: CSV quoting that does not
/// parse (an unterminated quote, text after a closing quote), an empty or duplicate header name,
/// no header at all; EngineError(Config, ..., "/task/format") for an unknown format. Row-level
/// faults (a CSV/TSV row of another width than the header, a JSONL line that is not a JSON object)
/// are kept in TableRow::error for the caller's bad-rows policy. Reads at most `max_rows` data rows.
TableFile parseTable(const std::string& text, const std::string& format, const std::string& path = {},
                     size_t max_rows = std::numeric_limits<size_t>::max());

/// Reads (bounded by kMaxDatasetFileBytes) and parses a table file; a missing or unreadable file
/// -> EngineError(Data, "cannot open ...", path). Throws as parseTable.
TableFile readTable(const std::string& path, const std::string& format,
                    size_t max_rows = std::numeric_limits<size_t>::max());

/// Index of column `name` in `t.columns`, or -1.
int tableColumn(const TableFile& t, const std::string& name);

/// One line of a JSONL file: the object, or an error text.
struct JsonlRecord {
  nlohmann::json value;  ///< a JSON object when error is empty
  int line = 0;
  std::string error;
};

/// The keys of `records`' objects (lines with an error skipped), in order of first appearance: the
/// columns of a JSONL table.
std::vector<std::string> jsonlColumns(const std::vector<JsonlRecord>& records);

/// Every non-blank line of JSONL text parsed (depth-guarded) as one JSON object, with its line.
std::vector<JsonlRecord> parseJsonl(const std::string& text, size_t max_rows = std::numeric_limits<size_t>::max());

}  // namespace adamix
