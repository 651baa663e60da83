// Result pivot: rows = variants (the axes whose value varies, plus any setting in which runs were
// trained differently beyond their axis labels), columns = each task's metrics (x100) plus the average of
// the tasks' primary metrics; cells mean ± sample std over seeds.
// Formats: CSV, Markdown, LaTeX (booktabs). See docs/study-files.md, "Exports".
#pragma once

#include "export/result_set.h"

#include <QString>
#include <QStringList>

#include <cmath>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace adamix::app {

/// Which split/metric ranks a task (and enters the average).
struct PrimaryMetric {
  QString split, name;
};
/// The engine's primary metric (adamix::primaryMetricOf, engine metric names): CoLA
/// matthews_correlation, STS-B pearson, MNLI matched accuracy, other GLUE tasks accuracy, generation
/// tasks (e2e, webnlg, dart) dev BLEU; own datasets their task.metric (study/task_catalog.h).
PrimaryMetric primaryMetricFor(const QString& task);
/// Display name of a task ("sst2" → "SST-2", an own task's display_name); unknown tasks unchanged.
QString taskDisplayName(const QString& task);
/// Column order of metrics within a task: bleu, nist, meteor, rouge_l, cider, ter, then others.
int metricDisplayRank(const QString& metric);
/// True for metrics where lower is better (TER); the "best" mark then goes to the minimum.
bool lowerIsBetter(const QString& metric);
/// Scale applied to a metric in tables: 100 for fractions (accuracy, f1, correlations), else 1.
double metricScale(const QString& metric);

/// Which results a pivot shows: the run's own `kind` values, plus (as separate columns headed by
/// their evaluation label) the values of its evaluations, which never enter the average.
struct PivotOptions {
  QString kind = QStringLiteral("best");  ///< which results: "best" (best dev eval) or "final"
  bool evaluations = true;                ///< add columns for evaluations (kind "eval")
  bool primaryOnly = false;               ///< one column per task (its primary metric)
  bool average = true;                    ///< add "Avg." when there are ≥ 2 tasks
  int decimals = 1;
  std::map<QString, PrimaryMetric> primaryOverride;  ///< task → primary metric
};

struct PivotCell {
  int n = 0;
  double mean = std::nan("");
  double std = std::nan("");  ///< sample std (n - 1); NaN when n < 2
  bool best = false;
};

struct PivotColumn {
  QString header;
  QString task, split, metric;  ///< empty for the average column
  bool average = false;
  bool evaluation = false;  ///< values of `adamix run eval` (split = its label), not the run's own
};

struct PivotTable {
  /// One per varying axis ("Variant" when none varies), then one per entry of `settings`.
  QStringList rowHeaders;
  std::vector<QStringList> rowLabels;  ///< per row, one label per row header
  std::vector<PivotColumn> columns;
  std::vector<std::vector<PivotCell>> cells;  ///< [row][column]
  std::vector<int> rowN;                      ///< per row: the largest n of its cells
  std::vector<std::vector<qint64>> rowRuns;   ///< per row: the runs behind it (one per task and seed)
  /// Settings (JSON pointers) in which runs differ beyond their axis labels (untrackedSettings()):
  /// each is a row-label column after the axes, so runs trained differently never share a row,
  /// and "best" is marked among rows that differ only in what the study's axes set.
  std::vector<std::string> settings;
  int decimals = 1;
  QString kind = QStringLiteral("best");  ///< PivotOptions::kind it was built with
  /// What computed the table's runs (RunResult::compute label → runs), known labels only, most
  /// runs first. More than one entry: computeNote() says so under the table.
  std::vector<std::pair<QString, int>> compute;
};

/// A sentence for readers of a table whose rows differ in settings their labels do not show;
/// empty when `table.settings` is empty. Shown above the GUI's table and under the exports.
QString settingsNote(const PivotTable& table);

/// The ways runs were computed: one RunResult::compute label per run ("" unknown, skipped) →
/// (label, runs), most runs first, ties in label order.
std::vector<std::pair<QString, int>> computeWays(const QStringList& labels);

/// A sentence for readers of runs computed by different devices or kernels (`ways` has two
/// entries or more): which, with their run counts, and that such runs differ in the last bits,
/// which training amplifies. Empty otherwise. Shown where settingsNote() is, and in Compare.
QString computeNote(const std::vector<std::pair<QString, int>>& ways);
/// computeNote() of the table's runs (`table.compute`).
QString computeNote(const PivotTable& table);

/// Marks printed after cell values in exports, and the legend line under the table: the
/// significance of each cell against a baseline row (analysis::significanceMarks()).
struct PivotMarks {
  std::vector<std::vector<QString>> cells;  ///< [row][column]: "", "†", "‡" or "†‡"
  QString legend;                           ///< one line, printed under the table when not empty
};

/// A run's value in a pivot column, as the table scales it (metricScale()): its own result of
/// `kind` ("best" / "final"), or for an evaluation column its evaluation's value; nullopt when none.
std::optional<double> pivotValue(const RunResult& run, const PivotColumn& column, const QString& kind);

/// Builds the pivot from plain results.
PivotTable buildPivot(const ResultSet& results, const PivotOptions& options = {});

/// CSV: label columns, then per column "<h> mean", "<h> std", "<h> n", "<h> best" (1/0).
QString pivotToCsv(const PivotTable& table);
/// Markdown (GitHub pipes): "89.9 ± 0.3", best in **bold**, an "n" column; with `marks`, each
/// cell's marks after its value ("90.1 ± 0.2 †") and the legend under the table.
QString pivotToMarkdown(const PivotTable& table, const PivotMarks* marks = nullptr);
/// LaTeX booktabs tabular: "89.9$\pm$0.3", best in \textbf{}, a "$n$" column; marks as
/// superscripts ("$^{\dagger}$", "$^{\ddagger}$") and the legend in a last row.
QString pivotToLatex(const PivotTable& table, const PivotMarks* marks = nullptr);
/// Text as it prints in LaTeX with the default OT1 encoding (plain \documentclass{article}):
/// \ & % $ # _ { } ~ ^ escaped; | < > as \textbar{} \textless{} \textgreater{}; " as
/// \texttt{\char34} (straight, as \textquotedbl needs T1); ` as \`{}; "--" as "-{}-" (no dash
/// ligature); a leading [ or * braced (else a \\ or \midrule before it reads it as its option);
/// a line break as a space (a blank line would end the table row's paragraph).
QString latexEscape(const QString& text);
/// Text as it reads in a Markdown (GitHub) table cell: \ ` * [ ] | ~ ^ $ backslash-escaped, _
/// unless between letters or digits (never emphasis there), < before a letter / ! ? (an HTML tag),
/// & before a letter or # (an entity); a line break (which would end the row) becomes a space.
QString markdownEscape(const QString& text);
/// RFC 4180 field quoting.
QString csvField(const QString& text);

}  // namespace adamix::app
