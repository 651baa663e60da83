// A run's per-example dev predictions (the engine's predictions/dev.tsv or eval/…/predictions.tsv,
// docs/protocol.md) and task metrics recomputed on any subset of the examples, as the paired
// bootstrap needs them. Metric definitions follow the engine's (engine/src/metrics), i.e. GLUE's.
#pragma once

#include <QString>
#include <QtGlobal>

#include <stdexcept>
#include <vector>

namespace adamix::app::analysis {

/// Bad or missing predictions file; what() names file and line.
class PredictionsError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// One run's predictions: row i is example index[i] (its position in the dev file).
struct ExamplePredictions {
  std::vector<long long> index;
  std::vector<double> prediction;  ///< class id, or the score (regression)
  std::vector<double> label;       ///< class id, or the gold score
};

/// The longest line readPredictionsTsv() reads (a row with a probability per class is ~100 bytes).
constexpr qint64 kMaxPredictionsLineBytes = 64 * 1024;

/// Reads a classification/regression predictions.tsv (`index\tprediction\tlabel[\tprob_…]`, header
/// line first). Throws PredictionsError naming `path` (and the line) when it is missing, not a
/// regular file (a FIFO would block the read; links are followed), has no label column, or a row
/// is malformed or longer than kMaxPredictionsLineBytes; at most `maxRows` rows (bounds the
/// allocation before the file is read to its end).
ExamplePredictions readPredictionsTsv(const QString& path, long long maxRows = 10'000'000);

/// The metrics that can be recomputed from predictions: accuracy, f1 (binary, positive class 1),
/// matthews_correlation, macro_f1, micro_f1, pearson, spearmanr (the engine's metric names).
bool isExampleMetric(const QString& metric);

/// `metric` over the examples rows[0..n) of `p` (rows may repeat: a bootstrap resample); a
/// fraction in [0, 1] (correlations in [−1, 1]), as the engine reports it. Degenerate cases follow
/// the engine: F1 with no positive prediction nor label = 0, MCC / correlations of a constant = 0.
/// Throws std::invalid_argument for an unknown metric.
double metricOnRows(const QString& metric, const ExamplePredictions& p, const std::vector<int>& rows);

/// Aligns runs on the examples all of them predicted (by index): each returned run holds the same
/// indices in the same order. Throws PredictionsError when the runs disagree on an example's label.
std::vector<ExamplePredictions> alignOnCommonExamples(const std::vector<ExamplePredictions>& runs);

}  // namespace adamix::app::analysis
