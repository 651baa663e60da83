#include "data/glue_test.h"

#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <map>

#include "data/field_text.h"
#include "data/tsv.h"
#include "io/errors.h"

namespace adamix {

namespace {

/// Text columns of a task's test file.
struct TestColumns {
  std::string a, b;
};

TestColumns testColumns(const std::string& task) {
  if (task == "cola" || task == "sst2") return {"sentence", ""};
  if (task == "mrpc") return {"#1 String", "#2 String"};
  if (task == "qqp") return {"question1", "question2"};
  if (task == "qnli") return {"question", "sentence"};
  return {"sentence1", "sentence2"};  // stsb, mnli, rte, wnli, ax
}

/// Label column of the labelled layout with a header ("" for CoLA, which has none).
std::string labelColumn(const std::string& task) {
  if (task == "cola") return "";
  if (task == "mrpc") return "Quality";
  if (task == "stsb") return "score";
  if (task == "qqp") return "is_duplicate";
  if (task == "mnli") return "gold_label";
  return "label";
}

}  // namespace

bool isGlueTestSplit(const std::string& split) {
  return split == "test" || split == "test_matched" || split == "test_mismatched" || split == "ax";
}

std::string glueAnySplitFile(const TaskSpec& spec, const std::string& split) {
  const bool mnli = spec.name == "mnli";
  if (split == "test") return mnli ? "test_matched.tsv" : "test.tsv";
  if (mnli && (split == "test_matched" || split == "test_mismatched")) return split + ".tsv";
  if (mnli && split == "ax") return "../diagnostic/diagnostic.tsv";
  if (isGlueTestSplit(split))
    throw EngineError(ErrorKind::Config,
                      "task " + spec.name + " has no split \"" + split +
                          "\" (test_matched, test_mismatched and ax belong to mnli)",
                      "/task/name");
  return glueSplitFile(spec, split);
}

std::string canonicalSplitName(const TaskSpec& spec, const std::string& split) {
  glueAnySplitFile(spec, split);  // throws for a split the task does not have
  if (split == "dev") return spec.dev_splits.front();
  if (split == "test" && spec.name == "mnli") return "test_matched";
  return split;
}

std::string glueSubmissionFile(const TaskSpec& spec, const std::string& split) {
  if (!isGlueTestSplit(split))
    throw EngineError(ErrorKind::Config, "\"" + split + "\" is not a GLUE test split", "/task/name");
  const std::string s = canonicalSplitName(spec, split);
  if (s == "test_matched") return "MNLI-m.tsv";
  if (s == "test_mismatched") return "MNLI-mm.tsv";
  if (s == "ax") return "AX.tsv";
  static const std::map<std::string, std::string> names = {{"cola", "CoLA"}, {"sst2", "SST-2"}, {"mrpc", "MRPC"},
                                                           {"stsb", "STS-B"}, {"qqp", "QQP"},   {"qnli", "QNLI"},
                                                           {"rte", "RTE"},   {"wnli", "WNLI"}};
  return names.at(spec.name) + ".tsv";
}

LoadedSplit loadGlueTestFile(const TaskSpec& spec, const std::string& path, BadRowsPolicy policy) {
  const TsvFile tsv = readTsv(path);
  if (tsv.rows.empty()) throw EngineError(ErrorKind::Data, "empty file: missing header", path);
  const TsvRow& header = tsv.rows.front();
  const auto cols = testColumns(spec.name);
  auto need = [&](const std::string& name) {
    if (name.empty()) return -1;
    const int i = tsvColumnIndex(header, name);
    if (i < 0)
      throw EngineError(ErrorKind::Data, "header has no column \"" + name + "\" (task " + spec.name + ", GLUE test layout)",
                        tsvLocation(path, header.line));
    return i;
  };
  const int ii = need(spec.name == "qqp" ? "id" : "index"), ia = need(cols.a), ib = need(cols.b);
  LoadedSplit out;
  out.path = path;
  for (size_t r = 1; r < tsv.rows.size(); ++r) {
    const TsvRow& row = tsv.rows[r];
    std::string what;
    if (row.fields.size() != header.fields.size()) {
      what = "expected " + std::to_string(header.fields.size()) + " columns, got " + std::to_string(row.fields.size());
    } else {
      const std::string value = trimField(row.fields[static_cast<size_t>(ii)]);
      char* end = nullptr;
      errno = 0;
      const long long idx = std::strtoll(value.c_str(), &end, 10);
      if (value.empty() || end != value.c_str() + value.size() || errno == ERANGE || idx < 0) {
        what = "unparsable index \"" + value + "\" (expected a non-negative integer)";
      } else {
        Example ex;
        ex.text_a = row.fields[static_cast<size_t>(ia)];
        if (ib >= 0) ex.text_b = row.fields[static_cast<size_t>(ib)];
        ex.index = static_cast<int64_t>(idx);
        ex.line = row.line;
        if (ex.text_a.empty())
          what = emptyTextProblem(cols.a);
        else if (ib >= 0 && ex.text_b.empty())
          what = emptyTextProblem(cols.b);
        else
          what = exampleTextProblem(ex);
        if (what.empty()) {
          out.examples.push_back(std::move(ex));
          continue;
        }
      }
    }
    recordBadRow(out, policy, path, row.line, what);
  }
  return out;
}

bool isGlueTestLayout(const TaskSpec& spec, const std::string& path) {
  const TsvFile tsv = readTsv(path);
  if (tsv.rows.empty()) return false;
  const auto& first = tsv.rows.front();
  const std::string label = labelColumn(spec.name);
  if (label.empty())
    return first.fields.size() == 2 && trimField(first.fields[0]) == "index" && trimField(first.fields[1]) == "sentence";
  return tsvColumnIndex(first, label) < 0;
}

LoadedSplit loadAnySplit(const TaskSpec& spec, const std::string& dataDir, const std::string& split,
                         BadRowsPolicy policy, bool& labelled) {
  const auto path = (std::filesystem::path(dataDir) / glueAnySplitFile(spec, split)).string();
  labelled = !isGlueTestSplit(split);
  return labelled ? loadGlueFile(spec, path, policy) : loadGlueTestFile(spec, path, policy);
}

}  // namespace adamix
