// Metric set of each generation task (docs/adamix.md § Generation tasks: E2E -> BLEU, NIST, METEOR, ROUGE-L, CIDEr;
// WebNLG, DART -> BLEU, TER; own generation tasks (data/own_task.h) -> all of them).
#include "metrics/nlg_metrics.h"

namespace adamix {

std::map<std::string, double> computeNlgMetrics(const std::string& task, const std::vector<std::string>& hyps,
                                                const References& refs) {
  std::map<std::string, double> m;
  m["bleu"] = corpusBleu(hyps, refs);
  const bool webnlg_or_dart = task == "webnlg" || task == "dart";
  m["meteor"] = corpusMeteor(hyps, refs);
  if (!webnlg_or_dart) {  // e2e, and own generation tasks (any task.metric of theirs is computed)
    m["nist"] = corpusNist(hyps, refs);
    m["rouge_l"] = corpusRougeL(hyps, refs);
    m["cider"] = corpusCiderD(hyps, refs);
  }
  if (task != "e2e") m["ter"] = corpusTer(hyps, refs);
  return m;
}

}  // namespace adamix
