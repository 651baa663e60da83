#include "data/table_file.h"

#include <csv.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <map>
#include <set>

#include "data/field_text.h"
#include "data/tsv.h"
#include "io/errors.h"
#include "io/untrusted_input.h"

namespace adamix {

namespace {

using nlohmann::json;

size_t bomLength(const std::string& text) {
  return text.size() >= 3 && static_cast<unsigned char>(text[0]) == 0xEF &&
                 static_cast<unsigned char>(text[1]) == 0xBB && static_cast<unsigned char>(text[2]) == 0xBF
             ? 3
             : 0;
}

/// Header names: trimmed, non-empty, distinct.
std::vector<std::string> headerNames(const std::vector<std::string>& fields, const std::string& path, int line) {
  std::vector<std::string> names;
  std::set<std::string> seen;
  for (size_t i = 0; i < fields.size(); ++i) {
    std::string n = trimField(fields[i]);
    if (n.empty())
      throw EngineError(ErrorKind::Data, "header column " + std::to_string(i + 1) + " has no name",
                        tsvLocation(path, line));
    if (!seen.insert(n).second)
      throw EngineError(ErrorKind::Data, "duplicate header column \"" + n + "\"", tsvLocation(path, line));
    names.push_back(std::move(n));
  }
  return names;
}

/// Rows of a CSV/TSV file with its header split off; widths checked against the header.
void setRows(TableFile& t, std::vector<std::pair<std::vector<std::string>, int>> raw, size_t max_rows) {
  if (raw.empty()) throw EngineError(ErrorKind::Data, "empty file: missing header", t.path);
  t.columns = headerNames(raw.front().first, t.path, raw.front().second);
  for (size_t r = 1; r < raw.size(); ++r) {
    if (t.rows.size() >= max_rows) {
      t.truncated = true;
      break;
    }
    TableRow row;
    row.line = raw[r].second;
    row.cells = std::move(raw[r].first);
    if (row.cells.size() != t.columns.size()) {
      row.error = "expected " + std::to_string(t.columns.size()) + " columns as the header, got " +
                  std::to_string(row.cells.size());
      row.cells.resize(t.columns.size());
    }
    row.present.assign(t.columns.size(), true);
    row.kinds.assign(t.columns.size(), TableRow::Kind::Text);
    t.rows.push_back(std::move(row));
  }
}

/// libcsv callbacks' state: fields of the current record, its start line, finished records.
struct CsvState {
  std::vector<std::string> fields;
  int record_line = 0;  ///< first line of the record being parsed (0: between records)
  std::vector<std::pair<std::vector<std::string>, int>> records;
};

void onField(void* s, size_t len, void* data) {
  auto* st = static_cast<CsvState*>(data);
  st->fields.push_back(s ? std::string(static_cast<const char*>(s), len) : std::string());
}

void onRecord(int, void* data) {
  auto* st = static_cast<CsvState*>(data);
  st->records.emplace_back(std::move(st->fields), st->record_line);
  st->fields.clear();
}

int noSpace(unsigned char) { return 0; }  // fields keep their spaces (as Python's csv module)

TableFile parseCsv(const std::string& text, const std::string& path, size_t max_rows) {
  csv_parser p;
  if (csv_init(&p, CSV_STRICT | CSV_STRICT_FINI) != 0)
    throw EngineError(ErrorKind::Internal, "cannot initialise the CSV parser", path);
  csv_set_space_func(&p, noSpace);
  CsvState st;
  size_t pos = bomLength(text);
  bool stopped = false;
  int line = 0;
  int open_record = 0;  // first line of a record still open after its line was fed (a quoted newline)
  auto fail = [&]() {
    const std::string what = csv_strerror(csv_error(&p));
    csv_free(&p);
    const int start = open_record > 0 ? open_record : line;
    throw EngineError(ErrorKind::Data,
                      "malformed CSV (" + what +
                          "): a quote must open a field and close it, with \"\" for a quote inside a quoted field" +
                          (start != line ? " (the record starting here is still open at line " + std::to_string(line) + ")"
                                         : std::string()),
                      tsvLocation(path, start));
  };
  while (pos < text.size()) {
    if (st.records.size() > 1 && st.records.size() - 2 >= max_rows) {  // header + max_rows + one more: truncated
      stopped = true;
      break;
    }
    size_t nl = text.find('\n', pos);
    const size_t end = nl == std::string::npos ? text.size() : nl + 1;
    ++line;
    const bool blank = text.find_first_not_of("\r\n", pos) >= end;
    if (open_record == 0 && !blank) open_record = line;
    st.record_line = open_record;
    const size_t before = st.records.size();
    if (csv_parse(&p, text.data() + pos, end - pos, onField, onRecord, &st) != end - pos) fail();
    // The line's newline ends the record unless a quoted field is still open.
    if (st.records.size() > before && nl != std::string::npos) open_record = 0;
    pos = end;
  }
  if (!stopped && csv_fini(&p, onField, onRecord, &st) != 0) fail();
  csv_free(&p);
  TableFile t;
  t.path = path;
  t.format = "csv";
  setRows(t, std::move(st.records), max_rows);
  return t;
}

TableFile parseTsvTable(const std::string& text, const std::string& path, size_t max_rows) {
  TsvFile tsv = parseTsv(text, path);
  std::vector<std::pair<std::vector<std::string>, int>> raw;
  raw.reserve(tsv.rows.size());
  for (auto& r : tsv.rows) raw.emplace_back(std::move(r.fields), r.line);
  TableFile t;
  t.path = path;
  t.format = "tsv";
  setRows(t, std::move(raw), max_rows);
  return t;
}

std::string cellText(const json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_number_float()) {
    const double d = v.get<double>();
    if (std::isfinite(d) && d == std::floor(d) && std::fabs(d) < 9.007199254740992e15)  // 2^53: exact
      return std::to_string(static_cast<int64_t>(d));
  }
  return v.dump();
}

TableRow::Kind cellKind(const json& v) {
  if (v.is_string()) return TableRow::Kind::Text;
  if (v.is_number()) return TableRow::Kind::Number;
  if (v.is_boolean()) return TableRow::Kind::Boolean;
  return TableRow::Kind::Container;
}

TableFile parseJsonlTable(const std::string& text, const std::string& path, size_t max_rows) {
  TableFile t;
  t.path = path;
  t.format = "jsonl";
  auto records = parseJsonl(text, max_rows == std::numeric_limits<size_t>::max() ? max_rows : max_rows + 1);
  if (records.size() > max_rows) {
    records.resize(max_rows);
    t.truncated = true;
  }
  t.columns = jsonlColumns(records);
  std::map<std::string, size_t> index;
  for (size_t c = 0; c < t.columns.size(); ++c) index.emplace(t.columns[c], c);
  for (auto& r : records) {
    TableRow row;
    row.line = r.line;
    row.error = r.error;
    row.cells.assign(t.columns.size(), "");
    row.present.assign(t.columns.size(), false);
    row.kinds.assign(t.columns.size(), TableRow::Kind::Text);
    if (r.error.empty())
      for (auto it = r.value.begin(); it != r.value.end(); ++it) {
        if (it.value().is_null()) continue;
        const size_t c = index.at(it.key());
        row.cells[c] = cellText(it.value());
        row.present[c] = true;
        row.kinds[c] = cellKind(it.value());
      }
    t.rows.push_back(std::move(row));
  }
  if (t.rows.empty()) throw EngineError(ErrorKind::Data, "empty file: no JSON lines", path);
  return t;
}

}  // namespace

std::string tableFormatOf(const std::string& path) {
  std::string ext = std::filesystem::path(path).extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (ext == ".csv") return "csv";
  if (ext == ".tsv") return "tsv";
  if (ext == ".jsonl" || ext == ".json") return "jsonl";
  return {};
}

std::vector<std::string> jsonlColumns(const std::vector<JsonlRecord>& records) {
  std::vector<std::string> columns;
  std::set<std::string> seen;
  for (const auto& r : records)
    if (r.error.empty())
      for (auto it = r.value.begin(); it != r.value.end(); ++it)
        if (seen.insert(it.key()).second) columns.push_back(it.key());
  return columns;
}

std::vector<JsonlRecord> parseJsonl(const std::string& text, size_t max_rows) {
  std::vector<JsonlRecord> out;
  size_t pos = bomLength(text);
  int line = 0;
  while (pos < text.size() && out.size() < max_rows) {
    size_t nl = text.find('\n', pos);
    size_t end = nl == std::string::npos ? text.size() : nl;
    ++line;
    std::string_view s(text.data() + pos, end - pos);
    while (!s.empty() && (s.back() == '\r' || s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    if (!s.empty()) {
      JsonlRecord r;
      r.line = line;
      try {
        r.value = parseJsonBounded(s, {}, ErrorKind::Data);
        if (!r.value.is_object()) r.error = "expected a JSON object, got " + std::string(r.value.type_name());
      } catch (const EngineError& e) {
        r.error = e.message();
      }
      if (!r.error.empty()) r.value = json();
      out.push_back(std::move(r));
    }
    if (nl == std::string::npos) break;
    pos = nl + 1;
  }
  return out;
}

TableFile parseTable(const std::string& text, const std::string& format, const std::string& path, size_t max_rows) {
  if (format == "csv") return parseCsv(text, path, max_rows);
  if (format == "tsv") return parseTsvTable(text, path, max_rows);
  if (format == "jsonl") return parseJsonlTable(text, path, max_rows);
  throw EngineError(ErrorKind::Config, "unknown format \"" + format + "\" (expected one of: csv, tsv, jsonl)",
                    "/task/format");
}

TableFile readTable(const std::string& path, const std::string& format, size_t max_rows) {
  return parseTable(readFileBounded(path, kMaxDatasetFileBytes, ErrorKind::Data, "data file"), format, path,
                    max_rows);
}

int tableColumn(const TableFile& t, const std::string& name) {
  for (size_t i = 0; i < t.columns.size(); ++i)
    if (t.columns[i] == name) return static_cast<int>(i);
  return -1;
}

}  // namespace adamix
