#include "peft/consistency.h"

namespace adamix {

torch::Tensor symmetricKlConsistency(const torch::Tensor& logits1, const torch::Tensor& logits2,
                                     const torch::Tensor& mask) {
  auto l1 = logits1.to(torch::kFloat32).reshape({-1, logits1.size(-1)});
  auto l2 = logits2.to(torch::kFloat32).reshape({-1, logits2.size(-1)});
  auto lp1 = torch::log_softmax(l1, -1), lp2 = torch::log_softmax(l2, -1);
  auto p1 = lp1.exp(), p2 = lp2.exp();
  // KL(p1 || sg(p2)) + KL(p2 || sg(p1)), per row.
  auto rows = (p1 * (lp1 - lp2.detach())).sum(-1) + (p2 * (lp2 - lp1.detach())).sum(-1);
  if (mask.defined()) {
    auto m = mask.reshape({-1}).to(torch::kFloat32);
    return 0.5 * (rows * m).sum() / m.sum().clamp_min(1.0);
  }
  return 0.5 * rows.mean();
}

torch::Tensor squaredDifferenceConsistency(const torch::Tensor& y1, const torch::Tensor& y2) {
  auto a = y1.to(torch::kFloat32), b = y2.to(torch::kFloat32);
  return 0.5 * ((a - b.detach()).pow(2) + (b - a.detach()).pow(2)).mean();
}

}  // namespace adamix
