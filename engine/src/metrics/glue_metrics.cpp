#include "metrics/glue_metrics.h"

#include <array>

#include <algorithm>
#include <cmath>
#include <numeric>

#include "io/errors.h"

namespace adamix {

namespace {

template <typename A, typename B>
void checkSizes(const char* what, const std::vector<A>& a, const std::vector<B>& b) {
  if (a.empty()) throw EngineError(ErrorKind::Internal, std::string(what) + ": no predictions");
  if (a.size() != b.size())
    throw EngineError(ErrorKind::Internal, std::string(what) + ": " + std::to_string(a.size()) + " predictions but " +
                                               std::to_string(b.size()) + " labels");
}

}  // namespace

double accuracy(const std::vector<int64_t>& preds, const std::vector<int64_t>& labels) {
  checkSizes("accuracy", preds, labels);
  size_t correct = 0;
  for (size_t i = 0; i < preds.size(); ++i) correct += preds[i] == labels[i];
  return static_cast<double>(correct) / static_cast<double>(preds.size());
}

double binaryF1(const std::vector<int64_t>& preds, const std::vector<int64_t>& labels) {
  checkSizes("f1", preds, labels);
  double tp = 0, fp = 0, fn = 0;
  for (size_t i = 0; i < preds.size(); ++i) {
    const bool p = preds[i] == 1, l = labels[i] == 1;
    tp += p && l;
    fp += p && !l;
    fn += !p && l;
  }
  const double denom = 2 * tp + fp + fn;
  return denom == 0 ? 0.0 : 2 * tp / denom;
}

double matthewsCorrelation(const std::vector<int64_t>& preds, const std::vector<int64_t>& labels) {
  checkSizes("matthews_correlation", preds, labels);
  std::map<int64_t, double> t_sum, p_sum;  // per-class true / predicted counts
  double correct = 0;
  for (size_t i = 0; i < preds.size(); ++i) {
    t_sum[labels[i]] += 1;
    p_sum[preds[i]] += 1;
    correct += preds[i] == labels[i];
  }
  const double n = static_cast<double>(preds.size());
  double tp_dot = 0, pp_dot = 0, tt_dot = 0;
  for (const auto& [c, t] : t_sum) {
    auto it = p_sum.find(c);
    if (it != p_sum.end()) tp_dot += t * it->second;
    tt_dot += t * t;
  }
  for (const auto& [c, p] : p_sum) pp_dot += p * p;
  const double cov_ytyp = correct * n - tp_dot;
  const double cov_ypyp = n * n - pp_dot;
  const double cov_ytyt = n * n - tt_dot;
  if (cov_ypyp * cov_ytyt == 0) return 0.0;
  return cov_ytyp / std::sqrt(cov_ytyt * cov_ypyp);
}

double pearson(const std::vector<double>& x, const std::vector<double>& y) {
  checkSizes("pearson", x, y);
  const double n = static_cast<double>(x.size());
  const double mx = std::accumulate(x.begin(), x.end(), 0.0) / n;
  const double my = std::accumulate(y.begin(), y.end(), 0.0) / n;
  double sxy = 0, sxx = 0, syy = 0;
  for (size_t i = 0; i < x.size(); ++i) {
    const double dx = x[i] - mx, dy = y[i] - my;
    sxy += dx * dy;
    sxx += dx * dx;
    syy += dy * dy;
  }
  if (sxx == 0 || syy == 0) return 0.0;
  const double r = sxy / std::sqrt(sxx * syy);
  return std::max(-1.0, std::min(1.0, r));
}

std::vector<double> averageRanks(const std::vector<double>& x) {
  std::vector<size_t> order(x.size());
  std::iota(order.begin(), order.end(), size_t{0});
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return x[a] < x[b]; });
  std::vector<double> ranks(x.size());
  size_t i = 0;
  while (i < order.size()) {
    size_t j = i;
    while (j + 1 < order.size() && x[order[j + 1]] == x[order[i]]) ++j;
    const double avg = (static_cast<double>(i + 1) + static_cast<double>(j + 1)) / 2.0;
    for (size_t k = i; k <= j; ++k) ranks[order[k]] = avg;
    i = j + 1;
  }
  return ranks;
}

double spearman(const std::vector<double>& x, const std::vector<double>& y) {
  checkSizes("spearmanr", x, y);
  return pearson(averageRanks(x), averageRanks(y));
}

namespace {
/// Per class present in labels or preds: {TP, FP, FN}.
std::map<int64_t, std::array<int64_t, 3>> perClassCounts(const std::vector<int64_t>& preds,
                                                         const std::vector<int64_t>& labels) {
  std::map<int64_t, std::array<int64_t, 3>> c;
  for (size_t i = 0; i < preds.size(); ++i) {
    if (preds[i] == labels[i]) {
      ++c[labels[i]][0];
    } else {
      ++c[preds[i]][1];
      ++c[labels[i]][2];
    }
  }
  return c;
}
}  // namespace

double macroF1(const std::vector<int64_t>& preds, const std::vector<int64_t>& labels) {
  checkSizes("macro_f1", preds, labels);
  const auto counts = perClassCounts(preds, labels);
  double sum = 0;
  for (const auto& [cls, c] : counts) {
    const double den = static_cast<double>(2 * c[0] + c[1] + c[2]);
    sum += den > 0 ? 2.0 * static_cast<double>(c[0]) / den : 0.0;
  }
  return counts.empty() ? 0.0 : sum / static_cast<double>(counts.size());
}

double microF1(const std::vector<int64_t>& preds, const std::vector<int64_t>& labels) {
  checkSizes("micro_f1", preds, labels);
  int64_t tp = 0, fp = 0, fn = 0;
  for (const auto& [cls, c] : perClassCounts(preds, labels)) {
    tp += c[0];
    fp += c[1];
    fn += c[2];
  }
  const double den = static_cast<double>(2 * tp + fp + fn);
  return den > 0 ? 2.0 * static_cast<double>(tp) / den : 0.0;
}

std::map<std::string, double> computeGlueMetrics(const TaskSpec& spec, const std::vector<int64_t>& preds,
                                                 const std::vector<int64_t>& labels) {
  if (spec.regression)
    throw EngineError(ErrorKind::Internal,
                      "task " + spec.name + " is a regression task: metrics need float predictions");
  std::map<std::string, double> out;
  for (const auto& m : spec.metrics) {
    if (m == "accuracy")
      out[m] = accuracy(preds, labels);
    else if (m == "f1")
      out[m] = binaryF1(preds, labels);
    else if (m == "matthews_correlation")
      out[m] = matthewsCorrelation(preds, labels);
    else if (m == "macro_f1")
      out[m] = macroF1(preds, labels);
    else if (m == "micro_f1")
      out[m] = microF1(preds, labels);
    else
      throw EngineError(ErrorKind::Internal, "unknown classification metric " + m);
  }
  return out;
}

std::map<std::string, double> computeGlueMetrics(const TaskSpec& spec, const std::vector<float>& preds,
                                                 const std::vector<float>& labels) {
  if (!spec.regression)
    throw EngineError(ErrorKind::Internal, "task " + spec.name + " is a classification task: metrics need class ids");
  const std::vector<double> p(preds.begin(), preds.end()), l(labels.begin(), labels.end());
  std::map<std::string, double> out;
  for (const auto& m : spec.metrics) {
    if (m == "pearson")
      out[m] = pearson(p, l);
    else if (m == "spearmanr")
      out[m] = spearman(p, l);
    else
      throw EngineError(ErrorKind::Internal, "unknown regression metric " + m);
  }
  return out;
}

}  // namespace adamix
