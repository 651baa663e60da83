#include "data/own_task.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <map>
#include <optional>
#include <set>

#include "data/field_text.h"
#include "data/tsv.h"
#include "io/errors.h"
#include "io/untrusted_input.h"

namespace adamix {

namespace {

/// Column `name` of `table`, or EngineError(Data) at the header line naming the columns there are.
size_t requireColumn(const TableFile& table, const std::string& name, const std::string& key) {
  const int c = tableColumn(table, name);
  if (c < 0)
    throw EngineError(ErrorKind::Data,
                      "no column \"" + name + "\" (task." + key + "); the file has: " + joinNames(table.columns, 20),
                      table.format == "jsonl" ? table.path : tsvLocation(table.path, 1));
  return static_cast<size_t>(c);
}

/// A decimal number (digits, sign, point, exponent: no hex, no "inf"/"nan"), finite; a value too
/// small for a double reads as its underflowed value. nullopt otherwise.
std::optional<double> parseNumber(const std::string& text) {
  const std::string v = trimField(text);
  if (v.empty() || v.find_first_not_of("0123456789+-.eE") != std::string::npos) return std::nullopt;
  const char* begin = v.c_str();
  char* end = nullptr;
  errno = 0;
  const double d = std::strtod(begin, &end);
  if (end != begin + v.size() || !std::isfinite(d)) return std::nullopt;
  return d;
}

/// Where the fields of a classification / regression row are.
struct RowColumns {
  size_t text = 0;
  int pair = -1;   ///< -1: single-text task
  int label = -1;  ///< -1: unlabelled file
};

RowColumns rowColumns(const TaskConfig& t, const TableFile& table, bool labelled) {
  RowColumns c;
  c.text = requireColumn(table, t.text_column, "text_column");
  if (!t.text_pair_column.empty()) c.pair = static_cast<int>(requireColumn(table, t.text_pair_column, "text_pair_column"));
  if (labelled) c.label = static_cast<int>(requireColumn(table, t.label_column, "label_column"));
  return c;
}

/// One row's texts and (trimmed) label text, or why the row is malformed. Texts must be present
/// and (JSONL) strings; the label must be present, a string, number or boolean (JSONL), valid
/// UTF-8 and free of control characters (it is written into the run's config.json).
struct RowRead {
  Example example;
  std::string label;
  std::string problem;
};

RowRead readRow(const TaskConfig& t, const RowColumns& c, const TableRow& row) {
  RowRead r;
  auto fail = [&](std::string what) {
    r.problem = std::move(what);
    return r;
  };
  if (!row.error.empty()) return fail(row.error);
  auto kindOf = [&](size_t col) { return row.kinds.empty() ? TableRow::Kind::Text : row.kinds[col]; };
  if (!row.present[c.text] || row.cells[c.text].empty()) return fail(emptyTextProblem(t.text_column));
  if (kindOf(c.text) != TableRow::Kind::Text) return fail("column \"" + t.text_column + "\" must hold a string");
  r.example.text_a = row.cells[c.text];
  if (c.pair >= 0) {
    const auto p = static_cast<size_t>(c.pair);
    if (!row.present[p]) return fail("no value in column \"" + t.text_pair_column + "\"");
    if (kindOf(p) != TableRow::Kind::Text) return fail("column \"" + t.text_pair_column + "\" must hold a string");
    r.example.text_b = row.cells[p];
  }
  if (c.label >= 0) {
    const auto l = static_cast<size_t>(c.label);
    r.label = trimField(row.cells[l]);
    if (!row.present[l] || r.label.empty()) return fail("no label in column \"" + t.label_column + "\"");
    if (kindOf(l) == TableRow::Kind::Container)
      return fail("column \"" + t.label_column + "\" must hold a string, number or boolean, got " + r.label.substr(0, 40));
    if (!isValidUtf8(r.label)) return fail("the label is not valid UTF-8");
    if (std::any_of(r.label.begin(), r.label.end(), [](char ch) { return static_cast<unsigned char>(ch) < 0x20; }))
      return fail("the label contains a control character");
  }
  r.example.line = row.line;
  return r;
}

std::string resolvePath(const TaskConfig& t, const std::string& file) {
  return (std::filesystem::path(t.data_dir) / file).lexically_normal().string();
}

}  // namespace

TaskSpec taskSpecOf(const TaskConfig& t) {
  if (isGenerationTask(t))
    throw EngineError(ErrorKind::Internal, "task " + t.name + " is a generation task: it has no classification spec");
  if (!isOwnTask(t)) return taskSpec(t.name);
  TaskSpec s;
  s.name = t.name;
  s.regression = t.type == "regression";
  if (s.regression) {
    s.num_labels = 1;
    s.metrics = {"pearson", "spearmanr"};
  } else {
    if (t.labels.size() < 2)
      throw EngineError(ErrorKind::Config,
                        "the label set of task " + t.name + " is not resolved (give task.labels, or let train infer it)",
                        "/task/labels");
    s.num_labels = static_cast<int>(t.labels.size());
    s.label_names = t.labels;
    s.metrics = {"accuracy", "macro_f1", "micro_f1", "matthews_correlation"};
    if (t.labels.size() == 2) s.metrics.push_back("f1");
  }
  s.primary_metric = primaryMetricOf(t);
  s.dev_splits = {"dev"};
  s.pair = !t.text_pair_column.empty();
  return s;
}

std::string ownSplitPath(const TaskConfig& t, const std::string& split) {
  if (split == "train") return resolvePath(t, t.train_file);
  if (split == "dev") return resolvePath(t, t.dev_file);
  if (split == "test") {
    if (t.test_file.empty())
      throw EngineError(ErrorKind::Config, "task " + t.name + " has no test file (set task.test_file)", "/task/test_file");
    return resolvePath(t, t.test_file);
  }
  throw EngineError(ErrorKind::Usage,
                    "own task " + t.name + " has splits train, dev" + (t.test_file.empty() ? "" : ", test") +
                        "; got \"" + split + "\"",
                    "--split");
}

namespace {

/// Whether `table` has the task's label column with a value in some row.
bool tableHasLabels(const TaskConfig& t, const TableFile& table) {
  const int c = tableColumn(table, t.label_column);
  if (c < 0) return false;
  // A label column left empty in every row (a competition's test file) is no label.
  return std::any_of(table.rows.begin(), table.rows.end(), [&](const TableRow& r) {
    return r.error.empty() && r.present[static_cast<size_t>(c)] && !trimField(r.cells[static_cast<size_t>(c)]).empty();
  });
}

/// The examples of an own classification / regression table (see loadOwnFile).
LoadedSplit loadOwnTable(const TaskConfig& t, const TaskSpec& spec, const TableFile& table, BadRowsPolicy policy,
                         bool labelled) {
  LoadedSplit out;
  out.path = table.path;
  const RowColumns cols = rowColumns(t, table, labelled);
  for (const auto& row : table.rows) {
    RowRead r = readRow(t, cols, row);
    if (r.problem.empty() && labelled) {
      if (spec.regression) {
        if (const auto d = parseNumber(r.label))
          r.example.score = static_cast<float>(*d);
        else
          r.problem = "label \"" + r.label + "\" is not a finite decimal number (regression task)";
      } else {
        auto it = std::find(spec.label_names.begin(), spec.label_names.end(), r.label);
        if (it == spec.label_names.end())
          r.problem = "label \"" + r.label + "\" is not in the task's label set (" + joinNames(spec.label_names, 20) +
                      ")" + (t.labels.empty() ? "" : ", the labels of the train file or task.labels");
        else
          r.example.label = static_cast<int64_t>(it - spec.label_names.begin());
      }
    }
    if (r.problem.empty()) r.problem = exampleTextProblem(r.example);
    if (!r.problem.empty()) {
      recordBadRow(out, policy, table.path, row.line, r.problem);
      continue;
    }
    r.example.index = static_cast<int64_t>(out.examples.size());
    out.examples.push_back(std::move(r.example));
  }
  return out;
}

}  // namespace

LoadedSplit loadOwnFile(const TaskConfig& t, const TaskSpec& spec, const std::string& path, BadRowsPolicy policy,
                        bool labelled) {
  return loadOwnTable(t, spec, readTable(path, t.format), policy, labelled);
}

LoadedSplit loadOwnFileDetectingLabels(const TaskConfig& t, const TaskSpec& spec, const std::string& path,
                                       BadRowsPolicy policy, bool* labelled) {
  const TableFile table = readTable(path, t.format);
  *labelled = tableHasLabels(t, table);
  return loadOwnTable(t, spec, table, policy, *labelled);
}

LoadedSplit loadTaskSplit(const TaskConfig& t, const std::string& split, BadRowsPolicy policy) {
  if (!isOwnTask(t)) return loadSplit(t.name, t.data_dir, split, policy);
  return loadOwnFile(t, taskSpecOf(t), ownSplitPath(t, split), policy);
}

std::vector<std::string> inferOwnLabels(const TaskConfig& t) {
  const std::string path = ownSplitPath(t, "train");
  const TableFile table = readTable(path, t.format);
  const RowColumns cols = rowColumns(t, table, true);
  std::set<std::string> labels;
  LoadedSplit skipped;
  for (const auto& row : table.rows) {
    const RowRead r = readRow(t, cols, row);  // the rows training skips give no class
    if (!r.problem.empty())
      recordBadRow(skipped, t.bad_rows, path, row.line, r.problem);
    else
      labels.insert(r.label);
  }
  if (labels.size() < 2)
    throw EngineError(ErrorKind::Data,
                      "column \"" + t.label_column + "\" holds " + std::to_string(labels.size()) +
                          " distinct label(s); a classification task needs at least two (a numeric target? set "
                          "task.type to regression)",
                      path);
  std::vector<std::string> out(labels.begin(), labels.end());  // std::set: byte order
  // Integer class ids sort as numbers (-1, 1, 2, 10), as HF's CSV/JSON loaders read such a column
  // as integers before run_glue.py sorts it.
  const bool integers = std::all_of(out.begin(), out.end(), [](const std::string& l) {
    return l.find_first_not_of("-0123456789") == std::string::npos && l.size() <= 18 &&
           l.find('-', 1) == std::string::npos && l != "-";
  });
  if (integers)
    std::stable_sort(out.begin(), out.end(),
                     [](const std::string& a, const std::string& b) { return std::stoll(a) < std::stoll(b); });
  return out;
}

bool labelsInferredFromTrain(const TaskConfig& t) {
  return isOwnTask(t) && t.type == "classification" && t.labels.empty();
}

TaskConfig resolveOwnLabels(TaskConfig t) {
  if (labelsInferredFromTrain(t)) t.labels = inferOwnLabels(t);
  if (isOwnTask(t) && t.metric == "f1" && t.labels.size() != 2)
    throw EngineError(ErrorKind::Config,
                      "f1 is the binary F1 of the second label; the train file has " + std::to_string(t.labels.size()) +
                          " labels (" + joinNames(t.labels, 20) + "): use macro_f1 or micro_f1",
                      "/task/metric");
  return t;
}

LabelDistribution labelDistribution(const TableFile& table, const std::string& label_column) {
  const size_t cl = requireColumn(table, label_column, "label_column");
  std::map<std::string, int64_t> counts;
  LabelDistribution d;
  for (const auto& row : table.rows) {
    const std::string v = row.error.empty() && row.present[cl] ? trimField(row.cells[cl]) : std::string();
    if (v.empty()) {
      ++d.skipped;
      continue;
    }
    ++counts[v];
    ++d.rows;
  }
  int64_t best = -1;
  for (const auto& [label, n] : counts) {
    d.counts.emplace_back(label, n);
    if (n > best) {
      best = n;
      d.majority_label = label;
    }
  }
  d.majority_fraction = d.rows > 0 ? static_cast<double>(best) / static_cast<double>(d.rows) : 0.0;
  return d;
}

double constantPredictionAccuracy(const TableFile& dev, const std::string& label_column, const std::string& label) {
  const auto d = labelDistribution(dev, label_column);
  if (d.rows == 0) return 0.0;
  for (const auto& [l, n] : d.counts)
    if (l == label) return static_cast<double>(n) / static_cast<double>(d.rows);
  return 0.0;
}

NlgDataset loadOwnNlgFile(const TaskConfig& t, const std::string& path, BadRowsPolicy policy) {
  const auto records =
      parseJsonl(readFileBounded(path, kMaxDatasetFileBytes, ErrorKind::Data, "data file"));
  NlgDataset d;
  d.path = path;
  d.format = "jsonl";
  // Columns first, as for the other task types: a name that no line has is an error, not a
  // reference column silently without references.
  const std::vector<std::string> keys = jsonlColumns(records);
  auto requireKey = [&](const std::string& name, const char* key) {
    if (!records.empty() && std::find(keys.begin(), keys.end(), name) == keys.end())
      throw EngineError(ErrorKind::Data,
                        "no column \"" + name + "\" (task." + key + "); the file has: " + joinNames(keys, 20), path);
  };
  requireKey(t.input_column, "input_column");
  for (const auto& col : t.reference_columns) requireKey(col, "reference_columns");
  LoadedSplit skipped;  // counts and messages of skipped rows
  for (const auto& r : records) {
    ++d.entries;
    auto bad = [&](const std::string& what) { recordBadRow(skipped, policy, path, r.line, what); };
    if (!r.error.empty()) {
      bad(r.error);
      continue;
    }
    const auto in = r.value.find(t.input_column);
    if (in == r.value.end() || !in->is_string() || in->get_ref<const std::string&>().empty()) {
      bad("column \"" + t.input_column + "\" (task.input_column) must hold a non-empty string");
      continue;
    }
    std::vector<std::string> refs;
    std::string fault = exampleTextProblem("column \"" + t.input_column + "\"", in->get_ref<const std::string&>());
    // A non-empty reference of `col`, unless it breaks the text rule (then the row's fault).
    auto addReference = [&](const std::string& col, const std::string& text) {
      if (text.empty()) return;
      fault = exampleTextProblem("a reference in column \"" + col + "\"", text);
      if (fault.empty()) refs.push_back(text);
    };
    for (const auto& col : t.reference_columns) {
      if (!fault.empty()) break;
      const auto v = r.value.find(col);
      if (v == r.value.end() || v->is_null()) continue;
      if (v->is_string()) {
        addReference(col, v->get_ref<const std::string&>());
      } else if (v->is_array()) {
        for (const auto& e : *v) {
          if (!e.is_string()) {
            fault = "column \"" + col + "\" holds an array with a non-string element";
            break;
          }
          addReference(col, e.get_ref<const std::string&>());
          if (!fault.empty()) break;
        }
      } else {
        fault = "column \"" + col + "\" must hold a string or an array of strings, got " + v->type_name();
      }
    }
    if (fault.empty() && refs.empty())
      fault = "no reference text in column(s) " + joinNames(t.reference_columns, 20) + " (task.reference_columns)";
    if (!fault.empty()) {
      bad(fault);
      continue;
    }
    for (auto& ref : refs) {
      ++d.annotations;
      d.pairs.push_back({in->get<std::string>(), std::move(ref), {}, r.line});
    }
  }
  if (skipped.skipped > 0) {
    std::cerr << "warning: skipped " << skipped.skipped << " malformed rows in " << path << "\n";
    for (const auto& m : skipped.messages) std::cerr << "  " << m << "\n";
  }
  return d;
}

NlgDataset loadGenerationFile(const TaskConfig& t, const std::string& path) {
  if (isOwnTask(t)) return loadOwnNlgFile(t, path, t.bad_rows);
  return loadNlgDataset(t.name, path);
}

}  // namespace adamix
