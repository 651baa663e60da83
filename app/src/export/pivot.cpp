// Result pivot and its CSV / Markdown / LaTeX renderings.
#include "export/pivot.h"

#include "study/task_catalog.h"

#include "export/run_setup.h"
#include "study/study.h"

#include <algorithm>
#include <limits>
#include <optional>
#include <tuple>
#include <map>
#include <set>

namespace adamix::app {

namespace {

struct Stats {
  int n = 0;
  double mean = std::nan("");
  double std = std::nan("");
};

Stats stats(const std::vector<double>& xs) {
  Stats s;
  s.n = static_cast<int>(xs.size());
  if (xs.empty()) return s;
  double sum = 0;
  for (double x : xs) sum += x;
  s.mean = sum / s.n;
  if (s.n >= 2) {
    double ss = 0;
    for (double x : xs) ss += (x - s.mean) * (x - s.mean);
    s.std = std::sqrt(ss / (s.n - 1));
  }
  return s;
}

QString fmt(double v, int decimals) {
  QString s = QString::number(v, 'f', decimals);
  // "-0.0" reads as a sign error in a paper.
  bool allZero = true;
  for (QChar c : s)
    if (c.isDigit() && c != u'0') allZero = false;
  if (allZero && s.startsWith(u'-')) s.remove(0, 1);
  return s;
}

QString metricShortName(const QString& m) {
  static const std::map<QString, QString> names = {
      {QStringLiteral("accuracy"), QStringLiteral("Acc")},      {QStringLiteral("f1"), QStringLiteral("F1")},
      {QStringLiteral("matthews_correlation"), QStringLiteral("Mcc")},
      {QStringLiteral("pearson"), QStringLiteral("Pearson")},
      {QStringLiteral("spearmanr"), QStringLiteral("Spearman")},
      {QStringLiteral("macro_f1"), QStringLiteral("Macro-F1")},
      {QStringLiteral("micro_f1"), QStringLiteral("Micro-F1")},
      {QStringLiteral("bleu"), QStringLiteral("BLEU")},
      {QStringLiteral("nist"), QStringLiteral("NIST")},         {QStringLiteral("meteor"), QStringLiteral("METEOR")},
      {QStringLiteral("rouge_l"), QStringLiteral("ROUGE-L")},   {QStringLiteral("cider"), QStringLiteral("CIDEr")},
      {QStringLiteral("ter"), QStringLiteral("TER")},
  };
  auto it = names.find(m);
  return it != names.end() ? it->second : m;
}

QString splitSuffix(const QString& split) {
  if (split == QLatin1String("dev")) return {};
  if (split == QLatin1String("dev_matched")) return QStringLiteral("-m");
  if (split == QLatin1String("dev_mismatched")) return QStringLiteral("-mm");
  return u' ' + split;
}

enum class Style { Markdown, Latex };

QString cellText(const PivotCell& c, int rowN, int decimals, Style style) {
  if (c.n == 0) return style == Style::Markdown ? QStringLiteral("—") : QStringLiteral("--");
  QString s = fmt(c.mean, decimals);
  if (c.n >= 2)
    s += (style == Style::Markdown ? QStringLiteral(" ± ") : QStringLiteral("$\\pm$")) + fmt(c.std, decimals);
  if (c.best) s = style == Style::Markdown ? QStringLiteral("**%1**").arg(s) : QStringLiteral("\\textbf{%1}").arg(s);
  if (c.n != rowN) s += QStringLiteral(" (n=%1)").arg(c.n);
  return s;
}

}  // namespace

PrimaryMetric primaryMetricFor(const QString& task) {
  const TaskFacts f = taskFacts(task);
  return {f.primarySplit, f.primaryMetric};
}

int metricDisplayRank(const QString& metric) {
  // The NLG papers' column order (E2E: BLEU, NIST, METEOR, ROUGE-L, CIDEr; WebNLG/DART: BLEU, TER);
  // other metrics after them, by name.
  static const std::map<QString, int> rank = {{QStringLiteral("bleu"), 0},   {QStringLiteral("nist"), 1},
                                              {QStringLiteral("meteor"), 2}, {QStringLiteral("rouge_l"), 3},
                                              {QStringLiteral("cider"), 4},  {QStringLiteral("ter"), 5}};
  auto it = rank.find(metric);
  return it != rank.end() ? it->second : 100;
}

bool lowerIsBetter(const QString& metric) { return metric == QLatin1String("ter"); }

QString taskDisplayName(const QString& task) { return taskFacts(task).displayName; }

double metricScale(const QString& metric) {
  static const std::set<QString> fractions = {
      QStringLiteral("accuracy"), QStringLiteral("f1"), QStringLiteral("matthews_correlation"), QStringLiteral("pearson"),
      QStringLiteral("spearmanr"), QStringLiteral("macro_f1"), QStringLiteral("micro_f1"), QStringLiteral("precision"), QStringLiteral("recall"), QStringLiteral("exact_match"),
      // NLG (engine reports fractions, tables show them ×100 as the papers; NIST, CIDEr raw)
      QStringLiteral("bleu"), QStringLiteral("meteor"), QStringLiteral("rouge_l"), QStringLiteral("ter")};
  return fractions.count(metric) ? 100.0 : 1.0;
}

std::optional<double> pivotValue(const RunResult& r, const PivotColumn& col, const QString& kind) {
  const QString& k = col.evaluation ? kEvalKind : kind;
  for (const ResultValue& v : r.values)
    if (v.kind == k && v.split == col.split && v.name == col.metric) return v.value * metricScale(col.metric);
  return std::nullopt;
}

PivotTable buildPivot(const ResultSet& results, const PivotOptions& options) {
  PivotTable table;
  table.decimals = options.decimals;
  table.kind = options.kind;
  auto primaryOf = [&](const QString& task) {
    auto it = options.primaryOverride.find(task);
    return it != options.primaryOverride.end() ? it->second : primaryMetricFor(task);
  };
  static const std::set<QString> excludedMetrics = {QStringLiteral("loss"), QStringLiteral("consistency")};

  // --- which axes vary → row headers ---
  std::vector<QString> axisOrder;
  std::map<QString, std::set<QString>> axisLabels;
  for (const RunResult& r : results.runs)
    for (const auto& [axis, label] : r.axes) {
      if (std::find(axisOrder.begin(), axisOrder.end(), axis) == axisOrder.end()) axisOrder.push_back(axis);
      axisLabels[axis].insert(label);
    }
  std::vector<QString> varying;
  for (const QString& a : axisOrder)
    if (axisLabels[a].size() > 1) varying.push_back(a);
  for (const QString& a : varying) {
    const int slash = a.lastIndexOf(u'/');
    QString h = slash >= 0 ? a.mid(slash + 1) : a;  // path axes: last pointer segment
    if (h == QLatin1String("variant")) h = QStringLiteral("Variant");
    table.rowHeaders << h;
  }
  if (varying.empty()) table.rowHeaders << QStringLiteral("Variant");

  // --- settings in which runs were trained differently outside the axes → more row headers ---
  table.settings = untrackedSettings(runSetupsOf(results.runs));
  for (const std::string& p : table.settings) table.rowHeaders << settingHeader(p);

  auto rowKeyOf = [&](const RunResult& r) {
    QStringList key;
    for (const QString& a : varying) {
      QString label;
      for (const auto& [axis, l] : r.axes)
        if (axis == a) label = l;
      key << label;
    }
    if (varying.empty()) key << variantDisplayName(r.variant);
    for (const std::string& p : table.settings) key << settingText(r.setup, p);
    return key;
  };

  // --- rows in first-appearance order; latest run per (row, task, seed) ---
  std::vector<QStringList> rows;
  std::vector<QString> tasks;
  std::map<std::tuple<int, QString, int>, const RunResult*> cellRuns;  // (row, task, seed) → run
  for (const RunResult& r : results.runs) {
    const QStringList key = rowKeyOf(r);
    auto it = std::find(rows.begin(), rows.end(), key);
    const int row = static_cast<int>(it - rows.begin());
    if (it == rows.end()) rows.push_back(key);
    if (std::find(tasks.begin(), tasks.end(), r.task) == tasks.end()) tasks.push_back(r.task);
    auto& slot = cellRuns[{row, r.task, r.seed}];
    if (!slot || slot->runId < r.runId) slot = &r;
  }
  table.rowLabels = rows;
  table.rowRuns.assign(rows.size(), {});
  for (const auto& [k, run] : cellRuns) table.rowRuns[size_t(std::get<0>(k))].push_back(run->runId);
  for (auto& ids : table.rowRuns) std::sort(ids.begin(), ids.end());
  QStringList computeLabels;
  for (const auto& [k, run] : cellRuns) computeLabels << run->compute;
  table.compute = computeWays(computeLabels);

  // --- columns per task: primary first, then the others by split, name; then evaluations ---
  // A column is (evaluation?, split, metric): the run's own values of options.kind, or (after
  // them) its evaluations' values, whose split is their label, so the two never share a column.
  using ColKey = std::tuple<bool, QString, QString>;
  for (const QString& task : tasks) {
    std::set<ColKey> found;
    for (const auto& [k, run] : cellRuns) {
      if (std::get<1>(k) != task) continue;
      for (const ResultValue& v : run->values) {
        const bool eval = v.kind == kEvalKind;
        if (eval && !options.evaluations) continue;
        if ((eval || v.kind == options.kind) && v.split != QLatin1String("train") && !excludedMetrics.count(v.name))
          found.insert({eval, v.split, v.name});
      }
    }
    const PrimaryMetric primary = primaryOf(task);
    const ColKey primaryKey{false, primary.split, primary.name};
    std::vector<ColKey> cols;
    if (found.count(primaryKey)) cols.push_back(primaryKey);
    std::vector<ColKey> others(found.begin(), found.end());
    std::stable_sort(others.begin(), others.end(), [](const ColKey& a, const ColKey& b) {
      if (std::get<0>(a) != std::get<0>(b)) return !std::get<0>(a);
      if (std::get<1>(a) != std::get<1>(b)) return std::get<1>(a) < std::get<1>(b);
      return metricDisplayRank(std::get<2>(a)) < metricDisplayRank(std::get<2>(b));
    });
    bool anyOwn = !cols.empty();
    for (const ColKey& c : others) {
      if (c == primaryKey) continue;
      const bool eval = std::get<0>(c);
      if (!options.primaryOnly) {
        cols.push_back(c);
      } else if (!eval && !anyOwn) {  // no primary metric stored: the first own column stands in
        cols.push_back(c);
        anyOwn = true;
      } else if (eval && std::get<2>(c) == primary.name) {  // evaluations: their primary metric
        cols.push_back(c);
      }
    }
    std::set<QString> metricNames;
    for (const auto& c : cols) metricNames.insert(std::get<2>(c));
    for (const auto& [eval, split, name] : cols) {
      PivotColumn col;
      col.task = task;
      col.split = split;
      col.metric = name;
      col.evaluation = eval;
      col.header = taskDisplayName(task) + (eval ? u' ' + split : splitSuffix(split));
      if (metricNames.size() > 1) col.header += u' ' + metricShortName(name);
      table.columns.push_back(col);
    }
  }

  auto valueOf = [&](const RunResult& r, const PivotColumn& col) { return pivotValue(r, col, options.kind); };

  // Primary column of each task (its first own column; evaluations never enter the average).
  std::map<QString, const PivotColumn*> primaryCol;
  for (const PivotColumn& c : table.columns)
    if (!c.evaluation && !primaryCol.count(c.task)) primaryCol[c.task] = &c;
  // Tasks without any column (no results of this kind) take no part in the average.
  tasks.erase(std::remove_if(tasks.begin(), tasks.end(), [&](const QString& t) { return !primaryCol.count(t); }),
              tasks.end());
  const bool withAverage = options.average && tasks.size() >= 2;

  std::vector<PivotColumn> columns = table.columns;
  if (withAverage) {
    PivotColumn avg;
    avg.header = QStringLiteral("Avg.");
    avg.average = true;
    columns.push_back(avg);
  }

  table.cells.assign(rows.size(), std::vector<PivotCell>(columns.size()));
  for (size_t row = 0; row < rows.size(); ++row) {
    for (size_t c = 0; c < table.columns.size(); ++c) {
      const PivotColumn& col = table.columns[c];
      std::vector<double> xs;
      for (const auto& [k, run] : cellRuns)
        if (std::get<0>(k) == static_cast<int>(row) && std::get<1>(k) == col.task)
          if (auto v = valueOf(*run, col)) xs.push_back(*v);
      const Stats s = stats(xs);
      table.cells[row][c] = {s.n, s.mean, s.std, false};
    }
    if (withAverage) {
      // Per seed: mean over tasks of each task's primary metric (only seeds with every task).
      std::set<int> seeds;
      for (const auto& [k, run] : cellRuns)
        if (std::get<0>(k) == static_cast<int>(row)) seeds.insert(std::get<2>(k));
      std::vector<double> xs;
      for (int seed : seeds) {
        double sum = 0;
        bool complete = true;
        for (const QString& task : tasks) {
          auto run = cellRuns.find({static_cast<int>(row), task, seed});
          auto pc = primaryCol.find(task);
          std::optional<double> v;
          if (run != cellRuns.end() && pc != primaryCol.end())
            v = valueOf(*run->second, *pc->second);
          if (!v) {
            complete = false;
            break;
          }
          sum += *v;
        }
        if (complete) xs.push_back(sum / static_cast<double>(tasks.size()));
      }
      const Stats s = stats(xs);
      table.cells[row][columns.size() - 1] = {s.n, s.mean, s.std, false};
    }
  }
  table.columns = columns;

  // --- best per column (on the displayed, rounded mean; only with ≥ 2 rows having values),
  // among rows with the same settings only: a row trained differently is not a competitor ---
  // Settings an axis sets (a variant redefined between launches) do not separate competitors:
  // rows compete when they differ only in what the study's axes set.
  std::set<std::string> axisPaths;
  for (const RunResult& r : results.runs) axisPaths.insert(r.axisPaths.begin(), r.axisPaths.end());
  const qsizetype firstSetting = table.rowHeaders.size() - static_cast<qsizetype>(table.settings.size());
  auto settingsOf = [&](size_t row) {
    QStringList key;
    for (size_t k = 0; k < table.settings.size(); ++k)
      if (!pointerUnder(table.settings[k], axisPaths)) key << rows[row][firstSetting + static_cast<qsizetype>(k)];
    return key;
  };
  std::vector<QStringList> groups;
  for (size_t row = 0; row < rows.size(); ++row)
    if (std::find(groups.begin(), groups.end(), settingsOf(row)) == groups.end()) groups.push_back(settingsOf(row));
  for (const QStringList& group : groups)
    for (size_t c = 0; c < table.columns.size(); ++c) {
      int withValues = 0;
      const bool lower = !table.columns[c].average && lowerIsBetter(table.columns[c].metric);
      double best = lower ? std::numeric_limits<double>::infinity() : -std::numeric_limits<double>::infinity();
      for (size_t row = 0; row < rows.size(); ++row) {
        const PivotCell& cell = table.cells[row][c];
        if (cell.n == 0 || settingsOf(row) != group) continue;
        ++withValues;
        const double rounded = fmt(cell.mean, options.decimals).toDouble();
        best = lower ? std::min(best, rounded) : std::max(best, rounded);
      }
      if (withValues < 2) continue;
      for (size_t row = 0; row < rows.size(); ++row) {
        PivotCell& cell = table.cells[row][c];
        if (cell.n > 0 && settingsOf(row) == group && fmt(cell.mean, options.decimals).toDouble() == best)
          cell.best = true;
      }
    }
  table.rowN.assign(rows.size(), 0);
  for (size_t row = 0; row < rows.size(); ++row)
    for (const PivotCell& cell : table.cells[row]) table.rowN[row] = std::max(table.rowN[row], cell.n);
  return table;
}

QString settingsNote(const PivotTable& table) {
  if (table.settings.empty()) return {};
  QStringList names;
  for (const std::string& p : table.settings) names << settingHeader(p);
  return QStringLiteral("Runs in this table differ in settings that their axis labels do not show (%1): "
                        "rows keep them apart, means and std never mix them, and bold marks the best among rows "
                        "that differ only in the study's axes.")
      .arg(names.join(QStringLiteral(", ")));
}

std::vector<std::pair<QString, int>> computeWays(const QStringList& labels) {
  std::map<QString, int> runs;
  for (const QString& l : labels)
    if (!l.isEmpty()) ++runs[l];
  std::vector<std::pair<QString, int>> ways(runs.begin(), runs.end());
  std::stable_sort(ways.begin(), ways.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
  return ways;
}

QString computeNote(const PivotTable& table) { return computeNote(table.compute); }

QString computeNote(const std::vector<std::pair<QString, int>>& ways) {
  if (ways.size() < 2) return {};
  QStringList kinds;
  for (const auto& [label, runs] : ways)
    kinds << QStringLiteral("%1 (%2 %3)").arg(label, QString::number(runs),
                                              runs == 1 ? QStringLiteral("run") : QStringLiteral("runs"));
  return QStringLiteral("Runs here were computed differently: %1. Devices and kernel sets round "
                        "differently in the last bits, which training amplifies (docs/performance.md); compare "
                        "runs computed alike where differences are small.")
      .arg(kinds.join(QStringLiteral("; ")));
}

QString csvField(const QString& text) {
  if (!text.contains(u',') && !text.contains(u'"') && !text.contains(u'\n') && !text.contains(u'\r')) return text;
  QString q = text;
  q.replace(QStringLiteral("\""), QStringLiteral("\"\""));
  return u'"' + q + u'"';
}

namespace {

/// `text` with each line break (CRLF, CR or LF) replaced by one space.
QString joinLines(const QString& text) {
  QString out = text;
  out.replace(QStringLiteral("\r\n"), QStringLiteral(" ")).replace(u'\r', u' ').replace(u'\n', u' ');
  return out;
}

}  // namespace

QString latexEscape(const QString& text) {
  const QString in = joinLines(text);
  QString out;
  for (qsizetype i = 0; i < in.size(); ++i) {
    const QChar c = in[i];
    switch (c.unicode()) {
      case '\\': out += QStringLiteral("\\textbackslash{}"); break;
      case '&':
      case '%':
      case '$':
      case '#':
      case '_':
      case '{':
      case '}':
        out += u'\\';
        out += c;
        break;
      case '~': out += QStringLiteral("\\textasciitilde{}"); break;
      case '^': out += QStringLiteral("\\textasciicircum{}"); break;
      case '|': out += QStringLiteral("\\textbar{}"); break;
      case '<': out += QStringLiteral("\\textless{}"); break;
      case '>': out += QStringLiteral("\\textgreater{}"); break;
      case '"': out += QStringLiteral("\\texttt{\\char34}"); break;
      case '`': out += QStringLiteral("\\`{}"); break;
      case '-': out += i + 1 < in.size() && in[i + 1] == u'-' ? QStringLiteral("-{}") : QStringLiteral("-"); break;
      case '[':  // braced first: a \\ or \midrule before the text would read it as its option
      case '*': out += i == 0 ? QStringLiteral("{%1}").arg(c) : QString(c); break;
      default: out += c;
    }
  }
  return out;
}

QString markdownEscape(const QString& text) {
  const QString in = joinLines(text);
  auto wordChar = [&](qsizetype i) { return i >= 0 && i < in.size() && in[i].isLetterOrNumber(); };
  QString out;
  for (qsizetype i = 0; i < in.size(); ++i) {
    const QChar c = in[i];
    bool escape = false;
    switch (c.unicode()) {
      case '\\':
      case '`':
      case '*':
      case '[':
      case ']':
      case '|':
      case '~':
      case '^':
      case '$': escape = true; break;
      case '_': {  // a run of underscores inside a word never opens or closes emphasis
        qsizetype first = i, last = i;
        while (first > 0 && in[first - 1] == u'_') --first;
        while (last + 1 < in.size() && in[last + 1] == u'_') ++last;
        escape = !(wordChar(first - 1) && wordChar(last + 1));
        break;
      }
      case '<':
        escape =
            i + 1 < in.size() && (in[i + 1].isLetter() || in[i + 1] == u'/' || in[i + 1] == u'!' || in[i + 1] == u'?');
        break;
      case '&': escape = i + 1 < in.size() && (in[i + 1].isLetter() || in[i + 1] == u'#'); break;
      default: break;
    }
    if (escape) out += u'\\';
    out += c;
  }
  return out;
}

QString pivotToCsv(const PivotTable& t) {
  QStringList header;
  for (const QString& h : t.rowHeaders) header << csvField(h);
  for (const PivotColumn& c : t.columns)
    for (const char* suffix : {" mean", " std", " n", " best"}) header << csvField(c.header + QLatin1String(suffix));
  QString out = header.join(u',') + u'\n';
  for (size_t row = 0; row < t.rowLabels.size(); ++row) {
    QStringList fields;
    for (const QString& l : t.rowLabels[row]) fields << csvField(l);
    for (const PivotCell& cell : t.cells[row]) {
      fields << (cell.n > 0 ? fmt(cell.mean, t.decimals) : QString());
      fields << (cell.n >= 2 ? fmt(cell.std, t.decimals) : QString());
      fields << QString::number(cell.n);
      fields << (cell.best ? QStringLiteral("1") : QStringLiteral("0"));
    }
    out += fields.join(u',') + u'\n';
  }
  return out;
}

namespace {

/// The marks of a cell ("" without marks).
QString markOf(const PivotMarks* marks, size_t row, size_t column) {
  if (!marks || row >= marks->cells.size() || column >= marks->cells[row].size()) return {};
  return marks->cells[row][column];
}

QString latexMarks(const QString& marks) {
  QString out;
  for (QChar c : marks) {
    if (c == QChar(0x2020)) out += QStringLiteral("\\dagger");
    else if (c == QChar(0x2021)) out += QStringLiteral("\\ddagger");
  }
  return out.isEmpty() ? QString() : QStringLiteral("$^{%1}$").arg(out);
}

}  // namespace

QString pivotToMarkdown(const PivotTable& t, const PivotMarks* marks) {
  QStringList header, rule;
  for (const QString& h : t.rowHeaders) {
    header << markdownEscape(h);
    rule << QStringLiteral("---");
  }
  for (const PivotColumn& c : t.columns) {
    header << markdownEscape(c.header);
    rule << QStringLiteral("---:");
  }
  header << QStringLiteral("n");
  rule << QStringLiteral("---:");
  QString out = QStringLiteral("| ") + header.join(QStringLiteral(" | ")) + QStringLiteral(" |\n");
  out += u'|' + rule.join(u'|') + QStringLiteral("|\n");
  for (size_t row = 0; row < t.rowLabels.size(); ++row) {
    QStringList fields;
    for (const QString& l : t.rowLabels[row]) fields << markdownEscape(l);
    for (size_t c = 0; c < t.cells[row].size(); ++c) {
      QString text = cellText(t.cells[row][c], t.rowN[row], t.decimals, Style::Markdown);
      if (const QString m = markOf(marks, row, c); !m.isEmpty()) text += u' ' + m;
      fields << text;
    }
    fields << QString::number(t.rowN[row]);
    out += QStringLiteral("| ") + fields.join(QStringLiteral(" | ")) + QStringLiteral(" |\n");
  }
  if (marks && !marks->legend.isEmpty()) out += u'\n' + markdownEscape(marks->legend) + u'\n';
  if (const QString note = settingsNote(t); !note.isEmpty())
    out += QStringLiteral("\n*Note:* ") + markdownEscape(note) + u'\n';
  if (const QString note = computeNote(t); !note.isEmpty())
    out += QStringLiteral("\n*Note:* ") + markdownEscape(note) + u'\n';
  return out;
}

QString pivotToLatex(const PivotTable& t, const PivotMarks* marks) {
  QString spec = QString(t.rowHeaders.size(), u'l') + QString(t.columns.size() + 1, u'r');
  QStringList header;
  for (const QString& h : t.rowHeaders) header << latexEscape(h);
  for (const PivotColumn& c : t.columns) header << latexEscape(c.header);
  header << QStringLiteral("$n$");
  QString out = QStringLiteral("\\begin{tabular}{%1}\n\\toprule\n").arg(spec);
  out += header.join(QStringLiteral(" & ")) + QStringLiteral(" \\\\\n\\midrule\n");
  for (size_t row = 0; row < t.rowLabels.size(); ++row) {
    QStringList fields;
    for (const QString& l : t.rowLabels[row]) fields << latexEscape(l);
    for (size_t c = 0; c < t.cells[row].size(); ++c)
      fields << cellText(t.cells[row][c], t.rowN[row], t.decimals, Style::Latex) + latexMarks(markOf(marks, row, c));
    fields << QString::number(t.rowN[row]);
    out += fields.join(QStringLiteral(" & ")) + QStringLiteral(" \\\\\n");
  }
  out += QStringLiteral("\\bottomrule\n");
  if (marks && !marks->legend.isEmpty()) {
    QString legend = latexEscape(marks->legend);
    legend.replace(QChar(0x2020), QStringLiteral("$^{\\dagger}$")).replace(QChar(0x2021), QStringLiteral("$^{\\ddagger}$"));
    out += QStringLiteral("\\multicolumn{%1}{l}{\\footnotesize %2} \\\\\n")
               .arg(t.rowHeaders.size() + t.columns.size() + 1)
               .arg(legend);
  }
  if (!t.settings.empty()) {  // short form of settingsNote(): a table note must not widen the table
    QStringList names;
    for (const std::string& p : t.settings) names << latexEscape(settingHeader(p));
    out += QStringLiteral("\\multicolumn{%1}{l}{\\footnotesize Trained differently beyond the axis labels: %2.} "
                          "\\\\\n")
               .arg(t.rowHeaders.size() + t.columns.size() + 1)
               .arg(names.join(QStringLiteral(", ")));
  }
  if (t.compute.size() > 1) {  // short form of computeNote()
    QStringList kinds;
    for (const auto& [label, runs] : t.compute) kinds << QStringLiteral("%1: %2").arg(latexEscape(label), QString::number(runs));
    out += QStringLiteral("\\multicolumn{%1}{l}{\\footnotesize Runs computed differently (%2).} \\\\\n")
               .arg(t.rowHeaders.size() + t.columns.size() + 1)
               .arg(kinds.join(QStringLiteral("; ")));
  }
  out += QStringLiteral("\\end{tabular}\n");
  return out;
}

}  // namespace adamix::app
