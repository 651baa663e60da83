// The paper's analyses on a study's stored results: score against parameter share (Fig. 1),
// single modules against merged / random / ensemble / merge strategies (Fig. 5/6), and the
// significance of each table cell against a baseline row (Welch over seeds, paired bootstrap
// over dev examples). Plain data in, plain data out: the GUI views, the CLI and the exports
// draw these.
#pragma once

#include "analysis/paired_bootstrap.h"
#include "analysis/welch_test.h"
#include "export/pivot.h"
#include "export/result_set.h"

#include <QString>

#include <cstdint>
#include <optional>
#include <utility>
#include <vector>

namespace adamix::app::analysis {

/// One variant (pivot row) on one task — or on the average of the tasks — in the score vs
/// parameters plot.
struct ScorePoint {
  int row = 0;            ///< pivot row
  QString variant;        ///< the row's labels joined with ", "
  int n = 0;              ///< seeds behind the mean (the average: the smallest n of its tasks)
  double mean = 0, std = 0;      ///< as the table shows it (×100 for fractions); std NaN when n < 2
  double trainablePercent = 0;   ///< params.trainable_peft / params.base × 100; NaN when unknown
  double inferencePercent = 0;   ///< params.inference_peft / params.base × 100; NaN when unknown
  bool onTrainableFront = false;  ///< on the Pareto front against trainablePercent
  bool onInferenceFront = false;  ///< on the Pareto front against inferencePercent
};

/// The scatter of one task (its primary metric) or of the average over tasks.
struct ScoreVsParams {
  QString task;         ///< task name; "" for the average
  QString title;        ///< "SST-2 — dev accuracy", "Average of 2 tasks"
  QString scoreLabel;   ///< y axis: "dev accuracy (×100)", "Avg."
  std::vector<ScorePoint> points;  ///< one per pivot row that has a value
};

/// Score vs % parameters for each task of `pivot` (built with primaryOnly) and, with ≥ 2 tasks,
/// the average column. Parameter shares come from the runs' stored `params` (RunResult::params);
/// a row whose runs disagree on them takes the first run's.
std::vector<ScoreVsParams> scoreVsParams(const PivotTable& pivot, const ResultSet& results);

/// The scores of one variant on one task under each inference mode (dev, primary metric, as the
/// table scales it).
struct ModeDistribution {
  int row = 0;
  QString variant, task;
  QString metric;                 ///< "accuracy", …
  std::vector<double> modules;    ///< module:k of every seed: M × seeds values
  /// "merged" (the run's own best-dev result), then "random", "ensemble" and each stored merge
  /// strategy ("greedy-soup", "learned", …) in that order: one value per seed that has it.
  std::vector<std::pair<QString, std::vector<double>>> modes;
  /// Per run of the row that evaluated its modes as it ended: what those evaluations cost in
  /// all, seconds (the sum of their wall_s; the option's price, train.eval_inference_modes).
  std::vector<double> endOfRunSeconds;
};

/// Per pivot row and task, the modes of its runs' evaluations on dev (RunResult::inference).
/// Rows without any module:k evaluation are left out.
std::vector<ModeDistribution> modeDistributions(const PivotTable& pivot, const ResultSet& results);

struct SignificanceOptions {
  int baselineRow = 0;
  double alpha = 0.05;          ///< marks below this p
  bool bootstrap = true;        ///< also the paired bootstrap (needs stored predictions)
  int resamples = 10000;
  std::uint64_t seed = 1;
};

/// Tests of one pivot cell against the baseline row's cell in the same column.
struct CellSignificance {
  WelchTest welch;                         ///< over the seeds' values, in table units
  std::optional<BootstrapTest> bootstrap;  ///< over dev examples, in table units; none when
                                           ///< predictions are missing or the metric cannot be recomputed
  QString bootstrapNote;                   ///< why there is no bootstrap ("" when there is)
  bool welchSignificant(double alpha) const;
  bool bootstrapSignificant(double alpha) const;
};

/// Significance of every cell of a pivot against the baseline row (`cells[row][column]`; empty
/// for the baseline row itself, the average column and evaluation columns).
struct SignificanceTable {
  int baselineRow = -1;
  QString baselineLabel;
  SignificanceOptions options;
  std::vector<std::vector<std::optional<CellSignificance>>> cells;
};

/// Computes the SignificanceTable of `pivot` (built from `results`). Predictions are read from
/// each run's RunResult::predictions file (bad files give a bootstrapNote, never an exception).
/// Throws std::invalid_argument when baselineRow is not a row of the pivot.
SignificanceTable significance(const PivotTable& pivot, const ResultSet& results, const SignificanceOptions& options);

/// "" or, for a bootstrap of runs scored on different dev examples (fewer common examples than a
/// run predicted): "only the K examples all its runs share (a run predicted N): …".
QString bootstrapSubsetNote(const BootstrapTest& b);

/// The legend line under an exported table: "† p < 0.05 against Adapter, Welch's t-test over seeds;
/// ‡ p < 0.05, paired bootstrap over dev examples (10,000 resamples, seed 1)."
QString significanceLegend(const SignificanceTable& table);

/// The export marks of a SignificanceTable: "†" where Welch's p < alpha, "‡" where the paired
/// bootstrap's p < alpha, and significanceLegend() — for pivotToMarkdown() / pivotToLatex().
PivotMarks significanceMarks(const SignificanceTable& table);

/// The bootstrap p-value as the CSV report writes it: the value, or "<2/B" ("<0.0002" at 10,000
/// resamples) when no resample crossed zero: p is a multiple of 2/B, so 0 only says it is below
/// that, never that it is exactly 0.
QString bootstrapPText(const BootstrapTest& b);

/// The significance report as CSV, one line per tested cell: row labels, column header, n, mean,
/// baseline n and mean, Welch (diff, t, df, p, CI), bootstrap (diff, CI, p as bootstrapPText(),
/// examples, resamples, seed) and the note why a bootstrap is missing. Values in table units.
QString significanceToCsv(const PivotTable& pivot, const SignificanceTable& table);

/// The pivot row whose labels (joined with ", ") equal `label`, case-insensitively; nullopt when none.
std::optional<int> findRow(const PivotTable& pivot, const QString& label);

}  // namespace adamix::app::analysis
