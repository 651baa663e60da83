// RMSNorm's two nodes (model/rms_norm.h) against HF's composite, bit for bit (float32 bit
// patterns, signed zeros included): each alone and both together inside a residual stream, where
// x's gradient is the sum of three contributions whose order of addition must not change; hidden
// sizes whose 1 / N is not exact; frozen and trained weights; one and two threads; a gradient of
// another layout; hand values; the cases that stay the composite.
#include <QtTest/QtTest>
#include <torch/torch.h>

#include "float_bits.h"

#include "model/llama.h"
#include "model/rms_norm.h"

using namespace adamix;
using adamix::test::sameBits;

namespace {

torch::Tensor variancePlain(const torch::Tensor& x) { return x.pow(2).mean(-1, true); }
torch::Tensor scalePlain(const torch::Tensor& x, const torch::Tensor& r, const torch::Tensor& w) { return w * (x * r); }

/// A Llama block's shape of use: h = x + rmsNorm(x) W, so x's gradient adds the residual's, the
/// `x * rsqrt(..)` path's and the variance's.
template <class Variance, class Scale>
torch::Tensor block(const torch::Tensor& x, const torch::Tensor& w, const torch::Tensor& W, const Variance& variance,
                    const Scale& scale) {
  return x + scale(x, torch::rsqrt(variance(x) + 1e-5), w).matmul(W);
}

/// The block with the kernels (`use_variance`, `use_scale`) against the composite: output,
/// x's gradient and (trained) the weight's.
void expectSameAsComposite(const torch::Tensor& x0, bool weight_grad, bool use_variance, bool use_scale,
                           const char* what, bool transposed_grad = false) {
  const int64_t N = x0.size(-1);
  const auto W = torch::randn({N, N}) / 8;
  const auto w0 = torch::randn({N});
  auto x1 = x0.detach().clone().requires_grad_(), x2 = x0.detach().clone().requires_grad_();
  auto w1 = w0.clone().requires_grad_(weight_grad), w2 = w0.clone().requires_grad_(weight_grad);
  const auto mine = block(x1, w1, W, use_variance ? meanOfSquares : variancePlain,
                          use_scale ? scaleNormalized : scalePlain);
  const auto theirs = block(x2, w2, W, variancePlain, scalePlain);
  QVERIFY2(sameBits(mine, theirs), what);
  auto g = test::withSignedZeros(torch::randn(mine.sizes()), 1, 5, 2, 9);
  if (transposed_grad) g = g.transpose(0, 1).contiguous().transpose(0, 1);  // same values, another layout
  mine.backward(g);
  theirs.backward(g);
  QVERIFY2(sameBits(x1.grad(), x2.grad()), what);
  if (weight_grad) QVERIFY2(sameBits(w1.grad(), w2.grad()), what);
}

}  // namespace

class TestRmsNorm : public QObject {
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
    // weight * (x * rstd): (2, 4) * ((1, 3) * 0.5) = (1, 6); gradient (1, 1): x (1, 2), rstd
    // 2 * 1 + 4 * 3 = 14, weight (0.5, 1.5).
    const auto x2 = torch::tensor({1.0f, 3.0f}).view({1, 2}).requires_grad_();
    const auto r = torch::full({1, 1}, 0.5f).requires_grad_();
    const auto w = torch::tensor({2.0f, 4.0f}).requires_grad_();
    const auto y = scaleNormalized(x2, r, w);
    QVERIFY(torch::equal(y, torch::tensor({1.0f, 6.0f}).view({1, 2})));
    y.backward(torch::ones({1, 2}));
    QVERIFY(torch::equal(x2.grad(), torch::tensor({1.0f, 2.0f}).view({1, 2})));
    QCOMPARE(r.grad().item<float>(), 14.0f);
    QVERIFY(torch::equal(w.grad(), torch::tensor({0.5f, 1.5f})));
  }

  void equalsTheCompositeBitForBit() {
    torch::manual_seed(11);
    for (const int threads : {1, 2, 3}) {
      at::set_num_threads(threads);
      // 64 (stories260K), 256 (the wider Llama), 576 and 688 (1 / N inexact), 7 (odd rows).
      for (const int64_t N : {64, 256, 576, 688, 7}) {
        const auto x = test::withSignedZeros(torch::randn({4, 33, N}) * 3, 0, 13, 5, 17);
        for (const bool trained : {false, true}) {
          expectSameAsComposite(x, trained, true, false, "variance node");
          expectSameAsComposite(x, trained, false, true, "scale node");
          expectSameAsComposite(x, trained, true, true, "both nodes");
        }
      }
      expectSameAsComposite(torch::randn({2, 4, 16, 32}), true, true, true, "per head (qk-norm), 4-D");
      // enough rows (275,200 elements) to be split across the threads (model/row_parallel.h)
      expectSameAsComposite(torch::randn({4, 100, 688}), true, true, true, "rows split across threads");
      expectSameAsComposite(torch::randn({64, 256}) * 1e-20, false, true, true, "tiny values (x^2 underflows)");
      expectSameAsComposite(torch::randn({6, 5, 40}), true, true, true, "gradient of another layout", true);
    }
    at::set_num_threads(1);
  }

  void rmsNormUsesThemBitForBit() {
    // The engine's rmsNorm (model/llama.h) on a residual stream against HF's formula.
    torch::manual_seed(3);
    const auto x0 = torch::randn({3, 20, 256});
    for (const bool trained : {false, true}) {
      const auto w = torch::randn({256}).requires_grad_(trained), w2 = w.detach().clone().requires_grad_(trained);
      const auto x1 = x0.clone().requires_grad_(), x2 = x0.clone().requires_grad_();
      const auto mine = x1 + rmsNorm(x1, w, 1e-6).sin();
      const auto theirs = x2 + (w2 * (x2 * torch::rsqrt(x2.pow(2).mean(-1, true) + 1e-6))).sin();
      QVERIFY(sameBits(mine, theirs));
      QVERIFY(mine.grad_fn()->next_edges().size() == 2);
      const auto g = torch::randn(mine.sizes());
      mine.backward(g);
      theirs.backward(g);
      QVERIFY(sameBits(x1.grad(), x2.grad()));
      if (trained) QVERIFY(sameBits(w.grad(), w2.grad()));
      torch::NoGradGuard no_grad;
      QVERIFY(sameBits(rmsNorm(x0, w, 1e-6), w2 * (x0 * torch::rsqrt(x0.pow(2).mean(-1, true) + 1e-6))));
    }
  }

  void gradientOfAnotherLayoutAndCreateGraph() {
    torch::manual_seed(4);
    const auto x0 = torch::randn({6, 5, 40});
    const auto w0 = torch::randn({40});
    for (const bool create_graph : {false, true}) {
      auto x1 = x0.clone().requires_grad_(), x2 = x0.clone().requires_grad_();
      auto w1 = w0.clone().requires_grad_(), w2 = w0.clone().requires_grad_();
      const auto mine = scaleNormalized(x1, torch::rsqrt(meanOfSquares(x1) + 1e-5), w1);
      const auto theirs = w2 * (x2 * torch::rsqrt(x2.pow(2).mean(-1, true) + 1e-5));
      // A gradient of another layout straight into the scale node.
      const auto g = torch::randn({5, 6, 40}).transpose(0, 1);
      const auto dm = torch::autograd::grad({mine}, {x1, w1}, {g}, true, create_graph);
      const auto dt = torch::autograd::grad({theirs}, {x2, w2}, {g}, true, create_graph);
      QVERIFY(sameBits(dm[0], dt[0]));
      QVERIFY(sameBits(dm[1], dt[1]));
      if (!create_graph) continue;
      // Second derivatives through the recorded graph: the composite's up to rounding (the
      // graph recomputes x * rstd; rms_norm.h).
      QVERIFY(dm[0].requires_grad());
      const auto sm = torch::autograd::grad({(dm[0] * dm[0]).sum() + dm[1].sum()}, {x1, w1});
      const auto st = torch::autograd::grad({(dt[0] * dt[0]).sum() + dt[1].sum()}, {x2, w2});
      QVERIFY(torch::allclose(sm[0], st[0], 1e-5, 1e-6));
      QVERIFY(torch::allclose(sm[1], st[1], 1e-5, 1e-6));
      QVERIFY(sm[1].abs().sum().item<float>() > 1.0f);  // not vanishing: a real second derivative
    }
  }

  void otherCasesAreTheComposite() {
    // Non-contiguous, float64, shapes that broadcast: ATen's own operators.
    const auto xt = torch::randn({8, 6}).t().requires_grad_();
    QCOMPARE(meanOfSquares(xt).grad_fn()->name(), std::string("MeanBackward1"));
    const auto x64 = torch::randn({3, 5}, torch::kFloat64).requires_grad_();
    QCOMPARE(meanOfSquares(x64).grad_fn()->name(), std::string("MeanBackward1"));
    const auto plain = torch::randn({3, 5});
    QVERIFY(sameBits(meanOfSquares(plain), plain.pow(2).mean(-1, true)));
    QVERIFY(!meanOfSquares(plain).requires_grad());
    const auto w = torch::randn({5}).requires_grad_();
    QCOMPARE(scaleNormalized(xt, torch::rand({6, 1}), torch::randn({8})).grad_fn()->name(), std::string("MulBackward0"));
    QCOMPARE(scaleNormalized(plain, torch::rand({1, 1}), w).grad_fn()->name(), std::string("MulBackward0"));
    QCOMPARE(scaleNormalized(plain, torch::rand({3, 1}), w.view({1, 5})).grad_fn()->name(), std::string("MulBackward0"));
    QVERIFY(scaleNormalized(plain, torch::rand({3, 1}), w).grad_fn()->name() != std::string("MulBackward0"));
  }
};

QTEST_APPLESS_MAIN(TestRmsNorm)
#include "test_rms_norm.moc"
