// The Llama-family model_types beyond llama (issue 17): mistral, qwen2, qwen3, made by
// `adamix-engine init-model`. Forward passes against an independent formula written here in plain
// torch ops (no engine module): qkv biases, q/k norms, head_dim != hidden / heads, mistral's
// sliding window, each rope_scaling type (inv_freq against HF's formulas computed by hand in
// double), sharded = unsharded bit for bit, bad model.safetensors.index.json files, BF16
// checkpoints, config errors, and a short PEFT training run per type.
#include <QtCore/QProcess>
#include <QtCore/QTemporaryDir>
#include <QtTest/QtTest>
#include <torch/torch.h>

#include <cmath>
#include <filesystem>
#include <fstream>

#include "config/run_config.h"
#include "io/errors.h"
#include "io/safetensors.h"
#include "io/safetensors_index.h"
#include "model/checkpoint.h"
#include "model/init_model.h"
#include "model/llama.h"
#include "model/model_config.h"
#include "model/rope.h"
#include "peft/peft.h"
#include "peft/sites.h"
#include "protocol/events.h"
#include "test_support.h"
#include "train/trainer.h"

using namespace adamix;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

const std::vector<std::string> kTypes{"mistral", "qwen2", "qwen3"};

json readJson(const std::string& path) {
  std::ifstream in(path);
  return json::parse(in);
}

void writeJson(const std::string& path, const json& j) { test::writeFile(path, j.dump(2)); }

torch::Tensor param(torch::nn::Module& m, const std::string& name) {
  for (const auto& p : m.named_parameters())
    if (p.key() == name) return p.value().detach();
  throw std::runtime_error("no parameter " + name);
}

bool hasParam(torch::nn::Module& m, const std::string& name) {
  for (const auto& p : m.named_parameters())
    if (p.key() == name) return true;
  return false;
}

std::string errorOf(const std::function<void()>& f) {
  try {
    f();
  } catch (const EngineError& e) {
    return e.message() + " @ " + e.location();
  }
  return "<no error>";
}

/// Every backbone parameter (biases and norm weights included, which init-model writes as 0 / 1)
/// set to random values, so that a bias or norm the engine skipped would show.
void randomise(torch::nn::Module& m, uint64_t seed) {
  torch::manual_seed(seed);
  torch::NoGradGuard ng;
  for (auto& p : m.named_parameters()) {
    auto v = p.value();
    if (p.key().find("norm") != std::string::npos)
      v.copy_(1.0 + 0.3 * torch::randn_like(v));
    else
      v.copy_(0.2 * torch::randn_like(v));
  }
}

// ---- the independent formula: HF modeling_{llama,mistral,qwen2,qwen3}.py written out ---------

struct RefSpec {
  int64_t H, KV, D;
  double eps;
  torch::Tensor inv_freq;  ///< [D/2] (from the hand formulas below)
  bool qk_norm = false;
  int64_t window = -1;
  bool tied = true;
};

torch::Tensor refRms(const torch::Tensor& x, const torch::Tensor& w, double eps) {
  return w * (x * torch::rsqrt(x.pow(2).mean(-1, true) + eps));
}

torch::Tensor refLinear(torch::nn::Module& m, const std::string& name, const torch::Tensor& x) {
  auto y = torch::matmul(x, param(m, name + ".weight").t());
  if (hasParam(m, name + ".bias")) y = y + param(m, name + ".bias");
  return y;
}

/// x [B, T, n, D] rotated at positions 0..T-1: x * cos + rotate_half(x) * sin, per position.
torch::Tensor refRope(const torch::Tensor& x, const torch::Tensor& inv_freq) {
  const int64_t T = x.size(1), D = x.size(3);
  auto pos = torch::arange(T, torch::kFloat32).unsqueeze(1);  // [T, 1]
  auto ang = pos * inv_freq.unsqueeze(0);                     // [T, D/2]
  auto cos = torch::cat({ang.cos(), ang.cos()}, 1).view({1, T, 1, D});
  auto sin = torch::cat({ang.sin(), ang.sin()}, 1).view({1, T, 1, D});
  auto x1 = x.narrow(3, 0, D / 2), x2 = x.narrow(3, D / 2, D / 2);
  return x * cos + torch::cat({-x2, x1}, 3) * sin;
}

/// Causal-LM logits [B, T, V] of model `m` (its parameters by HF name) for ids [B, T], no padding.
torch::Tensor refForward(torch::nn::Module& m, const RefSpec& s, const torch::Tensor& ids, int64_t layers) {
  const int64_t B = ids.size(0), T = ids.size(1);
  auto emb = param(m, "model.embed_tokens.weight");
  auto h = emb.index_select(0, ids.flatten()).view({B, T, -1});
  // allowed[q][k]: k <= q (causal) and q - k < window (mistral)
  auto allowed = torch::ones({T, T}, torch::kBool).tril();
  if (s.window > 0) allowed = allowed.logical_and(torch::ones({T, T}, torch::kBool).triu(-(s.window - 1)));
  for (int64_t l = 0; l < layers; ++l) {
    const std::string p = "model.layers." + std::to_string(l) + ".";
    auto x = refRms(h, param(m, p + "input_layernorm.weight"), s.eps);
    auto q = refLinear(m, p + "self_attn.q_proj", x).view({B, T, s.H, s.D});
    auto k = refLinear(m, p + "self_attn.k_proj", x).view({B, T, s.KV, s.D});
    auto v = refLinear(m, p + "self_attn.v_proj", x).view({B, T, s.KV, s.D});
    if (s.qk_norm) {
      q = refRms(q, param(m, p + "self_attn.q_norm.weight"), s.eps);
      k = refRms(k, param(m, p + "self_attn.k_norm.weight"), s.eps);
    }
    q = refRope(q, s.inv_freq);
    k = refRope(k, s.inv_freq);
    std::vector<torch::Tensor> heads;
    for (int64_t hd = 0; hd < s.H; ++hd) {
      const int64_t j = hd / (s.H / s.KV);  // repeat_kv
      auto qh = q.select(2, hd), kh = k.select(2, j), vh = v.select(2, j);  // [B, T, D]
      auto scores = torch::matmul(qh, kh.transpose(1, 2)) / std::sqrt(static_cast<double>(s.D));
      scores = scores.masked_fill(allowed.logical_not(), -INFINITY);
      heads.push_back(torch::matmul(torch::softmax(scores, -1), vh));
    }
    h = h + refLinear(m, p + "self_attn.o_proj", torch::cat(heads, 2));
    x = refRms(h, param(m, p + "post_attention_layernorm.weight"), s.eps);
    auto mlp = torch::silu(refLinear(m, p + "mlp.gate_proj", x)) * refLinear(m, p + "mlp.up_proj", x);
    h = h + refLinear(m, p + "mlp.down_proj", mlp);
  }
  h = refRms(h, param(m, "model.norm.weight"), s.eps);
  return torch::matmul(h, (s.tied ? emb : param(m, "lm_head.weight")).t());
}

// ---- HF's rope frequency formulas (modeling_rope_utils.py), by hand in double -----------------

std::vector<double> handDefault(int64_t D, double base) {
  std::vector<double> f;
  for (int64_t i = 0; i < D; i += 2) f.push_back(1.0 / std::pow(base, static_cast<double>(i) / D));
  return f;
}

std::vector<double> handLinear(int64_t D, double base, double factor) {
  auto f = handDefault(D, base);
  for (auto& x : f) x /= factor;
  return f;
}

// _compute_dynamic_ntk_parameters: seq_len = max(seq_len, max_pos)
std::vector<double> handDynamic(int64_t D, double base, double factor, int64_t seq_len, int64_t max_pos) {
  const double L = static_cast<double>(std::max(seq_len, max_pos));
  const double b = base * std::pow(factor * L / max_pos - (factor - 1), static_cast<double>(D) / (D - 2));
  return handDefault(D, b);
}

// _compute_llama3_parameters
std::vector<double> handLlama3(int64_t D, double base, double factor, double low, double high, double old_len) {
  auto f = handDefault(D, base);
  const double low_wl = old_len / low, high_wl = old_len / high;
  for (auto& x : f) {
    const double wl = 2 * M_PI / x;
    if (wl < high_wl) continue;                 // high frequency: kept
    if (wl > low_wl) { x /= factor; continue; }  // low frequency: scaled
    const double smooth = (old_len / wl - low) / (high - low);
    x = (1 - smooth) * x / factor + smooth * x;
  }
  return f;
}

torch::Tensor toTensor(const std::vector<double>& v) {
  return torch::tensor(v, torch::kFloat64).to(torch::kFloat32);
}

double maxRelDiff(const torch::Tensor& a, const std::vector<double>& b) {
  double worst = 0;
  for (size_t i = 0; i < b.size(); ++i)
    worst = std::max(worst, std::abs(a[static_cast<int64_t>(i)].item<double>() - b[i]) / std::abs(b[i]));
  return worst;
}

constexpr int64_t kHidden = 32, kLayers = 2, kHeads = 4, kKvHeads = 2, kQwen3HeadDim = 16;

}  // namespace

class TestLlamaFamily : public QObject {
  Q_OBJECT
  QTemporaryDir tmp_;
  std::string stories_;

  /// `adamix-engine init-model --arch <type>` with the stories260K tokenizer (vocab 512); qwen3
  /// with head_dim 16 where hidden / heads = 8.
  std::string initModel(const std::string& type, const QStringList& extra = {}) {
    const auto dir = tmp_.filePath(QString::fromStdString("init-" + type)).toStdString();
    if (fs::exists(dir + "/model.safetensors")) return dir;
    QStringList args{"init-model",
                     "--arch",
                     QString::fromStdString(type),
                     "--out",
                     QString::fromStdString(dir),
                     "--tokenizer-from",
                     QString::fromStdString(stories_),
                     "--hidden",
                     QString::number(kHidden),
                     "--layers",
                     QString::number(kLayers),
                     "--heads",
                     QString::number(kHeads),
                     "--kv-heads",
                     QString::number(kKvHeads),
                     "--ffn",
                     "48",
                     "--max-positions",
                     "64",
                     "--seed",
                     "3"};
    if (type == "qwen3") args << "--head-dim" << QString::number(kQwen3HeadDim);
    args << extra;
    QProcess p;
    p.start(ADAMIX_ENGINE_EXE, args);
    if (!p.waitForFinished(120000) || p.exitCode() != 0)
      throw std::runtime_error("init-model failed: " + p.readAllStandardError().toStdString());
    return dir;
  }

  /// Trains run config `cfg` in process into tmp/<name> (run id `name`); returns the run directory.
  /// Throws the trainer's EngineError.
  std::string trainIn(const json& cfg, const std::string& name) {
    auto rc = parseRunConfig(cfg);
    rc.run_id = name;
    const auto run_dir = tmp_.filePath(QString::fromStdString(name)).toStdString();
    fs::create_directories(run_dir);
    TrainOptions opts;
    opts.run_dir = run_dir;
    EventStream events(rc.run_id, run_dir + "/events.jsonl", /*echo_stdout=*/false);
    trainRun(rc, opts, events);
    return run_dir;
  }

  /// A copy of `dir` with config.json changed by `edit` (weights shared by a hard copy).
  std::string variant(const std::string& dir, const std::string& name, const std::function<void(json&)>& edit) {
    const auto out = tmp_.filePath(QString::fromStdString(name)).toStdString();
    fs::create_directories(out);
    fs::copy_file(dir + "/model.safetensors", out + "/model.safetensors", fs::copy_options::overwrite_existing);
    auto cfg = readJson(dir + "/config.json");
    edit(cfg);
    writeJson(out + "/config.json", cfg);
    return out;
  }

  /// Loads `dir` as a causal LM, randomises every parameter (seed 5) and compares its logits on
  /// random ids [2, T] with refForward; returns the max abs difference.
  double compareWithReference(const std::string& dir, RefSpec spec, int64_t T, const std::string& what) {
    auto model = loadTaskModel(dir, HeadType::CausalLM, 0, 1);
    randomise(*model, 5);
    torch::manual_seed(9);
    auto ids = torch::randint(3, 512, {2, T}, torch::kInt64);
    torch::NoGradGuard ng;
    auto got = model->forward(ids, torch::ones({2, T}, torch::kInt64));
    auto expected = refForward(*model, spec, ids, kLayers);
    const double diff = (got - expected).abs().max().item<double>();
    qInfo("%s: max |engine - formula| = %.3g (logits up to %.3g)", what.c_str(), diff,
          expected.abs().max().item<double>());
    return diff;
  }

 private Q_SLOTS:
  void initTestCase() {
    QVERIFY(tmp_.isValid());
    stories_ = test::sharedPath("models/stories260K");
    if (stories_.empty()) QSKIP("../shared/models/stories260K not available");
  }

  /// `init-model --tokenizer-from` copies tokenizer_config.json and special_tokens_map.json with the
  /// vocabulary files (the BOS / EOS / pad settings of tokenizer.json models live there).
  void initModelCopiesTheTokenizerConfig() {
    const auto src = tmp_.filePath("tok-src").toStdString();
    fs::create_directories(src);
    fs::copy_file(stories_ + "/tokenizer.model", src + "/tokenizer.model");
    const std::string tcfg = "{\"bos_token\": \"<s>\", \"eos_token\": \"</s>\", \"add_bos_token\": true}\n";
    const std::string smap = "{\"pad_token\": \"</s>\"}\n";
    test::writeFile(src + "/tokenizer_config.json", tcfg);
    test::writeFile(src + "/special_tokens_map.json", smap);
    const auto out = tmp_.filePath("tok-out").toStdString();
    QProcess p;
    p.start(ADAMIX_ENGINE_EXE, {"init-model", "--arch", "llama", "--out", QString::fromStdString(out), "--tokenizer-from",
                                QString::fromStdString(src), "--hidden", "16", "--layers", "1", "--heads", "2",
                                "--ffn", "32", "--max-positions", "32"});
    QVERIFY(p.waitForFinished(120000));
    QVERIFY2(p.exitCode() == 0, p.readAllStandardError().constData());
    QCOMPARE(test::readFile(out + "/tokenizer_config.json"), tcfg);
    QCOMPARE(test::readFile(out + "/special_tokens_map.json"), smap);
    QCOMPARE(test::readFile(out + "/tokenizer.model"), test::readFile(src + "/tokenizer.model"));
  }

  /// init-model writes each type's config.json with the fields its HF configuration class writes,
  /// and the checkpoint has HF's parameter names: qwen2 q/k/v biases without an o_proj bias,
  /// qwen3 q_norm / k_norm [head_dim] and no biases, mistral no biases.
  void initModelWritesHfLayouts() {
    for (const auto& type : kTypes) {
      const auto dir = initModel(type);
      const auto cfg = readJson(dir + "/config.json");
      QCOMPARE(cfg["model_type"].get<std::string>(), type);
      QCOMPARE(cfg["vocab_size"].get<int64_t>(), int64_t{512});
      const std::string arch = cfg["architectures"][0];
      QVERIFY2(arch == (type == "mistral" ? "MistralForCausalLM" : type == "qwen2" ? "Qwen2ForCausalLM" : "Qwen3ForCausalLM"),
               arch.c_str());
      const auto st = loadSafetensors(dir + "/model.safetensors");
      auto has = [&](const std::string& n) { return st.tensors.count(n) == 1; };
      QVERIFY(has("model.layers.1.self_attn.q_proj.weight"));
      QCOMPARE(has("model.layers.0.self_attn.q_proj.bias"), type == "qwen2");
      QCOMPARE(has("model.layers.0.self_attn.k_proj.bias"), type == "qwen2");
      QCOMPARE(has("model.layers.0.self_attn.v_proj.bias"), type == "qwen2");
      QVERIFY(!has("model.layers.0.self_attn.o_proj.bias"));
      QCOMPARE(has("model.layers.0.self_attn.q_norm.weight"), type == "qwen3");
      QCOMPARE(has("model.layers.0.self_attn.k_norm.weight"), type == "qwen3");
      QVERIFY(!has("lm_head.weight"));  // tied
      if (type == "mistral") {
        QCOMPARE(cfg["sliding_window"].get<int64_t>(), int64_t{4096});
      } else {
        QVERIFY(cfg["sliding_window"].is_null());
        QCOMPARE(cfg["use_sliding_window"].get<bool>(), false);
        QVERIFY(cfg["rope_scaling"].is_null());
      }
      if (type == "qwen3") {
        QCOMPARE(cfg["head_dim"].get<int64_t>(), kQwen3HeadDim);
        QCOMPARE(cfg["attention_bias"].get<bool>(), false);
        QCOMPARE(st.tensors.at("model.layers.0.self_attn.q_norm.weight").sizes().vec(),
                 (std::vector<int64_t>{kQwen3HeadDim}));
        // q_proj: hidden 32 -> 4 heads x 16; o_proj 64 -> 32; k/v 2 kv heads x 16
        QCOMPARE(st.tensors.at("model.layers.0.self_attn.q_proj.weight").sizes().vec(),
                 (std::vector<int64_t>{kHeads * kQwen3HeadDim, kHidden}));
        QCOMPARE(st.tensors.at("model.layers.0.self_attn.o_proj.weight").sizes().vec(),
                 (std::vector<int64_t>{kHidden, kHeads * kQwen3HeadDim}));
        QCOMPARE(st.tensors.at("model.layers.0.self_attn.k_proj.weight").sizes().vec(),
                 (std::vector<int64_t>{kKvHeads * kQwen3HeadDim, kHidden}));
      }
      const auto mc = loadModelConfig(dir);
      QVERIFY(mc.architecture == Architecture::Llama);
      QCOMPARE(mc.qk_norm, type == "qwen3");
      QCOMPARE(mc.head_dim, type == "qwen3" ? kQwen3HeadDim : kHidden / kHeads);
    }
  }

  /// Defaults and biases per model_type as HF's configuration and modeling classes: qwen3 honours
  /// attention_bias (q/k/v/o), qwen2 ignores it (q/k/v always, o never), mistral has none.
  void configDefaultsAndBiases() {
    auto mistral = parseModelConfig({{"model_type", "mistral"}});
    QCOMPARE(mistral.num_key_value_heads, int64_t{8});
    QCOMPARE(mistral.intermediate_size, int64_t{14336});
    QCOMPARE(mistral.sliding_window, int64_t{4096});
    QCOMPARE(parseModelConfig({{"model_type", "mistral"}, {"sliding_window", nullptr}}).sliding_window, int64_t{-1});
    auto qwen3 = parseModelConfig(
        {{"model_type", "qwen3"}, {"hidden_size", 64}, {"num_attention_heads", 8}, {"num_key_value_heads", 8}});
    QCOMPARE(qwen3.head_dim, int64_t{128});
    QCOMPARE(qwen3.vocab_size, int64_t{151936});
    QVERIFY(!qwen3.attention_bias && !qwen3.o_proj_bias && qwen3.qk_norm);
    auto qwen3b = parseModelConfig({{"model_type", "qwen3"}, {"attention_bias", true}});
    QVERIFY(qwen3b.attention_bias && qwen3b.o_proj_bias);
    auto qwen2 = parseModelConfig({{"model_type", "qwen2"}, {"attention_bias", false}});
    QVERIFY(qwen2.attention_bias && !qwen2.o_proj_bias && !qwen2.qk_norm);
    QCOMPARE(qwen2.head_dim, int64_t{128});  // 4096 / 32
    QCOMPARE(qwen2.bos_token_id, int64_t{-1});
    auto m = buildTaskModel(parseModelConfig({{"model_type", "qwen3"},
                                              {"attention_bias", true},
                                              {"hidden_size", 16},
                                              {"num_attention_heads", 2},
                                              {"num_key_value_heads", 1},
                                              {"head_dim", 4},
                                              {"intermediate_size", 8},
                                              {"num_hidden_layers", 1},
                                              {"vocab_size", 10}}),
                            HeadType::CausalLM, 0);
    QVERIFY(hasParam(*m, "model.layers.0.self_attn.o_proj.bias"));
    QVERIFY(hasParam(*m, "model.layers.0.self_attn.q_proj.bias"));
    QCOMPARE(param(*m, "model.layers.0.self_attn.q_proj.weight").sizes().vec(), (std::vector<int64_t>{8, 16}));
  }

  /// Config errors name the file and field.
  void configErrorsNameTheField() {
    auto err = errorOf([] {
      parseModelConfig({{"model_type", "qwen2"}, {"rope_scaling", {{"rope_type", "yarn"}, {"factor", 4.0}}}}, "c.json");
    });
    QVERIFY2(err.find("rope_scaling type 'yarn' is not supported (supported: default, linear, dynamic, llama3)") !=
                     std::string::npos &&
                 err.find("c.json:/rope_scaling/rope_type") != std::string::npos,
             err.c_str());
    err = errorOf([] { parseModelConfig({{"model_type", "llama"}, {"rope_scaling", {{"type", "longrope"}}}}, "c.json"); });
    QVERIFY2(err.find("c.json:/rope_scaling/type") != std::string::npos, err.c_str());
    err = errorOf([] { parseModelConfig({{"model_type", "llama"}, {"rope_scaling", {{"type", "linear"}}}}, "c.json"); });
    QVERIFY2(err.find("missing factor @ c.json:/rope_scaling/factor") != std::string::npos, err.c_str());
    err = errorOf([] {
      parseModelConfig({{"model_type", "llama"},
                        {"rope_scaling", {{"rope_type", "llama3"}, {"factor", 8.0}, {"low_freq_factor", 1.0}}}},
                       "c.json");
    });
    QVERIFY2(err.find("c.json:/rope_scaling/high_freq_factor") != std::string::npos, err.c_str());
    err = errorOf([] { parseModelConfig({{"model_type", "qwen2"}, {"use_sliding_window", true}}, "c.json"); });
    QVERIFY2(err.find("c.json:/use_sliding_window") != std::string::npos, err.c_str());
    err = errorOf([] { parseModelConfig({{"model_type", "mistral"}, {"sliding_window", 0}}, "c.json"); });
    QVERIFY2(err.find("c.json:/sliding_window") != std::string::npos, err.c_str());
    // "type" is read when "rope_type" is absent (HF's backward compatibility); "default" = none
    QCOMPARE(parseModelConfig({{"model_type", "llama"}, {"rope_scaling", {{"type", "linear"}, {"factor", 2}}}})
                 .rope_scaling.type,
             std::string("linear"));
    QCOMPARE(parseModelConfig({{"model_type", "llama"}, {"rope_scaling", {{"rope_type", "default"}}}}).rope_scaling.type,
             std::string("default"));
  }

  /// Each new type's forward pass equals the formula written out in plain torch ops above:
  /// mistral (no biases; sliding window 4096 > T: plain causal), qwen2 (q/k/v biases, o_proj
  /// none), qwen3 (q/k norms per head before RoPE, head_dim 16 != 32 / 4).
  void forwardEqualsIndependentFormula() {
    for (const auto& type : kTypes) {
      const auto dir = initModel(type);
      const int64_t D = type == "qwen3" ? kQwen3HeadDim : kHidden / kHeads;
      const double theta = type == "mistral" ? 10000.0 : 1000000.0;
      RefSpec s{kHeads, kKvHeads, D, type == "mistral" ? 1e-5 : 1e-6, toTensor(handDefault(D, theta))};
      s.qk_norm = type == "qwen3";
      const double diff = compareWithReference(dir, s, 7, type);
      QVERIFY2(diff < 2e-5, (type + ": " + std::to_string(diff)).c_str());
    }
    // qwen3 with attention_bias true: biases on q/k/v and o_proj
    const auto biased = variant(initModel("qwen3"), "qwen3-bias", [](json& c) { c["attention_bias"] = true; });
    {
      // the biases are not in the file: add them (random) to a copy
      auto st = loadSafetensors(biased + "/model.safetensors");
      torch::manual_seed(2);
      for (int l = 0; l < kLayers; ++l)
        for (const char* p : {"q_proj", "k_proj", "v_proj", "o_proj"}) {
          const auto w = st.tensors.at("model.layers." + std::to_string(l) + ".self_attn." + p + ".weight");
          st.tensors["model.layers." + std::to_string(l) + ".self_attn." + p + ".bias"] = torch::randn({w.size(0)});
        }
      saveSafetensors(biased + "/model.safetensors", st.tensors);
    }
    RefSpec s{kHeads, kKvHeads, kQwen3HeadDim, 1e-6, toTensor(handDefault(kQwen3HeadDim, 1e6))};
    s.qk_norm = true;
    const double diff = compareWithReference(biased, s, 7, "qwen3 attention_bias");
    QVERIFY2(diff < 2e-5, std::to_string(diff).c_str());
  }

  /// Mistral's sliding window (window 3 over 9 tokens) equals the formula's banded mask, and
  /// differs from plain causal attention; decoding with the KV cache gives the same logits.
  void mistralSlidingWindow() {
    const auto dir = variant(initModel("mistral"), "mistral-window", [](json& c) { c["sliding_window"] = 3; });
    RefSpec s{kHeads, kKvHeads, kHidden / kHeads, 1e-5, toTensor(handDefault(kHidden / kHeads, 10000.0))};
    s.window = 3;
    const double diff = compareWithReference(dir, s, 9, "mistral sliding_window 3");
    QVERIFY2(diff < 2e-5, std::to_string(diff).c_str());
    s.window = -1;
    QVERIFY(compareWithReference(dir, s, 9, "mistral window 3 vs no window (must differ)") > 1e-3);
    // KV-cache decoding applies the same window
    auto model = loadTaskModel(dir, HeadType::CausalLM, 0, 1);
    randomise(*model, 5);
    auto* llama = dynamic_cast<LlamaForTaskImpl*>(model.get());
    QVERIFY(llama);
    torch::manual_seed(4);
    auto ids = torch::randint(3, 512, {1, 8}, torch::kInt64);
    torch::NoGradGuard ng;
    auto full = llama->forward(ids, {});
    LlamaKVCache cache;
    auto first = llama->forwardCached(ids.narrow(1, 0, 5), cache);
    auto rest = torch::cat({first, llama->forwardCached(ids.narrow(1, 5, 1), cache),
                            llama->forwardCached(ids.narrow(1, 6, 2), cache)},
                           1);
    const double cached = (rest - full).abs().max().item<double>();
    qInfo("mistral window 3: max |cached decoding - full forward| = %.3g", cached);
    QVERIFY(cached < 1e-5);
  }

  /// ropeInvFreq against HF's formulas computed by hand in double, for every rope_scaling type,
  /// and each type's forward pass against the formula with those frequencies.
  void ropeScalingFrequenciesAndForward() {
    const int64_t D = kQwen3HeadDim;
    const double theta = 1e6;
    struct Case {
      std::string name;
      json scaling;
      RopeScaling parsed;
      std::vector<double> expected;
      int64_t T;
    };
    // max_position_embeddings 64 (init-model); dynamic: 64 -> 80 tokens triggers the rescaled base
    std::vector<Case> cases;
    cases.push_back({"linear", {{"type", "linear"}, {"factor", 4.0}}, {}, handLinear(D, theta, 4.0), 7});
    cases.push_back({"dynamic (seq <= max)", {{"rope_type", "dynamic"}, {"factor", 2.0}}, {},
                     handDynamic(D, theta, 2.0, 7, 64), 7});
    cases.push_back({"dynamic (seq 80 > max 64)", {{"rope_type", "dynamic"}, {"factor", 2.0}}, {},
                     handDynamic(D, theta, 2.0, 80, 64), 80});
    // wavelengths 2 pi / f for D = 16, theta 1e6: 6.3, 35, 199, 1117, 6283, ... -> high (kept),
    // medium (smoothed, between 64 / 4 and 64 / 0.25 ... ) and low (divided) bands all occur
    cases.push_back({"llama3",
                     {{"rope_type", "llama3"},
                      {"factor", 8.0},
                      {"low_freq_factor", 1.0},
                      {"high_freq_factor", 4.0},
                      {"original_max_position_embeddings", 512}},
                     {},
                     handLlama3(D, theta, 8.0, 1.0, 4.0, 512),
                     7});
    for (auto& c : cases) {
      c.parsed = parseRopeScaling(c.scaling, "config.json");
      auto got = ropeInvFreq(D, theta, c.parsed, c.T, 64);
      QCOMPARE(got.sizes().vec(), (std::vector<int64_t>{D / 2}));
      const double rel = maxRelDiff(got, c.expected);
      qInfo("inv_freq %s: max relative |engine - HF formula| = %.3g", c.name.c_str(), rel);
      QVERIFY2(rel < 1e-6, c.name.c_str());
      const auto dir = variant(initModel("qwen3"), "qwen3-rope-" + c.parsed.type,
                               [&](json& j) { j["rope_scaling"] = c.scaling; });
      RefSpec s{kHeads, kKvHeads, D, 1e-6, toTensor(c.expected)};
      s.qk_norm = true;
      const double diff = compareWithReference(dir, s, c.T, "qwen3 rope_scaling " + c.name);
      QVERIFY2(diff < 5e-5, (c.name + ": " + std::to_string(diff)).c_str());
    }
    // the llama3 case exercises all three bands
    const auto plain = handDefault(D, theta), l3 = cases.back().expected;
    int kept = 0, divided = 0, smoothed = 0;
    for (size_t i = 0; i < plain.size(); ++i) {
      if (l3[i] == plain[i]) ++kept;
      else if (std::abs(l3[i] - plain[i] / 8.0) < 1e-15) ++divided;
      else ++smoothed;
    }
    QVERIFY(kept > 0 && divided > 0 && smoothed > 0);
    // dynamic below max_position_embeddings = plain frequencies
    QVERIFY(maxRelDiff(ropeInvFreq(D, theta, cases[1].parsed, 7, 64), plain) < 1e-6);
  }

  /// A sharded checkpoint (index + 2 shards) loads to logits bit-identical to the single file;
  /// BF16 shards load as the BF16 values widened to float32.
  void shardedEqualsUnshardedAndBf16() {
    const auto dir = initModel("qwen3");
    const auto st = loadSafetensors(dir + "/model.safetensors");
    auto writeSharded = [&](const std::string& name, bool bf16) {
      const auto out = tmp_.filePath(QString::fromStdString(name)).toStdString();
      fs::create_directories(out);
      fs::copy_file(dir + "/config.json", out + "/config.json", fs::copy_options::overwrite_existing);
      std::map<std::string, torch::Tensor> a, b;
      json map = json::object();
      int i = 0;
      for (const auto& [n, t] : st.tensors) {
        const bool first = i++ % 2 == 0;
        (first ? a : b)[n] = bf16 ? t.to(torch::kBFloat16) : t;
        map[n] = first ? "model-00001-of-00002.safetensors" : "model-00002-of-00002.safetensors";
      }
      saveSafetensors(out + "/model-00001-of-00002.safetensors", a);
      saveSafetensors(out + "/model-00002-of-00002.safetensors", b);
      writeJson(out + "/model.safetensors.index.json", {{"metadata", {{"total_size", 0}}}, {"weight_map", map}});
      return out;
    };
    const auto sharded = writeSharded("qwen3-sharded", false);
    auto one = loadTaskModel(dir, HeadType::CausalLM, 0, 1);
    auto two = loadTaskModel(sharded, HeadType::CausalLM, 0, 1);
    torch::manual_seed(1);
    auto ids = torch::randint(3, 512, {2, 6}, torch::kInt64);
    torch::NoGradGuard ng;
    auto l1 = one->forward(ids, {}), l2 = two->forward(ids, {});
    QVERIFY(torch::equal(l1, l2));
    qInfo("sharded vs single file: max |logits difference| = %.3g (bit-identical)",
          (l1 - l2).abs().max().item<double>());

    const auto bf = writeSharded("qwen3-bf16", true);
    auto b = loadTaskModel(bf, HeadType::CausalLM, 0, 1);
    for (const auto& [n, t] : st.tensors)
      QVERIFY2(torch::equal(param(*b, n), t.to(torch::kBFloat16).to(torch::kFloat32)), n.c_str());
    QVERIFY(param(*b, "model.embed_tokens.weight").scalar_type() == torch::kFloat32);
    const double d = (b->forward(ids, {}) - l1).abs().max().item<double>();
    qInfo("bf16 checkpoint vs float32: max |logits difference| = %.3g (bf16 rounding of the weights)", d);
    QVERIFY(std::isfinite(d) && d < 0.05);
  }

  /// model.dtype bfloat16 (issue 17): a BF16 checkpoint's frozen projections stay BF16 bit for bit
  /// (every PeftLinear of the backbone: q, k, v, o, gate, up, down per layer), multiply in BF16
  /// exactly as x.bf16 · W^T widened to float32 plus the float32 bias, the LoRA modules stay
  /// float32 and get gradients, logits stay within BF16 rounding of the float32 path, and the
  /// trainer runs such a config to results.json. Full fine-tuning and other dtypes are config errors.
  void bf16CheckpointStaysBf16() {
    const auto dir = initModel("qwen2");  // q/k/v biases: the bias path is exercised
    const auto st = loadSafetensors(dir + "/model.safetensors");
    const auto out = tmp_.filePath("qwen2-bf16").toStdString();
    fs::create_directories(out);
    fs::copy_file(dir + "/config.json", out + "/config.json", fs::copy_options::overwrite_existing);
    for (const char* f : {"tokenizer.model"})
      if (fs::exists(dir + "/" + f)) fs::copy_file(dir + "/" + f, out + "/" + f, fs::copy_options::overwrite_existing);
    std::map<std::string, torch::Tensor> bf;
    for (const auto& [n, t] : st.tensors) bf[n] = t.to(torch::kBFloat16);
    saveSafetensors(out + "/model.safetensors", bf);

    auto model = loadTaskModel(out, HeadType::CausalLM, 0, 1);
    PeftConfig pc;
    pc.method = PeftMethod::Lora;
    pc.lora.rank = 4;
    pc.lora.alpha = 8;
    pc.lora.targets = {"q_proj", "v_proj"};
    applyPeft(*model, pc, model->headPrefixes(), 1);
    torch::manual_seed(2);
    auto ids = torch::randint(3, 512, {2, 6}, torch::kInt64);
    torch::Tensor l32;
    {
      torch::NoGradGuard ng;
      l32 = model->forward(ids, {});
    }
    QCOMPARE(storeFrozenProjections(*model, torch::kBFloat16), int64_t(7 * kLayers));
    const auto q = param(*model, "model.layers.0.self_attn.q_proj.weight");
    QVERIFY(q.scalar_type() == torch::kBFloat16);
    QVERIFY(torch::equal(q, bf.at("model.layers.0.self_attn.q_proj.weight")));  // bit for bit
    QVERIFY(param(*model, "model.layers.0.self_attn.q_proj.bias").scalar_type() == torch::kFloat32);
    QVERIFY(param(*model, "model.embed_tokens.weight").scalar_type() == torch::kFloat32);
    QVERIFY(param(*model, "model.layers.0.input_layernorm.weight").scalar_type() == torch::kFloat32);
    // one projection against the formula
    PeftLinearImpl* k = nullptr;
    for (const auto& item : model->named_modules("", false))
      if (item.key() == "model.layers.1.self_attn.k_proj") k = dynamic_cast<PeftLinearImpl*>(item.value().get());
    QVERIFY(k);
    auto x = torch::randn({3, kHidden});
    {
      torch::NoGradGuard ng;
      const auto expected = torch::matmul(x.to(torch::kBFloat16), k->weight.t()).to(torch::kFloat32) + k->bias;
      QVERIFY(torch::equal(k->baseForward(x), expected));
    }
    // forward within BF16 rounding of the float32 path; LoRA gradients flow, frozen weights get none
    auto logits = model->forward(ids, {});
    QVERIFY(logits.scalar_type() == torch::kFloat32);
    const double d = (logits.detach() - l32).abs().max().item<double>();
    qInfo("model.dtype bfloat16 vs float32 (same BF16 checkpoint): max |logits difference| = %.3g", d);
    QVERIFY(std::isfinite(d) && d > 0 && d < 0.05);
    logits.pow(2).mean().backward();
    int lora_grads = 0;
    for (const auto& [n, p] : trainableParameters(*model)) {
      QVERIFY2(p.scalar_type() == torch::kFloat32, n.c_str());
      if (p.grad().defined() && n.find("lora_B") != std::string::npos) ++lora_grads;
    }
    QVERIFY(lora_grads > 0);
    QVERIFY(!q.grad().defined());

    // the trainer, and the config errors
    const auto sst2 = test::sharedPath("data/glue/SST-2");
    if (sst2.empty()) QSKIP("../shared/data/glue/SST-2 not available");
    json cfg = {{"model", {{"path", out}, {"dtype", "bfloat16"}}},
                {"task", {{"name", "sst2"}, {"data_dir", sst2}, {"max_seq_length", 32}, {"max_train_examples", 16}, {"max_dev_examples", 16}}},
                {"peft", {{"method", "lora"}, {"lora", {{"rank", 4}, {"alpha", 8}, {"targets", {"q_proj", "v_proj"}}}}}},
                {"train", {{"max_steps", 2}, {"batch_size", 8}, {"threads", 1}, {"device", "cpu"}, {"checkpoint_every_steps", 0}}},
                {"seed", 1}};
    QCOMPARE(toJson(parseRunConfig(cfg))["model"]["dtype"].get<std::string>(), std::string("bfloat16"));
    const auto run_dir = trainIn(cfg, "run-bf16");
    QVERIFY(fs::exists(run_dir + "/results.json"));
    for (const auto& [bad, path] : std::vector<std::pair<json, std::string>>{
             {{{"dtype", "float16"}}, "/model/dtype"}}) {
      json c = cfg;
      c["model"].update(bad);
      try {
        parseRunConfig(c);
        QFAIL("accepted a bad model.dtype");
      } catch (const EngineError& e) {
        QCOMPARE(e.location(), path);
      }
    }
    json full = cfg;
    full["peft"] = {{"method", "full"}};
    try {
      parseRunConfig(full);
      QFAIL("accepted bfloat16 with full fine-tuning");
    } catch (const EngineError& e) {
      QCOMPARE(e.location(), std::string("/model/dtype"));
    }
  }

  /// Bad index files: a shard path leaving the folder, a tensor listed twice (a repeated key in
  /// weight_map, or stored in two shards), a missing shard — each an error naming file and entry.
  void badIndexFiles() {
    const auto dir = initModel("qwen2");
    const auto st = loadSafetensors(dir + "/model.safetensors");
    auto make = [&](const std::string& name) {
      const auto out = tmp_.filePath(QString::fromStdString(name)).toStdString();
      fs::create_directories(out);
      fs::copy_file(dir + "/config.json", out + "/config.json", fs::copy_options::overwrite_existing);
      saveSafetensors(out + "/shard.safetensors", st.tensors);
      return out;
    };
    auto mapAll = [&](const std::string& file) {
      json m = json::object();
      for (const auto& [n, t] : st.tensors) m[n] = file;
      return m;
    };
    auto loadErr = [](const std::string& d) { return errorOf([&] { loadTaskModel(d, HeadType::CausalLM, 0, 1); }); };
    const std::string some = st.tensors.begin()->first;

    // path escaping the folder (relative and absolute), even when the file exists there
    auto esc = make("idx-escape");
    saveSafetensors(tmp_.filePath("outside.safetensors").toStdString(), st.tensors);
    auto m = mapAll("shard.safetensors");
    m[some] = "../outside.safetensors";
    writeJson(esc + "/model.safetensors.index.json", {{"weight_map", m}});
    auto err = loadErr(esc);
    QVERIFY2(err.find("shard path '../outside.safetensors' leaves the model folder") != std::string::npos &&
                 err.find("model.safetensors.index.json:/weight_map/" + some) != std::string::npos,
             err.c_str());
    m[some] = tmp_.filePath("outside.safetensors").toStdString();
    writeJson(esc + "/model.safetensors.index.json", {{"weight_map", m}});
    QVERIFY2(loadErr(esc).find("leaves the model folder") != std::string::npos, loadErr(esc).c_str());
    // a symlink inside the folder pointing outside
    fs::create_symlink(tmp_.filePath("outside.safetensors").toStdString(), esc + "/link.safetensors");
    writeJson(esc + "/model.safetensors.index.json", {{"weight_map", mapAll("link.safetensors")}});
    QVERIFY2(loadErr(esc).find("leaves the model folder") != std::string::npos, loadErr(esc).c_str());

    // a tensor listed twice in the JSON text (nlohmann would keep only the last one)
    auto dup = make("idx-dup");
    std::string text = json{{"weight_map", mapAll("shard.safetensors")}}.dump();
    const std::string entry = "\"" + some + "\":\"shard.safetensors\"";
    text.replace(text.find(entry), entry.size(), entry + "," + entry);
    test::writeFile(dup + "/model.safetensors.index.json", text);
    err = loadErr(dup);
    QVERIFY2(err.find("tensor listed twice in weight_map") != std::string::npos &&
                 err.find(":/weight_map/" + some) != std::string::npos,
             err.c_str());

    // a tensor stored in two shards: `some` in shard.safetensors (where the index puts it) and
    // again in extra.safetensors, which holds the last tensor
    auto two = make("idx-two");
    const std::string last = st.tensors.rbegin()->first;
    auto rest = st.tensors;
    rest.erase(last);
    saveSafetensors(two + "/shard.safetensors", rest);
    saveSafetensors(two + "/extra.safetensors", {{some, st.tensors.at(some)}, {last, st.tensors.at(last)}});
    auto m2 = mapAll("shard.safetensors");
    m2[last] = "extra.safetensors";
    writeJson(two + "/model.safetensors.index.json", {{"weight_map", m2}});
    err = loadErr(two);
    QVERIFY2(err.find("tensor stored twice") != std::string::npos &&
                 err.find("extra.safetensors:" + some) != std::string::npos,
             err.c_str());

    // a missing shard, named
    auto miss = make("idx-missing");
    auto m3 = mapAll("shard.safetensors");
    m3[some] = "model-00002-of-00002.safetensors";
    writeJson(miss + "/model.safetensors.index.json", {{"weight_map", m3}});
    fs::remove(miss + "/model.safetensors");
    err = loadErr(miss);
    QVERIFY2(err.find("shard listed in model.safetensors.index.json is missing") != std::string::npos &&
                 err.find("model-00002-of-00002.safetensors") != std::string::npos,
             err.c_str());

    // a tensor the index does not list for its shard
    auto unl = make("idx-unlisted");
    auto m4 = mapAll("shard.safetensors");
    m4.erase(some);
    writeJson(unl + "/model.safetensors.index.json", {{"weight_map", m4}});
    err = loadErr(unl);
    QVERIFY2(err.find("tensor not listed in model.safetensors.index.json") != std::string::npos, err.c_str());
    // the well-formed index of the same shard loads
    writeJson(unl + "/model.safetensors.index.json", {{"weight_map", mapAll("shard.safetensors")}});
    QCOMPARE(loadErr(unl), std::string("<no error>"));
  }

  /// PEFT on each new type: AdaMix-LoRA on q_proj/v_proj and an AdaMix adapter, a few AdamW steps
  /// on a fixed batch: losses finite and decreasing, PEFT parameters changed, backbone frozen;
  /// then the real trainer (SST-2, 3 steps) runs each type to results.json.
  void peftTrainsOnEachType() {
    for (const auto& type : kTypes) {
      for (const auto method : {PeftMethod::Lora, PeftMethod::Adapter}) {
        auto model = loadTaskModel(initModel(type), HeadType::CausalLM, 0, 1);
        PeftConfig pc;
        pc.method = method;
        pc.lora.rank = 4;
        pc.lora.alpha = 8;
        pc.lora.targets = {"q_proj", "v_proj"};
        pc.adapter.bottleneck = 8;
        pc.adamix.num_modules = 2;
        auto handle = applyPeft(*model, pc, model->headPrefixes(), 1);
        QVERIFY(handle.counts.trainable_peft > 0);
        auto params = trainableParameters(*model);
        std::vector<torch::Tensor> ps;
        std::map<std::string, torch::Tensor> before;
        for (auto& [n, p] : params) {
          ps.push_back(p);
          before[n] = p.detach().clone();
        }
        const auto frozen = param(*model, "model.layers.0.self_attn.q_proj.weight").clone();
        torch::optim::AdamW opt(ps, torch::optim::AdamWOptions(1e-2).weight_decay(0.0));
        model->train();
        torch::manual_seed(6);
        auto ids = torch::randint(3, 512, {4, 12}, torch::kInt64);
        std::vector<double> losses;
        for (int step = 0; step < 8; ++step) {
          handle.routes->beginPass();
          auto logits = model->forward(ids, {});
          auto loss = torch::nn::functional::cross_entropy(logits.narrow(1, 0, 11).reshape({-1, 512}),
                                                           ids.narrow(1, 1, 11).reshape({-1}));
          opt.zero_grad();
          loss.backward();
          opt.step();
          losses.push_back(loss.item<double>());
        }
        const std::string what = type + (method == PeftMethod::Lora ? " AdaMix-LoRA" : " AdaMix adapter");
        qInfo("%s: loss %.4f -> %.4f over 8 steps", what.c_str(), losses.front(), losses.back());
        for (double l : losses) QVERIFY2(std::isfinite(l), what.c_str());
        QVERIFY2(losses.back() < losses.front(), what.c_str());
        bool changed = false;
        for (auto& [n, p] : params) changed |= !torch::equal(p.detach(), before[n]);
        QVERIFY2(changed, what.c_str());
        QVERIFY2(torch::equal(param(*model, "model.layers.0.self_attn.q_proj.weight"), frozen), what.c_str());
      }
    }
    const auto sst2 = test::sharedPath("data/glue/SST-2");
    if (sst2.empty()) QSKIP("../shared/data/glue/SST-2 not available");
    for (const auto& type : kTypes) {
      json cfg = {{"model", {{"path", initModel(type)}}},
                  {"task",
                   {{"name", "sst2"},
                    {"data_dir", sst2},
                    {"max_seq_length", 32},
                    {"max_train_examples", 24},
                    {"max_dev_examples", 16}}},
                  {"peft",
                   {{"method", "lora"},
                    {"lora", {{"rank", 4}, {"alpha", 8}, {"targets", {"q_proj", "v_proj"}}}},
                    {"adamix", {{"num_modules", 2}, {"sharing", "up"}}}}},
                  {"train",
                   {{"max_steps", 3},
                    {"batch_size", 8},
                    {"learning_rate", 1e-2},
                    {"eval_every_steps", 0},
                    {"threads", 1},
                    {"device", "cpu"},
                    {"checkpoint_every_steps", 0}}},
                  {"seed", 1}};
      std::string run_dir;
      try {
        run_dir = trainIn(cfg, "run-" + type);
      } catch (const EngineError& e) {
        QFAIL((type + ": " + e.message() + " @ " + e.location()).c_str());
      }
      QVERIFY2(fs::exists(run_dir + "/results.json"), type.c_str());
      std::ifstream in(run_dir + "/events.jsonl");
      std::string line;
      int losses = 0;
      while (std::getline(in, line)) {
        const auto e = json::parse(line);
        if (e.value("event", "") == "metric" && e.value("name", "") == "loss" && e.value("split", "") == "train") {
          QVERIFY2(std::isfinite(e["value"].get<double>()), line.c_str());
          ++losses;
        }
      }
      qInfo("%s: trainer run finished, %d train loss points", type.c_str(), losses);
    }
  }
};

QTEST_APPLESS_MAIN(TestLlamaFamily)
#include "test_llama_family.moc"
