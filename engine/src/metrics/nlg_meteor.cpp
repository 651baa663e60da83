// METEOR (exact match approximation) after Meteor 1.5 (Denkowski & Lavie 2014; task "rank"/"default"
// parameters α = 0.85, β = 0.2, γ = 0.6). See nlg_metrics.h for what is approximated.
#include <algorithm>
#include <cmath>

#include "metrics/nlg_metrics.h"
#include "metrics/nlg_ngrams.h"

namespace adamix {

namespace {

constexpr double kAlpha = 0.85, kBeta = 0.2, kGamma = 0.6;

struct MeteorStats {
  double hyp_len = 0, ref_len = 0, matches = 0, chunks = 0;
};

/// Exact-match alignment as Meteor's aligner: a beam search (width 40, as Meteor) over the
/// hypothesis words left to right, each word either matched to an unused identical reference word
/// or left unmatched; the result has the most matches, then the fewest chunks (maximal runs that
/// are contiguous and in the same order on both sides).
MeteorStats align(const Tokens& h, const Tokens& r) {
  struct State {
    std::vector<bool> used;
    int last = -2;  ///< reference position of the previous hypothesis word, -2 when unmatched
    double matches = 0, chunks = 0;
  };
  constexpr size_t kBeam = 40;
  std::vector<State> beam(1);
  beam[0].used.assign(r.size(), false);
  for (const auto& w : h) {
    std::vector<State> next;
    for (const auto& s : beam) {
      State skip = s;
      skip.last = -2;
      next.push_back(std::move(skip));
      for (size_t j = 0; j < r.size(); ++j) {
        if (s.used[j] || r[j] != w) continue;
        State m = s;
        m.used[j] = true;
        m.matches += 1;
        if (s.last < 0 || static_cast<size_t>(s.last) + 1 != j) m.chunks += 1;
        m.last = static_cast<int>(j);
        next.push_back(std::move(m));
      }
    }
    std::stable_sort(next.begin(), next.end(), [](const State& a, const State& b) {
      return a.matches != b.matches ? a.matches > b.matches : a.chunks < b.chunks;
    });
    if (next.size() > kBeam) next.resize(kBeam);
    beam = std::move(next);
  }
  MeteorStats s;
  s.hyp_len = static_cast<double>(h.size());
  s.ref_len = static_cast<double>(r.size());
  s.matches = beam.front().matches;
  s.chunks = beam.front().chunks;
  return s;
}

double score(const MeteorStats& s) {
  if (s.matches == 0 || s.hyp_len == 0 || s.ref_len == 0) return 0.0;
  const double p = s.matches / s.hyp_len, r = s.matches / s.ref_len;
  const double fmean = p * r / (kAlpha * p + (1 - kAlpha) * r);
  // Meteor 1.5: no fragmentation when the hypothesis equals the reference (one chunk, all matched).
  const bool identical = s.matches == s.hyp_len && s.matches == s.ref_len && s.chunks == 1;
  const double frag = identical ? 0.0 : s.chunks / s.matches;
  const double penalty = kGamma * std::pow(frag, kBeta);
  return fmean * (1 - penalty);
}

}  // namespace

double corpusMeteor(const std::vector<std::string>& hyps, const References& refs) {
  const auto c = tokenizeCorpus(hyps, refs);
  MeteorStats total;
  for (size_t i = 0; i < c.hyps.size(); ++i) {
    MeteorStats best;
    double best_score = -1;
    for (const auto& r : c.refs[i]) {
      const auto s = align(c.hyps[i], r);
      const double v = score(s);
      if (v > best_score) {
        best_score = v;
        best = s;
      }
    }
    total.hyp_len += best.hyp_len;
    total.ref_len += best.ref_len;
    total.matches += best.matches;
    total.chunks += best.chunks;
  }
  return score(total);
}

}  // namespace adamix
