// Bit-level float32 comparisons for the tests of kernels that promise ATen's exact roundings.
#pragma once
#include <QtTest/QtTest>
#include <torch/torch.h>

namespace adamix::test {

/// The same sizes and float32 bit patterns (torch::equal treats -0 and +0 as equal; this does not).
inline bool sameBits(const torch::Tensor& a, const torch::Tensor& b) {
  return a.sizes() == b.sizes() && a.scalar_type() == b.scalar_type() &&
         torch::equal(a.contiguous().view(torch::kInt32), b.contiguous().view(torch::kInt32));
}

/// Sets every `zero_step`-th element from `zero_from` to +0 and every `neg_step`-th from `neg_from`
/// to -0 (through a flat view of a contiguous `t`), so that sums and products of signed zeros are
/// exercised. Returns `t`.
inline torch::Tensor withSignedZeros(torch::Tensor t, int64_t zero_from, int64_t zero_step, int64_t neg_from,
                                     int64_t neg_step) {
  t.view(-1).slice(0, zero_from, t.numel(), zero_step).zero_();
  t.view(-1).slice(0, neg_from, t.numel(), neg_step).fill_(-0.0);
  return t;
}

/// Checks that `mine(x)` is `theirs(x)` bit for bit: the values, x's gradient for an upstream
/// gradient with zeros of both signs, and `mine` without autograd (its forward kernel alone).
/// Both get their own copy of x0. Call from a test slot (QVERIFY2 returns from this function).
template <class Mine, class Theirs>
void expectSameBitsAsComposite(const torch::Tensor& x0, const Mine& mine_fn, const Theirs& theirs_fn,
                               const char* what) {
  const auto x1 = x0.detach().clone().requires_grad_(), x2 = x0.detach().clone().requires_grad_();
  const auto mine = mine_fn(x1), theirs = theirs_fn(x2);
  QVERIFY2(sameBits(mine, theirs), what);
  const auto g = withSignedZeros(torch::randn(mine.sizes()), 1, 5, 2, 9);
  mine.backward(g);
  theirs.backward(g);
  QVERIFY2(sameBits(x1.grad(), x2.grad()), what);
  torch::NoGradGuard no_grad;
  QVERIFY2(sameBits(mine_fn(x0.detach()), theirs.detach()), what);
}

}  // namespace adamix::test
