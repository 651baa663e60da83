#include "peft/consistency.h"

namespace adamix {

torch::Tensor symmetricKlConsistency(const torch::Tensor& logits1, const torch::Tensor& logits2,
                                     const torch::Tensor& mask) {
  auto l1 = logits1.to(torch::kFloat32).reshape({-1, logits1.size(-1)});
  auto l2 = logits2.to(torch::kFloat32).reshape({-1, logits2.size(-1)});
  auto lp1 = torch::log_softmax(l1, -1), lp2 = torch::log_softmax(l2, -1);
  // Detached targets, elementwise as PyTorch's kl_div: xlogy(q, q) − q · input. The sums and the
  // division by N follow F.kl_div's 'batchmean' (sum, then / N) term by term, so that the value
  // also matches the official one in fp32 (the two KLs nearly cancel their p·log p terms).
  auto q1 = torch::softmax(l1, -1).detach(), q2 = torch::softmax(l2, -1).detach();
  auto kl12 = torch::xlogy(q2, q2) - q2 * lp1;  // KL(sg(p2) || p1)
  auto kl21 = torch::xlogy(q1, q1) - q1 * lp2;  // KL(sg(p1) || p2)
  if (mask.defined()) {
    auto m = mask.reshape({-1, 1}).to(torch::kFloat32);
    auto n = m.sum().clamp_min(1.0);
    return 0.5 * ((kl12 * m).sum() / n + (kl21 * m).sum() / n);
  }
  const double n = static_cast<double>(l1.size(0));
  return 0.5 * (kl12.sum() / n + kl21.sum() / n);
}

torch::Tensor squaredDifferenceConsistency(const torch::Tensor& y1, const torch::Tensor& y2) {
  auto a = y1.to(torch::kFloat32), b = y2.to(torch::kFloat32);
  return 0.5 * ((a - b.detach()).pow(2) + (b - a.detach()).pow(2)).mean();
}

}  // namespace adamix
