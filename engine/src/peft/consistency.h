// Consistency regularisation between two stochastic routes (Wang et al. 2022 §2.2, eq. 4–5):
// L_c = ½ [KL(p1 ‖ sg(p2)) + KL(p2 ‖ sg(p1))], "batchmean" reduction, computed in fp32.
#pragma once
#include <torch/torch.h>

namespace adamix {

/// logits1, logits2: [N, C] (any float dtype) -> scalar fp32
/// ½ [Σ p1 (log p1 − log sg(p2)) + Σ p2 (log p2 − log sg(p1))] / N. Optional `mask` [N] (0/1)
/// restricts the rows (e.g. completion tokens of an LM) and divides by the number kept.
torch::Tensor symmetricKlConsistency(const torch::Tensor& logits1, const torch::Tensor& logits2,
                                     const torch::Tensor& mask = {});

/// Regression heads (STS-B): the reference code's KL over a single logit is identically 0, so
/// we use ½ [(y1 − sg(y2))² + (y2 − sg(y1))²] averaged over the batch; its value is (y1 − y2)².
/// y1, y2: [N] -> scalar fp32.
torch::Tensor squaredDifferenceConsistency(const torch::Tensor& y1, const torch::Tensor& y2);

}  // namespace adamix
