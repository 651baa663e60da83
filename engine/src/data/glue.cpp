#include "data/glue.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <limits>
#include <map>
#include <random>

#include "data/field_text.h"
#include "data/tsv.h"
#include "io/errors.h"

namespace adamix {

namespace {

std::vector<TaskSpec> buildSpecs() {
  const std::vector<std::string> bin = {"0", "1"};
  const std::vector<std::string> ent = {"entailment", "not_entailment"};
  const std::vector<std::string> dev = {"dev"};
  std::vector<TaskSpec> v;
  v.push_back({"cola", 2, false, bin, {"matthews_correlation"}, "matthews_correlation", dev, false});
  v.push_back({"sst2", 2, false, bin, {"accuracy"}, "accuracy", dev, false});
  v.push_back({"mrpc", 2, false, bin, {"accuracy", "f1"}, "accuracy", dev, true});
  v.push_back({"stsb", 1, true, {}, {"pearson", "spearmanr"}, "pearson", dev, true});
  v.push_back({"qqp", 2, false, bin, {"accuracy", "f1"}, "accuracy", dev, true});
  v.push_back({"mnli",
               3,
               false,
               {"contradiction", "entailment", "neutral"},
               {"accuracy"},
               "accuracy",
               {"dev_matched", "dev_mismatched"},
               true});
  v.push_back({"qnli", 2, false, ent, {"accuracy"}, "accuracy", dev, true});
  v.push_back({"rte", 2, false, ent, {"accuracy"}, "accuracy", dev, true});
  v.push_back({"wnli", 2, false, bin, {"accuracy"}, "accuracy", dev, true});
  const std::map<std::string, std::vector<std::string>> classNames{{"cola", {"unacceptable", "acceptable"}},
                                                                   {"sst2", {"negative", "positive"}},
                                                                   {"mrpc", {"not_equivalent", "equivalent"}},
                                                                   {"qqp", {"not_duplicate", "duplicate"}},
                                                                   {"wnli", {"not_entailment", "entailment"}}};
  for (TaskSpec& t : v)
    if (auto it = classNames.find(t.name); it != classNames.end()) t.class_names = it->second;
  return v;
}

const std::vector<TaskSpec>& specs() {
  static const std::vector<TaskSpec> s = buildSpecs();
  return s;
}

/// Where the fields of a task live in its file.
struct Layout {
  bool header = true;
  // Header files: column names ("" = unused).
  std::string col_a, col_b, col_label;
  // Header-less files (CoLA): fixed indices and column count.
  int idx_a = -1, idx_b = -1, idx_label = -1;
  size_t num_cols = 0;
};

Layout layoutFor(const std::string& task) {
  Layout l;
  if (task == "cola") {
    l.header = false;
    l.idx_a = 3;
    l.idx_label = 1;
    l.num_cols = 4;
  } else if (task == "sst2") {
    l.col_a = "sentence";
    l.col_label = "label";
  } else if (task == "mrpc") {
    l.col_a = "#1 String";
    l.col_b = "#2 String";
    l.col_label = "Quality";
  } else if (task == "stsb") {
    l.col_a = "sentence1";
    l.col_b = "sentence2";
    l.col_label = "score";
  } else if (task == "qqp") {
    l.col_a = "question1";
    l.col_b = "question2";
    l.col_label = "is_duplicate";
  } else if (task == "mnli") {
    l.col_a = "sentence1";
    l.col_b = "sentence2";
    l.col_label = "gold_label";
  } else if (task == "qnli") {
    l.col_a = "question";
    l.col_b = "sentence";
    l.col_label = "label";
  } else {  // rte, wnli
    l.col_a = "sentence1";
    l.col_b = "sentence2";
    l.col_label = "label";
  }
  return l;
}

/// A malformed row: carries the message without location, caught per row.
struct RowError {
  std::string what;
};

/// Uniform integer in [0, n] (inclusive) by rejection on raw 64-bit draws.
uint64_t uniformUpTo(std::mt19937_64& rng, uint64_t hi) {
  if (hi == 0) return 0;
  const uint64_t range = hi + 1;  // hi < 2^64 - 1 in practice (sizes)
  const uint64_t limit =
      std::numeric_limits<uint64_t>::max() - (std::numeric_limits<uint64_t>::max() % range);  // multiple of range
  uint64_t x;
  do {
    x = rng();
  } while (x >= limit);
  return x % range;
}

}  // namespace

std::string exampleTextProblem(const Example& e) {
  if (auto why = exampleTextProblem("text_a", e.text_a); !why.empty()) return why;
  return exampleTextProblem("text_b", e.text_b);
}

void recordBadRow(LoadedSplit& split, BadRowsPolicy policy, const std::string& path, int line,
                  const std::string& what) {
  constexpr size_t kMaxMessages = 5;
  const std::string loc = tsvLocation(path, line);
  if (policy == BadRowsPolicy::Fail) throw EngineError(ErrorKind::Data, what, loc);
  ++split.skipped;
  if (split.messages.size() < kMaxMessages) split.messages.push_back(loc + ": " + what);
}

BadRowsPolicy parseBadRowsPolicy(const std::string& s) {
  if (s == "fail") return BadRowsPolicy::Fail;
  if (s == "skip") return BadRowsPolicy::Skip;
  throw EngineError(ErrorKind::Config, "bad_rows must be \"fail\" or \"skip\", got \"" + s + "\"", "/task/bad_rows");
}

const std::vector<std::string>& glueTaskNames() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> n;
    for (const auto& s : specs()) n.push_back(s.name);
    return n;
  }();
  return names;
}

const TaskSpec& taskSpec(const std::string& name) {
  for (const auto& s : specs())
    if (s.name == name) return s;
  throw EngineError(ErrorKind::Config,
                    "unknown task \"" + name + "\" (expected one of: " + joinNames(glueTaskNames()) + ")",
                    "/task/name");
}

std::string glueSplitFile(const TaskSpec& spec, const std::string& split) {
  if (split == "train") return "train.tsv";
  if (split == "dev") return spec.dev_splits.front() + ".tsv";
  for (const auto& d : spec.dev_splits)
    if (d == split) return d + ".tsv";
  throw EngineError(ErrorKind::Config,
                    "task " + spec.name + " has no split \"" + split + "\" (expected train, dev" +
                        (spec.dev_splits.size() > 1 ? ", " + joinNames(spec.dev_splits) : "") + ")",
                    "/task/name");
}

LoadedSplit loadSplit(const std::string& taskName, const std::string& dataDir, const std::string& split,
                      BadRowsPolicy policy) {
  const TaskSpec& spec = taskSpec(taskName);
  const std::string file = glueSplitFile(spec, split);
  return loadGlueFile(spec, (std::filesystem::path(dataDir) / file).string(), policy);
}

LoadedSplit loadGlueFile(const TaskSpec& spec, const std::string& path, BadRowsPolicy policy) {
  const TsvFile tsv = readTsv(path);
  const Layout layout = layoutFor(spec.name);
  LoadedSplit out;
  out.path = path;

  size_t first = 0;
  int ia = layout.idx_a, ib = layout.idx_b, il = layout.idx_label;
  size_t num_cols = layout.num_cols;
  if (layout.header) {
    if (tsv.rows.empty()) throw EngineError(ErrorKind::Data, "empty file: missing header", path);
    const TsvRow& header = tsv.rows.front();
    auto need = [&](const std::string& name) {
      if (name.empty()) return -1;
      int i = tsvColumnIndex(header, name);
      if (i < 0)
        throw EngineError(ErrorKind::Data, "header has no column \"" + name + "\" (task " + spec.name + ")",
                          tsvLocation(path, header.line));
      return i;
    };
    ia = need(layout.col_a);
    ib = need(layout.col_b);
    il = need(layout.col_label);
    num_cols = header.fields.size();
    first = 1;
  }

  for (size_t r = first; r < tsv.rows.size(); ++r) {
    const TsvRow& row = tsv.rows[r];
    try {
      if (row.fields.size() != num_cols)
        throw RowError{"expected " + std::to_string(num_cols) + " columns, got " + std::to_string(row.fields.size())};
      Example ex;
      ex.text_a = row.fields[static_cast<size_t>(ia)];
      if (ib >= 0) ex.text_b = row.fields[static_cast<size_t>(ib)];
      // Every sentence a task reads must be there (the shared GLUE files have no empty one).
      if (ex.text_a.empty()) throw RowError{emptyTextProblem(layout.col_a, static_cast<size_t>(ia) + 1)};
      if (ib >= 0 && ex.text_b.empty()) throw RowError{emptyTextProblem(layout.col_b, static_cast<size_t>(ib) + 1)};
      const std::string value = trimField(row.fields[static_cast<size_t>(il)]);
      if (spec.regression) {
        const char* begin = value.c_str();
        char* end = nullptr;
        errno = 0;
        const double d = std::strtod(begin, &end);
        if (value.empty() || end != begin + value.size() || errno == ERANGE || !std::isfinite(d))
          throw RowError{"unparsable score \"" + value + "\""};
        ex.score = static_cast<float>(d);
      } else {
        auto it = std::find(spec.label_names.begin(), spec.label_names.end(), value);
        if (it == spec.label_names.end())
          throw RowError{"unknown label \"" + value + "\" for task " + spec.name +
                         " (expected one of: " + joinNames(spec.label_names) + ")"};
        ex.label = static_cast<int64_t>(it - spec.label_names.begin());
      }
      ex.line = row.line;
      if (auto why = exampleTextProblem(ex); !why.empty()) throw RowError{std::move(why)};
      ex.index = static_cast<int64_t>(out.examples.size());
      out.examples.push_back(std::move(ex));
    } catch (const RowError& e) {
      recordBadRow(out, policy, path, row.line, e.what);
    }
  }
  return out;
}

std::vector<size_t> seededPermutation(size_t n, uint64_t seed) {
  std::vector<size_t> p(n);
  for (size_t i = 0; i < n; ++i) p[i] = i;
  std::mt19937_64 rng(seed);
  for (size_t i = n; i > 1; --i) {
    const size_t j = static_cast<size_t>(uniformUpTo(rng, i - 1));
    std::swap(p[i - 1], p[j]);
  }
  return p;
}

std::vector<Example> fewShot(const std::vector<Example>& examples, int64_t k, uint64_t seed) {
  if (k <= 0)
    throw EngineError(ErrorKind::Config, "few_shot_k must be > 0, got " + std::to_string(k), "/task/few_shot_k");
  std::map<int64_t, std::vector<size_t>> by_class;  // ascending label order
  for (size_t i = 0; i < examples.size(); ++i) {
    if (examples[i].label < 0)
      throw EngineError(ErrorKind::Config, "few-shot sampling needs class labels (regression task?)",
                        "/task/few_shot_k");
    by_class[examples[i].label].push_back(i);
  }
  std::vector<size_t> chosen;
  uint64_t j = 0;
  for (const auto& [label, members] : by_class) {
    if (static_cast<int64_t>(members.size()) < k)
      throw EngineError(ErrorKind::Config,
                        "class " + std::to_string(label) + " has only " + std::to_string(members.size()) +
                            " examples, fewer than few_shot_k=" + std::to_string(k),
                        "/task/few_shot_k");
    const auto perm = seededPermutation(members.size(), seed + j);
    for (int64_t t = 0; t < k; ++t) chosen.push_back(members[perm[static_cast<size_t>(t)]]);
    ++j;
  }
  std::sort(chosen.begin(), chosen.end());
  std::vector<Example> out;
  out.reserve(chosen.size());
  for (size_t i : chosen) out.push_back(examples[i]);
  return out;
}

std::vector<Example> subsample(const std::vector<Example>& examples, int64_t n, uint64_t seed) {
  if (n <= 0 || static_cast<size_t>(n) >= examples.size()) return examples;
  auto perm = seededPermutation(examples.size(), seed);
  perm.resize(static_cast<size_t>(n));
  std::sort(perm.begin(), perm.end());
  std::vector<Example> out;
  out.reserve(perm.size());
  for (size_t i : perm) out.push_back(examples[i]);
  return out;
}

}  // namespace adamix
