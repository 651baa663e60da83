// Tab-separated files as GLUE distributes them: no quote processing (a `"` is literal text),
// an optional UTF-8 BOM, `\n` or `\r\n` line ends. Rows remember their 1-based file line.
#pragma once
#include <cstddef>
#include <string>
#include <vector>

namespace adamix {

/// One non-blank line of a TSV file split on every tab.
struct TsvRow {
  std::vector<std::string> fields;
  int line = 0;  ///< 1-based line number in the file
};

/// A whole TSV file. Blank lines (empty after removing a trailing `\r`) are not rows.
struct TsvFile {
  std::string path;
  std::vector<TsvRow> rows;
};

/// Splits one line on tabs (no quoting, no trimming). "a\t\tb" -> {"a", "", "b"}.
std::vector<std::string> splitTsvLine(const std::string& line);

/// Parses TSV text (BOM stripped, `\r\n` handled, blank lines dropped). `path` only labels rows.
TsvFile parseTsv(const std::string& text, const std::string& path = {});

/// Reads and parses a TSV file.
/// Throws EngineError(Data, "cannot open ...", path) when the file is missing or unreadable.
TsvFile readTsv(const std::string& path);

/// "path:line", the location string used in Data errors for a row.
std::string tsvLocation(const std::string& path, int line);

/// Field `col` of `row`; throws EngineError(Data, "expected at least N columns, got M", path:line)
/// when the row is too short.
const std::string& tsvField(const TsvRow& row, size_t col, const std::string& path);

/// Index of the header column named `name` (exact match after trimming spaces/`\r`), or -1.
int tsvColumnIndex(const TsvRow& header, const std::string& name);

}  // namespace adamix
