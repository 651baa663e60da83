// ROUGE-L as pycocoevalcap rouge/rouge.py (Lin 2004; the e2e-metrics ROUGE_L): β = 1.2.
#include <algorithm>

#include "metrics/nlg_metrics.h"
#include "metrics/nlg_ngrams.h"

namespace adamix {

namespace {
size_t lcs(const Tokens& a, const Tokens& b) {
  std::vector<size_t> prev(b.size() + 1, 0), cur(b.size() + 1, 0);
  for (size_t i = 1; i <= a.size(); ++i) {
    for (size_t j = 1; j <= b.size(); ++j)
      cur[j] = a[i - 1] == b[j - 1] ? prev[j - 1] + 1 : std::max(prev[j], cur[j - 1]);
    std::swap(prev, cur);
  }
  return prev[b.size()];
}
}  // namespace

double corpusRougeL(const std::vector<std::string>& hyps, const References& refs) {
  const auto c = tokenizeCorpus(hyps, refs);
  constexpr double beta = 1.2;
  double sum = 0;
  for (size_t i = 0; i < c.hyps.size(); ++i) {
    double p_max = 0, r_max = 0;
    for (const auto& r : c.refs[i]) {
      const double l = static_cast<double>(lcs(c.hyps[i], r));
      if (!c.hyps[i].empty()) p_max = std::max(p_max, l / static_cast<double>(c.hyps[i].size()));
      if (!r.empty()) r_max = std::max(r_max, l / static_cast<double>(r.size()));
    }
    if (p_max != 0 && r_max != 0) sum += (1 + beta * beta) * p_max * r_max / (r_max + beta * beta * p_max);
  }
  return c.hyps.empty() ? 0.0 : sum / static_cast<double>(c.hyps.size());
}

}  // namespace adamix
