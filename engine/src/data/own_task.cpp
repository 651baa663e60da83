#include "data/own_task.h"

#include "data/field_text.h"
#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <iostream>
#include <optional>
#include <filesystem>
#include <map>
#include <set>

#include "data/tsv.h"
#include "io/errors.h"
#include "io/untrusted_input.h"

namespace adamix {

namespace {

constexpr size_t kMaxMessages = 5;  // as loadGlueFile



/// Column `name` of `table`, or EngineError(Data) at the header line naming the columns there are.
size_t requireColumn(const TableFile& table, const std::string& name, const std::string& key) {
  const int c = tableColumn(table, name);
  if (c < 0)
    throw EngineError(ErrorKind::Data,
                      "no column \"" + name + "\" (task." + key + "); the file has: " + joinNames(table.columns, 20),
                      table.format == "jsonl" ? table.path : tsvLocation(table.path, 1));
  return static_cast<size_t>(c);
}

/// Records a malformed row per the policy.
void badRow(LoadedSplit& out, BadRowsPolicy policy, const std::string& path, int line, const std::string& what) {
  const std::string loc = tsvLocation(path, line);
  if (policy == BadRowsPolicy::Fail) throw EngineError(ErrorKind::Data, what, loc);
  ++out.skipped;
  if (out.messages.size() < kMaxMessages) out.messages.push_back(loc + ": " + what);
}

/// A finite number, or nullopt.
std::optional<double> parseNumber(const std::string& text) {
  const std::string v = trimField(text);
  if (v.empty()) return std::nullopt;
  const char* begin = v.c_str();
  char* end = nullptr;
  errno = 0;
  const double d = std::strtod(begin, &end);
  if (end != begin + v.size() || errno == ERANGE || !std::isfinite(d)) return std::nullopt;
  return d;
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

bool ownFileHasLabels(const TaskConfig& t, const std::string& path) {
  const TableFile head = readTable(path, t.format, 1);
  return tableColumn(head, t.label_column) >= 0;
}

LoadedSplit loadOwnFile(const TaskConfig& t, const TaskSpec& spec, const std::string& path, BadRowsPolicy policy,
                        bool labelled) {
  const TableFile table = readTable(path, t.format);
  LoadedSplit out;
  out.path = path;
  const size_t ca = requireColumn(table, t.text_column, "text_column");
  const int cb = t.text_pair_column.empty() ? -1
                                            : static_cast<int>(requireColumn(table, t.text_pair_column, "text_pair_column"));
  const int cl = labelled ? static_cast<int>(requireColumn(table, t.label_column, "label_column")) : -1;
  for (const auto& row : table.rows) {
    if (!row.error.empty()) {
      badRow(out, policy, path, row.line, row.error);
      continue;
    }
    if (!row.present[ca] || row.cells[ca].empty()) {
      badRow(out, policy, path, row.line, "empty text in column \"" + t.text_column + "\"");
      continue;
    }
    Example ex;
    ex.text_a = row.cells[ca];
    if (cb >= 0) {
      if (!row.present[static_cast<size_t>(cb)]) {
        badRow(out, policy, path, row.line, "no value in column \"" + t.text_pair_column + "\"");
        continue;
      }
      ex.text_b = row.cells[static_cast<size_t>(cb)];
    }
    if (cl >= 0) {
      const size_t c = static_cast<size_t>(cl);
      const std::string value = trimField(row.cells[c]);
      if (!row.present[c] || value.empty()) {
        badRow(out, policy, path, row.line, "no label in column \"" + t.label_column + "\"");
        continue;
      }
      if (spec.regression) {
        const auto d = parseNumber(value);
        if (!d) {
          badRow(out, policy, path, row.line, "label \"" + value + "\" is not a number (regression task)");
          continue;
        }
        ex.score = static_cast<float>(*d);
      } else {
        auto it = std::find(spec.label_names.begin(), spec.label_names.end(), value);
        if (it == spec.label_names.end()) {
          badRow(out, policy, path, row.line,
                 "label \"" + value + "\" is not in the task's label set (" + joinNames(spec.label_names, 20) + ")" +
                     (t.labels.empty() ? "" : ", the labels of the train file or task.labels"));
          continue;
        }
        ex.label = static_cast<int64_t>(it - spec.label_names.begin());
      }
    }
    ex.line = row.line;
    ex.index = static_cast<int64_t>(out.examples.size());
    out.examples.push_back(std::move(ex));
  }
  return out;
}

LoadedSplit loadTaskSplit(const TaskConfig& t, const std::string& split, BadRowsPolicy policy) {
  if (!isOwnTask(t)) return loadSplit(t.name, t.data_dir, split, policy);
  return loadOwnFile(t, taskSpecOf(t), ownSplitPath(t, split), policy);
}

std::vector<std::string> inferOwnLabels(const TaskConfig& t) {
  const std::string path = ownSplitPath(t, "train");
  const TableFile table = readTable(path, t.format);
  const size_t cl = requireColumn(table, t.label_column, "label_column");
  std::set<std::string> labels;
  for (const auto& row : table.rows) {
    const std::string v = row.error.empty() && row.present[cl] ? trimField(row.cells[cl]) : std::string();
    if (!row.error.empty() || v.empty()) {
      if (t.bad_rows == BadRowsPolicy::Fail)
        throw EngineError(ErrorKind::Data,
                          row.error.empty() ? "no label in column \"" + t.label_column + "\"" : row.error,
                          tsvLocation(path, row.line));
      continue;
    }
    labels.insert(v);
  }
  if (labels.size() < 2)
    throw EngineError(ErrorKind::Data,
                      "column \"" + t.label_column + "\" holds " + std::to_string(labels.size()) +
                          " distinct label(s); a classification task needs at least two (a numeric target? set "
                          "task.type to regression)",
                      path);
  return {labels.begin(), labels.end()};  // std::set: byte order
}

TaskConfig resolveOwnLabels(TaskConfig t) {
  if (isOwnTask(t) && t.type == "classification" && t.labels.empty()) t.labels = inferOwnLabels(t);
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
  LoadedSplit skipped;  // counts and messages of skipped rows
  for (const auto& r : records) {
    ++d.entries;
    auto bad = [&](const std::string& what) { badRow(skipped, policy, path, r.line, what); };
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
    std::string fault;
    for (const auto& col : t.reference_columns) {
      const auto v = r.value.find(col);
      if (v == r.value.end() || v->is_null()) continue;
      if (v->is_string()) {
        if (!v->get_ref<const std::string&>().empty()) refs.push_back(v->get<std::string>());
      } else if (v->is_array()) {
        for (const auto& e : *v) {
          if (!e.is_string()) {
            fault = "column \"" + col + "\" holds an array with a non-string element";
            break;
          }
          if (!e.get_ref<const std::string&>().empty()) refs.push_back(e.get<std::string>());
        }
      } else {
        fault = "column \"" + col + "\" must hold a string or an array of strings, got " + v->type_name();
      }
      if (!fault.empty()) break;
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
  if (skipped.skipped > 0)
    std::cerr << "warning: skipped " << skipped.skipped << " malformed rows in " << path << "\n";
  return d;
}

NlgDataset loadGenerationFile(const TaskConfig& t, const std::string& path) {
  if (isOwnTask(t)) return loadOwnNlgFile(t, path, t.bad_rows);
  return loadNlgDataset(t.name, path);
}

}  // namespace adamix
