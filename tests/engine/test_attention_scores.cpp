// scaleAndAddBias (model/attention_scores.h) against the composite `scores / divisor + bias`, bit
// for bit (float32 bit patterns, signed zeros included): values and the gradient of the scores
// over the shapes attention gives it (one bias per sequence, grouped-query 5-D views, a bias
// broadcast along keys), hand-computed values, and the cases that stay the composite.
#include <QtTest/QtTest>
#include <torch/torch.h>

#include "float_bits.h"

#include <cmath>

#include "model/attention.h"
#include "model/attention_scores.h"
#include "runtime/cpu_runtime.h"

using namespace adamix;
using adamix::test::sameBits;

namespace {

/// Scores with zeros of both signs and values whose quotient rounds (D = 8: sqrt 8 is irrational).
torch::Tensor scoresOf(std::vector<int64_t> shape) {
  return test::withSignedZeros(torch::randn(shape) * 7, 0, 7, 3, 11);
}

void expectSameAsComposite(const torch::Tensor& s0, double divisor, const torch::Tensor& bias, const char* what) {
  test::expectSameBitsAsComposite(
      s0, [&](const torch::Tensor& s) { return scaleAndAddBias(s, divisor, bias); },
      [&](const torch::Tensor& s) { return s / divisor + bias; }, what);
  QVERIFY2(scaleAndAddBias(s0, divisor, bias).is_contiguous(), what);
}

/// softmaxOfScores against torch::softmax(scores / divisor + bias, -1, float32).
void expectSoftmaxAsComposite(const torch::Tensor& s0, double divisor, const torch::Tensor& bias, const char* what) {
  test::expectSameBitsAsComposite(
      s0, [&](const torch::Tensor& s) { return softmaxOfScores(s, divisor, bias); },
      [&](const torch::Tensor& s) { return torch::softmax(s / divisor + bias, -1, torch::kFloat32); }, what);
}

}  // namespace

class TestAttentionScores : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void handComputed() {
    // 3 / 2 + 0.25 = 1.75; -1 / 2 + -1e30 = -1e30 (float); 5 / 2 + 0.25 = 2.75. Gradient grad / 2.
    const auto s = torch::tensor({3.0f, -1.0f, 5.0f}).view({1, 1, 3}).requires_grad_();
    const auto b = torch::tensor({0.25f, -1e30f, 0.25f});
    const auto out = scaleAndAddBias(s, 2.0, b);
    QCOMPARE(out.view(-1)[0].item<float>(), 1.75f);
    QCOMPARE(out.view(-1)[1].item<float>(), -1e30f);
    QCOMPARE(out.view(-1)[2].item<float>(), 2.75f);
    out.backward(torch::tensor({1.0f, 4.0f, -6.0f}).view({1, 1, 3}));
    QCOMPARE(s.grad().view(-1)[1].item<float>(), 2.0f);
    QCOMPARE(s.grad().view(-1)[2].item<float>(), -3.0f);
  }

  void equalsTheCompositeBitForBit() {
    torch::manual_seed(7);
    for (const int threads : {1, 2, 3}) {
      at::set_num_threads(threads);
      // 320,000 scores: split across the threads where the kernel's rows are (scaleAndAddBiasIsParallel;
      // model/row_parallel.h: at least 262,144 elements).
      expectSameAsComposite(scoresOf({4, 8, 100, 100}), std::sqrt(32.0), torch::randn({4, 1, 100, 100}), "rows split");
    }
    at::set_num_threads(1);
    for (const int64_t D : {8, 32, 64}) {
      const double divisor = std::sqrt(static_cast<double>(D));
      // Causal + padding bias per sequence [B, 1, T, S], as attentionBias builds it.
      auto allowed = torch::ones({3, 1, 40, 40}, torch::kBool).tril();
      allowed.index_put_({1, 0, torch::indexing::Slice(), torch::indexing::Slice(0, 5)}, false);
      const auto bias = attentionBias(allowed);
      expectSameAsComposite(scoresOf({3, 4, 40, 40}), divisor, bias, "[B, H, T, S] + [B, 1, T, S]");
      // Grouped-query: [B, KV, rep, T, S] + [B, 1, 1, T, S].
      expectSameAsComposite(scoresOf({3, 2, 2, 40, 40}), divisor, bias.unsqueeze(1), "grouped-query 5-D");
      // One bias for every sequence and head, a bias broadcast along keys, a full one.
      expectSameAsComposite(scoresOf({3, 4, 40, 40}), divisor, bias[0][0], "[T, S]");
      expectSameAsComposite(scoresOf({3, 4, 40, 40}), divisor, torch::randn({3, 1, 40, 1}), "[B, 1, T, 1]");
      expectSameAsComposite(scoresOf({3, 4, 7, 40}), divisor, torch::randn({3, 4, 7, 40}), "full shape, T = 7");
      expectSameAsComposite(scoresOf({2, 4, 1, 33}), divisor, torch::randn({2, 1, 1, 33}), "one query row");
    }
  }

  void softmaxKernelIsActiveHere() {
#ifdef ADAMIX_HAVE_FUSED_CPU
    if (atenCpuCapability() == "AVX2") QVERIFY(atenSoftmaxKernelActive());
#else
    QVERIFY(!atenSoftmaxKernelActive());
#endif
  }

  void softmaxHandComputed() {
    // Row (0, ln 3) / 1 + (0, 0) -> (1/4, 3/4); a masked key -> exactly 0.
    const auto s = torch::tensor({0.0f, std::log(3.0f), 5.0f}).view({1, 1, 3});
    const auto p = softmaxOfScores(s, 1.0, torch::tensor({0.0f, 0.0f, -1e30f}));
    QCOMPARE(p.view(-1)[2].item<float>(), 0.0f);
    QVERIFY(std::abs(p.view(-1)[0].item<float>() - 0.25f) < 1e-6f);
    QVERIFY(std::abs(p.view(-1)[1].item<float>() - 0.75f) < 1e-6f);
  }

  void softmaxEqualsTheCompositeBitForBit() {
    torch::manual_seed(9);
    for (const int threads : {1, 2, 3}) {
      at::set_num_threads(threads);
      for (const int64_t S : {1, 3, 8, 13, 40, 64, 100}) {
        // Causal + padding bias per sequence [B, 1, T, S] (a fully masked row in sequence 1).
        auto allowed = torch::ones({3, 1, S, S}, torch::kBool).tril();
        allowed.index_put_({1, 0, torch::indexing::Slice(), torch::indexing::Slice(0, (S + 1) / 2)}, false);
        const auto bias = attentionBias(allowed);
        expectSoftmaxAsComposite(scoresOf({3, 4, S, S}), std::sqrt(32.0), bias, "[B, H, T, S] + [B, 1, T, S]");
        expectSoftmaxAsComposite(scoresOf({3, 2, 2, S, S}), std::sqrt(8.0), bias.unsqueeze(1), "grouped-query 5-D");
        expectSoftmaxAsComposite(scoresOf({3, 4, 1, S}), std::sqrt(64.0), torch::randn({3, 1, 1, S}), "one query row");
        expectSoftmaxAsComposite(scoresOf({3, 4, 5, S}) * 40, std::sqrt(8.0), torch::randn({3, 4, 5, S}), "full bias, large scores");
      }
      // 320,000 scores: rows split across the threads (model/row_parallel.h)
      auto causal = torch::ones({4, 1, 100, 100}, torch::kBool).tril();
      expectSoftmaxAsComposite(scoresOf({4, 8, 100, 100}), std::sqrt(32.0), attentionBias(causal), "rows split");
    }
    at::set_num_threads(1);
  }

  void otherCasesAreTheComposite() {
    const auto bias = torch::randn({1, 1, 4, 4});
    // float64 scores; non-contiguous scores; a bias that needs its gradient; a bias that would
    // broadcast the scores: the composite's values, nodes and gradients.
    const auto s64 = torch::randn({2, 2, 4, 4}, torch::kFloat64);
    QVERIFY(torch::equal(scaleAndAddBias(s64, 2.0, bias.to(torch::kFloat64)), s64 / 2.0 + bias.to(torch::kFloat64)));
    const auto st = torch::randn({2, 2, 4, 4}).transpose(2, 3);
    QVERIFY(sameBits(scaleAndAddBias(st, 3.0, bias), st / 3.0 + bias));
    const auto s = torch::randn({2, 2, 4, 4}).requires_grad_();
    const auto learned = torch::randn({1, 1, 4, 4}).requires_grad_();
    const auto out = scaleAndAddBias(s, 2.0, learned);
    QCOMPARE(out.grad_fn()->name(), std::string("AddBackward0"));
    out.sum().backward();
    QVERIFY(torch::equal(learned.grad(), torch::full({1, 1, 4, 4}, 4.0f)));  // summed over B and H
    const auto small = torch::randn({1, 4, 4});
    QCOMPARE(scaleAndAddBias(small, 2.0, bias).sizes().vec(), (std::vector<int64_t>{1, 1, 4, 4}));
    // The kernel's own node otherwise.
    const auto mine = scaleAndAddBias(s, 2.0, bias);
    QVERIFY(mine.grad_fn()->name() != std::string("AddBackward0"));
    // With two threads, a score tensor ATen would split across them is the kernel's where its rows
    // are split too (built with OpenMP), else ATen's; a small one the kernel's either way.
    at::set_num_threads(2);
    const auto large = torch::randn({2, 4, 64, 64}).requires_grad_();  // 32,768 elements
    QCOMPARE(scaleAndAddBias(large, 2.0, torch::zeros({1, 1, 64, 64})).grad_fn()->name() == std::string("AddBackward0"),
             !scaleAndAddBiasIsParallel());
    QVERIFY(sameBits(scaleAndAddBias(large, 2.0, torch::zeros({1, 1, 64, 64})), large / 2.0 + torch::zeros({1, 1, 64, 64})));
    QVERIFY(scaleAndAddBias(s, 2.0, bias).grad_fn()->name() != std::string("AddBackward0"));
    at::set_num_threads(1);
    QVERIFY(scaleAndAddBias(large, 2.0, torch::zeros({64, 64})).grad_fn()->name() != std::string("AddBackward0"));
  }
};

QTEST_APPLESS_MAIN(TestAttentionScores)
#include "test_attention_scores.moc"
