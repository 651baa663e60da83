// GLUE metrics with Hugging Face `evaluate`/glue names and sklearn/scipy semantics. Values are
// fractions in [0, 1] (correlations in [-1, 1]); tables multiply by 100.
#pragma once
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "data/glue.h"

namespace adamix {

/// Fraction of positions where preds == labels. Throws EngineError(Internal) on empty input or
/// size mismatch (as do all functions below).
double accuracy(const std::vector<int64_t>& preds, const std::vector<int64_t>& labels);

/// Binary F1 with positive class 1 (sklearn f1_score average="binary"): 2TP / (2TP + FP + FN);
/// 0 when that denominator is 0.
double binaryF1(const std::vector<int64_t>& preds, const std::vector<int64_t>& labels);

/// Macro-averaged F1 as sklearn f1_score(average="macro") with its default labels: the mean over
/// every class present in labels or preds of that class's 2TP / (2TP + FP + FN) (0 when its
/// denominator is 0).
double macroF1(const std::vector<int64_t>& preds, const std::vector<int64_t>& labels);

/// Micro-averaged F1 (sklearn average="micro"): 2ΣTP / (2ΣTP + ΣFP + ΣFN) over the same classes;
/// for single-label classification it equals accuracy.
double microF1(const std::vector<int64_t>& preds, const std::vector<int64_t>& labels);

/// Matthews correlation as sklearn matthews_corrcoef (multiclass form; equals
/// (TP*TN - FP*FN) / sqrt((TP+FP)(TP+FN)(TN+FP)(TN+FN)) for binary labels); 0 when the
/// denominator is 0.
double matthewsCorrelation(const std::vector<int64_t>& preds, const std::vector<int64_t>& labels);

/// Pearson correlation coefficient (computed in double); 0 when either input is constant
/// (scipy would give NaN; 0 keeps results JSON-serialisable).
double pearson(const std::vector<double>& x, const std::vector<double>& y);

/// 1-based ranks with ties given their average rank (scipy rankdata method="average").
std::vector<double> averageRanks(const std::vector<double>& x);

/// Spearman rank correlation: Pearson of averageRanks(x) and averageRanks(y).
double spearman(const std::vector<double>& x, const std::vector<double>& y);

/// Classification metrics of `spec` by HF GLUE name: cola -> matthews_correlation;
/// sst2/qnli/rte/wnli/mnli -> accuracy; mrpc/qqp -> accuracy, f1; own datasets (data/own_task.h)
/// also macro_f1, micro_f1.
/// Throws EngineError(Internal) when `spec` is a regression task.
std::map<std::string, double> computeGlueMetrics(const TaskSpec& spec, const std::vector<int64_t>& preds,
                                                 const std::vector<int64_t>& labels);

/// Regression metrics (stsb): pearson, spearmanr. Throws EngineError(Internal) for a
/// classification task.
std::map<std::string, double> computeGlueMetrics(const TaskSpec& spec, const std::vector<float>& preds,
                                                 const std::vector<float>& labels);

}  // namespace adamix
