// BLEU and NIST exactly as scored by mteval-v13a.pl (score_segment, bleu_score, nist_score,
// compute_ngram_info), the script e2e-metrics runs.
#include <algorithm>
#include <cmath>

#include "metrics/nlg_metrics.h"
#include "metrics/nlg_ngrams.h"

namespace adamix {

namespace {

/// Per-segment statistics of mteval's score_segment, summed over the corpus.
struct MtevalStats {
  static constexpr size_t kMaxN = 5;
  double match[kMaxN + 1] = {}, tst[kMaxN + 1] = {}, tst_info[kMaxN + 1] = {};
  double shortest_ref_len = 0;  ///< Σ shortest reference length (BLEU)
  double mean_ref_len = 0;      ///< Σ mean reference length (NIST)
};

MtevalStats mtevalStats(const TokenizedCorpus& c, const std::map<std::string, double>* info) {
  MtevalStats s;
  for (size_t i = 0; i < c.hyps.size(); ++i) {
    const auto& h = c.hyps[i];
    size_t shortest = c.refs[i][0].size();
    double total = 0;
    for (const auto& r : c.refs[i]) {
      shortest = std::min(shortest, r.size());
      total += static_cast<double>(r.size());
    }
    s.shortest_ref_len += static_cast<double>(shortest);
    s.mean_ref_len += total / static_cast<double>(c.refs[i].size());
    for (size_t n = 1; n <= MtevalStats::kMaxN; ++n) {
      s.tst[n] += h.size() >= n ? static_cast<double>(h.size() - n + 1) : 0.0;
      NgramCounts ref_max;
      for (const auto& r : c.refs[i])
        for (const auto& [g, k] : countNgrams(r, n)) ref_max[g] = std::max(ref_max[g], k);
      for (const auto& [g, k] : countNgrams(h, n)) {
        auto it = ref_max.find(g);
        if (it == ref_max.end()) continue;
        const int m = std::min(k, it->second);
        s.match[n] += m;
        if (info) s.tst_info[n] += info->at(g) * m;
      }
    }
  }
  return s;
}

/// compute_ngram_info: info(g) = −log2(count(g) / count(prefix of g)) over all references.
std::map<std::string, double> ngramInfo(const TokenizedCorpus& c) {
  std::map<std::string, int> count;
  double total_words = 0;
  for (const auto& refs : c.refs)
    for (const auto& r : refs) {
      total_words += static_cast<double>(r.size());
      for (size_t n = 1; n <= MtevalStats::kMaxN; ++n)
        for (const auto& [g, k] : countNgrams(r, n)) count[g] += k;
    }
  std::map<std::string, double> info;
  for (const auto& [g, k] : count) {
    const auto sp = g.rfind(' ');
    const double denom = sp == std::string::npos ? total_words : static_cast<double>(count.at(g.substr(0, sp)));
    info[g] = -std::log(static_cast<double>(k) / denom) / std::log(2.0);
  }
  return info;
}

}  // namespace

double corpusBleu(const std::vector<std::string>& hyps, const References& refs) {
  const auto c = tokenizeCorpus(hyps, refs);
  const auto s = mtevalStats(c, nullptr);
  if (s.tst[1] == 0) return 0.0;
  double log_sum = 0;
  for (size_t n = 1; n <= 4; ++n) {
    if (s.match[n] == 0) return 0.0;
    log_sum += std::log(s.match[n] / s.tst[n]);
  }
  const double bp = std::min(0.0, 1.0 - s.shortest_ref_len / s.tst[1]);
  return std::exp(log_sum / 4.0 + bp);
}

double corpusNist(const std::vector<std::string>& hyps, const References& refs) {
  const auto c = tokenizeCorpus(hyps, refs);
  const auto info = ngramInfo(c);
  const auto s = mtevalStats(c, &info);
  double score = 0;
  for (size_t n = 1; n <= 5; ++n) score += s.tst_info[n] / std::max(s.tst[n], 1.0);
  // nist_length_penalty(ratio): 1 for ratio >= 1, 0 for ratio <= 0, else exp(−β ln² ratio).
  const double ratio = s.mean_ref_len > 0 ? s.tst[1] / s.mean_ref_len : 1.0;
  double penalty = 1.0;
  if (ratio <= 0)
    penalty = 0.0;
  else if (ratio < 1) {
    const double beta = -std::log(0.5) / std::log(1.5) / std::log(1.5);
    penalty = std::exp(-beta * std::log(ratio) * std::log(ratio));
  }
  return score * penalty;
}

}  // namespace adamix
