#include "data/tsv.h"

#include <fstream>
#include <sstream>

#include "data/field_text.h"
#include "io/errors.h"
#include "io/untrusted_input.h"

namespace adamix {

std::vector<std::string> splitTsvLine(const std::string& line) {
  std::vector<std::string> out;
  size_t start = 0;
  while (true) {
    size_t tab = line.find('\t', start);
    if (tab == std::string::npos) {
      out.push_back(line.substr(start));
      break;
    }
    out.push_back(line.substr(start, tab - start));
    start = tab + 1;
  }
  return out;
}

TsvFile parseTsv(const std::string& text, const std::string& path) {
  TsvFile file;
  file.path = path;
  size_t pos = 0;
  if (text.size() >= 3 && static_cast<unsigned char>(text[0]) == 0xEF && static_cast<unsigned char>(text[1]) == 0xBB &&
      static_cast<unsigned char>(text[2]) == 0xBF)
    pos = 3;
  int line_no = 0;
  while (pos < text.size()) {
    size_t nl = text.find('\n', pos);
    size_t end = nl == std::string::npos ? text.size() : nl;
    ++line_no;
    size_t content_end = end;
    if (content_end > pos && text[content_end - 1] == '\r') --content_end;
    if (content_end > pos) {
      TsvRow row;
      row.line = line_no;
      row.fields = splitTsvLine(text.substr(pos, content_end - pos));
      file.rows.push_back(std::move(row));
    }
    if (nl == std::string::npos) break;
    pos = nl + 1;
  }
  return file;
}

TsvFile readTsv(const std::string& path) {
  return parseTsv(readFileBounded(path, kMaxDatasetFileBytes, ErrorKind::Data, "data file"), path);
}

std::string tsvLocation(const std::string& path, int line) { return path + ":" + std::to_string(line); }

const std::string& tsvField(const TsvRow& row, size_t col, const std::string& path) {
  if (col >= row.fields.size())
    throw EngineError(
        ErrorKind::Data,
        "expected at least " + std::to_string(col + 1) + " columns, got " + std::to_string(row.fields.size()),
        tsvLocation(path, row.line));
  return row.fields[col];
}

int tsvColumnIndex(const TsvRow& header, const std::string& name) {
  for (size_t i = 0; i < header.fields.size(); ++i)
    if (trimField(header.fields[i]) == name) return static_cast<int>(i);
  return -1;
}

}  // namespace adamix
