// Internal helpers shared by the NLG metric implementations (not part of the public API).
#pragma once
#include <map>
#include <string>
#include <vector>

#include "metrics/nlg_metrics.h"

namespace adamix {

/// n-gram (words joined by single spaces) -> count.
using NgramCounts = std::map<std::string, int>;

/// Counts of the n-grams of order exactly n in `t`.
NgramCounts countNgrams(const Tokens& t, size_t n);

/// Tokenised hypotheses and references (mtevalTokenize). Throws EngineError(Internal) when the
/// sizes differ or a segment has no reference.
struct TokenizedCorpus {
  std::vector<Tokens> hyps;
  std::vector<std::vector<Tokens>> refs;
};
TokenizedCorpus tokenizeCorpus(const std::vector<std::string>& hyps, const References& refs);

}  // namespace adamix
