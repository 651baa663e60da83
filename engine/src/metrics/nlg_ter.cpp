// TER (Snover et al. 2006, "A Study of Translation Edit Rate with Targeted Human Annotation"):
// edit distance with block shifts, searched greedily as tercom does.
#include <algorithm>
#include <limits>

#include "metrics/nlg_metrics.h"
#include "metrics/nlg_ngrams.h"

namespace adamix {

int editDistance(const Tokens& a, const Tokens& b) {
  std::vector<int> prev(b.size() + 1), cur(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) prev[j] = static_cast<int>(j);
  for (size_t i = 1; i <= a.size(); ++i) {
    cur[0] = static_cast<int>(i);
    for (size_t j = 1; j <= b.size(); ++j)
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)});
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

namespace {

constexpr size_t kMaxShiftSize = 10;

bool occursIn(const Tokens& ref, const Tokens& h, size_t start, size_t len) {
  for (size_t k = 0; k + len <= ref.size(); ++k)
    if (std::equal(h.begin() + static_cast<long>(start), h.begin() + static_cast<long>(start + len),
                   ref.begin() + static_cast<long>(k)))
      return true;
  return false;
}

/// Fewest edits turning hypothesis `h` into reference `r`: shifts (cost 1 each) applied greedily
/// while one lowers the edit distance, plus the final Levenshtein distance.
int terEdits(Tokens h, const Tokens& r) {
  int shifts = 0;
  int dist = editDistance(h, r);
  while (dist > 0) {
    int best = dist;
    Tokens best_h;
    for (size_t len = 1; len <= std::min(kMaxShiftSize, h.size()); ++len) {
      for (size_t s = 0; s + len <= h.size(); ++s) {
        if (!occursIn(r, h, s, len)) continue;
        Tokens phrase(h.begin() + static_cast<long>(s), h.begin() + static_cast<long>(s + len));
        Tokens rest(h.begin(), h.begin() + static_cast<long>(s));
        rest.insert(rest.end(), h.begin() + static_cast<long>(s + len), h.end());
        for (size_t to = 0; to <= rest.size(); ++to) {
          if (to == s) continue;  // the phrase back where it was
          Tokens cand(rest.begin(), rest.begin() + static_cast<long>(to));
          cand.insert(cand.end(), phrase.begin(), phrase.end());
          cand.insert(cand.end(), rest.begin() + static_cast<long>(to), rest.end());
          const int d = editDistance(cand, r);
          if (d + 1 < best) {  // the shift itself costs one edit
            best = d + 1;
            best_h = std::move(cand);
          }
        }
      }
    }
    if (best_h.empty()) break;
    h = std::move(best_h);
    ++shifts;
    dist = best - 1;
  }
  return shifts + dist;
}

}  // namespace

double corpusTer(const std::vector<std::string>& hyps, const References& refs) {
  const auto c = tokenizeCorpus(hyps, refs);
  double edits = 0, ref_len = 0;
  for (size_t i = 0; i < c.hyps.size(); ++i) {
    int best = std::numeric_limits<int>::max();
    double total = 0;
    for (const auto& r : c.refs[i]) {
      best = std::min(best, terEdits(c.hyps[i], r));
      total += static_cast<double>(r.size());
    }
    edits += best;
    ref_len += total / static_cast<double>(c.refs[i].size());
  }
  return ref_len > 0 ? edits / ref_len : 0.0;
}

}  // namespace adamix
