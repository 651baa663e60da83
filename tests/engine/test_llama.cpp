// Llama backbone: RMSNorm and RoPE against hand computations, config parsing, HF parameter names,
// padding invariance / causality on a tiny random model, stories260K greedy decoding.
#include <QtTest/QtTest>
#include <torch/torch.h>

#include <cmath>
#include <nlohmann/json.hpp>

#include "io/errors.h"
#include "model/attention.h"
#include "model/checkpoint.h"
#include "model/generation.h"
#include "model/kv_cache.h"
#include "model/llama.h"
#include "model/model_config.h"
#include "model/task_head.h"
#include "peft/peft.h"
#include "test_support.h"
#include "tokenizer/tokenizer.h"

using namespace adamix;
using json = nlohmann::json;

namespace {

json tinyJson() {
  return {{"model_type", "llama"},    {"hidden_size", 16},
          {"intermediate_size", 32},  {"num_hidden_layers", 2},
          {"num_attention_heads", 4}, {"num_key_value_heads", 2},
          {"vocab_size", 50},         {"max_position_embeddings", 64},
          {"rms_norm_eps", 1e-5},     {"tie_word_embeddings", false}};
}

std::shared_ptr<TaskModelImpl> tinyModel(HeadType head, int64_t labels, uint64_t seed = 3) {
  auto m = buildTaskModel(parseModelConfig(tinyJson()), head, labels);
  initTaskModelWeights(*m, seed);
  m->eval();
  return m;
}

std::string errorOf(const std::function<void()>& f, ErrorKind* kind = nullptr) {
  try {
    f();
  } catch (const EngineError& e) {
    if (kind) *kind = e.kind();
    return e.what();
  }
  return "<no error>";
}

}  // namespace

class TestLlama : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  /// The additive attention bias (engine >= 0.5) gives the same attention, bit for bit, as the
  /// masked scores it replaced (masked_fill with -1e30), also for a fully masked (padding) row.
  void additiveBiasEqualsMaskedScoresBitForBit() {
    torch::manual_seed(11);
    auto q = torch::randn({2, 3, 4, 8}) * 3, k = torch::randn({2, 3, 5, 8}) * 3, v = torch::randn({2, 3, 5, 8});
    auto allowed = torch::rand({2, 1, 4, 5}).gt(0.4);
    allowed.index_put_({1, 0, 2}, false);  // a query that may attend to nothing
    allowed.index_put_({0, 0, 0}, true);
    auto bias = attentionBias(allowed);
    QCOMPARE(bias.scalar_type(), torch::kFloat32);
    QCOMPARE(bias.masked_select(allowed).abs().sum().item<double>(), 0.0);
    QVERIFY(bias.masked_select(allowed.logical_not()).eq(-1e30f).all().item<bool>());
    auto scores = torch::matmul(q, k.transpose(-2, -1)) / std::sqrt(8.0);
    auto masked = torch::softmax(scores.masked_fill(allowed.logical_not(), -1e30), -1, torch::kFloat32);
    auto expected = torch::matmul(masked, v).transpose(1, 2).reshape({2, 4, 24});
    // (ATen's composite: the fused CPU kernels, equal up to rounding, are off by default; test_fused_ops)
    QVERIFY(torch::equal(scaledDotProductAttention(q, k, v, bias), expected));
    // the fully masked row attends uniformly (finite), as before
    QVERIFY(torch::allclose(masked[1][0][2], torch::full({5}, 0.2)));
  }

  /// Grouped-query attention without the repeat_kv copies (engine >= 0.6): query head h reads
  /// key/value head h / (H / KV). Equal, up to float rounding of the larger matrix products, to
  /// HF's formula with k and v repeated, for a padding + causal bias and a KV-cache-like S > T;
  /// a head count that is no multiple is refused.
  void groupedAttentionEqualsRepeatedKeysAndValues() {
    torch::manual_seed(5);
    const int64_t B = 2, H = 6, KV = 2, T = 4, S = 7, D = 8;
    auto q = torch::randn({B, H, T, D}) * 2, k = torch::randn({B, KV, S, D}) * 2, v = torch::randn({B, KV, S, D});
    auto mask = torch::ones({B, S}, torch::kInt64);
    mask[1].narrow(0, 5, 2).zero_();
    auto bias = attentionBias(causalDecodeMask(S - T, T, mask, torch::kCPU));
    auto rk = k.repeat_interleave(H / KV, 1), rv = v.repeat_interleave(H / KV, 1);  // HF repeat_kv
    auto probs = torch::softmax(torch::matmul(q, rk.transpose(-2, -1)) / std::sqrt(double(D)) + bias, -1);
    auto expected = torch::matmul(probs, rv).transpose(1, 2).reshape({B, T, H * D});
    auto got = scaledDotProductAttention(q, k, v, bias);
    QCOMPARE(got.sizes().vec(), (std::vector<int64_t>{B, T, H * D}));
    QVERIFY(torch::allclose(got, expected, 1e-5, 1e-6));
    // head 3 (group 1) reads key/value head 1, not 0: swapping kv heads changes exactly groups' outputs
    auto swapped = scaledDotProductAttention(q, k.flip(1), v.flip(1), bias).view({B, T, H, D});
    QVERIFY(!torch::allclose(swapped.select(2, 3), got.view({B, T, H, D}).select(2, 3)));
    QVERIFY(torch::allclose(scaledDotProductAttention(q, k, v, bias).view({B, T, H, D}).select(2, 3),
                            expected.view({B, T, H, D}).select(2, 3), 1e-5, 1e-6));
    bool threw = false;
    try {
      scaledDotProductAttention(q, torch::randn({B, 4, S, D}), torch::randn({B, 4, S, D}), bias);
    } catch (const c10::Error&) {
      threw = true;
    }
    QVERIFY(threw);
  }

  void rmsNormByHand() {
    auto x = torch::tensor({{1.0f, 2.0f, 3.0f, 4.0f}, {-0.5f, 0.0f, 0.25f, 2.0f}});
    auto w = torch::tensor({1.0f, 1.0f, 2.0f, 0.5f});
    const double eps = 1e-5;
    auto y = rmsNorm(x, w, eps);
    const float xs[2][4] = {{1, 2, 3, 4}, {-0.5f, 0, 0.25f, 2}};
    const float ws[4] = {1, 1, 2, 0.5f};
    for (int r = 0; r < 2; ++r) {
      double ms = 0;
      for (float v : xs[r]) ms += double(v) * v / 4.0;  // row 0: (1+4+9+16)/4 = 7.5
      for (int c = 0; c < 4; ++c) {
        const double expect = ws[c] * xs[r][c] / std::sqrt(ms + eps);
        QVERIFY2(std::abs(y[r][c].item<double>() - expect) < 1e-6, qPrintable(QString::number(expect)));
      }
    }
    QVERIFY(std::abs(y[0][0].item<double>() - 1.0 / std::sqrt(7.5 + 1e-5)) < 1e-6);
  }

  void rotaryByHand() {
    // head_dim 4, theta 10000: inv_freq = {1, 10000^-0.5 = 0.01}; rotate-half pairs (0,2), (1,3).
    auto [cos, sin] = rotaryCosSin(torch::tensor({0, 1, 2}, torch::kInt64), 4, 10000.0);
    QCOMPARE(cos.sizes().vec(), (std::vector<int64_t>{3, 4}));
    auto x = torch::tensor({1.0f, 2.0f, 3.0f, 4.0f}).view({1, 1, 1, 4}).expand({1, 1, 3, 4});
    auto y = applyRotary(x, cos, sin);  // [1, 1, 3, 4]
    for (int p = 0; p < 3; ++p) {
      const double a = p * 1.0, b = p * 0.01;
      const double expect[4] = {1 * std::cos(a) - 3 * std::sin(a), 2 * std::cos(b) - 4 * std::sin(b),
                                3 * std::cos(a) + 1 * std::sin(a), 4 * std::cos(b) + 2 * std::sin(b)};
      for (int d = 0; d < 4; ++d)
        QVERIFY2(std::abs(y[0][0][p][d].item<double>() - expect[d]) < 1e-5,
                 qPrintable(QString("pos %1 dim %2").arg(p).arg(d)));
    }
    QVERIFY(
        torch::equal(rotateHalf(torch::tensor({1.0f, 2.0f, 3.0f, 4.0f})), torch::tensor({-3.0f, -4.0f, 1.0f, 2.0f})));
  }

  void configDefaultsAndErrors() {
    json j = {{"model_type", "llama"}, {"hidden_size", 64}, {"num_attention_heads", 8}};
    auto c = parseModelConfig(j, "x/config.json");
    QCOMPARE(c.num_key_value_heads, int64_t(8));
    QCOMPARE(c.head_dim, int64_t(8));
    QCOMPARE(c.rope_theta, 10000.0);
    QCOMPARE(c.rms_norm_eps, 1e-6);
    QCOMPARE(c.tie_word_embeddings, false);
    QCOMPARE(c.pad_token_id, int64_t(-1));
    ErrorKind k{};
    auto msg = errorOf([] { parseModelConfig({{"model_type", "t5"}}, "m/config.json"); }, &k);
    QVERIFY(k == ErrorKind::Model);
    QVERIFY2(msg.find("unsupported architecture 't5' (supported: bert, gpt2, llama, mistral, qwen2, qwen3, roberta)") != std::string::npos,
             msg.c_str());
    QVERIFY2(msg.find("m/config.json") != std::string::npos, msg.c_str());
    msg = errorOf([] { parseModelConfig({{"model_type", "llama"}, {"hidden_size", "big"}}, "m/config.json"); });
    QVERIFY2(msg.find("m/config.json:/hidden_size") != std::string::npos, msg.c_str());
    msg = errorOf([] { parseModelConfig({{"model_type", "llama"}, {"hidden_act", "gelu"}}, "c.json"); });
    QVERIFY2(msg.find("hidden_act") != std::string::npos, msg.c_str());
    msg = errorOf([] {
      parseModelConfig({{"model_type", "llama"}, {"num_attention_heads", 8}, {"num_key_value_heads", 3}}, "c.json");
    });
    QVERIFY2(msg.find("num_key_value_heads") != std::string::npos, msg.c_str());
    msg = errorOf([] { parseModelConfig({{"hidden_size", 4}}, "c.json"); });
    QVERIFY2(msg.find("model_type") != std::string::npos, msg.c_str());
    auto multi = parseModelConfig({{"model_type", "llama"}, {"eos_token_id", {2, 7}}, {"pad_token_id", nullptr}});
    QCOMPARE(multi.eos_token_id, int64_t(2));
    QCOMPARE(multi.eos_token_ids, (std::vector<int64_t>{2, 7}));
  }

  void hfParameterNames() {
    auto lm = tinyModel(HeadType::CausalLM, 0);
    auto names = namedTensors(*lm);
    for (const char* n : {"model.embed_tokens.weight", "model.layers.0.self_attn.q_proj.weight",
                          "model.layers.1.self_attn.k_proj.weight", "model.layers.0.self_attn.v_proj.weight",
                          "model.layers.0.self_attn.o_proj.weight", "model.layers.0.mlp.gate_proj.weight",
                          "model.layers.0.mlp.up_proj.weight", "model.layers.1.mlp.down_proj.weight",
                          "model.layers.0.input_layernorm.weight", "model.layers.0.post_attention_layernorm.weight",
                          "model.norm.weight", "lm_head.weight"})
      QVERIFY2(names.count(n), n);
    QCOMPARE(names.size(), size_t(3 + 2 * 9));
    QCOMPARE(names.at("model.layers.0.self_attn.k_proj.weight").sizes().vec(), (std::vector<int64_t>{8, 16}));
    auto cls = tinyModel(HeadType::Classification, 3);
    auto cn = namedTensors(*cls);
    QVERIFY(cn.count("score.weight") && !cn.count("score.bias") && !cn.count("lm_head.weight"));
    QCOMPARE(cls->headPrefixes(), std::vector<std::string>{"score."});
    // Adapter sites exist by name (empty until PEFT attaches modules).
    auto mods = cls->named_modules();
    QVERIFY(mods.contains("model.layers.0.attn_adapter"));
    QVERIFY(mods.contains("model.layers.1.ffn_adapter"));
    // A tied LM has no lm_head parameter.
    auto j = tinyJson();
    j["tie_word_embeddings"] = true;
    auto tied = buildTaskModel(parseModelConfig(j), HeadType::CausalLM, 0);
    QVERIFY(!namedTensors(*tied).count("lm_head.weight"));
    QVERIFY(tied->headPrefixes().empty());
  }

  void paddingInvariance() {
    torch::NoGradGuard ng;
    for (HeadType head : {HeadType::Classification, HeadType::Regression}) {
      auto m = tinyModel(head, head == HeadType::Regression ? 1 : 3);
      auto a = torch::tensor({5, 9, 3, 17, 4}, torch::kInt64).view({1, 5});
      auto b = torch::tensor({1, 2, 3, 4, 5, 6, 7, 8}, torch::kInt64).view({1, 8});
      auto alone_a = m->forward(a, torch::ones({1, 5}, torch::kInt64));
      auto alone_b = m->forward(b, torch::ones({1, 8}, torch::kInt64));
      auto ids = torch::zeros({2, 8}, torch::kInt64);
      ids[0].narrow(0, 0, 5).copy_(a[0]);
      ids[0].narrow(0, 5, 3).fill_(33);  // padding id value must not matter
      ids[1].copy_(b[0]);
      auto mask = torch::ones({2, 8}, torch::kInt64);
      mask[0].narrow(0, 5, 3).zero_();
      auto batch = m->forward(ids, mask);
      if (head == HeadType::Regression) {
        QCOMPARE(batch.sizes().vec(), (std::vector<int64_t>{2}));
        QCOMPARE(alone_a.sizes().vec(), (std::vector<int64_t>{1}));
      } else {
        QCOMPARE(batch.sizes().vec(), (std::vector<int64_t>{2, 3}));
      }
      QVERIFY(torch::allclose(batch[0], alone_a[0], 0, 1e-5));
      QVERIFY(torch::allclose(batch[1], alone_b[0], 0, 1e-5));
      QVERIFY(torch::isfinite(batch).all().item<bool>());
    }
  }

  void causalMaskAndCachedDecoding() {
    torch::NoGradGuard ng;
    auto m = tinyModel(HeadType::CausalLM, 0);
    auto ids = torch::tensor({{3, 8, 1, 9, 22, 7}}, torch::kInt64);
    auto full = m->forward(ids, torch::ones_like(ids));
    QCOMPARE(full.sizes().vec(), (std::vector<int64_t>{1, 6, 50}));
    auto changed = ids.clone();
    changed[0][5] = 40;
    auto full2 = m->forward(changed, torch::ones_like(ids));
    QVERIFY(torch::allclose(full.narrow(1, 0, 5), full2.narrow(1, 0, 5), 0, 1e-6));
    QVERIFY(!torch::allclose(full[0][5], full2[0][5]));
    // KV-cache forward: prefix then one token at a time equals the full forward.
    auto* llama = dynamic_cast<LlamaForTaskImpl*>(m.get());
    QVERIFY(llama);
    LlamaKVCache cache;
    auto first = llama->forwardCached(ids.narrow(1, 0, 4), cache);
    auto t4 = llama->forwardCached(ids.narrow(1, 4, 1), cache);
    auto t5 = llama->forwardCached(ids.narrow(1, 5, 1), cache);
    QCOMPARE(cache.length(), int64_t(6));
    QVERIFY(torch::allclose(first, full.narrow(1, 0, 4), 0, 1e-5));
    QVERIFY(torch::allclose(t4[0][0], full[0][4], 0, 1e-5));
    QVERIFY(torch::allclose(t5[0][0], full[0][5], 0, 1e-5));
    // Greedy generation with and without cache agree.
    auto g1 = greedyGenerate(*m, {1, 5, 9}, 10, {}, true);
    auto g2 = greedyGenerate(*m, {1, 5, 9}, 10, {}, false);
    QCOMPARE(g1.size(), size_t(10));
    QCOMPARE(g1, g2);
  }

  void groupedQueryAttentionMatchesRepeatedHeads() {
    // A GQA model equals the MHA model whose k/v heads are the GQA heads repeated (HF repeat_kv).
    torch::NoGradGuard ng;
    auto gqa = tinyModel(HeadType::Classification, 2);
    auto j = tinyJson();
    j["num_key_value_heads"] = 4;
    auto mha = buildTaskModel(parseModelConfig(j), HeadType::Classification, 2);
    auto src = namedTensors(*gqa);
    for (auto& kv : mha->named_parameters(true)) {
      auto t = src.at(kv.key());
      if (kv.key().find("k_proj") != std::string::npos || kv.key().find("v_proj") != std::string::npos)
        t = t.view({2, 1, 4, 16}).expand({2, 2, 4, 16}).reshape({16, 16});  // kv heads 0,0,1,1
      kv.value().copy_(t);
    }
    auto ids = torch::tensor({{4, 8, 15, 16, 23, 42}}, torch::kInt64);
    auto mask = torch::ones_like(ids);
    QVERIFY(torch::allclose(gqa->forward(ids, mask), mha->forward(ids, mask), 0, 1e-6));
  }

  /// A sequence-level head reads only the last token, so the last layer computes only that row
  /// (LlamaModel::forwardAt, engine >= 0.5.1). Its logits and every parameter's gradient equal
  /// those of the full forward pooled afterwards (the HF computation), with right padding, GQA and
  /// an AdaMix adapter (M = 2) in every layer; up to float rounding of the smaller matrix products.
  void lastLayerOnlyAtThePooledTokenEqualsTheFullForward() {
    auto m = tinyModel(HeadType::Classification, 3);
    PeftConfig c;
    c.method = PeftMethod::Adapter;
    c.adapter.bottleneck = 4;
    c.adamix.num_modules = 2;
    auto handle = applyPeft(*m, c, m->headPrefixes(), 0);
    for (auto& p : m->parameters()) p.set_requires_grad(true);  // backbone too: full fine-tuning's gradients
    auto& llama = dynamic_cast<LlamaForTaskImpl&>(*m);
    m->train();
    auto ids = torch::tensor({{5, 9, 3, 17, 4, 0, 0, 0}, {1, 2, 3, 4, 5, 6, 7, 8}, {7, 7, 0, 0, 0, 0, 0, 0}}, torch::kInt64);
    auto mask = ids.ne(0).to(torch::kInt64);
    mask[2][1] = 1;
    mask[0].narrow(0, 0, 5).fill_(1);
    const auto last = lastTokenIndex(mask, 3, 8, torch::kCPU);
    QCOMPARE(std::vector<int64_t>(last.data_ptr<int64_t>(), last.data_ptr<int64_t>() + 3), (std::vector<int64_t>{4, 7, 1}));
    auto run = [&](bool pooled_first) {
      m->zero_grad();
      handle.routes->beginPass(false);
      torch::manual_seed(11);  // the same route draw for both
      auto logits = pooled_first ? m->forward(ids, mask)
                                 : llama.score->forward(poolLastToken(llama.model->forward(ids, mask), mask));
      (logits * torch::arange(1, 10, torch::kFloat32).view({3, 3})).sum().backward();
      std::map<std::string, torch::Tensor> grads;
      for (auto& kv : m->named_parameters(true))
        if (kv.value().grad().defined()) grads[kv.key()] = kv.value().grad().clone();
      return std::make_pair(logits.detach(), grads);
    };
    auto [fast, fast_grads] = run(true);
    auto [full, full_grads] = run(false);
    QCOMPARE(fast.sizes().vec(), (std::vector<int64_t>{3, 3}));
    QVERIFY2(torch::allclose(fast, full, 1e-5, 1e-6), "logits differ");
    QCOMPARE(fast_grads.size(), full_grads.size());
    QVERIFY(fast_grads.size() > 20);
    for (const auto& [name, g] : full_grads) QVERIFY2(torch::allclose(fast_grads.at(name), g, 1e-4, 1e-6), name.c_str());
    // The last layer's query projection learns from the pooled rows only, and it does learn.
    QVERIFY(full_grads.at("model.layers.1.self_attn.q_proj.weight").abs().sum().item<double>() > 0);
    // An all-padding row pools its token 0, as before.
    auto empty = torch::zeros({1, 8}, torch::kInt64);
    QCOMPARE(lastTokenIndex(empty, 1, 8, torch::kCPU).item<int64_t>(), int64_t(0));
    torch::NoGradGuard ng;
    QVERIFY(torch::allclose(m->forward(ids.narrow(0, 0, 1), empty),
                            llama.score->forward(poolLastToken(llama.model->forward(ids.narrow(0, 0, 1), empty), empty)),
                            1e-5, 1e-6));
  }

  void stories260KGreedyDecode() {
    const auto dir = test::sharedPath("models/stories260K");
    if (dir.empty()) QSKIP("shared models/stories260K not available");
    auto lm = loadTaskModel(dir, HeadType::CausalLM, 0, 0);
    QCOMPARE(lm->config().num_key_value_heads, int64_t(4));
    QVERIFY(lm->config().tie_word_embeddings);
    auto tok = loadTokenizer(dir, lm->config().vocab_size);
    std::vector<int64_t> prompt = {tok->bosId()};
    for (auto id : tok->encode("Once upon a time")) prompt.push_back(id);
    // The expected continuation is 28 SentencePiece tokens (DATA.md); generate exactly that many.
    const std::string expected = ", there was a little girl named Lily. She loved to play outside in the park.";
    auto out = greedyGenerate(*lm, prompt, 28, {tok->eosId()});
    const auto text = tok->decode(out);
    QVERIFY2(text.rfind(expected, 0) == 0, ("got: '" + text + "'").c_str());
    // Without the cache: the same tokens.
    QCOMPARE(greedyGenerate(*lm, prompt, 28, {tok->eosId()}, false), out);
    // The decoded prompt + continuation reads as the story opening.
    std::vector<int64_t> all(prompt.begin(), prompt.end());
    all.insert(all.end(), out.begin(), out.end());
    QVERIFY(tok->decode(all).rfind("Once upon a time" + expected, 0) == 0);
  }

  void stories260KClassificationHead() {
    const auto dir = test::sharedPath("models/stories260K");
    if (dir.empty()) QSKIP("shared models/stories260K not available");
    auto m = loadTaskModel(dir, HeadType::Classification, 2, 5);
    torch::NoGradGuard ng;
    auto ids = torch::tensor({{1, 403, 407, 261, 378, 0, 0}}, torch::kInt64);
    auto mask = torch::tensor({{1, 1, 1, 1, 1, 0, 0}}, torch::kInt64);
    auto out = m->forward(ids, mask);
    QCOMPARE(out.sizes().vec(), (std::vector<int64_t>{1, 2}));
    QVERIFY(torch::allclose(out, m->forward(ids.narrow(1, 0, 5), mask.narrow(1, 0, 5)), 0, 1e-5));
  }
};

QTEST_GUILESS_MAIN(TestLlama)
#include "test_llama.moc"
