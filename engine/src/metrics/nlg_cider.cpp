// CIDEr-D as pycocoevalcap ciderD/ciderD_scorer.py (Vedantam et al. 2015), which e2e-metrics
// reports as "CIDEr": n = 1..4, σ = 6, clipped tf-idf, ×10.
#include <cmath>

#include "metrics/nlg_metrics.h"
#include "metrics/nlg_ngrams.h"

namespace adamix {

namespace {
constexpr size_t kN = 4;
constexpr double kSigma = 6.0;

struct Vec {
  std::map<std::string, double> v[kN];
  double norm[kN] = {};
  double length = 0;  ///< number of unigrams (the scorer's `length`)
};

Vec toVec(const Tokens& t, const std::map<std::string, double>& df, double log_n) {
  Vec out;
  for (size_t n = 1; n <= kN; ++n) {
    for (const auto& [g, tf] : countNgrams(t, n)) {
      auto it = df.find(g);
      const double d = std::log(std::max(1.0, it == df.end() ? 0.0 : it->second));
      const double x = static_cast<double>(tf) * (log_n - d);
      out.v[n - 1][g] = x;
      out.norm[n - 1] += x * x;
      if (n == 2) out.length += tf;  // as the reference scorer: length counted on bigram pass
    }
    out.norm[n - 1] = std::sqrt(out.norm[n - 1]);
  }
  return out;
}

double sim(const Vec& h, const Vec& r) {
  const double delta = h.length - r.length;
  double total = 0;
  for (size_t n = 0; n < kN; ++n) {
    double val = 0;
    for (const auto& [g, x] : h.v[n]) {
      auto it = r.v[n].find(g);
      if (it != r.v[n].end()) val += std::min(x, it->second) * it->second;
    }
    if (h.norm[n] != 0 && r.norm[n] != 0) val /= h.norm[n] * r.norm[n];
    total += val * std::exp(-(delta * delta) / (2 * kSigma * kSigma));
  }
  return total;
}
}  // namespace

double corpusCiderD(const std::vector<std::string>& hyps, const References& refs) {
  const auto c = tokenizeCorpus(hyps, refs);
  // Document frequency: number of segments whose reference set contains the n-gram.
  std::map<std::string, double> df;
  for (const auto& rs : c.refs) {
    std::map<std::string, bool> seen;
    for (const auto& r : rs)
      for (size_t n = 1; n <= kN; ++n)
        for (const auto& kv : countNgrams(r, n)) seen[kv.first] = true;
    for (const auto& kv : seen) df[kv.first] += 1;
  }
  const double log_n = std::log(static_cast<double>(c.hyps.size()));
  double sum = 0;
  for (size_t i = 0; i < c.hyps.size(); ++i) {
    const auto h = toVec(c.hyps[i], df, log_n);
    double s = 0;
    for (const auto& r : c.refs[i]) s += sim(h, toVec(r, df, log_n));
    s /= static_cast<double>(c.refs[i].size());
    sum += s / static_cast<double>(kN) * 10.0;
  }
  return c.hyps.empty() ? 0.0 : sum / static_cast<double>(c.hyps.size());
}

}  // namespace adamix
