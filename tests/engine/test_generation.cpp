// Generation: beam search (hand-checked on a fake bigram model; beam 1 == greedy; KV cache ==
// no cache; batched == one at a time on a tiny random Llama), the completion-only LM loss and
// consistency mask, and an end-to-end E2E run on a tiny model that writes predictions and NLG
// metric events.
#include <QtCore/QTemporaryDir>
#include <QtTest/QtTest>
#include <torch/torch.h>

#include <cmath>
#include <filesystem>
#include <set>
#include <fstream>
#include <nlohmann/json.hpp>

#include "io/errors.h"
#include "model/beam_search.h"
#include "model/checkpoint.h"
#include "model/generation.h"
#include "model/init_model.h"
#include "model/model_config.h"
#include "peft/consistency.h"
#include "peft/peft.h"
#include "protocol/events.h"
#include "test_support.h"
#include "train/nlg_evaluation.h"
#include "train/nlg_task.h"
#include "config/run_config.h"
#include "train/trainer.h"

using namespace adamix;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

// Token ids of the fake model: 0 pad, 1 BOS, 2 EOS, 3 "a", 4 "b".
constexpr int64_t kV = 5;

/// A causal LM whose next-token distribution depends only on the last token (a bigram table of
/// probabilities; zero entries get logit -1e9).
class BigramLm : public TaskModelImpl {
 public:
  explicit BigramLm(std::vector<std::vector<double>> table) {
    std::vector<float> l;
    for (const auto& row : table)
      for (double p : row) l.push_back(p > 0 ? static_cast<float>(std::log(p)) : -1e9f);
    logits_ = torch::tensor(l).view({kV, kV});
    cfg_.vocab_size = kV;
    cfg_.max_position_embeddings = 1000;
  }
  torch::Tensor forward(const torch::Tensor& ids, const torch::Tensor&) override { return logits_.index({ids}); }
  torch::Tensor forwardDecode(const torch::Tensor& ids, const torch::Tensor&, const torch::Tensor&,
                              DecodeState*) override {
    return logits_.index({ids});
  }
  std::vector<std::string> headPrefixes() const override { return {}; }
  const ModelConfig& config() const override { return cfg_; }
  std::string backbonePrefix() const override { return ""; }
  HeadType headType() const override { return HeadType::CausalLM; }
  int64_t numLabels() const override { return kV; }

 private:
  torch::Tensor logits_;
  ModelConfig cfg_;
};

std::shared_ptr<TaskModelImpl> tinyLm(const json& j, uint64_t seed) {
  auto m = buildTaskModel(parseModelConfig(j), HeadType::CausalLM, 0);
  initTaskModelWeights(*m, seed);
  // Larger logits than the N(0, 0.02) init so beams differ clearly (no near ties).
  torch::NoGradGuard g;
  for (auto& p : m->parameters())
    if (p.dim() == 2) p.mul_(40.0);
  m->eval();
  return m;
}

std::shared_ptr<TaskModelImpl> tinyLlamaLm(uint64_t seed) {
  return tinyLm({{"model_type", "llama"},
                 {"hidden_size", 16},
                 {"intermediate_size", 32},
                 {"num_hidden_layers", 2},
                 {"num_attention_heads", 4},
                 {"num_key_value_heads", 2},
                 {"vocab_size", 40},
                 {"max_position_embeddings", 128},
                 {"rms_norm_eps", 1e-5},
                 {"tie_word_embeddings", false}},
                seed);
}

/// GPT-2 (learned positions, fused c_attn, tied LM head), HF config names.
std::shared_ptr<TaskModelImpl> tinyGpt2Lm(uint64_t seed, int layers = 2) {
  return tinyLm({{"model_type", "gpt2"},
                 {"n_embd", 16},
                 {"n_layer", layers},
                 {"n_head", 4},
                 {"n_inner", 32},
                 {"vocab_size", 40},
                 {"n_positions", 64},
                 {"resid_pdrop", 0.0},
                 {"embd_pdrop", 0.0},
                 {"attn_pdrop", 0.0}},
                seed);
}

DecodeOptions beam(int64_t k, double alpha, int64_t max_new = 10) {
  DecodeOptions o;
  o.strategy = DecodeStrategy::Beam;
  o.beam_size = k;
  o.length_penalty = alpha;
  o.max_new_tokens = max_new;
  o.end_ids = {2};
  return o;
}

}  // namespace

class TestGeneration : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void lengthPenaltyByHand() {
    // P(·|BOS): a 0.6, EOS 0.4. P(·|a): EOS 0.6, a 0.4.
    // Hypotheses (Σ ln p): "EOS" ln .4 = −0.916 (length 1); "a EOS" 2 ln .6 = −1.022 (2);
    // "a a EOS" ln .6 + ln .4 + ln .6 = −1.938 (3).
    // α = 0: scores −0.916, −1.022, −1.938 -> "EOS" (empty output) wins.
    // α = 1: −0.916, −0.511, −0.646 -> "a EOS" wins. Beam 2 finds both (done once the running
    // beam "a a" (−1.427/2 = −0.714 at step 2) cannot beat the kept hypotheses).
    BigramLm lm({{0, 0, 0, 0, 0}, {0, 0, 0.4, 0.6, 0}, {0, 0, 1, 0, 0}, {0, 0, 0.6, 0.4, 0}, {0, 0, 1, 0, 0}});
    auto scorer = makeModelScorer(lm, false);
    QCOMPARE(decodeBatch(*scorer, {{1}}, beam(2, 0.0), 0), (std::vector<std::vector<int64_t>>{{2}}));
    scorer = makeModelScorer(lm, false);
    QCOMPARE(decodeBatch(*scorer, {{1}}, beam(2, 1.0), 0), (std::vector<std::vector<int64_t>>{{3, 2}}));
  }

  void noRepeatNgramByHand() {
    // P(·|BOS): a .9 EOS .1; P(·|a): b .9 EOS .1; P(·|b): a .6 EOS .4.
    // Greedy without the constraint loops: a b a b a b (6 new tokens).
    // no-repeat 2: a, b, a ("b a" is new), then "a b" already occurred -> b banned -> EOS.
    BigramLm lm({{0, 0, 0, 0, 0}, {0, 0, 0.1, 0.9, 0}, {0, 0, 1, 0, 0}, {0, 0, 0.1, 0, 0.9}, {0, 0, 0.4, 0.6, 0}});
    DecodeOptions o;
    o.strategy = DecodeStrategy::Greedy;
    o.max_new_tokens = 6;
    o.end_ids = {2};
    auto s = makeModelScorer(lm, false);
    QCOMPARE(decodeBatch(*s, {{1}}, o, 0).front(), (std::vector<int64_t>{3, 4, 3, 4, 3, 4}));
    o.no_repeat_ngram_size = 2;
    s = makeModelScorer(lm, false);
    QCOMPARE(decodeBatch(*s, {{1}}, o, 0).front(), (std::vector<int64_t>{3, 4, 3, 2}));
    // The banned-token helper (HF semantics): last n−1 = {3}; "3 4" occurred -> ban 4.
    QCOMPARE(bannedNgramTokens({3, 4, 3}, 2), (std::vector<int64_t>{4}));
    QCOMPARE(bannedNgramTokens({5, 6, 7, 5, 6}, 3), (std::vector<int64_t>{7}));
    QVERIFY(bannedNgramTokens({5, 6}, 3).empty());
  }

  void samplingTopPAndSeed() {
    // top_p → 0 keeps only the most likely token: sampling equals greedy. With top_p = 1 the draws
    // depend on the seed only (same seed, same output).
    BigramLm lm(
        {{0, 0, 0, 0, 0}, {0, 0, 0.1, 0.5, 0.4}, {0, 0, 1, 0, 0}, {0, 0, 0.3, 0.3, 0.4}, {0, 0, 0.3, 0.4, 0.3}});
    DecodeOptions o;
    o.max_new_tokens = 8;
    o.end_ids = {2};
    o.strategy = DecodeStrategy::Greedy;
    auto s = makeModelScorer(lm, false);
    const auto greedy = decodeBatch(*s, {{1}, {1, 3}}, o, 0);
    o.strategy = DecodeStrategy::Sample;
    o.top_p = 1e-6;
    o.seed = 5;
    s = makeModelScorer(lm, false);
    QCOMPARE(decodeBatch(*s, {{1}, {1, 3}}, o, 0), greedy);
    o.top_p = 1.0;
    o.temperature = 1.5;
    s = makeModelScorer(lm, false);
    const auto a = decodeBatch(*s, {{1}, {1, 3}}, o, 0);
    s = makeModelScorer(lm, false);
    QCOMPARE(decodeBatch(*s, {{1}, {1, 3}}, o, 0), a);
  }

  void beamOneEqualsGreedy() {
    auto lm = tinyLlamaLm(5);
    for (const std::vector<int64_t>& prompt : {std::vector<int64_t>{1, 7, 9}, std::vector<int64_t>{1, 20, 3, 3, 11}}) {
      const auto greedy = greedyGenerate(*lm, prompt, 12, {2});
      auto s = makeModelScorer(*lm, true);
      QCOMPARE(decodeBatch(*s, {prompt}, beam(1, 1.0, 12), 0).front(), greedy);
    }
  }

  // Decoding with the KV cache equals re-running the whole (left-padded) sequence, and a batch
  // equals each prompt alone, for each decoder architecture.
  void cacheEqualsNoCacheAndBatchedEqualsSingle_data() {
    QTest::addColumn<QString>("arch");
    QTest::newRow("llama") << "llama";
    QTest::newRow("gpt2") << "gpt2";
  }
  void cacheEqualsNoCacheAndBatchedEqualsSingle() {
    QFETCH(QString, arch);
    auto lm = arch == "gpt2" ? tinyGpt2Lm(7) : tinyLlamaLm(7);
    const std::vector<std::vector<int64_t>> prompts = {{1, 7, 9}, {1, 20, 3, 3, 11, 4, 4}, {1, 30}};
    auto o = beam(3, 0.8, 10);
    o.no_repeat_ngram_size = 3;
    auto cached = makeModelScorer(*lm, true);
    auto uncached = makeModelScorer(*lm, false);
    QVERIFY(cached->cached());
    QVERIFY(!uncached->cached());
    const auto a = decodeBatch(*cached, prompts, o, 0);
    const auto b = decodeBatch(*uncached, prompts, o, 0);
    QCOMPARE(a, b);
    for (size_t i = 0; i < prompts.size(); ++i) {
      auto s = makeModelScorer(*lm, true);
      QCOMPARE(decodeBatch(*s, {prompts[i]}, o, 0).front(), a[i]);
    }
    // At least one output is non-trivial (the test can fail).
    size_t total = 0;
    for (const auto& x : a) total += x.size();
    QVERIFY(total > 3);
  }

  // `random` inference during generation draws one module per example for the whole sequence
  // (issue 11 item 6): on a one-layer GPT-2 whose only mixture projection (LoRA A of c_attn.q,
  // M = 3, B shared) has deliberately different modules, each example's random-inference
  // beam-search output equals `module:k` decoding of the same batch for the module k the route
  // context holds for that example; two examples of one batch can get different modules.
  void randomInferenceKeepsOneRoutePerSequence() {
    auto lm = tinyGpt2Lm(9, 1);
    PeftConfig pc;
    pc.method = PeftMethod::Lora;
    pc.lora.rank = 4;
    pc.lora.alpha = 8;
    pc.lora.targets = {"c_attn.q"};
    pc.adamix.num_modules = 3;
    pc.adamix.sharing = Sharing::Up;
    auto handle = applyPeft(*lm, pc, lm->headPrefixes(), 1);
    auto& routes = *handle.routes;
    QCOMPARE(routes.numSlots(), int64_t(1));
    {
      torch::NoGradGuard g;
      torch::manual_seed(3);
      for (auto& [name, p] : trainableParameters(*lm))
        if (name.find("lora") != std::string::npos) p.normal_(0.0, 1.0);
    }
    lm->eval();
    torch::NoGradGuard no_grad;
    const std::vector<std::vector<int64_t>> prompts = {{1, 7, 9, 4}, {1, 20, 3, 11}};
    auto o = beam(2, 1.0, 8);
    // Module-k decoding of the batch, per k; the modules must actually decode differently.
    routes.inference = InferenceMode::Module;
    std::vector<std::vector<std::vector<int64_t>>> by_module;
    for (int64_t k = 0; k < 3; ++k) {
      routes.inference_module = k;
      by_module.push_back(decodeRouted(*lm, routes, 3, prompts, o, true, 0));
    }
    QVERIFY(by_module[0] != by_module[1] || by_module[1] != by_module[2]);
    routes.inference = InferenceMode::Random;
    bool differing_routes = false;
    for (uint64_t seed = 0; seed < 16; ++seed) {
      routes.reseed(seed);
      for (bool cached : {true, false}) {
        routes.reseed(seed);
        const auto out = decodeRouted(*lm, routes, 3, prompts, o, cached, 0);
        QVERIFY(!routes.inSequence());
        const auto route = routes.sequenceRoute(0);
        QVERIFY(route.defined());
        QCOMPARE(route.size(0), int64_t(2));  // one draw per example, not per row or step
        for (size_t b = 0; b < prompts.size(); ++b) {
          const int64_t k = route[static_cast<int64_t>(b)].item<int64_t>();
          QVERIFY(k >= 0 && k < 3);
          QCOMPARE(out[b], by_module[static_cast<size_t>(k)][b]);
        }
        differing_routes = differing_routes || route[0].item<int64_t>() != route[1].item<int64_t>();
      }
    }
    QVERIFY(differing_routes);
    // Outside a sequence scope (classification) every forward draws afresh per example.
    std::set<int64_t> seen;
    routes.reseed(5);
    for (int i = 0; i < 12; ++i) {
      routes.beginPass();
      seen.insert(routes.randomInferenceIndices(0, 3, 2)[0].item<int64_t>());
    }
    QVERIFY(seen.size() > 1);
    routes.beginSequence(2);
    const auto first = routes.randomInferenceIndices(0, 3, 4);
    for (int i = 0; i < 5; ++i) QVERIFY(torch::equal(routes.randomInferenceIndices(0, 3, 4), first));
    QCOMPARE(first[0].item<int64_t>(), first[1].item<int64_t>());  // beams of one example share it
    QCOMPARE(first[2].item<int64_t>(), first[3].item<int64_t>());
    bool threw = false;
    try {
      routes.randomInferenceIndices(0, 3, 3);
    } catch (const EngineError& e) {
      threw = std::string(e.what()).find("multiple") != std::string::npos;
    }
    QVERIFY(threw);
    routes.endSequence();
  }

  // GPT-2's cached step logits equal the full forward's logits at the same positions.
  void gpt2CachedLogitsEqualFullForward() {
    auto lm = tinyGpt2Lm(3);
    torch::NoGradGuard g;
    const auto ids = torch::tensor({{1, 5, 9, 13, 2, 7}}, torch::kInt64);
    const auto full = lm->forward(ids, torch::ones_like(ids));
    auto state = lm->newDecodeState();
    QVERIFY(state != nullptr);
    const auto first = lm->forwardDecode(ids.slice(1, 0, 4), torch::ones({1, 4}, torch::kInt64),
                                         torch::arange(0, 4, torch::kInt64).unsqueeze(0), state.get());
    QCOMPARE(state->length(), int64_t(4));
    const auto rest = lm->forwardDecode(ids.slice(1, 4, 6), torch::ones({1, 6}, torch::kInt64),
                                        torch::arange(4, 6, torch::kInt64).unsqueeze(0), state.get());
    QVERIFY(torch::allclose(torch::cat({first, rest}, 1), full, 1e-5, 1e-5));
    QVERIFY(!torch::allclose(first.select(1, 3), full.select(1, 2), 1e-3, 1e-3));  // positions differ
  }

  // The official sequence format (gpt2_encode.py --add_bos --add_eos): context + EOS, then
  // " " + completion + EOS; GPT-2 ids from HF's tokenizer (tests/engine/data/tokenizer_expected_gpt2.json).
  void nlgSequenceFormatAsTheOfficialCode() {
    const auto gpt2_dir = test::sharedPath("vocab/gpt2"), llama_dir = test::sharedPath("models/stories260K");
    if (gpt2_dir.empty() || llama_dir.empty()) QSKIP("tokenizer files not available in ADAMIX_SHARED_DIR");
    const auto gpt2 = loadTokenizer(gpt2_dir, 0);
    using V = std::vector<int64_t>;
    auto e = nlgExample("The quick brown fox", "quick brown fox", *gpt2, 64);
    QCOMPARE(e.context, (V{464, 2068, 7586, 21831, 50256}));  // no BOS: <|endoftext|> is BOS and EOS
    QCOMPARE(e.completion, (V{2068, 7586, 21831, 50256}));    // " quick" = 2068, not "quick"
    QCOMPARE(nlgStopIds(*gpt2), (std::set<int64_t>{628, 50256}));  // "\n\n" is one GPT-2 token
    // Truncation keeps the separator and the final EOS: room for 4 tokens in all.
    e = nlgExample("The quick brown fox", "quick brown fox", *gpt2, 4);
    QCOMPARE(e.context, (V{464, 2068, 50256}));
    QCOMPARE(e.completion, (V{50256}));
    // Llama (SentencePiece, BOS 1 / EOS 2): BOS first, EOS between context and completion.
    const auto llama = loadTokenizer(llama_dir, 0);
    const auto ctx = nlgContext("Lily", *llama, 64);
    auto want = V{1};
    for (auto id : llama->encode("Lily")) want.push_back(id);
    want.push_back(2);
    QCOMPARE(ctx, want);
    QCOMPARE(nlgStopIds(*llama), (std::set<int64_t>{2}));
  }

  void completionOnlyLoss() {
    auto lm = tinyLlamaLm(9);
    std::vector<LmExample> ex = {{{1, 5, 6, 7}, {8, 9, 2}}, {{1, 5}, {10, 2}}};
    const auto b = makeLmBatch(ex, {0, 1}, 0);
    // labels: row 0 = [-100 ×4, 8, 9, 2]; row 1 = [-100, -100, 10, 2, -100 ×3] (padding ignored).
    QCOMPARE(b.labels[0][3].item<int64_t>(), kIgnoreLabel);
    QCOMPARE(b.labels[0][4].item<int64_t>(), int64_t(8));
    QCOMPARE(b.labels[1][4].item<int64_t>(), kIgnoreLabel);
    auto logits = lm->forward(b.input_ids, b.attention_mask).detach().requires_grad_(true);
    auto loss = completionLoss(logits, b.labels);
    // Manual: mean over the 5 completion targets of −log softmax(logits[t−1])[label t].
    auto lp = torch::log_softmax(logits.detach(), -1);
    double manual = 0;
    const std::vector<std::tuple<int, int, int64_t>> targets = {{0, 4, 8}, {0, 5, 9}, {0, 6, 2}, {1, 2, 10}, {1, 3, 2}};
    for (auto [r, t, y] : targets) manual -= lp[r][t - 1][y].item<double>();
    manual /= 5.0;
    QVERIFY(std::fabs(loss.item<double>() - manual) < 1e-5);
    // Context positions do not contribute: zero gradient on the logits predicting context tokens.
    loss.backward();
    QCOMPARE(logits.grad()[0][0].abs().sum().item<double>(), 0.0);  // predicts token 1 (context)
    QCOMPARE(logits.grad()[0][2].abs().sum().item<double>(), 0.0);  // predicts token 3 (context)
    QVERIFY(logits.grad()[0][3].abs().sum().item<double>() > 0);    // predicts 8 (completion)
    QCOMPARE(logits.grad()[1][4].abs().sum().item<double>(), 0.0);  // padding
    // Label smoothing changes the loss (and stays finite).
    QVERIFY(completionLoss(logits.detach(), b.labels, 0.1).item<double>() != loss.item<double>());
    // Consistency over completion positions only: differing logits at context positions give 0.
    auto l2 = logits.detach().clone();
    l2[0][0] += torch::randn({40});
    const auto m = completionMask(b.labels);
    auto shifted = [](const torch::Tensor& o) { return o.narrow(1, 0, o.size(1) - 1); };
    // (0 up to fp32 rounding: the official form's xlogy(p, p) − p · log_softmax does not cancel exactly.)
    QVERIFY(std::fabs(symmetricKlConsistency(shifted(logits.detach()), shifted(l2), m).item<double>()) < 1e-7);
    l2[0][4] += torch::randn({40});
    QVERIFY(symmetricKlConsistency(shifted(logits.detach()), shifted(l2), m).item<double>() > 0);
  }

  // A whole E2E run (training with completion-only loss and LM consistency, beam decoding, the
  // five metrics, predictions files) on a tiny random Llama (SentencePiece) and GPT-2 (byte-level
  // BPE, real GPT-2 vocabulary).
  void endToEndE2ERunWritesPredictionsAndMetrics_data() {
    QTest::addColumn<QString>("arch");
    QTest::newRow("llama") << "llama";
    QTest::newRow("gpt2") << "gpt2";
  }
  void endToEndE2ERunWritesPredictionsAndMetrics() {
    QFETCH(QString, arch);
    const auto tokenizer = test::sharedPath(arch == "gpt2" ? "vocab/gpt2" : "models/stories260K");
    if (tokenizer.empty()) QSKIP("tokenizer files not available in ADAMIX_SHARED_DIR");
    QTemporaryDir tmp;
    const auto model_dir = tmp.filePath("tiny").toStdString();
    RandomModelSpec spec;
    spec.arch = arch.toStdString();
    spec.hidden_size = 32;
    spec.num_hidden_layers = 2;
    spec.num_attention_heads = 4;
    spec.num_key_value_heads = 2;
    spec.intermediate_size = 64;
    if (arch == "gpt2") {  // GPT-2's vocabulary and <|endoftext|> as BOS/EOS, as HF's config
      spec.vocab_size = 50257;
      spec.bos_token_id = spec.eos_token_id = 50256;
      spec.max_position_embeddings = 128;
      spec.dropout = 0.0;
    }
    writeRandomModel(model_dir, modelConfigJson(spec), 11, tokenizer);
    std::string e2e;
    const char* names[] = {"Alimentum", "Aromi", "Bibimbap", "Blue Spice", "Clowns", "Cotto", "Zizzi", "Wildwood"};
    for (const char* n : names) {
      e2e += std::string("name : ") + n + " | food : Thai||" + n + " serves Thai food .\n";
      e2e += std::string("name : ") + n + " | food : Thai||There is Thai food at " + n + " .\n";
    }
    const auto data_dir = tmp.filePath("e2e").toStdString();
    test::writeFile(data_dir + "/valid.txt", e2e);
    json cfg = {{"seed", 2},
                {"model", {{"path", model_dir}}},
                {"task", {{"name", "e2e"}, {"data_dir", data_dir}, {"dev_items", 3}, {"max_seq_length", 64}}},
                {"peft",
                 {{"method", "lora"},
                  {"lora", {{"rank", 2}, {"alpha", 4}}},
                  {"adamix", {{"num_modules", 2}, {"sharing", "up"}}}}},
                {"train",
                 {{"learning_rate", 1e-3},
                  {"epochs", 1},
                  {"batch_size", 4},
                  {"log_every_steps", 1},
                  {"threads", 1},
                  {"device", "cpu"},
                  {"label_smoothing", 0.1}}},
                {"generation", {{"beam_size", 2}, {"max_new_tokens", 6}, {"no_repeat_ngram_size", 2}}}};
    auto rc = parseRunConfig(cfg);
    QCOMPARE(rc.peft.adamix.consistency_weight, 100.0);  // generation default λ
    rc.run_id = "e2e-tiny";
    const auto run_dir = tmp.filePath("run").toStdString();
    fs::create_directories(run_dir);
    TrainOptions opts;
    opts.run_dir = run_dir;
    {
      EventStream events(rc.run_id, run_dir + "/events.jsonl", false);
      trainRun(rc, opts, events);
    }
    std::set<std::string> metric_names;
    bool consistency = false;
    std::ifstream in(run_dir + "/events.jsonl");
    std::string line;
    json finished;
    while (std::getline(in, line)) {
      const auto e = json::parse(line);
      if (e["event"] == "metric" && e["split"] == "dev") metric_names.insert(e["name"].get<std::string>());
      if (e["event"] == "metric" && e["name"] == "consistency") consistency = true;
      if (e["event"] == "finished") finished = e;
    }
    for (const char* m : {"bleu", "nist", "meteor", "rouge_l", "cider"}) QVERIFY2(metric_names.count(m), m);
    QVERIFY(consistency);  // M = 2 with λ = 100 runs the second pass
    QVERIFY(finished["best"]["dev"].contains("bleu"));
    QCOMPARE(finished["predictions"].get<std::string>(), std::string("predictions/dev.tsv"));
    // 3 dev inputs (disjoint from the 5 training inputs), with both references each.
    const auto tsv = test::readFile(run_dir + "/predictions/dev.tsv");
    QCOMPARE(std::count(tsv.begin(), tsv.end(), '\n'), 4L);
    std::ifstream jl(run_dir + "/predictions/dev.jsonl");
    int rows = 0;
    while (std::getline(jl, line)) {
      const auto j = json::parse(line);
      QCOMPARE(j["references"].size(), size_t(2));
      ++rows;
    }
    QCOMPARE(rows, 3);
  }
};

QTEST_GUILESS_MAIN(TestGeneration)
#include "test_generation.moc"
