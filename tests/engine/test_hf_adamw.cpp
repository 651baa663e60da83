// HfAdamW (train/hf_adamw.h) against transformers 4.4.2's AdamW written out with ATen's operators
// in this file, bit for bit (float32 bit patterns of the parameter and both moments after every
// step): every length modulo 16 (ATen's vector steps and scalar tail), lengths ATen splits across
// 2 and 3 threads, with and without weight decay, a zero learning rate (the warm-up's first step)
// on signed zeros, gradients with zeros of both signs over twelve orders of magnitude, and a
// zeroed gradient (a module no longer routed); hand values; the layouts that take the operators.
#include <QtTest/QtTest>
#include <torch/torch.h>

#include <ATen/ATen.h>

#include <cmath>
#include <vector>

#include "float_bits.h"

#include "runtime/cpu_runtime.h"
#include "train/hf_adamw.h"

using namespace adamix;
using adamix::test::sameBits;
using adamix::test::withSignedZeros;

namespace {

/// transformers 4.4.2 optimization.py AdamW.step for one parameter, operator by operator.
struct Reference {
  torch::Tensor p, m, v;
  int64_t t = 0;
  void step(const torch::Tensor& g, double lr, double b1, double b2, double eps, double wd) {
    torch::NoGradGuard no_grad;
    if (!m.defined()) {
      m = torch::zeros_like(p);
      v = torch::zeros_like(p);
    }
    ++t;
    m.mul_(b1).add_(g, 1.0 - b1);
    v.mul_(b2).addcmul_(g, g, 1.0 - b2);
    const auto denom = v.sqrt().add_(eps);
    const double step_size = lr * std::sqrt(1.0 - std::pow(b2, double(t))) / (1.0 - std::pow(b1, double(t)));
    p.addcdiv_(m, denom, -step_size);
    if (wd > 0.0) p.add_(p, -lr * wd);
  }
};

/// Gradients with zeros of both signs and magnitudes from about 1e-9 to 1e3.
torch::Tensor gradientLike(const std::vector<int64_t>& shape) {
  auto g = torch::randn(shape) * torch::pow(10.0, torch::rand(shape) * 12.0 - 9.0);
  return withSignedZeros(g, 2, 13, 5, 17);
}

/// Runs `steps` steps of HfAdamW and of the reference on one parameter of `shape` and compares
/// every bit after each; `lrs` per step (cycled).
void expectSameAsReference(const std::vector<int64_t>& shape, double wd, const std::vector<double>& lrs, int steps,
                           const char* what) {
  const auto p0 = withSignedZeros(torch::randn(shape), 3, 19, 4, 23);
  auto p = p0.clone().requires_grad_(true);
  Reference ref{p0.clone()};
  HfAdamW::Options o;
  o.eps = 1e-8;
  HfAdamW opt({HfAdamW::Group{{p}, wd}}, o);
  for (int s = 0; s < steps; ++s) {
    const double lr = lrs[s % lrs.size()];
    opt.setLr(lr);
    // the third step: a zeroed gradient (HfAdamW::zeroGrad, a module this batch did not route)
    const auto g = s == 2 ? torch::zeros(shape) : gradientLike(shape);
    p.mutable_grad() = g.clone();
    opt.step();
    ref.step(g, lr, o.beta1, o.beta2, o.eps, wd);
    QVERIFY2(sameBits(p.detach(), ref.p), what);
    QVERIFY2(sameBits(opt.state(p)->exp_avg, ref.m), what);
    QVERIFY2(sameBits(opt.state(p)->exp_avg_sq, ref.v), what);
  }
}

}  // namespace

class TestHfAdamW : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void kernelIsActiveHere() {
#ifdef ADAMIX_HAVE_FUSED_CPU
    // Built with the CPU kernels and ATen on its AVX2 kernels (this project's machines): the probe agreed.
    if (atenCpuCapability() == "AVX2") QVERIFY(atenAdamWKernelActive());
#endif
    if (atenCpuCapability() != "AVX2") QVERIFY(!atenAdamWKernelActive());
  }

  void handComputed() {
    // lr 0.1, eps 1e-8, wd 0.1, g = 0.5: m = 0.05, v = 0.00025, step = 0.1 · √0.001 / 0.1 =
    // 0.0316228, p = 1 − 0.0316228 · 0.05 / 0.0158114 = 0.9; · (1 − 0.01) = 0.891.
    auto p = torch::ones({20}).requires_grad_(true);  // 16 vector lanes and a 4-element tail
    HfAdamW::Options o;
    o.lr = 0.1;
    o.eps = 1e-8;
    HfAdamW opt({HfAdamW::Group{{p}, 0.1}}, o);
    p.mutable_grad() = torch::full({20}, 0.5f);
    opt.step();
    for (int i : {0, 15, 16, 19}) QVERIFY(std::abs(p[i].item<double>() - 0.891) < 1e-6);
  }

  void equalsTheOperatorsBitForBit() {
    torch::manual_seed(11);
    for (const int threads : {1, 2, 3}) {
      at::set_num_threads(threads);
      for (int64_t n = 1; n <= 40; ++n) {
        expectSameAsReference({n}, n % 2 ? 0.01 : 0.0, {1e-3, 2e-4}, 4, "1-D");
        // lr · wd = 0.3: large enough that a decay rounded twice instead of fused shows
        expectSameAsReference({n}, 0.6, {0.5}, 3, "large decay");
      }
      // the wider Llama's FFN weight, and lengths ATen splits into chunks that end mid-vector at
      // 2 and 3 threads (48014 = 2 x 24007; 100003 = 33335 + 33335 + 33333)
      for (const auto& shape : {std::vector<int64_t>{688, 256}, {48014}, {100003}, {3, 7, 11}})
        expectSameAsReference(shape, 0.01, {5e-4, 1e-3}, 4, "shapes");
    }
    at::set_num_threads(1);
  }

  void zeroLearningRateKeepsTheOperatorsSignedZeros() {
    // The warm-up's first step has lr = 0: p.add_(p, -0.0) still runs, and turns -0 into +0.
    torch::manual_seed(3);
    expectSameAsReference({37}, 0.01, {0.0, 1e-3}, 3, "lr 0 with decay");
    expectSameAsReference({37}, 0.0, {0.0}, 3, "lr 0 without decay");
    auto p = torch::full({17}, -0.0f).requires_grad_(true);
    HfAdamW::Options o;
    o.lr = 0.0;
    HfAdamW opt({HfAdamW::Group{{p}, 0.01}}, o);
    p.mutable_grad() = torch::zeros({17});
    opt.step();
    QVERIFY(sameBits(p.detach(), torch::zeros({17})));  // +0: the decay's -0 * -0 added
  }

  void stepCountsAsAnInPlaceChange() {
    // Whoever caches what depends on a parameter watches its version (MixtureLinear's merged
    // weights): the one-pass update must bump it as ATen's in-place operators do.
    auto p = torch::randn({37}).requires_grad_(true);
    HfAdamW opt({HfAdamW::Group{{p}, 0.01}}, HfAdamW::Options{});
    p.mutable_grad() = torch::randn({37});
    const auto before = p._version();
    opt.step();
    QVERIFY(p._version() > before);
    const auto m = opt.state(p)->exp_avg._version(), v = opt.state(p)->exp_avg_sq._version();
    opt.step();
    QVERIFY(opt.state(p)->exp_avg._version() > m && opt.state(p)->exp_avg_sq._version() > v);
  }

  void otherLayoutsTakeTheOperators() {
    // A transposed (non-contiguous) parameter and a double one: the operators, same results.
    torch::manual_seed(4);
    auto base = torch::randn({30, 20});
    auto pt = base.clone().t().requires_grad_(true);
    Reference ref{base.clone().t()};
    HfAdamW::Options o;
    HfAdamW opt({HfAdamW::Group{{pt}, 0.01}}, o);
    const auto g = torch::randn({20, 30});
    pt.mutable_grad() = g.clone();
    opt.step();
    ref.step(g, o.lr, o.beta1, o.beta2, o.eps, 0.01);
    QVERIFY(sameBits(pt.detach().contiguous(), ref.p.contiguous()));
    auto pd = torch::randn({9}, torch::kFloat64).requires_grad_(true);
    Reference refd{pd.detach().clone()};
    HfAdamW optd({HfAdamW::Group{{pd}, 0.0}}, o);
    const auto gd = torch::randn({9}, torch::kFloat64);
    pd.mutable_grad() = gd.clone();
    optd.step();
    refd.step(gd, o.lr, o.beta1, o.beta2, o.eps, 0.0);
    QVERIFY(torch::equal(pd.detach(), refd.p));
  }
};

QTEST_GUILESS_MAIN(TestHfAdamW)
#include "test_hf_adamw.moc"
