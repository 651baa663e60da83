// meanOfSquares (model/mean_of_squares.h) against the composite `x.pow(2).mean(-1, true)`, bit for
// bit (float32 bit patterns, signed zeros included): alone, and inside HF's RMSNorm on a residual
// stream, where x's gradient is the sum of three contributions whose order of addition the
// kernel must keep; hidden sizes whose 1 / N is not exact; one and two threads; hand values; the
// cases that stay the composite.
#include <QtTest/QtTest>
#include <torch/torch.h>

#include "float_bits.h"

#include "model/llama.h"
#include "model/mean_of_squares.h"

using namespace adamix;
using adamix::test::sameBits;

namespace {

/// A Llama block's shape of use: h = x + rmsNorm(x) W, so x's gradient adds the residual's, the
/// `x * rsqrt(..)` path's and the variance's. `variance` computes mean(x^2, -1, keepdim).
template <class Variance>
torch::Tensor block(const torch::Tensor& x, const torch::Tensor& w, const torch::Tensor& W, const Variance& variance) {
  const auto normed = w * (x * torch::rsqrt(variance(x) + 1e-5));
  return x + normed.matmul(W);
}

void expectSameAsComposite(const torch::Tensor& x0, bool weight_grad, const char* what) {
  const int64_t N = x0.size(-1);
  const auto W = torch::randn({N, N}) / 8;
  const auto w0 = torch::randn({N});
  auto x1 = x0.detach().clone().requires_grad_(), x2 = x0.detach().clone().requires_grad_();
  auto w1 = w0.clone().requires_grad_(weight_grad), w2 = w0.clone().requires_grad_(weight_grad);
  const auto mine = block(x1, w1, W, [](const torch::Tensor& x) { return meanOfSquares(x); });
  const auto theirs = block(x2, w2, W, [](const torch::Tensor& x) { return x.pow(2).mean(-1, true); });
  QVERIFY2(sameBits(mine, theirs), what);
  const auto g = test::withSignedZeros(torch::randn(mine.sizes()), 1, 5, 2, 9);
  mine.backward(g);
  theirs.backward(g);
  QVERIFY2(sameBits(x1.grad(), x2.grad()), what);
  if (weight_grad) QVERIFY2(sameBits(w1.grad(), w2.grad()), what);
}

}  // namespace

class TestMeanOfSquares : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void handComputed() {
    // mean(1, 4, 9, 16) = 7.5; gradient 2 -> 2 / 4 * 2x = x.
    const auto x = torch::tensor({1.0f, 2.0f, 3.0f, 4.0f}).view({1, 4}).requires_grad_();
    const auto v = meanOfSquares(x);
    QCOMPARE(v.sizes().vec(), (std::vector<int64_t>{1, 1}));
    QCOMPARE(v.item<float>(), 7.5f);
    v.backward(torch::full({1, 1}, 2.0f));
    QVERIFY(torch::equal(x.grad(), torch::tensor({1.0f, 2.0f, 3.0f, 4.0f}).view({1, 4})));
    QVERIFY(v.grad_fn()->name() != std::string("MeanBackward1"));  // the kernel's own node
  }

  void equalsTheCompositeBitForBit() {
    torch::manual_seed(11);
    for (const int threads : {1, 2}) {
      at::set_num_threads(threads);
      // 64 (stories260K), 256 (the wider Llama), 576 and 688 (1 / N inexact), 7 (odd rows).
      for (const int64_t N : {64, 256, 576, 688, 7}) {
        const auto x = test::withSignedZeros(torch::randn({4, 33, N}) * 3, 0, 13, 5, 17);
        expectSameAsComposite(x, false, "frozen weight (PEFT)");
        expectSameAsComposite(x, true, "trained weight (full fine-tuning)");
      }
      expectSameAsComposite(torch::randn({2, 4, 16, 32}), true, "per head (qk-norm), 4-D");
      expectSameAsComposite(torch::randn({64, 256}) * 1e-20, false, "tiny values (x^2 underflows)");
    }
    at::set_num_threads(1);
  }

  void rmsNormUsesItBitForBit() {
    // The engine's rmsNorm (model/llama.h) on a residual stream against HF's formula.
    torch::manual_seed(3);
    const auto x0 = torch::randn({3, 20, 256});
    const auto w = torch::randn({256}).requires_grad_(), w2 = w.detach().clone().requires_grad_();
    const auto x1 = x0.clone().requires_grad_(), x2 = x0.clone().requires_grad_();
    const auto mine = x1 + rmsNorm(x1, w, 1e-6).sin();
    const auto theirs = x2 + (w2 * (x2 * torch::rsqrt(x2.pow(2).mean(-1, true) + 1e-6))).sin();
    QVERIFY(sameBits(mine, theirs));
    const auto g = torch::randn(mine.sizes());
    mine.backward(g);
    theirs.backward(g);
    QVERIFY(sameBits(x1.grad(), x2.grad()));
    QVERIFY(sameBits(w.grad(), w2.grad()));
  }

  void otherCasesAreTheComposite() {
    // Non-contiguous, float64, no gradient wanted: ATen's own operators.
    const auto xt = torch::randn({8, 6}).t().requires_grad_();
    QCOMPARE(meanOfSquares(xt).grad_fn()->name(), std::string("MeanBackward1"));
    const auto x64 = torch::randn({3, 5}, torch::kFloat64).requires_grad_();
    QCOMPARE(meanOfSquares(x64).grad_fn()->name(), std::string("MeanBackward1"));
    const auto plain = torch::randn({3, 5});
    QVERIFY(sameBits(meanOfSquares(plain), plain.pow(2).mean(-1, true)));
    QVERIFY(!meanOfSquares(plain).requires_grad());
  }
};

QTEST_APPLESS_MAIN(TestMeanOfSquares)
#include "test_mean_of_squares.moc"
