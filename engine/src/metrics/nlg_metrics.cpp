// Metric set of each generation task (docs/adamix.md § Generation tasks: E2E -> BLEU, NIST, METEOR, ROUGE-L, CIDEr;
// WebNLG, DART -> BLEU, TER).
#include "metrics/nlg_metrics.h"

namespace adamix {

std::map<std::string, double> computeNlgMetrics(const std::string& task, const std::vector<std::string>& hyps,
                                                const References& refs) {
  std::map<std::string, double> m;
  m["bleu"] = corpusBleu(hyps, refs);
  if (task == "e2e") {
    m["nist"] = corpusNist(hyps, refs);
    m["meteor"] = corpusMeteor(hyps, refs);
    m["rouge_l"] = corpusRougeL(hyps, refs);
    m["cider"] = corpusCiderD(hyps, refs);
  } else {
    m["meteor"] = corpusMeteor(hyps, refs);
    m["ter"] = corpusTer(hyps, refs);
  }
  return m;
}

}  // namespace adamix
