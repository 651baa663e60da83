// Fused CPU kernels (model/fused_ops.h) against a value computed by hand and against ATen's
// composite of the same formula (the kernels turned off), over grouped-query attention, padding
// and causal masks (fully masked rows included), a KV-cache shape (S > T), broadcast biases, a
// head size that is no multiple of the vector width, strided inputs and thread counts; and which
// calls of scaledDotProductAttention take the fused path; RMSNorm and SwiGLU with every gradient.
#include <QtTest/QtTest>
#include <torch/torch.h>

#include <cmath>

#include "model/attention.h"
#include "model/fused_ops.h"
#include "model/kv_cache.h"
#include "model/llama.h"

using namespace adamix;

namespace {

double maxDiff(const torch::Tensor& a, const torch::Tensor& b) { return (a - b).abs().max().item<double>(); }

/// ATen's composite (the kernels turned off).
torch::Tensor composite(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v,
                        const torch::Tensor& bias) {
  setFusedCpuKernels(false);
  auto out = scaledDotProductAttention(q, k, v, bias);
  setFusedCpuKernels(true);
  return out;
}

void compareWithComposite(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v,
                          const torch::Tensor& bias, const char* what) {
  torch::NoGradGuard ng;
  const auto a = fusedAttention(q, k, v, bias), b = composite(q, k, v, bias);
  QVERIFY2(a.sizes() == b.sizes(), what);
  QVERIFY2(maxDiff(a, b) < 2e-6, qPrintable(QString("%1: %2").arg(what).arg(maxDiff(a, b))));
}

}  // namespace

class TestFusedOps : public QObject {
  Q_OBJECT
 private:
  bool on_at_start_ = true;

 private Q_SLOTS:
  void initTestCase() {
    const auto x = torch::zeros({1});
    on_at_start_ = fusedCpuKernelsApply({x});
  }

  void init() {
    if (!fusedCpuKernelsAvailable()) QSKIP("no fused CPU kernels in this build or on this CPU (AVX2 + FMA)");
    setFusedCpuKernels(true);  // off by default (ADAMIX_FUSED_CPU_KERNELS=1 turns them on)
  }

  void offByDefault() {
    // this process did not ask for them: before init() turned them on, ATen's composites ran
    if (qEnvironmentVariable("ADAMIX_FUSED_CPU_KERNELS") == QLatin1String("1")) QSKIP("turned on by the environment");
    QVERIFY(!on_at_start_);
  }

  void attentionByHand() {
    // One head, D = 1, causal: row 0 sees key 0 only; row 1 scores 2*1 = 2 and 2*0 = 0.
    auto q = torch::tensor({1.0f, 2.0f}).view({1, 1, 2, 1});
    auto k = torch::tensor({1.0f, 0.0f}).view({1, 1, 2, 1});
    auto v = torch::tensor({3.0f, 5.0f}).view({1, 1, 2, 1});
    auto bias = attentionBias(torch::tensor({{true, false}, {true, true}}).view({1, 1, 2, 2}));
    QVERIFY(fusedCpuKernelsApply({q, k, v, bias}));
    auto out = fusedAttention(q, k, v, bias);
    const double p0 = std::exp(2.0) / (std::exp(2.0) + 1.0);
    QCOMPARE(out[0][0][0].item<float>(), 3.0f);
    QVERIFY(std::abs(out[0][1][0].item<double>() - (3 * p0 + 5 * (1 - p0))) < 1e-6);
  }

  void attentionEqualsCompositeWithGroupedHeadsAndPadding() {
    torch::manual_seed(11);
    const int64_t B = 3, H = 6, KV = 2, T = 9, S = 9, D = 8;
    auto mask = torch::ones({B, S}, torch::kInt64);
    mask[1].narrow(0, 6, 3).zero_();  // right padding: rows 6..8 of batch 1 attend to nothing real
    mask[2].narrow(0, 0, 2).zero_();  // left padding
    auto bias = attentionBias(causalDecodeMask(0, T, mask, torch::kCPU));
    compareWithComposite(torch::randn({B, H, T, D}) * 2, torch::randn({B, KV, S, D}) * 2, torch::randn({B, KV, S, D}),
                         bias, "GQA causal + padding");
  }

  void attentionEqualsCompositeForCacheShapesAndOddHeadSize() {
    torch::manual_seed(12);
    const int64_t B = 2, H = 4, KV = 4, T = 3, S = 11, D = 12;  // D = 8 + 4: vector and tail
    auto mask = torch::ones({B, S}, torch::kInt64);
    mask[0].narrow(0, 0, 4).zero_();
    compareWithComposite(torch::randn({B, H, T, D}), torch::randn({B, KV, S, D}), torch::randn({B, KV, S, D}),
                         attentionBias(causalDecodeMask(S - T, T, mask, torch::kCPU)), "KV cache S > T, D = 12");
    // padding-only bias [B, 1, 1, S] (BERT's shape) and a bias shared by the batch [1, 1, T, S]
    auto pad = attentionBias(mask.to(torch::kBool).view({B, 1, 1, S}));
    compareWithComposite(torch::randn({B, H, T, D}), torch::randn({B, KV, S, D}), torch::randn({B, KV, S, D}), pad,
                         "padding-only bias");
    auto shared = torch::randn({1, 1, T, S});
    compareWithComposite(torch::randn({B, H, T, D}), torch::randn({B, KV, S, D}), torch::randn({B, KV, S, D}), shared,
                         "batch-shared bias");
  }

  void attentionReadsStridedHeads() {
    // q, k, v as the models make them: projections [B, T, heads * D] viewed as [B, heads, T, D]
    torch::manual_seed(13);
    const int64_t B = 2, H = 4, KV = 2, T = 7, D = 16;
    auto q = torch::randn({B, T, H * D}).view({B, T, H, D}).transpose(1, 2);
    auto k = torch::randn({B, T, KV * D}).view({B, T, KV, D}).transpose(1, 2);
    auto v = torch::randn({B, T, KV * D}).view({B, T, KV, D}).transpose(1, 2);
    QVERIFY(!q.is_contiguous());
    auto bias = attentionBias(causalDecodeMask(0, T, torch::ones({B, T}, torch::kInt64), torch::kCPU));
    compareWithComposite(q, k, v, bias, "strided heads");
    // a last dimension that is not contiguous is copied, not misread
    auto qt = torch::randn({B, H, D, T}).transpose(2, 3);
    compareWithComposite(qt, k, v, bias, "transposed last dimension");
  }

  void attentionIgnoresThreadCount() {
    torch::manual_seed(14);
    const int64_t B = 4, H = 8, KV = 4, T = 16, D = 8;
    auto q = torch::randn({B, H, T, D}), k = torch::randn({B, KV, T, D}), v = torch::randn({B, KV, T, D});
    auto bias = attentionBias(causalDecodeMask(0, T, torch::ones({B, T}, torch::kInt64), torch::kCPU));
    const int threads = at::get_num_threads();
    at::set_num_threads(1);
    auto one = fusedAttention(q, k, v, bias);
    at::set_num_threads(2);
    auto two = fusedAttention(q, k, v, bias);
    at::set_num_threads(threads);
    QVERIFY(torch::equal(one, two));  // each (batch, kv head) group is computed alone: bit for bit
  }

  void scaledDotProductAttentionFusesDecodingStepsOnly() {
    torch::manual_seed(16);
    const int64_t B = 8, H = 8, KV = 4, S = 20, D = 8;
    auto k = torch::randn({B, KV, S, D}), v = torch::randn({B, KV, S, D});
    auto mask = torch::ones({B, S}, torch::kInt64);
    mask[3].narrow(0, 0, 5).zero_();
    // a decoding step: one query row per sequence, no gradient -> the fused kernel, bit for bit
    auto q1 = torch::randn({B, H, 1, D});
    auto step_bias = attentionBias(causalDecodeMask(S - 1, 1, mask, torch::kCPU));
    {
      torch::NoGradGuard ng;
      QVERIFY(torch::equal(scaledDotProductAttention(q1, k, v, step_bias), fusedAttention(q1, k, v, step_bias)));
      QVERIFY(maxDiff(scaledDotProductAttention(q1, k, v, step_bias), composite(q1, k, v, step_bias)) < 2e-6);
    }
    // a full sequence, or a step that needs a gradient -> ATen's composite, bit for bit
    auto qs = torch::randn({B, H, S, D});
    auto seq_bias = attentionBias(causalDecodeMask(0, S, mask, torch::kCPU));
    QVERIFY(torch::equal(scaledDotProductAttention(qs, k, v, seq_bias), composite(qs, k, v, seq_bias)));
    auto qg = q1.clone().requires_grad_(true);
    auto with_grad = scaledDotProductAttention(qg, k, v, step_bias);
    QVERIFY(with_grad.requires_grad());
    QVERIFY(torch::equal(with_grad.detach(), composite(q1, k, v, step_bias)));
    // attention dropout (BERT, GPT-2) keeps the composite too, in training and in evaluation
    {
      torch::NoGradGuard ng;
      QVERIFY(torch::equal(scaledDotProductAttention(q1, k, v, step_bias, 0.1, false),
                           composite(q1, k, v, step_bias)));
    }
  }

  void fusedAttentionRefusesGradients() {
    auto q = torch::randn({1, 2, 1, 8}).requires_grad_(true), k = torch::randn({1, 2, 3, 8}),
         v = torch::randn({1, 2, 3, 8});
    QVERIFY_THROWS_EXCEPTION(c10::Error, fusedAttention(q, k, v, torch::zeros({1, 1, 1, 3})));
    QVERIFY_THROWS_EXCEPTION(c10::Error, fusedAttention(torch::randn({1, 3, 1, 8}), k, v, torch::zeros({1, 1, 1, 3})));
  }

  void swiGluByHand() {
    // silu(g) * u = g / (1 + e^-g) * u; d/dg = u s (1 + g (1 - s)), d/du = g s, s = 1 / (1 + e^-g)
    auto g = torch::tensor({1.0f, -2.0f, 0.0f}).requires_grad_(true);
    auto u = torch::tensor({2.0f, 3.0f, 5.0f}).requires_grad_(true);
    auto y = fusedSwiGlu(g, u);
    y.sum().backward();
    const double gs[3] = {1, -2, 0}, us[3] = {2, 3, 5};
    for (int i = 0; i < 3; ++i) {
      const double s = 1 / (1 + std::exp(-gs[i]));
      QVERIFY(std::abs(y[i].item<double>() - gs[i] * s * us[i]) < 1e-6);
      QVERIFY(std::abs(g.grad()[i].item<double>() - us[i] * s * (1 + gs[i] * (1 - s))) < 1e-6);
      QVERIFY(std::abs(u.grad()[i].item<double>() - gs[i] * s) < 1e-6);
    }
  }

  void rmsNormAndSwiGluEqualTheCompositeWithGradients() {
    torch::manual_seed(21);
    // rows of 19 (vector + tail) and of 64; more rows than one block of 64 (the weight gradient's partial sums)
    for (auto [rows, n] : {std::pair<int64_t, int64_t>{5, 19}, {3 * 64 + 7, 64}}) {
      auto x = torch::randn({rows, n}) * 3, w = torch::randn({n}), up = torch::randn({rows, n});
      auto run = [&](bool fused) {
        setFusedCpuKernels(fused);
        auto xx = x.clone().requires_grad_(true), ww = w.clone().requires_grad_(true);
        auto uu = up.clone().requires_grad_(true);
        auto norm = rmsNorm(xx, ww, 1e-5);
        auto act = fused ? fusedSwiGlu(norm, uu) : torch::silu(norm) * uu;
        (act * torch::linspace(-1, 1, rows * n).view({rows, n})).sum().backward();
        setFusedCpuKernels(true);
        return std::vector<torch::Tensor>{norm.detach(), act.detach(), xx.grad(), ww.grad(), uu.grad()};
      };
      const auto a = run(true), b = run(false);
      const char* names[] = {"rmsnorm", "swiglu", "dx", "dweight", "dup"};
      for (size_t i = 0; i < a.size(); ++i) {
        const double tol = 2e-5 * std::max(1.0, b[i].abs().max().item<double>());
        QVERIFY2(maxDiff(a[i], b[i]) < tol, qPrintable(QString("%1 rows %2: %3").arg(names[i]).arg(rows).arg(maxDiff(a[i], b[i]))));
      }
    }
    // a frozen weight (PEFT) gets no gradient and costs none
    auto x = torch::randn({4, 8}).requires_grad_(true), w = torch::randn({8});
    fusedRmsNorm(x, w, 1e-6).sum().backward();
    QVERIFY(x.grad().defined() && !w.grad().defined());
  }

  void rmsNormWeightGradientIgnoresThreadCount() {
    torch::manual_seed(22);
    auto x = torch::randn({500, 32}), w = torch::randn({32}), dy = torch::randn({500, 32});
    auto grad = [&](int threads) {
      at::set_num_threads(threads);
      auto ww = w.clone().requires_grad_(true);
      (fusedRmsNorm(x, ww, 1e-5) * dy).sum().backward();
      return ww.grad();
    };
    const int before = at::get_num_threads();
    const auto one = grad(1), two = grad(2);
    at::set_num_threads(before);
    QVERIFY(torch::equal(one, two));
  }
};

QTEST_APPLESS_MAIN(TestFusedOps)
#include "test_fused_ops.moc"
