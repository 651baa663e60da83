// Consistency regularisation between two stochastic routes (Wang et al. 2022 §2.2, eq. 4–5), in the
// form of the official code (AdaMix official ExpertSoup/run_glue.py model forward, and the NLG
// trainer): L_c = ½ [KL(sg(p2) ‖ p1) + KL(sg(p1) ‖ p2)], each term
// `F.kl_div(log_softmax(z_a), softmax(z_b).detach(), reduction='batchmean')`, computed in fp32.
// The target distribution of each KL is the detached one: the gradient w.r.t. pass-1 logits is
// ½ (p1 − p2) / N per row (the softmax cross-entropy gradient towards sg(p2)); the mirror term
// reaches pass 1 only through the target, which is detached (docs/adamix.md § Consistency).
#pragma once
#include <torch/torch.h>

namespace adamix {

/// logits1, logits2: [..., C] (any float dtype; leading dims flattened to N rows) -> scalar fp32
/// ½ [Σ sg(p2) (log sg(p2) − log p1) + Σ sg(p1) (log sg(p1) − log p2)] / N ("batchmean").
/// Optional `mask` [N] (0/1) restricts the rows (completion tokens of an LM) and divides by the
/// number kept (at least 1).
torch::Tensor symmetricKlConsistency(const torch::Tensor& logits1, const torch::Tensor& logits2,
                                     const torch::Tensor& mask = {});

/// Regression heads (STS-B): the reference code's KL over a single logit is identically 0, so
/// we use ½ [(y1 − sg(y2))² + (y2 − sg(y1))²] averaged over the batch; its value is (y1 − y2)².
/// y1, y2: [N] -> scalar fp32.
torch::Tensor squaredDifferenceConsistency(const torch::Tensor& y1, const torch::Tensor& y2);

}  // namespace adamix
