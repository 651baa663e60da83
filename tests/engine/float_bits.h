// Bit-level float32 comparisons for the tests of kernels that promise ATen's exact roundings.
#pragma once
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

}  // namespace adamix::test
