// BERT, RoBERTa and GPT-2 (model/bert.h, roberta.h, gpt2.h) on tiny random models made by
// writeRandomModel: HF parameter names, shapes, forward passes checked against hand-written
// formulas, save -> load round trips, padding invariance, AdaMix M = 1 / merging on the real
// backbones, LoRA on GPT-2's fused c_attn, bad checkpoints, the paper's parameter counts through
// `adamix-engine inspect`, and the demo study's variants trained on each architecture on RTE.
#include <QtCore/QProcess>
#include <QtCore/QTemporaryDir>
#include <QtTest/QtTest>
#include <ATen/autocast_mode.h>
#include <torch/torch.h>

#include <cmath>
#include <filesystem>
#include <fstream>

#include "io/errors.h"
#include "io/safetensors.h"
#include "model/bert.h"
#include "model/checkpoint.h"
#include "model/gpt2.h"
#include "model/init_model.h"
#include "model/roberta.h"
#include "peft/adapter_mixture.h"
#include "peft/lora_mixture.h"
#include "peft/mixture_linear.h"
#include "peft/peft.h"
#include "protocol/events.h"
#include "test_support.h"
#include "config/run_config.h"
#include "train/trainer.h"

using namespace adamix;
using nlohmann::json;
namespace fs = std::filesystem;
namespace F = torch::nn::functional;

namespace {

const std::vector<std::string> kArchs{"bert", "roberta", "gpt2"};

RandomModelSpec tinySpec(const std::string& arch, int64_t layers = 2) {
  RandomModelSpec s;
  s.arch = arch;
  s.hidden_size = 16;
  s.num_hidden_layers = layers;
  s.num_attention_heads = 2;
  s.intermediate_size = 32;
  s.vocab_size = 64;
  s.max_position_embeddings = 32;
  if (arch == "bert") s.sep_token_id = 3;
  s.dropout = 0.0;  // deterministic training-mode comparisons (dropoutOnlyInTraining covers 0.1)
  return s;
}

std::string writeTiny(const QTemporaryDir& tmp, const std::string& arch, int64_t layers = 2, uint64_t seed = 7) {
  const auto dir = tmp.filePath(QString::fromStdString(arch + "-" + std::to_string(layers))).toStdString();
  if (!fs::exists(dir + "/model.safetensors")) writeRandomModel(dir, modelConfigJson(tinySpec(arch, layers)), seed, "");
  return dir;
}

/// Token ids in [4, 64): clear of the special ids the tiny configs use (pad 0/1, sep 3).
torch::Tensor randomIds(int64_t B, int64_t T, uint64_t seed) {
  torch::manual_seed(seed);
  return torch::randint(4, 64, {B, T}, torch::kInt64);
}

torch::Tensor param(torch::nn::Module& m, const std::string& name) {
  for (const auto& p : m.named_parameters())
    if (p.key() == name) return p.value().detach();
  throw std::runtime_error("no parameter " + name);
}

torch::Tensor ln(const torch::Tensor& x, torch::nn::Module& m, const std::string& prefix, double eps) {
  return F::layer_norm(x, F::LayerNormFuncOptions({x.size(-1)})
                              .weight(param(m, prefix + ".weight"))
                              .bias(param(m, prefix + ".bias"))
                              .eps(eps));
}

/// Softmax attention written out: q, k, v [T, d] for one sequence, H heads, optional causal mask.
torch::Tensor attention(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v, int64_t H,
                        bool causal) {
  const int64_t T = q.size(0), D = q.size(1) / H;
  std::vector<torch::Tensor> heads;
  for (int64_t h = 0; h < H; ++h) {
    auto qh = q.narrow(1, h * D, D), kh = k.narrow(1, h * D, D), vh = v.narrow(1, h * D, D);
    auto s = qh.matmul(kh.t()) / std::sqrt(static_cast<double>(D));
    if (causal) s = s.masked_fill(torch::ones({T, T}).triu(1).to(torch::kBool), -INFINITY);
    heads.push_back(torch::softmax(s, -1).matmul(vh));
  }
  return torch::cat(heads, 1);
}

PeftConfig peftFor(const std::string& arch, PeftMethod method, int64_t M, Sharing sharing) {
  PeftConfig c;
  c.method = method;
  c.adapter.bottleneck = 4;
  c.lora.rank = 2;
  c.lora.alpha = 4;
  c.lora.targets = arch == "gpt2" ? std::vector<std::string>{"c_attn"} : std::vector<std::string>{"q_proj", "value"};
  c.adamix.num_modules = M;
  c.adamix.sharing = sharing;
  return c;
}

/// Every MixtureLinear of `model` by qualified name.
std::map<std::string, std::shared_ptr<MixtureLinearImpl>> mixtures(torch::nn::Module& model) {
  std::map<std::string, std::shared_ptr<MixtureLinearImpl>> out;
  for (const auto& m : model.named_modules("", false))
    if (auto mix = std::dynamic_pointer_cast<MixtureLinearImpl>(m.value())) out[m.key()] = mix;
  return out;
}

std::string errorOf(const std::function<void()>& f) {
  try {
    f();
  } catch (const EngineError& e) {
    return e.message() + " @ " + e.location();
  }
  return "";
}

}  // namespace

class TestHfModels : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void initTestCase();
  void parameterNamesAreHuggingFaces();
  void outputShapesPerHead();
  void gpt2MatchesHandWrittenForward();
  void bertMatchesHandWrittenForward();
  void robertaPositionsAndHead();
  void saveLoadRoundTrip();
  void gpt2CheckpointWithoutTransformerPrefixLoads();
  void paddingInvariance();
  void adamixSingleModuleAndMergingOnEachBackbone();
  void gpt2LoraTouchesOnlyQAndVSlices();
  void gpt2MergedLoraWithMixtureBMergesAndRoutesPerExample();
  void everyMethodAndRoutingTrainsOnEachBackbone();
  void dropoutOnlyInTraining();
  void houlsbyAttentionAdapterSitsAfterDropout();
  void dropoutOverridesFromTheRunConfig();
  void loraTargetsPerArchitecture();
  void badCheckpointsGiveClearErrors();
  void legacyGammaBetaNamesLoad();
  void inspectPrintsThePaperParameterCounts();
  void demoVariantsTrainOnTinyModels();

 private:
  QTemporaryDir tmp_;
};

void TestHfModels::initTestCase() {
  QVERIFY(tmp_.isValid());
  torch::set_num_threads(1);
}

void TestHfModels::parameterNamesAreHuggingFaces() {
  auto bert = loadTaskModel(writeTiny(tmp_, "bert"), HeadType::Classification, 3, 1);
  auto roberta = loadTaskModel(writeTiny(tmp_, "roberta"), HeadType::Classification, 3, 1);
  auto gpt2 = loadTaskModel(writeTiny(tmp_, "gpt2"), HeadType::Classification, 3, 1);
  const std::vector<
      std::pair<std::shared_ptr<TaskModelImpl>, std::vector<std::pair<std::string, std::vector<int64_t>>>>>
      cases = {
          {bert,
           {{"bert.embeddings.word_embeddings.weight", {64, 16}},
            {"bert.embeddings.token_type_embeddings.weight", {2, 16}},
            {"bert.encoder.layer.0.attention.self.query.weight", {16, 16}},
            {"bert.encoder.layer.1.attention.output.LayerNorm.bias", {16}},
            {"bert.encoder.layer.0.intermediate.dense.weight", {32, 16}},
            {"bert.encoder.layer.0.output.dense.weight", {16, 32}},
            {"bert.pooler.dense.weight", {16, 16}},
            {"classifier.weight", {3, 16}}}},
          {roberta,
           {{"roberta.embeddings.position_embeddings.weight", {34, 16}},
            {"roberta.embeddings.token_type_embeddings.weight", {1, 16}},
            {"roberta.encoder.layer.0.attention.self.query.weight", {16, 16}},
            {"classifier.dense.weight", {16, 16}},
            {"classifier.out_proj.weight", {3, 16}}}},
          {gpt2,
           {{"transformer.wte.weight", {64, 16}},
            {"transformer.wpe.weight", {32, 16}},
            {"transformer.h.0.ln_1.weight", {16}},
            {"transformer.h.0.attn.c_attn.weight", {16, 48}},
            {"transformer.h.1.mlp.c_fc.weight", {16, 32}},
            {"transformer.h.1.mlp.c_proj.weight", {32, 16}},
            {"transformer.ln_f.bias", {16}},
            {"score.weight", {3, 16}}}},
      };
  for (const auto& [model, names] : cases)
    for (const auto& [name, shape] : names) QCOMPARE(param(*model, name).sizes().vec(), shape);
  // RoBERTa has no pooler (RobertaForSequenceClassification), BERT's head is "classifier.".
  for (const auto& p : roberta->named_parameters()) QVERIFY(p.key().find("pooler") == std::string::npos);
  QCOMPARE(bert->headPrefixes(), std::vector<std::string>{"classifier."});
}

void TestHfModels::outputShapesPerHead() {
  auto ids = randomIds(3, 7, 1);
  auto mask = torch::ones({3, 7}, torch::kInt64);
  for (const auto& arch : kArchs) {
    const auto dir = writeTiny(tmp_, arch);
    QCOMPARE(loadTaskModel(dir, HeadType::Classification, 3, 1)->forward(ids, mask).sizes().vec(),
             (std::vector<int64_t>{3, 3}));
    QCOMPARE(loadTaskModel(dir, HeadType::Regression, 1, 1)->forward(ids, mask).sizes().vec(),
             (std::vector<int64_t>{3}));
  }
  QCOMPARE(loadTaskModel(writeTiny(tmp_, "gpt2"), HeadType::CausalLM, 0, 1)->forward(ids, mask).sizes().vec(),
           (std::vector<int64_t>{3, 7, 64}));
  QVERIFY(errorOf([&] { loadTaskModel(writeTiny(tmp_, "bert"), HeadType::CausalLM, 0, 1); }).find("encoder") !=
          std::string::npos);
}

void TestHfModels::gpt2MatchesHandWrittenForward() {
  auto model = loadTaskModel(writeTiny(tmp_, "gpt2", 1), HeadType::CausalLM, 0, 1);
  torch::NoGradGuard ng;
  auto ids = randomIds(1, 5, 2);
  auto& m = *model;
  // HF GPT-2 written out: Conv1D weights are [in, out] (x @ W + b), tanh GELU, pre-LN, tied head.
  auto x =
      param(m, "transformer.wte.weight").index_select(0, ids[0]) + param(m, "transformer.wpe.weight").narrow(0, 0, 5);
  auto h = ln(x, m, "transformer.h.0.ln_1", 1e-5);
  auto qkv = h.matmul(param(m, "transformer.h.0.attn.c_attn.weight")) + param(m, "transformer.h.0.attn.c_attn.bias");
  auto a = attention(qkv.narrow(1, 0, 16), qkv.narrow(1, 16, 16), qkv.narrow(1, 32, 16), 2, /*causal=*/true);
  x = x + a.matmul(param(m, "transformer.h.0.attn.c_proj.weight")) + param(m, "transformer.h.0.attn.c_proj.bias");
  auto f = ln(x, m, "transformer.h.0.ln_2", 1e-5).matmul(param(m, "transformer.h.0.mlp.c_fc.weight")) +
           param(m, "transformer.h.0.mlp.c_fc.bias");
  f = 0.5 * f * (1 + torch::tanh(std::sqrt(2.0 / M_PI) * (f + 0.044715 * f.pow(3))));
  x = x + f.matmul(param(m, "transformer.h.0.mlp.c_proj.weight")) + param(m, "transformer.h.0.mlp.c_proj.bias");
  auto logits = ln(x, m, "transformer.ln_f", 1e-5).matmul(param(m, "transformer.wte.weight").t());
  QVERIFY(torch::allclose(model->forward(ids, {})[0], logits, 1e-5, 1e-5));
}

void TestHfModels::bertMatchesHandWrittenForward() {
  auto model = loadTaskModel(writeTiny(tmp_, "bert", 1), HeadType::Classification, 3, 1);
  torch::NoGradGuard ng;
  auto& m = *model;
  // [CLS]=2 a a [SEP]=3 b b [SEP]: token types 0 0 0 0 1 1 1 (HF token_type_ids of a pair).
  auto ids = torch::tensor({2, 5, 6, 3, 7, 8, 3}, torch::kInt64).unsqueeze(0);
  auto types = torch::tensor({0, 0, 0, 0, 1, 1, 1}, torch::kInt64);
  const double eps = 1e-12;
  auto lin = [&](const torch::Tensor& v, const std::string& p) {
    return F::linear(v, param(m, p + ".weight"), param(m, p + ".bias"));
  };
  auto x = param(m, "bert.embeddings.word_embeddings.weight").index_select(0, ids[0]) +
           param(m, "bert.embeddings.position_embeddings.weight").narrow(0, 0, 7) +
           param(m, "bert.embeddings.token_type_embeddings.weight").index_select(0, types);
  x = ln(x, m, "bert.embeddings.LayerNorm", eps);
  const std::string L = "bert.encoder.layer.0.";
  auto ctx = attention(lin(x, L + "attention.self.query"), lin(x, L + "attention.self.key"),
                       lin(x, L + "attention.self.value"), 2, false);
  auto a = ln(lin(ctx, L + "attention.output.dense") + x, m, L + "attention.output.LayerNorm", eps);
  auto y = ln(lin(F::gelu(lin(a, L + "intermediate.dense")), L + "output.dense") + a, m, L + "output.LayerNorm", eps);
  auto logits = lin(torch::tanh(lin(y[0], "bert.pooler.dense")), "classifier");
  QVERIFY(torch::allclose(model->forward(ids, torch::ones_like(ids))[0], logits, 1e-5, 1e-5));
  // Without the separator known, every token has type 0 and the logits differ.
  std::dynamic_pointer_cast<BertForTaskImpl>(model)->bert->sep_id = -1;
  QVERIFY(!torch::allclose(model->forward(ids, torch::ones_like(ids))[0], logits, 1e-5, 1e-5));
}

void TestHfModels::robertaPositionsAndHead() {
  auto model = loadTaskModel(writeTiny(tmp_, "roberta", 1), HeadType::Classification, 3, 1);
  auto rob = std::dynamic_pointer_cast<RobertaForTaskImpl>(model);
  torch::NoGradGuard ng;
  auto& m = *model;
  // pad = 1: tokens get positions 2, 3, 4; the padding position keeps 1 (HF create_position_ids).
  auto ids = torch::tensor({5, 6, 7, 1}, torch::kInt64).unsqueeze(0);
  auto pos = torch::tensor({2, 3, 4, 1}, torch::kInt64);
  auto x = param(m, "roberta.embeddings.word_embeddings.weight").index_select(0, ids[0]) +
           param(m, "roberta.embeddings.position_embeddings.weight").index_select(0, pos) +
           param(m, "roberta.embeddings.token_type_embeddings.weight")[0];
  x = ln(x, m, "roberta.embeddings.LayerNorm", 1e-5);
  QVERIFY(torch::allclose(rob->roberta->embeddings->forward(ids, torch::zeros_like(ids))[0], x, 1e-6, 1e-6));
  // Head: out_proj(tanh(dense(<s> state))).
  auto hidden = rob->roberta->forward(ids, ids.ne(1));
  auto expected = F::linear(
      torch::tanh(F::linear(hidden[0][0], param(m, "classifier.dense.weight"), param(m, "classifier.dense.bias"))),
      param(m, "classifier.out_proj.weight"), param(m, "classifier.out_proj.bias"));
  QVERIFY(torch::allclose(model->forward(ids, ids.ne(1))[0], expected, 1e-6, 1e-6));
}

void TestHfModels::saveLoadRoundTrip() {
  auto ids = randomIds(2, 6, 3);
  auto mask = torch::ones_like(ids);
  for (const auto& arch : kArchs) {
    const auto dir = writeTiny(tmp_, arch);
    auto a = loadTaskModel(dir, HeadType::Classification, 2, 5);
    const auto copy = tmp_.filePath(QString::fromStdString("copy-" + arch)).toStdString();
    fs::create_directories(copy);
    fs::copy_file(dir + "/config.json", copy + "/config.json");
    saveSafetensors(copy + "/model.safetensors", namedTensors(*a));
    auto b = loadTaskModel(copy, HeadType::Classification, 2, 99);  // head loaded from the file, not the seed
    for (const auto& [name, t] : namedTensors(*a)) QVERIFY2(torch::equal(t, param(*b, name)), name.c_str());
    torch::NoGradGuard ng;
    QVERIFY(torch::equal(a->forward(ids, mask), b->forward(ids, mask)));
  }
}

void TestHfModels::gpt2CheckpointWithoutTransformerPrefixLoads() {
  const auto dir = writeTiny(tmp_, "gpt2");
  auto st = loadSafetensors(dir + "/model.safetensors");
  std::map<std::string, torch::Tensor> bare;
  for (const auto& [name, t] : st.tensors) bare[name.substr(std::string("transformer.").size())] = t;
  bare["h.0.attn.bias"] = torch::ones({1, 1, 32, 32});  // causal-mask buffer of HF checkpoints
  const auto hf = tmp_.filePath("gpt2-hf-names").toStdString();
  fs::create_directories(hf);
  fs::copy_file(dir + "/config.json", hf + "/config.json");
  saveSafetensors(hf + "/model.safetensors", bare);
  auto a = loadTaskModel(dir, HeadType::CausalLM, 0, 1), b = loadTaskModel(hf, HeadType::CausalLM, 0, 1);
  torch::NoGradGuard ng;
  auto ids = randomIds(1, 4, 4);
  QVERIFY(torch::equal(a->forward(ids, {}), b->forward(ids, {})));
}

void TestHfModels::paddingInvariance() {
  for (const auto& arch : kArchs) {
    auto model = loadTaskModel(writeTiny(tmp_, arch), HeadType::Classification, 2, 1);
    const int64_t pad = arch == "roberta" ? 1 : 0;
    torch::NoGradGuard ng;
    auto alone = randomIds(1, 5, 5);
    auto other = randomIds(1, 9, 6);
    auto padded = torch::cat({alone, torch::full({1, 4}, pad, torch::kInt64)}, 1);
    auto batch = torch::cat({padded, other}, 0);
    auto mask = torch::cat({torch::cat({torch::ones({1, 5}), torch::zeros({1, 4})}, 1), torch::ones({1, 9})}, 0)
                    .to(torch::kInt64);
    auto single = model->forward(alone, torch::ones_like(alone));
    auto batched = model->forward(batch, mask);
    QVERIFY2(torch::allclose(single[0], batched[0], 1e-5, 1e-5), arch.c_str());
    QVERIFY(torch::allclose(model->forward(other, torch::ones_like(other))[0], batched[1], 1e-5, 1e-5));
  }
}

void TestHfModels::adamixSingleModuleAndMergingOnEachBackbone() {
  auto ids = randomIds(2, 6, 8);
  auto mask = torch::ones_like(ids);
  for (const auto& arch : kArchs) {
    for (auto method : {PeftMethod::Adapter, PeftMethod::Lora}) {
      const auto dir = writeTiny(tmp_, arch);
      auto mix = loadTaskModel(dir, HeadType::Classification, 2, 3);
      auto plain = loadTaskModel(dir, HeadType::Classification, 2, 3);
      auto mix_handle = applyPeft(*mix, peftFor(arch, method, 4, Sharing::None), mix->headPrefixes(), 11);
      applyPeft(*plain, peftFor(arch, method, 1, Sharing::None), plain->headPrefixes(), 12);
      auto mix_mods = mixtures(*mix), plain_mods = mixtures(*plain);
      QCOMPARE(mix_mods.size(), plain_mods.size());
      QVERIFY(!mix_mods.empty());
      torch::NoGradGuard ng;
      // Non-zero LoRA B (it starts at zero) so the modules differ; the plain model gets the hand average.
      for (auto& [name, m] : mix_mods) {
        for (int64_t k = 0; k < m->numModules(); ++k) m->weight(k).normal_(0.0, 0.3);
        torch::Tensor w = torch::zeros_like(m->weight(0)), b;
        for (int64_t k = 0; k < 4; ++k) w += m->weight(k) / 4.0;
        plain_mods.at(name)->weight(0).copy_(w);
        if (m->bias(0).defined()) {
          for (int64_t k = 0; k < 4; ++k) m->bias(k).normal_(0.0, 0.3);
          b = torch::zeros_like(m->bias(0));
          for (int64_t k = 0; k < 4; ++k) b += m->bias(k) / 4.0;
          plain_mods.at(name)->bias(0).copy_(b);
        }
      }
      mix->eval();
      plain->eval();
      const std::string what = arch + (method == PeftMethod::Lora ? " lora" : " adapter");
      QVERIFY2(torch::allclose(mix->forward(ids, mask), plain->forward(ids, mask), 1e-5, 1e-5),
               ("merged " + what).c_str());
      // M = 1 is the plain method: no routing, identical in training and inference mode...
      plain->train();
      auto plain_out = plain->forward(ids, mask);
      plain->eval();
      QVERIFY(torch::equal(plain_out, plain->forward(ids, mask)));
      // ...and M = 4 identical modules equal it under any route.
      for (auto& [name, m] : mix_mods)
        for (int64_t k = 0; k < 4; ++k) {
          m->weight(k).copy_(plain_mods.at(name)->weight(0));
          if (m->bias(k).defined()) m->bias(k).copy_(plain_mods.at(name)->bias(0));
        }
      mix->train();
      mix_handle.routes->reseed(5);
      mix_handle.routes->beginPass();
      QVERIFY2(torch::allclose(mix->forward(ids, mask), plain_out, 1e-5, 1e-5), ("routed " + what).c_str());
    }
  }
}

void TestHfModels::gpt2LoraTouchesOnlyQAndVSlices() {
  // Official AdaMix-LoRA on GPT-2's c_attn (loralib MergedLinear, enable_lora = [q, k, v] =
  // [True, False, True]): one A mixture [2r, d] for q and v, one grouped B [2d, r], one route.
  auto model = loadTaskModel(writeTiny(tmp_, "gpt2"), HeadType::Classification, 2, 1);
  auto cfg = peftFor("gpt2", PeftMethod::Lora, 4, Sharing::Up);
  auto handle = applyPeft(*model, cfg, model->headPrefixes(), 1);
  // 2 layers x (4 A modules of [2r, d] + one B of [2d, r]) with r = 2, d = 16.
  QCOMPARE(handle.counts.trainable_peft, int64_t{2 * (4 * 4 * 16 + 32 * 2)});
  QCOMPARE(handle.counts.inference_peft, int64_t{2 * (4 * 16 + 32 * 2)});
  QCOMPARE(param(*model, "transformer.h.0.attn.c_attn.lora.lora_A.3.weight").sizes().vec(),
           (std::vector<int64_t>{4, 16}));
  QCOMPARE(param(*model, "transformer.h.0.attn.c_attn.lora.lora_B.0.weight").sizes().vec(),
           (std::vector<int64_t>{32, 2}));
  // One routed slot per layer (A; B is shared): q and v cannot take different modules.
  QCOMPARE(handle.routes->numSlots(), int64_t{2});
  auto gpt = std::dynamic_pointer_cast<Gpt2ForTaskImpl>(model);
  auto c_attn = gpt->transformer->h->ptr<Gpt2BlockImpl>(0)->attn->c_attn;
  QCOMPARE(c_attn->loraParts(), (std::vector<std::string>{"q", "v"}));
  auto lora = c_attn->lora();
  // The four A modules start as copies of one initialisation (the official deep copy).
  for (int64_t k = 1; k < 4; ++k) QVERIFY(torch::equal(lora->lora_A->weight(k), lora->lora_A->weight(0)));
  QVERIFY(lora->lora_A->weight(0).abs().max().item<double>() > 0.0);
  torch::NoGradGuard ng;
  for (int64_t k = 0; k < 4; ++k) lora->lora_A->weight(k).normal_();
  lora->lora_B->weight(0).normal_();
  model->train();
  handle.routes->reseed(3);
  handle.routes->beginPass();
  auto x = torch::randn({1, 3, 16});
  auto delta = c_attn->forward(x) - c_attn->baseForward(x);
  // By hand: after_A = x A_k^T [.., 2r]; q = after_A[:r] B[:d]^T, v = after_A[r:] B[d:]^T, x alpha/r.
  const int64_t k = handle.routes->lastRoute()[static_cast<size_t>(lora->lora_A->slot())];
  QVERIFY(k >= 0 && k < 4);
  auto after_a = torch::matmul(x, lora->lora_A->weight(k).t());
  const auto& B = lora->lora_B->weight(0);
  auto q = torch::matmul(after_a.narrow(-1, 0, 2), B.narrow(0, 0, 16).t()) * 2.0;
  auto v = torch::matmul(after_a.narrow(-1, 2, 2), B.narrow(0, 16, 16).t()) * 2.0;
  QVERIFY(torch::allclose(delta.narrow(-1, 0, 16), q, 1e-5, 1e-5));
  QCOMPARE(delta.narrow(-1, 16, 16).abs().max().item<double>(), 0.0);
  QVERIFY(torch::allclose(delta.narrow(-1, 32, 16), v, 1e-5, 1e-5));
  QVERIFY(q.abs().max().item<double>() > 1e-4);
  // Under bf16 autocast (CPU here; the trainer's bf16 is CUDA autocast) the bf16 delta is added
  // to the fp32 output of the base projection.
  {
    model->eval();  // merged modules: both forwards below run the same weights (no route draw)
    at::autocast::set_cpu_enabled(true);
    at::autocast::set_autocast_cpu_dtype(at::kBFloat16);
    torch::Tensor out;
    try {
      out = c_attn->forward(x);
    } catch (...) {
      at::autocast::set_cpu_enabled(false);
      throw;
    }
    at::autocast::set_cpu_enabled(false);
    at::autocast::clear_cache();
    const auto ref = c_attn->forward(x);
    QCOMPARE(out.scalar_type(), torch::kFloat32);
    QVERIFY((out - ref).norm().item<double>() < 0.02 * ref.norm().item<double>());  // bf16 rounding
    model->train();
  }
  // One dropout mask for q and v: with identical q and v halves of A and B the two deltas are
  // equal in training iff they saw the same dropped-out input.
  lora->dropout = 0.5;
  for (int64_t m = 0; m < 4; ++m) lora->lora_A->weight(m).narrow(0, 2, 2).copy_(lora->lora_A->weight(m).narrow(0, 0, 2));
  B.narrow(0, 16, 16).copy_(B.narrow(0, 0, 16));
  handle.routes->beginPass();
  auto both = lora->forward(torch::randn({2, 5, 16}));  // [2, 5, 2d]: q delta | v delta
  QVERIFY(both.narrow(-1, 0, 16).abs().max().item<double>() > 1e-4);
  QVERIFY(torch::equal(both.narrow(-1, 0, 16), both.narrow(-1, 16, 16)));
}

void TestHfModels::gpt2MergedLoraWithMixtureBMergesAndRoutesPerExample() {
  // sharing none: M = 3 grouped B modules too. Merged inference = the grouped map of the averaged
  // A and B; per-example routing = each row through its own (A, B) modules.
  auto model = loadTaskModel(writeTiny(tmp_, "gpt2"), HeadType::Classification, 2, 1);
  auto cfg = peftFor("gpt2", PeftMethod::Lora, 3, Sharing::None);
  auto handle = applyPeft(*model, cfg, model->headPrefixes(), 1);
  auto c_attn = std::dynamic_pointer_cast<Gpt2ForTaskImpl>(model)->transformer->h->ptr<Gpt2BlockImpl>(0)->attn->c_attn;
  auto lora = c_attn->lora();
  QCOMPARE(lora->lora_B->numModules(), int64_t{3});
  QCOMPARE(lora->lora_B->weight(0).sizes().vec(), (std::vector<int64_t>{32, 2}));
  torch::NoGradGuard ng;
  for (int64_t k = 0; k < 3; ++k) {
    lora->lora_A->weight(k).normal_();
    lora->lora_B->weight(k).normal_();
  }
  // delta of given A [2r, d] and B [2d, r] by hand (q | 0 | v), scaling alpha / r = 2.
  auto byHand = [&](const torch::Tensor& x, const torch::Tensor& A, const torch::Tensor& B) {
    auto a = torch::matmul(x, A.t());
    auto q = torch::matmul(a.narrow(-1, 0, 2), B.narrow(0, 0, 16).t()) * 2.0;
    auto v = torch::matmul(a.narrow(-1, 2, 2), B.narrow(0, 16, 16).t()) * 2.0;
    return torch::cat({q, torch::zeros_like(q), v}, -1);
  };
  const auto x = torch::randn({3, 4, 16});
  model->eval();
  auto meanOf = [&](const MixtureLinear& m) {
    return (m->weight(0) + m->weight(1) + m->weight(2)) / 3.0;
  };
  QVERIFY(torch::allclose(c_attn->forward(x) - c_attn->baseForward(x),
                          byHand(x, meanOf(lora->lora_A), meanOf(lora->lora_B)), 1e-5, 1e-5));
  // Per-example routing in training: row i uses modules (a_i, b_i) drawn by the route context;
  // replaying the same draws (same seed) gives the indices.
  model->train();
  handle.routes->routing = RoutingMode::Example;
  handle.routes->reseed(11);
  handle.routes->beginPass();
  const auto delta = c_attn->forward(x) - c_attn->baseForward(x);
  handle.routes->reseed(11);
  const auto ia = handle.routes->drawIndices(3, {3}), ib = handle.routes->drawIndices(3, {3});
  bool differ = false;
  for (int64_t i = 0; i < 3; ++i) {
    const auto row = x.narrow(0, i, 1);
    const auto want = byHand(row, lora->lora_A->weight(ia[i].item<int64_t>()), lora->lora_B->weight(ib[i].item<int64_t>()));
    QVERIFY2(torch::allclose(delta.narrow(0, i, 1), want, 1e-5, 1e-5), ("row " + std::to_string(i)).c_str());
    differ = differ || ia[i].item<int64_t>() != ia[0].item<int64_t>() || ib[i].item<int64_t>() != ib[0].item<int64_t>();
  }
  QVERIFY(differ);  // the rows did not all take the same route
}

void TestHfModels::everyMethodAndRoutingTrainsOnEachBackbone() {
  // Full fine-tuning, head only, BitFit, Houlsby adapters (FFN + attention), and AdaMix routing
  // per example / per token: a forward-backward pass gives gradients to exactly the trainable
  // parameters.
  auto ids = randomIds(2, 6, 9);
  auto mask = torch::ones_like(ids);
  for (const auto& arch : kArchs) {
    const auto dir = writeTiny(tmp_, arch);
    std::vector<std::pair<std::string, PeftConfig>> configs;
    for (auto method : {PeftMethod::Full, PeftMethod::Head, PeftMethod::BitFit}) {
      PeftConfig c;
      c.method = method;
      configs.emplace_back(peftMethodName(method), c);
    }
    auto houlsby = peftFor(arch, PeftMethod::Adapter, 2, Sharing::Up);
    houlsby.adapter.attention_adapter = true;
    configs.emplace_back("houlsby", houlsby);
    auto per_example = peftFor(arch, PeftMethod::Lora, 3, Sharing::Down);
    per_example.adamix.routing = RoutingMode::Example;
    configs.emplace_back("lora per-example", per_example);
    auto per_token = peftFor(arch, PeftMethod::Adapter, 3, Sharing::None);
    per_token.adamix.routing = RoutingMode::Token;
    configs.emplace_back("adapter per-token", per_token);
    for (const auto& [label, cfg] : configs) {
      auto model = loadTaskModel(dir, HeadType::Classification, 2, 1);
      auto handle = applyPeft(*model, cfg, model->headPrefixes(), 2);
      model->train();
      handle.routes->beginPass();
      model->forward(ids, mask).sum().backward();
      int64_t with_grad = 0, trainable = 0;
      for (const auto& p : model->named_parameters()) {
        if (p.value().requires_grad()) trainable += p.value().numel();
        if (p.value().grad().defined()) with_grad += p.value().numel();
        if (!p.value().requires_grad())
          QVERIFY2(!p.value().grad().defined(), (arch + " " + label + " " + p.key()).c_str());
      }
      QVERIFY2(trainable > 0 && with_grad > 0, (arch + " " + label).c_str());
      QCOMPARE(handle.counts.trainable, trainable);
      if (label == "bitfit") QVERIFY(handle.counts.trainable_peft > 0);  // biases of the backbone
      if (label == "houlsby") {                                          // two adapter sites per layer
        int64_t sites = 0;
        for (const auto& m : model->named_modules("", false))
          if (std::dynamic_pointer_cast<AdapterMixtureImpl>(m.value())) ++sites;
        QCOMPARE(sites, int64_t{4});
      }
    }
  }
}

void TestHfModels::dropoutOnlyInTraining() {
  auto ids = randomIds(2, 6, 10);
  auto mask = torch::ones_like(ids);
  for (const auto& arch : kArchs) {
    auto spec = tinySpec(arch);
    spec.dropout = 0.1;  // the HF default init-model writes
    const auto dir = tmp_.filePath(QString::fromStdString("dropout-" + arch)).toStdString();
    writeRandomModel(dir, modelConfigJson(spec), 7, "");
    QCOMPARE(loadModelConfig(dir).hidden_dropout, 0.1);
    auto model = loadTaskModel(dir, HeadType::Classification, 2, 1);
    torch::NoGradGuard ng;
    model->eval();
    auto a = model->forward(ids, mask), b = model->forward(ids, mask);
    QVERIFY(torch::equal(a, b));
    model->train();
    auto c = model->forward(ids, mask), d = model->forward(ids, mask);
    QVERIFY2(!torch::equal(c, d), arch.c_str());
  }
  // HF defaults when config.json omits them.
  QCOMPARE(parseModelConfig({{"model_type", "bert"}}).attention_dropout, 0.1);
  QCOMPARE(parseModelConfig({{"model_type", "gpt2"}}).embedding_dropout, 0.1);
}

// run config model.dropout (issue 11 item 3): a model whose config.json says 0.1 gives identical
// training-mode outputs on two forward passes once every kind is overridden to 0, and different
// ones with the config's 0.1 or when only some kinds are overridden.
void TestHfModels::houlsbyAttentionAdapterSitsAfterDropout() {
  // An adapter whose output is a constant vector c (zero weights, up bias c) on a zero dense
  // projection: after the dropout (attention output, official placement) c reaches the residual
  // untouched in training, so training equals inference; before it (FFN output) dropout zeroes
  // and rescales parts of c.
  auto c = loadModelConfig(writeTiny(tmp_, "bert"));
  c.hidden_dropout = 0.5;
  auto routes = std::make_shared<RouteContext>();
  auto block = [&](bool after) {
    BertOutputBlock b(c, 16, after ? "attn_adapter" : "ffn_adapter", after);
    AdapterOptions a;
    a.bottleneck = 2;
    auto adapter = std::make_shared<AdapterMixtureImpl>(16, a, AdaMixOptions{}, routes);
    torch::NoGradGuard ng;
    b->dense->weight.zero_();
    b->dense->bias.zero_();
    adapter->down->weight(0).zero_();
    adapter->up->weight(0).zero_();
    adapter->up->bias(0).copy_(torch::linspace(-1.0, 2.0, 16));
    b->site->attachAdapter(adapter);
    return b;
  };
  // The backbones use it so: attention output after dropout, FFN output before (BERT and RoBERTa).
  for (const char* arch : {"bert", "roberta"}) {
    auto model = loadTaskModel(writeTiny(tmp_, arch), HeadType::Classification, 2, 1);
    int attention = 0, ffn = 0;
    for (const auto& m : model->named_modules("", false))
      if (auto b = std::dynamic_pointer_cast<BertOutputBlockImpl>(m.value())) {
        const bool is_attention = m.key().find("attention.output") != std::string::npos;
        QCOMPARE(b->site_after_dropout, is_attention);
        ++(is_attention ? attention : ffn);
      }
    QCOMPARE(attention, 2);
    QCOMPARE(ffn, 2);
  }
  const auto h = torch::randn({2, 3, 16}), residual = torch::zeros({2, 3, 16});
  for (bool after : {true, false}) {
    auto b = block(after);
    torch::NoGradGuard ng;
    b->eval();
    const auto inference = b->forward(h, residual);
    b->train();
    torch::manual_seed(1);
    const auto training = b->forward(h, residual);
    QCOMPARE(torch::allclose(training, inference, 1e-6, 1e-6), after);
  }
}

void TestHfModels::dropoutOverridesFromTheRunConfig() {
  auto ids = randomIds(2, 6, 11);
  auto mask = torch::ones_like(ids);
  DropoutOverrides off;
  off.embedding = off.attention = off.hidden = off.classifier = 0.0;
  DropoutOverrides attention_only;
  attention_only.attention = 0.0;
  for (const auto& arch : kArchs) {
    auto spec = tinySpec(arch);
    spec.dropout = 0.1;
    const auto dir = tmp_.filePath(QString::fromStdString("dropout-override-" + arch)).toStdString();
    writeRandomModel(dir, modelConfigJson(spec), 7, "");
    const std::vector<HeadType> heads = arch == "gpt2"
                                            ? std::vector<HeadType>{HeadType::CausalLM, HeadType::Classification}
                                            : std::vector<HeadType>{HeadType::Classification};
    for (HeadType head : heads) {
      const int64_t labels = head == HeadType::CausalLM ? 0 : 2;
      auto twice = [&](const DropoutOverrides& o) {
        auto model = loadTaskModel(dir, head, labels, 1, o);
        torch::NoGradGuard ng;
        model->train();
        torch::manual_seed(5);
        auto a = model->forward(ids, mask);
        auto b = model->forward(ids, mask);
        return std::pair{torch::equal(a, b), model->config()};
      };
      const auto [same_off, cfg_off] = twice(off);
      QVERIFY2(same_off, arch.c_str());
      QCOMPARE(cfg_off.embedding_dropout, 0.0);
      QCOMPARE(cfg_off.attention_dropout, 0.0);
      QCOMPARE(cfg_off.hidden_dropout, 0.0);
      QCOMPARE(cfg_off.classifier_dropout, 0.0);
      const auto [same_cfg, cfg_cfg] = twice({});
      QVERIFY2(!same_cfg, arch.c_str());
      QCOMPARE(cfg_cfg.hidden_dropout, 0.1);
      const auto [same_partial, cfg_partial] = twice(attention_only);
      QVERIFY2(!same_partial, arch.c_str());
      QCOMPARE(cfg_partial.attention_dropout, 0.0);
      QCOMPARE(cfg_partial.embedding_dropout, 0.1);
    }
  }
  // Out-of-range overrides name the run-config path.
  ModelConfig c = parseModelConfig({{"model_type", "gpt2"}});
  DropoutOverrides bad;
  bad.hidden = 1.0;
  try {
    applyDropoutOverrides(c, bad);
    QFAIL("expected an EngineError");
  } catch (const EngineError& e) {
    QCOMPARE(std::string(e.what()), std::string("/model/dropout/hidden: must be in [0, 1)"));
  }
}

void TestHfModels::loraTargetsPerArchitecture() {
  auto count = [&](const std::string& arch, std::vector<std::string> targets) {
    auto model = loadTaskModel(writeTiny(tmp_, arch), HeadType::Classification, 2, 1);
    auto c = peftFor(arch, PeftMethod::Lora, 1, Sharing::Up);
    c.lora.targets = std::move(targets);
    return applyPeft(*model, c, model->headPrefixes(), 1).counts.trainable_peft;
  };
  const int64_t sq = 2 * (2 * 16 + 16 * 2);  // 2 layers x one d -> d LoRA at r = 2
  QCOMPARE(count("bert", {"query", "key", "value"}), 3 * sq);
  QCOMPARE(count("bert", {"attention.output.dense"}), sq);
  // "dense" = attention.output.dense (16 -> 16), intermediate.dense (16 -> 32), output.dense (32 -> 16).
  QCOMPARE(count("roberta", {"dense"}), sq + 2 * (2 * (2 * 16 + 32 * 2)));
  QCOMPARE(count("gpt2", {"c_attn.k"}), sq);
  QCOMPARE(count("gpt2", {"q_proj", "k_proj", "v_proj"}), 3 * sq);
  QCOMPARE(count("gpt2", {"attn.c_proj"}), sq);
  QVERIFY(errorOf([&] { count("gpt2", {"c_attn", "q_proj"}); }).find("overlap") != std::string::npos);
  // q and v named by two targets still form ONE merged mixture on c_attn (v listed first).
  auto model = loadTaskModel(writeTiny(tmp_, "gpt2"), HeadType::Classification, 2, 1);
  auto c = peftFor("gpt2", PeftMethod::Lora, 2, Sharing::Up);
  c.lora.targets = {"v_proj", "q_proj"};
  applyPeft(*model, c, model->headPrefixes(), 1);
  auto c_attn = std::dynamic_pointer_cast<Gpt2ForTaskImpl>(model)->transformer->h->ptr<Gpt2BlockImpl>(1)->attn->c_attn;
  QCOMPARE(c_attn->loraParts(), (std::vector<std::string>{"q", "v"}));
  QCOMPARE(c_attn->lora()->lora_A->weight(0).sizes().vec(), (std::vector<int64_t>{4, 16}));
  QVERIFY(errorOf([&] { count("bert", {"gate_proj"}); }).find("no projection named 'gate_proj'") != std::string::npos);
}

void TestHfModels::badCheckpointsGiveClearErrors() {
  const auto dir = writeTiny(tmp_, "bert");
  auto st = loadSafetensors(dir + "/model.safetensors");
  auto make = [&](const std::string& name, const std::map<std::string, torch::Tensor>& tensors) {
    const auto d = tmp_.filePath(QString::fromStdString(name)).toStdString();
    fs::create_directories(d);
    fs::copy_file(dir + "/config.json", d + "/config.json", fs::copy_options::overwrite_existing);
    saveSafetensors(d + "/model.safetensors", tensors);
    return d;
  };
  auto missing = st.tensors;
  missing.erase("bert.encoder.layer.1.output.dense.weight");
  auto msg = errorOf([&] { loadTaskModel(make("missing", missing), HeadType::Classification, 2, 1); });
  QVERIFY2(msg.find("missing tensor") != std::string::npos &&
               msg.find("bert.encoder.layer.1.output.dense.weight") != std::string::npos,
           msg.c_str());
  auto extra = st.tensors;
  extra["bert.encoder.layer.7.output.dense.weight"] = torch::zeros({16, 32});
  msg = errorOf([&] { loadTaskModel(make("extra", extra), HeadType::Classification, 2, 1); });
  QVERIFY2(msg.find("unexpected tensor") != std::string::npos, msg.c_str());
  // Truncated file.
  const auto trunc = make("truncated", st.tensors);
  const auto size = fs::file_size(trunc + "/model.safetensors");
  fs::resize_file(trunc + "/model.safetensors", size / 2);
  msg = errorOf([&] { loadTaskModel(trunc, HeadType::Classification, 2, 1); });
  QVERIFY2(!msg.empty() && msg.find("model.safetensors") != std::string::npos, msg.c_str());
  // Unknown architecture.
  test::writeFile(tmp_.filePath("t5/config.json").toStdString(), R"({"model_type": "t5"})");
  msg = errorOf([&] { loadModelConfig(tmp_.filePath("t5").toStdString()); });
  QVERIFY2(msg.find("unsupported architecture 't5' (supported: bert, gpt2, llama, mistral, qwen2, qwen3, roberta)") != std::string::npos,
           msg.c_str());
}

void TestHfModels::legacyGammaBetaNamesLoad() {
  // google-bert/bert-base-uncased stores LayerNorm.gamma / LayerNorm.beta (TF conversion).
  const auto dir = writeTiny(tmp_, "bert");
  auto st = loadSafetensors(dir + "/model.safetensors");
  std::map<std::string, torch::Tensor> legacy;
  int renamed = 0;
  for (const auto& [name, t] : st.tensors) {
    std::string n = name;
    if (n.find("LayerNorm.weight") != std::string::npos) n.replace(n.size() - 6, 6, "gamma"), ++renamed;
    if (n.find("LayerNorm.bias") != std::string::npos) n.replace(n.size() - 4, 4, "beta"), ++renamed;
    legacy[n] = t;
  }
  QCOMPARE(renamed, 2 * (1 + 2 * 2));  // embeddings + 2 per layer, weight and bias each
  const auto d = tmp_.filePath("bert-legacy").toStdString();
  fs::create_directories(d);
  fs::copy_file(dir + "/config.json", d + "/config.json", fs::copy_options::overwrite_existing);
  saveSafetensors(d + "/model.safetensors", legacy);
  auto a = loadTaskModel(dir, HeadType::Classification, 2, 1);
  auto b = loadTaskModel(d, HeadType::Classification, 2, 1);
  for (const auto& p : a->named_parameters())
    QVERIFY2(torch::equal(p.value(), param(*b, p.key())), p.key().c_str());
}

void TestHfModels::inspectPrintsThePaperParameterCounts() {
  // config.json of the HF checkpoints (fields as published; no weights needed to count).
  const json bert_base = {{"model_type", "bert"},           {"hidden_size", 768},        {"num_hidden_layers", 12},
                          {"num_attention_heads", 12},      {"intermediate_size", 3072}, {"vocab_size", 30522},
                          {"max_position_embeddings", 512}, {"type_vocab_size", 2}};
  const json roberta_large = {{"model_type", "roberta"},
                              {"hidden_size", 1024},
                              {"num_hidden_layers", 24},
                              {"num_attention_heads", 16},
                              {"intermediate_size", 4096},
                              {"vocab_size", 50265},
                              {"max_position_embeddings", 514},
                              {"type_vocab_size", 1},
                              {"layer_norm_eps", 1e-5},
                              {"pad_token_id", 1},
                              {"bos_token_id", 0},
                              {"eos_token_id", 2}};
  const json gpt2_medium = {
      {"model_type", "gpt2"}, {"n_embd", 1024}, {"n_layer", 24},       {"n_head", 16},
      {"n_positions", 1024},  {"n_ctx", 1024},  {"vocab_size", 50257}, {"activation_function", "gelu_new"}};
  auto adapter = [](int64_t r, int64_t M) {
    return json{{"peft",
                 {{"method", "adapter"},
                  {"adapter", {{"bottleneck", r}}},
                  {"adamix", {{"num_modules", M}, {"sharing", "up"}}}}}};
  };
  const json lora = {{"peft",
                      {{"method", "lora"},
                       {"lora", {{"rank", 4}, {"alpha", 32}, {"targets", {"c_attn"}}}},
                       {"adamix", {{"num_modules", 8}, {"sharing", "up"}}}}}};
  struct Case {
    std::string name;
    json config, peft;
    int64_t trainable, merged;
  };
  const std::vector<Case> cases = {{"roberta-large", roberta_large, adapter(16, 4), 1992192, 811392},
                                   {"bert-base", bert_base, adapter(48, 4), 2223360, 894528},
                                   {"gpt2-medium-adapter", gpt2_medium, adapter(8, 8), 1795584, 417984},
                                   {"gpt2-medium-lora", gpt2_medium, lora, 1769472, 393216}};
  for (const auto& c : cases) {
    const auto dir = tmp_.filePath(QString::fromStdString("paper-" + c.name)).toStdString();
    test::writeFile(dir + "/config.json", c.config.dump());
    test::writeFile(dir + "/peft.json", c.peft.dump());
    QProcess p;
    p.start(ADAMIX_ENGINE_EXE,
            {"inspect", QString::fromStdString(dir), "--peft", QString::fromStdString(dir + "/peft.json")});
    QVERIFY(p.waitForFinished(300000));
    const auto out = p.readAllStandardOutput().toStdString();
    QVERIFY2(p.exitCode() == 0, (out + p.readAllStandardError().toStdString()).c_str());
    const auto train_line = "training     " + std::to_string(c.trainable) + " trainable parameters (heads excluded)";
    const auto merged_line = "inference    " + std::to_string(c.merged) + " parameters after merging (heads excluded)";
    QVERIFY2(out.find(train_line) != std::string::npos, (c.name + ":\n" + out).c_str());
    QVERIFY2(out.find(merged_line) != std::string::npos, (c.name + ":\n" + out).c_str());
  }
}

void TestHfModels::demoVariantsTrainOnTinyModels() {
  const auto rte = test::sharedPath("data/glue/RTE");
  const std::map<std::string, std::string> vocab = {{"bert", test::sharedPath("vocab/bert-base-uncased")},
                                                    {"roberta", test::sharedPath("vocab/roberta-base")},
                                                    {"gpt2", test::sharedPath("vocab/gpt2")}};
  for (const auto& [a, v] : vocab)
    if (v.empty() || rte.empty()) QSKIP("shared vocabularies / RTE not available");
  std::ifstream in(std::string(ADAMIX_REPO_DIR) + "/experiments/demo.json");
  const json demo = json::parse(in, nullptr, true, /*ignore_comments=*/true);
  for (const auto& arch : kArchs) {
    // Made by the CLI exactly as a user would: vocabulary size and special ids from the tokenizer.
    const auto dir = tmp_.filePath(QString::fromStdString("demo-" + arch)).toStdString();
    QProcess p;
    p.start(ADAMIX_ENGINE_EXE,
            {"init-model", "--arch", QString::fromStdString(arch), "--out", QString::fromStdString(dir),
             "--tokenizer-from", QString::fromStdString(vocab.at(arch)), "--hidden", "32", "--layers", "2", "--heads",
             "4", "--ffn", "64", "--max-positions", "128"});
    QVERIFY(p.waitForFinished(120000));
    QVERIFY2(p.exitCode() == 0, p.readAllStandardError().constData());
    for (const auto& variant : demo["axes"][0]["values"]) {
      json cfg = demo["base"];
      for (const auto& [ptr, value] : variant["set"].items()) cfg[json::json_pointer(ptr)] = value;
      cfg["model"]["path"] = dir;
      cfg["task"].update({{"name", "rte"}, {"data_dir", rte}, {"max_train_examples", 16}, {"max_dev_examples", 16}});
      cfg["train"].update({{"max_steps", 2},
                           {"batch_size", 8},
                           {"eval_every_steps", 0},
                           {"threads", 1},
                           {"device", "cpu"},
                           {"checkpoint_every_steps", 0}});
      cfg["seed"] = 1;
      auto rc = parseRunConfig(cfg);
      const auto run_dir =
          tmp_.filePath(QString::fromStdString("run-" + arch + "-" + variant["label"].get<std::string>()))
              .toStdString();
      rc.run_id = fs::path(run_dir).filename().string();
      fs::create_directories(run_dir);
      TrainOptions opts;
      opts.run_dir = run_dir;
      EventStream events(rc.run_id, run_dir + "/events.jsonl", /*echo_stdout=*/false);
      try {
        trainRun(rc, opts, events);
      } catch (const EngineError& e) {
        QFAIL((arch + " / " + variant["label"].get<std::string>() + ": " + e.message() + " @ " + e.location()).c_str());
      }
      QVERIFY(fs::exists(run_dir + "/results.json"));
      QVERIFY(fs::exists(run_dir + "/merged.safetensors"));
    }
  }
}

QTEST_APPLESS_MAIN(TestHfModels)
#include "test_hf_models.moc"
