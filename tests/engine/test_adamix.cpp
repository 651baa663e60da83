// AdaMix semantics (docs/adamix.md) on tiny modules: merging, M = 1
// identity with the plain methods, routing statistics, gradient flow, consistency loss, counts.
#include <QtTest/QtTest>
#include <torch/torch.h>

#include <cmath>

#include "config/run_config.h"
#include "io/errors.h"
#include "peft/adapter_mixture.h"
#include "peft/consistency.h"
#include "peft/lora_mixture.h"
#include "peft/peft.h"
#include "peft/sites.h"
#include "train/hf_adamw.h"

using namespace adamix;
namespace F = torch::nn::functional;

namespace {

/// Task head "score.weight" [2, d].
struct ToyHead : torch::nn::Module {
  torch::Tensor weight;
  explicit ToyHead(int64_t d) { weight = register_parameter("weight", torch::randn({2, d}) * 0.02); }
};

/// A toy "backbone": L layers, each one frozen projection `q_proj` and an `ffn_adapter` site.
struct ToyLayer : torch::nn::Module {
  PeftLinear q_proj{nullptr};
  AdapterSite ffn_adapter{nullptr};
  explicit ToyLayer(int64_t d) {
    q_proj = register_module("q_proj", PeftLinear(d, d, true));
    ffn_adapter = register_module("ffn_adapter", AdapterSite(d));
  }
  torch::Tensor forward(torch::Tensor x) { return ffn_adapter->forward(q_proj->forward(x)); }
};

struct ToyModel : torch::nn::Module {
  torch::nn::ModuleList layers;
  std::shared_ptr<ToyHead> score;
  ToyModel(int64_t d, int64_t n_layers) {
    layers = register_module("layers", torch::nn::ModuleList());
    for (int64_t i = 0; i < n_layers; ++i) layers->push_back(std::make_shared<ToyLayer>(d));
    score = register_module("score", std::make_shared<ToyHead>(d));
  }
  torch::Tensor forward(torch::Tensor x) {
    for (auto& l : *layers) x = l->as<ToyLayer>()->forward(x);
    return x;
  }
};

PeftConfig adapterConfig(int64_t m, Sharing s, int64_t r = 4) {
  PeftConfig c;
  c.method = PeftMethod::Adapter;
  c.adapter.bottleneck = r;
  c.adamix.num_modules = m;
  c.adamix.sharing = s;
  return c;
}

}  // namespace

class TestAdaMix : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void mergedEqualsHandAveragedWeights();
  void singleModuleEqualsPlainAdapterBitForBit();
  void singleModuleEqualsPlainLoraBitForBit();
  void routingDrawsAreUniformAndIndependent();
  void onlyRoutedModulesReceiveGradient();
  void distinctRoutesDifferInEveryProjection();
  void mergedWeightsFollowParameterChanges();
  void mergedInferenceWithGradientsIsDifferentiable();
  void symmetricKlMatchesHandComputation();
  void consistencyGradientIsTheOfficialStopGradientForm();
  void scriptedRoutesReplaceTheDraws();
  void fixedRoutingWithMergedInferenceIsRejected();
  void regressionConsistencyIsSquaredDifference();
  void parameterCountsMatchPaperFormula();
  void inferenceModesSelectModules();
  void loraTargetMissingIsConfigError();
};

void TestAdaMix::mergedEqualsHandAveragedWeights() {
  torch::manual_seed(0);
  auto routes = std::make_shared<RouteContext>();
  AdaMixOptions m;
  m.num_modules = 4;
  m.sharing = Sharing::None;
  AdapterOptions a;
  a.bottleneck = 3;
  AdapterMixture adapter(8, a, m, routes);
  {
    torch::NoGradGuard g;  // non-zero biases so averaging biases is exercised too
    for (int64_t k = 0; k < 4; ++k) {
      adapter->down->bias(k).normal_();
      adapter->up->bias(k).normal_();
    }
  }
  adapter->eval();
  torch::NoGradGuard no_grad;
  auto h = torch::randn({2, 5, 8});
  auto got = adapter->forward(h);
  torch::Tensor wd = torch::zeros({3, 8}), bd = torch::zeros({3}), wu = torch::zeros({8, 3}), bu = torch::zeros({8});
  for (int64_t k = 0; k < 4; ++k) {
    wd += adapter->down->weight(k) / 4.0;
    bd += adapter->down->bias(k) / 4.0;
    wu += adapter->up->weight(k) / 4.0;
    bu += adapter->up->bias(k) / 4.0;
  }
  auto expected = F::linear(F::gelu(F::linear(h, wd, bd)), wu, bu);
  QVERIFY(torch::allclose(got, expected, 1e-6, 1e-6));
  // Merged LoRA: B_mean (A_mean x) * alpha / r.
  LoraOptions lo;
  lo.rank = 2;
  lo.alpha = 6;
  LoraMixture lora(8, 8, lo, m, routes);
  for (int64_t k = 0; k < 4; ++k) lora->lora_B->weight(k).normal_();
  lora->eval();
  auto a_mean =
      torch::stack({lora->lora_A->weight(0), lora->lora_A->weight(1), lora->lora_A->weight(2), lora->lora_A->weight(3)})
          .mean(0);
  auto b_mean =
      torch::stack({lora->lora_B->weight(0), lora->lora_B->weight(1), lora->lora_B->weight(2), lora->lora_B->weight(3)})
          .mean(0);
  QVERIFY(torch::allclose(lora->forward(h), F::linear(F::linear(h, a_mean), b_mean) * 3.0, 1e-6, 1e-6));
}

void TestAdaMix::singleModuleEqualsPlainAdapterBitForBit() {
  torch::manual_seed(1);
  auto routes = std::make_shared<RouteContext>();
  AdaMixOptions m;  // M = 1
  AdapterOptions a;
  a.bottleneck = 4;
  AdapterSite site(16);
  site->attachAdapter(std::make_shared<AdapterMixtureImpl>(16, a, m, routes));
  auto h = torch::randn({3, 7, 16});
  const auto& ad = site->adapter();
  // The plain Houlsby/AdaMix-reference adapter, written out by hand.
  auto plain =
      h + F::linear(F::gelu(F::linear(h, ad->down->weight(0), ad->down->bias(0))), ad->up->weight(0), ad->up->bias(0));
  for (bool training : {true, false}) {
    site->train(training);
    QVERIFY(torch::equal(site->forward(h), plain));
  }
  QCOMPARE(routes->numSlots(), 0);  // nothing to route at M = 1
}

void TestAdaMix::singleModuleEqualsPlainLoraBitForBit() {
  torch::manual_seed(2);
  auto routes = std::make_shared<RouteContext>();
  AdaMixOptions m;
  LoraOptions lo;
  lo.rank = 4;
  lo.alpha = 8;
  PeftLinear proj(16, 12, false);
  proj->attachLora(std::make_shared<LoraMixtureImpl>(16, 12, lo, m, routes));
  proj->lora()->lora_B->weight(0).data().normal_();
  auto x = torch::randn({2, 5, 16});
  const auto& l = proj->lora();
  auto plain = F::linear(x, proj->weight) + F::linear(F::linear(x, l->lora_A->weight(0)), l->lora_B->weight(0)) * 2.0;
  for (bool training : {true, false}) {
    proj->train(training);
    QVERIFY(torch::equal(proj->forward(x), plain));
  }
  // LoRA init: B = 0, A bounded by 1/sqrt(in) (kaiming-uniform, a = sqrt(5)).
  LoraMixture fresh(16, 12, lo, m, routes);
  QCOMPARE(fresh->lora_B->weight(0).abs().sum().item<double>(), 0.0);
  QVERIFY(fresh->lora_A->weight(0).abs().max().item<double>() <= 0.25);
}

void TestAdaMix::routingDrawsAreUniformAndIndependent() {
  auto routes = std::make_shared<RouteContext>();
  AdaMixOptions m;
  m.num_modules = 4;
  m.sharing = Sharing::None;
  AdapterOptions a;
  a.bottleneck = 2;
  AdapterMixture adapter(4, a, m, routes);
  adapter->train();
  routes->reseed(1234);
  const int n = 16000;
  std::array<std::array<int, 4>, 4> joint{};
  auto h = torch::randn({1, 1, 4});
  torch::NoGradGuard no_grad;
  for (int i = 0; i < n; ++i) {
    routes->beginPass();
    adapter->forward(h);
    const auto& r = routes->lastRoute();
    joint[r[0]][r[1]]++;
  }
  // Pearson chi-square against the uniform joint distribution (independent, uniform marginals):
  // 15 degrees of freedom, critical value at p = 0.001 is 37.70.
  double chi2 = 0;
  const double expected = n / 16.0;
  for (auto& row : joint)
    for (int c : row) chi2 += (c - expected) * (c - expected) / expected;
  QVERIFY2(chi2 < 37.70, qPrintable(QString("chi2 = %1").arg(chi2)));
  // Each cell is hit (independence rather than down == up).
  for (auto& row : joint)
    for (int c : row) QVERIFY(c > 0);
}

void TestAdaMix::onlyRoutedModulesReceiveGradient() {
  torch::manual_seed(3);
  auto routes = std::make_shared<RouteContext>();
  AdaMixOptions m;
  m.num_modules = 4;
  m.sharing = Sharing::Up;
  AdapterOptions a;
  a.bottleneck = 3;
  AdapterMixture adapter(6, a, m, routes);
  adapter->train();
  routes->reseed(7);
  routes->beginPass();
  adapter->forward(torch::randn({2, 3, 6})).pow(2).sum().backward();
  const int64_t chosen = routes->lastRoute()[adapter->down->slot()];
  QVERIFY(chosen >= 0 && chosen < 4);
  for (int64_t k = 0; k < 4; ++k) {
    QCOMPARE(adapter->down->weight(k).grad().defined(), k == chosen);
    QCOMPARE(adapter->down->bias(k).grad().defined(), k == chosen);
  }
  QVERIFY(adapter->up->weight(0).grad().defined());  // the shared up projection always trains
  QCOMPARE(adapter->up->numModules(), int64_t(1));
}

void TestAdaMix::distinctRoutesDifferInEveryProjection() {
  auto routes = std::make_shared<RouteContext>();
  routes->distinct_routes = true;
  AdaMixOptions m;
  m.num_modules = 3;
  m.sharing = Sharing::None;
  AdapterOptions a;
  a.bottleneck = 2;
  AdapterMixture adapter(4, a, m, routes);
  adapter->train();
  torch::NoGradGuard no_grad;
  auto h = torch::randn({1, 1, 4});
  for (int i = 0; i < 200; ++i) {
    routes->beginPass(false);
    adapter->forward(h);
    const auto first = routes->lastRoute();
    routes->beginPass(true);
    adapter->forward(h);
    const auto second = routes->lastRoute();
    for (size_t s = 0; s < first.size(); ++s) QVERIFY(first[s] != second[s]);
  }
}

void TestAdaMix::mergedWeightsFollowParameterChanges() {
  torch::manual_seed(4);
  auto routes = std::make_shared<RouteContext>();
  AdaMixOptions m;
  m.num_modules = 2;
  MixtureLinear proj(3, 2, 2, true, routes);
  proj->eval();
  torch::NoGradGuard no_grad;
  for (int64_t k = 0; k < 2; ++k) proj->weight(k).normal_();
  auto x = torch::ones({1, 1, 3});
  auto before = proj->forward(x).clone();
  proj->weight(1).add_(1.0);  // in place, as an optimizer step does
  auto after = proj->forward(x);
  // Adding 1 to every entry of one of two modules adds 0.5 * 3 inputs of 1 = 1.5 per output.
  QVERIFY(torch::allclose(after - before, torch::full({1, 1, 2}, 1.5), 1e-6, 1e-6));
  // The merged weights are cached between forwards without gradients; every kind of change
  // reaches the output: a bias changed in place, a weight replaced by a copy_ (checkpoint load),
  // a parameter given new storage (set_data, as Module::to does), and the value equals the
  // uncached merge bit for bit.
  proj->bias(0).add_(2.0);
  QVERIFY(torch::allclose(proj->forward(x) - after, torch::full({1, 1, 2}, 1.0), 1e-6, 1e-6));
  proj->weight(0).copy_(torch::zeros({2, 3}));
  auto expected = F::linear(x, proj->mergedWeight(), proj->mergedBias());
  QVERIFY(torch::equal(proj->forward(x), expected));
  auto w1 = proj->weight(1);
  w1.set_data(torch::full({2, 3}, 4.0));
  QVERIFY(torch::equal(proj->forward(x), F::linear(x, proj->mergedWeight(), proj->mergedBias())));
  QCOMPARE(proj->forward(x)[0][0][0].item<double>(),
           proj->mergedBias()[0].item<double>() + 0.5 * (0.0 + 4.0) * 3);
  // the optimizer's own step (HfAdamW: one pass through the data pointers on CPU) reaches it too
  const auto cached = proj->forward(x).clone();
  HfAdamW opt({HfAdamW::Group{{proj->weight(0), proj->weight(1), proj->bias(0), proj->bias(1)}, 0.0}},
              HfAdamW::Options{});
  for (int64_t k = 0; k < 2; ++k) {
    proj->weight(k).mutable_grad() = torch::ones({2, 3});
    proj->bias(k).mutable_grad() = torch::ones({2});
  }
  opt.step();
  QVERIFY(!torch::equal(proj->forward(x), cached));
  QVERIFY(torch::equal(proj->forward(x), F::linear(x, proj->mergedWeight(), proj->mergedBias())));
}

void TestAdaMix::mergedInferenceWithGradientsIsDifferentiable() {
  torch::manual_seed(5);
  auto routes = std::make_shared<RouteContext>();
  MixtureLinear proj(3, 2, 2, true, routes);
  proj->eval();
  {
    torch::NoGradGuard no_grad;
    proj->forward(torch::ones({1, 1, 3}));  // fills the no-grad cache
  }
  // With gradients on (e.g. saliency through the merged model) the merge is not the cached,
  // detached copy: each module receives half the gradient.
  proj->forward(torch::ones({1, 1, 3})).sum().backward();
  for (int64_t k = 0; k < 2; ++k) {
    QVERIFY(proj->weight(k).grad().defined());
    QVERIFY(torch::allclose(proj->weight(k).grad(), torch::full({2, 3}, 0.5)));
  }
}

void TestAdaMix::symmetricKlMatchesHandComputation() {
  // p1 = softmax(0, 0) = (1/2, 1/2); p2 = softmax(0, ln 3) = (1/4, 3/4).
  // KL(p1||p2) = 1/2 ln 2 + 1/2 ln(2/3) = 1/2 ln(4/3) = 0.1438410
  // KL(p2||p1) = 1/4 ln(1/2) + 3/4 ln(3/2) = 0.1308120
  // Row 2 swaps the two distributions: same value. L = 1/2 (0.1438410 + 0.1308120) = 0.1373265.
  auto l1 = torch::tensor({{0.0, 0.0}, {0.0, std::log(3.0)}});
  auto l2 = torch::tensor({{0.0, std::log(3.0)}, {0.0, 0.0}});
  const double expected = 0.5 * (0.5 * std::log(4.0 / 3.0) + 0.25 * std::log(0.5) + 0.75 * std::log(1.5));
  QVERIFY(std::abs(expected - 0.1373265) < 1e-6);
  QVERIFY(std::abs(symmetricKlConsistency(l1, l2).item<double>() - expected) < 1e-6);
  // Mask keeps only row 1 -> same value (batchmean over kept rows).
  auto masked = symmetricKlConsistency(l1, l2, torch::tensor({1.0, 0.0}));
  QVERIFY(std::abs(masked.item<double>() - expected) < 1e-6);
  // Identical logits -> 0 (up to fp32 rounding: xlogy(p, p) and p · log_softmax round differently).
  QVERIFY(std::abs(symmetricKlConsistency(l1, l1).item<double>()) < 1e-7);
  // Gradient flows into both passes (stop-gradient on the targets only).
  auto a = l1.clone().requires_grad_(true), b = l2.clone().requires_grad_(true);
  symmetricKlConsistency(a, b).backward();
  QVERIFY(a.grad().abs().sum().item<double>() > 0 && b.grad().abs().sum().item<double>() > 0);
}

void TestAdaMix::consistencyGradientIsTheOfficialStopGradientForm() {
  // Official form ½[KL(sg(p2) ‖ p1) + KL(sg(p1) ‖ p2)], batchmean over N = 2 rows of C = 3.
  // Only the first term reaches z1 (the second's target sg(p1) is detached); it is
  // ½ · CE(z1 → sg(p2)) / N up to a constant, so d/dz1 = ½ (p1 − p2) / N, and d/dz2 = ½ (p2 − p1) / N.
  //   row 1: z1 = ln(1, 1, 2) -> p1 = (1/4, 1/4, 1/2); z2 = ln(1, 2, 1) -> p2 = (1/4, 1/2, 1/4)
  //          d/dz1 = (0, −1/4, 1/4) / 4 = (0, −0.0625, 0.0625)
  //   row 2: z1 = (0, 0, 0)       -> p1 = (1/3, 1/3, 1/3); z2 = ln(1, 1, 4) -> p2 = (1/6, 1/6, 2/3)
  //          d/dz1 = (1/6, 1/6, −1/3) / 4 = (0.0416667, 0.0416667, −0.0833333)
  // Value: row 1 KL(p2‖p1) = KL(p1‖p2) = ¼ ln 2; row 2 both ⅓ ln 2 -> L = ½ (½ + ⅔) ln 2 / 2 = 7/24 ln 2.
  // (The engine's former form ½[KL(p1 ‖ sg(p2)) + KL(p2 ‖ sg(p1))] has the same value but, for
  //  row 1, d/dz1 = ½ p1 ⊙ (log p1 − log p2 − KL(p1‖p2)) / N = (−0.0108, −0.0542, 0.0650).)
  auto z1 = torch::tensor({{0.0, 0.0, std::log(2.0)}, {0.0, 0.0, 0.0}}).requires_grad_(true);
  auto z2 = torch::tensor({{0.0, std::log(2.0), 0.0}, {0.0, 0.0, std::log(4.0)}}).requires_grad_(true);
  auto loss = symmetricKlConsistency(z1, z2);
  QVERIFY(std::abs(loss.item<double>() - 7.0 / 24.0 * std::log(2.0)) < 1e-6);
  QVERIFY(std::abs(7.0 / 24.0 * std::log(2.0) - 0.2021679) < 1e-6);
  loss.backward();
  auto g1 = torch::tensor({{0.0, -0.0625, 0.0625}, {1.0 / 24, 1.0 / 24, -1.0 / 12}});
  QVERIFY2(torch::allclose(z1.grad(), g1, 0, 1e-7), "d/dz1 = ½ (p1 − p2) / N");
  QVERIFY2(torch::allclose(z2.grad(), -g1, 0, 1e-7), "d/dz2 = ½ (p2 − p1) / N");
  // Token-level (LM) form: the mask keeps row 1 only, N = 1 -> twice row 1's gradient, row 2 none.
  auto a = z1.detach().clone().requires_grad_(true), b = z2.detach().clone().requires_grad_(true);
  symmetricKlConsistency(a, b, torch::tensor({1.0, 0.0})).backward();
  auto g1_masked = torch::tensor({{0.0, -0.125, 0.125}, {0.0, 0.0, 0.0}});
  QVERIFY(torch::allclose(a.grad(), g1_masked, 0, 1e-7));
  QVERIFY(torch::allclose(b.grad(), -g1_masked, 0, 1e-7));
}

void TestAdaMix::scriptedRoutesReplaceTheDraws() {
  // Test hook used by the official-parity test: pass i uses exactly the scripted modules, then
  // draws resume.
  auto routes = std::make_shared<RouteContext>();
  AdaMixOptions m;
  m.num_modules = 3;
  AdapterOptions a;
  a.bottleneck = 2;
  AdapterMixture l0(4, a, m, routes), l1(4, a, m, routes);
  l0->train();
  l1->train();
  routes->scriptRoutes({{2, 0}, {1, 2}});
  auto x = torch::randn({1, 2, 4});
  routes->beginPass();
  l1->forward(l0->forward(x));
  QCOMPARE(routes->lastRoute(), (std::vector<int64_t>{2, 0}));
  routes->beginPass(true);
  l1->forward(l0->forward(x));
  QCOMPARE(routes->lastRoute(), (std::vector<int64_t>{1, 2}));
  routes->scriptRoutes({{3, 0}});  // module 3 of M = 3 does not exist
  routes->beginPass();
  QVERIFY_EXCEPTION_THROWN(l0->forward(x), EngineError);
}

void TestAdaMix::fixedRoutingWithMergedInferenceIsRejected() {
  // Fixed routing trains module 0 only: merging would average in M − 1 untrained modules.
  nlohmann::json j = {{"method", "adapter"}, {"adamix", {{"num_modules", 4}, {"routing", "fixed"}}}};
  try {
    parsePeftConfig(j);
    QFAIL("expected a config error");
  } catch (const EngineError& e) {
    QCOMPARE(e.kind(), ErrorKind::Config);
    QCOMPARE(QString::fromStdString(e.location()), QString("/peft/adamix/inference"));
    QVERIFY2(std::string(e.what()).find("module:0") != std::string::npos, e.what());
  }
  j["adamix"]["inference"] = "merged";
  QVERIFY_EXCEPTION_THROWN(parsePeftConfig(j), EngineError);
  // What the message suggests is accepted, and so is fixed routing with a single module.
  j["adamix"]["inference"] = "module:0";
  QCOMPARE(parsePeftConfig(j).adamix.routing, RoutingMode::Fixed);
  nlohmann::json single = {{"method", "adapter"}, {"adamix", {{"num_modules", 1}, {"routing", "fixed"}}}};
  QCOMPARE(parsePeftConfig(single).adamix.inference, InferenceMode::Merged);
}

void TestAdaMix::regressionConsistencyIsSquaredDifference() {
  // y1 = (1, 2), y2 = (1.5, 0): mean (0.25, 4) = 2.125.
  auto v = squaredDifferenceConsistency(torch::tensor({1.0, 2.0}), torch::tensor({1.5, 0.0}));
  QVERIFY(std::abs(v.item<double>() - 2.125) < 1e-6);
}

void TestAdaMix::parameterCountsMatchPaperFormula() {
  // RoBERTa-large geometry: d = 1024, 24 layers, adapter r = 16, M = 4, share up (docs/adamix.md § Parameter counts):
  // training 24 * (4 * (1024*16 + 16) + 16*1024 + 1024) = 1,992,192; inference 24 * 33,808 = 811,392.
  ToyModel model(1024, 24);
  auto handle = applyPeft(model, adapterConfig(4, Sharing::Up, 16), {"score"}, 0);
  QCOMPARE(handle.counts.trainable_peft, int64_t(1992192));
  QCOMPARE(handle.counts.inference_peft, int64_t(811392));
  // Frozen backbone: q_proj has no gradient requirement; the head trains.
  for (const auto& p : model.named_parameters()) {
    const bool trainable = p.key().find(".adapter.") != std::string::npos || p.key().rfind("score", 0) == 0;
    QCOMPARE(p.value().requires_grad(), trainable);
  }
}

void TestAdaMix::inferenceModesSelectModules() {
  torch::manual_seed(5);
  auto routes = std::make_shared<RouteContext>();
  MixtureLinear proj(3, 2, 3, false, routes);
  proj->eval();
  torch::NoGradGuard no_grad;
  for (int64_t k = 0; k < 3; ++k) proj->weight(k).normal_();
  auto x = torch::randn({4, 2, 3});
  routes->inference = InferenceMode::Module;
  routes->inference_module = 2;
  QVERIFY(torch::equal(proj->forward(x), F::linear(x, proj->weight(2))));
  routes->inference = InferenceMode::Random;
  routes->reseed(9);
  auto y = proj->forward(x);
  for (int64_t b = 0; b < 4; ++b) {  // each example uses exactly one of the modules
    bool match = false;
    for (int64_t k = 0; k < 3; ++k) match |= torch::allclose(y[b], F::linear(x[b], proj->weight(k)), 1e-6, 1e-6);
    QVERIFY(match);
  }
  routes->forced = 1;
  QVERIFY(torch::equal(proj->forward(x), F::linear(x, proj->weight(1))));
}

void TestAdaMix::loraTargetMissingIsConfigError() {
  ToyModel model(8, 1);
  PeftConfig c;
  c.method = PeftMethod::Lora;
  c.lora.targets = {"q_proj", "gate_proj"};
  try {
    applyPeft(model, c, {"score"}, 0);
    QFAIL("expected an error");
  } catch (const EngineError& e) {
    QCOMPARE(QString::fromStdString(e.location()), QString("/peft/lora/targets/1"));
    QCOMPARE(e.kind(), ErrorKind::Config);
  }
  ToyModel plain(8, 1);
  PeftConfig bitfit;
  bitfit.method = PeftMethod::BitFit;
  applyPeft(plain, bitfit, {"score"}, 0);  // q_proj has a bias: BitFit applies
  QVERIFY(plain.layers[0]->as<ToyLayer>()->q_proj->bias.requires_grad());
  QVERIFY(!plain.layers[0]->as<ToyLayer>()->q_proj->weight.requires_grad());
}

QTEST_APPLESS_MAIN(TestAdaMix)
#include "test_adamix.moc"
