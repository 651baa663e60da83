// applyRotaryEmbedding (model/apply_rotary.h) against the composite x * cos + rotate_half(x) * sin,
// bit for bit (the float32 bit patterns, signed zeros included): values and the gradient of x,
// over the layouts Llama attention gives it (heads split from [B, T, H*D], one query row per
// sequence, per-sequence positions), head sizes and zeros of both signs; the output's layout; and
// the cases that stay the composite.
#include <QtTest/QtTest>
#include <torch/torch.h>

#include "float_bits.h"

#include "model/apply_rotary.h"
#include "model/llama.h"

using namespace adamix;
using adamix::test::sameBits;

namespace {

/// x [B, T, H, D] seen as [B, H, T, D] (q_proj's output split into heads), with exact zeros of
/// both signs sprinkled in so that products and sums of zeros are exercised.
torch::Tensor headsOf(int64_t B, int64_t T, int64_t H, int64_t D) {
  return test::withSignedZeros(torch::randn({B, T, H, D}), 0, 7, 3, 11).transpose(1, 2);
}

void expectSameAsComposite(const torch::Tensor& x0, const torch::Tensor& cos, const torch::Tensor& sin,
                           const char* what) {
  test::expectSameBitsAsComposite(
      x0, [&](const torch::Tensor& x) { return applyRotaryEmbedding(x, cos, sin); },
      [&](const torch::Tensor& x) { return applyRotaryComposite(x, cos, sin); }, what);
}

std::pair<torch::Tensor, torch::Tensor> tables(int64_t T, int64_t D) {
  return rotaryCosSin(torch::arange(T, torch::kInt64), D, 10000.0);
}

}  // namespace

class TestApplyRotary : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void handComputedTwoDimensions() {
    // D = 2: out = (x0 c0 - x1 s0, x1 c1 + x0 s1); gradient (g0 c0 + g1 s1, g1 c1 - g0 s0).
    const auto x = torch::tensor({3.0f, 5.0f}).view({1, 1, 1, 2}).requires_grad_();
    const auto c = torch::tensor({0.5f, 0.25f}).view({1, 2}), s = torch::tensor({2.0f, 4.0f}).view({1, 2});
    const auto out = applyRotaryEmbedding(x, c, s);
    QCOMPARE(out.view(-1)[0].item<float>(), 3.0f * 0.5f - 5.0f * 2.0f);
    QCOMPARE(out.view(-1)[1].item<float>(), 5.0f * 0.25f + 3.0f * 4.0f);
    out.backward(torch::tensor({1.0f, 10.0f}).view({1, 1, 1, 2}));
    QCOMPARE(x.grad().view(-1)[0].item<float>(), 1.0f * 0.5f + 10.0f * 4.0f);
    QCOMPARE(x.grad().view(-1)[1].item<float>(), 10.0f * 0.25f - 1.0f * 2.0f);
  }

  void equalsTheCompositeBitForBit() {
    torch::manual_seed(4);
    for (const int64_t D : {2, 8, 12, 32, 64}) {
      const auto [cos, sin] = tables(40, D);
      expectSameAsComposite(headsOf(3, 40, 4, D), cos, sin, "heads split from [B, T, H*D], tables [T, D]");
      expectSameAsComposite(torch::randn({3, 4, 40, D}), cos, sin, "contiguous [B, H, T, D]");
      // One query row per sequence (LlamaModel::forwardAt): per-row tables [B, 1, 1, D].
      const auto rows = torch::tensor({39, 7, 20});
      expectSameAsComposite(headsOf(3, 1, 4, D), cos.index({rows}).view({3, 1, 1, D}),
                            sin.index({rows}).view({3, 1, 1, D}), "one row per sequence");
      // Per-sequence positions (left padding, decoding with a cache): tables [B, 1, T, D].
      const auto pos = torch::arange(40, torch::kInt64).unsqueeze(0) + torch::tensor({0, 3, 9}).unsqueeze(1);
      const auto [pc, ps] = rotaryCosSin(pos, D, 10000.0);
      expectSameAsComposite(headsOf(3, 40, 4, D), pc.unsqueeze(1), ps.unsqueeze(1), "per-sequence positions");
    }
    // Enough rows (8,192 of D = 32) that the kernel splits them across ATen's threads.
    const auto [cos, sin] = tables(128, 32);
    for (const int threads : {1, 2, 3}) {
      at::set_num_threads(threads);
      expectSameAsComposite(headsOf(8, 128, 8, 32), cos, sin, "rows split across threads");
    }
    at::set_num_threads(1);
  }

  void outputIsLaidOutAsTheComposites() {
    // The operators after RoPE (the attention's reshapes and BLAS calls) must see the layout they
    // saw before: q and k split from [B, T, H*D], and contiguous heads.
    const auto [cos, sin] = tables(16, 8);
    for (const auto& x : {headsOf(3, 16, 4, 8), torch::randn({3, 4, 16, 8}), headsOf(1, 16, 2, 8)}) {
      const auto mine = applyRotaryEmbedding(x, cos, sin), theirs = applyRotaryComposite(x, cos, sin);
      QCOMPARE(mine.strides().vec(), theirs.strides().vec());
      QVERIFY(sameBits(mine, theirs));
    }
  }

  void otherCasesAreTheComposite() {
    // float64, and tables that need a gradient: the composite's graph (its autograd nodes).
    const auto x64 = torch::randn({2, 3, 5, 8}, torch::kFloat64);
    const auto [cos, sin] = tables(5, 8);
    QVERIFY(torch::equal(applyRotaryEmbedding(x64, cos.to(torch::kFloat64), sin.to(torch::kFloat64)),
                         applyRotaryComposite(x64, cos.to(torch::kFloat64), sin.to(torch::kFloat64))));
    const auto x = torch::randn({2, 3, 5, 8}, torch::requires_grad());
    const auto cg = cos.clone().requires_grad_();
    QCOMPARE(QString::fromStdString(applyRotaryEmbedding(x, cg, sin).grad_fn()->name()), QString("AddBackward0"));
    QVERIFY(QString::fromStdString(applyRotaryEmbedding(x, cos, sin).grad_fn()->name()).contains("RotaryFunction"));
    // A last dimension of size 1 broadcast over D (cos [T, 1]) is the composite's, not read as D values.
    const auto c1 = torch::rand({5, 1}), s1 = torch::rand({5, 1});
    const auto x1 = torch::randn({2, 3, 5, 8});
    QVERIFY(sameBits(applyRotaryEmbedding(x1, c1, s1), applyRotaryComposite(x1, c1, s1)));
    QCOMPARE(QString::fromStdString(applyRotaryEmbedding(x, c1, s1).grad_fn()->name()), QString("AddBackward0"));
  }
};

QTEST_GUILESS_MAIN(TestApplyRotary)
#include "test_apply_rotary.moc"
