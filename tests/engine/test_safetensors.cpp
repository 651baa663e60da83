// safetensors reader/writer, checkpoint loading errors, json_util.
#include <QtTest/QtTest>
#include <torch/torch.h>

#include <cstring>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "io/errors.h"
#include "io/json_util.h"
#include "io/safetensors.h"
#include "model/checkpoint.h"
#include "model/model_config.h"
#include "test_support.h"

using namespace adamix;
namespace fs = std::filesystem;
using json = nlohmann::json;

namespace {

// Raw safetensors bytes from a header object and a data blob (no validation: for bad inputs).
std::string rawFile(const std::string& header, const std::string& data, int64_t length_override = -1) {
  uint64_t n = length_override >= 0 ? static_cast<uint64_t>(length_override) : header.size();
  std::string out(8, '\0');
  for (int i = 0; i < 8; ++i) out[i] = static_cast<char>((n >> (8 * i)) & 0xff);
  return out + header + data;
}

std::string le16(uint16_t v) { return std::string{static_cast<char>(v & 0xff), static_cast<char>(v >> 8)}; }

// Calls f, expects EngineError of `kind` whose location contains every string in `where`.
template <class F>
void expectError(F&& f, ErrorKind kind, std::initializer_list<std::string> where, const char* what = "") {
  try {
    f();
  } catch (const EngineError& e) {
    QVERIFY2(e.kind() == kind, (std::string("wrong kind for: ") + e.what()).c_str());
    for (const auto& w : where)
      QVERIFY2(e.location().find(w) != std::string::npos,
               ("location '" + e.location() + "' lacks '" + w + "' (" + e.what() + ")").c_str());
    if (*what) QVERIFY2(std::string(e.what()).find(what) != std::string::npos, e.what());
    return;
  }
  QFAIL("no EngineError thrown");
}

ModelConfig tinyConfig() {
  json j = {{"model_type", "llama"},    {"hidden_size", 16},
            {"intermediate_size", 24},  {"num_hidden_layers", 2},
            {"num_attention_heads", 4}, {"num_key_value_heads", 2},
            {"vocab_size", 40},         {"max_position_embeddings", 64},
            {"rms_norm_eps", 1e-5},     {"tie_word_embeddings", true}};
  return parseModelConfig(j, "tiny/config.json");
}

}  // namespace

class TestSafetensors : public QObject {
  Q_OBJECT
 private:
  QTemporaryDir tmp_;
  std::string path(const std::string& name) { return (fs::path(tmp_.path().toStdString()) / name).string(); }

  // A tiny Llama model directory with `mutate` applied to its tensors before saving.
  std::string tinyModelDir(const std::string& name,
                           const std::function<void(std::map<std::string, torch::Tensor>&)>& mutate) {
    const std::string dir = path(name);
    fs::create_directories(dir);
    auto cfg = tinyConfig();
    test::writeFile(dir + "/config.json", cfg.raw.dump());
    auto m = buildTaskModel(cfg, HeadType::CausalLM, 0);
    initTaskModelWeights(*m, 7);
    auto t = namedTensors(*m);
    mutate(t);
    saveSafetensors(dir + "/model.safetensors", t);
    return dir;
  }

 private Q_SLOTS:
  void roundTripAllDtypes() {
    torch::manual_seed(0);
    std::map<std::string, torch::Tensor> t = {
        {"f32", torch::randn({3, 5})},
        {"f16", torch::randn({4}).to(torch::kFloat16)},
        {"bf16", torch::randn({2, 2}).to(torch::kBFloat16)},
        {"i64", torch::arange(6, torch::kInt64).view({2, 3}) - 3},
        {"i32", torch::tensor({7, -8}, torch::kInt32)},
        {"scalar", torch::tensor(2.5f)},
        {"empty", torch::zeros({0, 4})},
        {"noncontig", torch::randn({4, 3}).t()},
    };
    const auto p = path("rt.safetensors");
    saveSafetensors(p, t, {{"format", "pt"}, {"note", "x"}});
    QVERIFY(!fs::exists(p + ".tmp." + std::to_string(::getpid())));
    auto raw = loadSafetensors(p, /*to_float32=*/false);
    QCOMPARE(raw.metadata.at("format"), std::string("pt"));
    QCOMPARE(raw.metadata.at("note"), std::string("x"));
    QCOMPARE(raw.tensors.size(), t.size());
    for (const auto& [k, v] : t) {
      const auto& r = raw.tensors.at(k);
      QVERIFY2(r.scalar_type() == v.scalar_type(), k.c_str());
      QVERIFY2(r.sizes() == v.sizes(), k.c_str());
      QVERIFY2(torch::equal(r, v), k.c_str());
    }
    auto f = loadSafetensors(p, /*to_float32=*/true);
    QVERIFY(f.tensors.at("f16").scalar_type() == torch::kFloat32);
    QVERIFY(f.tensors.at("bf16").scalar_type() == torch::kFloat32);
    QVERIFY(f.tensors.at("i64").scalar_type() == torch::kInt64);
    QVERIFY(torch::equal(f.tensors.at("f16"), t.at("f16").to(torch::kFloat32)));
    QVERIFY(torch::equal(f.tensors.at("bf16"), t.at("bf16").to(torch::kFloat32)));
    // Header is 8-byte aligned so the data section starts aligned.
    QCOMPARE(readSafetensorsHeader(p).data_start % 8, uint64_t(0));
  }

  void halfPrecisionBytesDecodeExactly() {
    // Hand-written bit patterns: F16 0x3C00=1, 0xC000=-2, 0x7BFF=65504, 0x0001=2^-24 (subnormal);
    // BF16 0x3F80=1, 0xC0A0=-5, 0x3E20=0.15625.
    const std::string data = le16(0x3C00) + le16(0xC000) + le16(0x7BFF) + le16(0x0001) + le16(0x3F80) + le16(0xC0A0) +
                             le16(0x3E20) + std::string(2, '\0');
    json h = {{"a", {{"dtype", "F16"}, {"shape", {4}}, {"data_offsets", {0, 8}}}},
              {"b", {{"dtype", "BF16"}, {"shape", {3}}, {"data_offsets", {8, 14}}}}};
    test::writeFile(path("half.safetensors"), rawFile(h.dump(), data));
    auto f = loadSafetensors(path("half.safetensors"));
    auto a = f.tensors.at("a");
    auto b = f.tensors.at("b");
    QCOMPARE(a[0].item<float>(), 1.0f);
    QCOMPARE(a[1].item<float>(), -2.0f);
    QCOMPARE(a[2].item<float>(), 65504.0f);
    QCOMPARE(a[3].item<float>(), std::ldexp(1.0f, -24));
    QCOMPARE(b[0].item<float>(), 1.0f);
    QCOMPARE(b[1].item<float>(), -5.0f);
    QCOMPARE(b[2].item<float>(), 0.15625f);
  }

  void readsTheRealCheckpointHeader() {
    const auto dir = test::sharedPath("models/stories260K");
    if (dir.empty()) QSKIP("shared models/stories260K not available");
    auto h = readSafetensorsHeader(dir + "/model.safetensors");
    QCOMPARE(h.entries.at("model.embed_tokens.weight").shape, (std::vector<int64_t>{512, 64}));
    QCOMPARE(h.entries.at("model.layers.0.self_attn.k_proj.weight").shape, (std::vector<int64_t>{32, 64}));
  }

  void truncatedFile() {
    const auto good = path("good.safetensors");
    saveSafetensors(good, {{"w", torch::ones({16, 16})}});
    auto bytes = test::readFile(good);
    test::writeFile(path("trunc.safetensors"), bytes.substr(0, bytes.size() - 100));
    expectError([&] { loadSafetensors(path("trunc.safetensors")); }, ErrorKind::Model, {"trunc.safetensors", ":w"},
                "beyond");
    test::writeFile(path("tiny.safetensors"), bytes.substr(0, 5));
    expectError([&] { loadSafetensors(path("tiny.safetensors")); }, ErrorKind::Model, {"tiny.safetensors"},
                "too short");
    test::writeFile(path("cut_header.safetensors"), bytes.substr(0, 20));
    expectError([&] { loadSafetensors(path("cut_header.safetensors")); }, ErrorKind::Model, {"cut_header.safetensors"},
                "header length");
  }

  void headerLengthBeyondFile() {
    test::writeFile(path("hl.safetensors"), rawFile("{}", "", 1000000));
    expectError([&] { loadSafetensors(path("hl.safetensors")); }, ErrorKind::Model, {"hl.safetensors"},
                "exceeds the file size");
  }

  void offsetsBeyondFile() {
    json h = {{"x", {{"dtype", "F32"}, {"shape", {4}}, {"data_offsets", {8, 24}}}}};
    test::writeFile(path("ob.safetensors"), rawFile(h.dump(), std::string(16, '\0')));
    expectError([&] { loadSafetensors(path("ob.safetensors")); }, ErrorKind::Model, {"ob.safetensors", ":x"},
                "beyond the data section");
  }

  void offsetsInconsistentNegativeOrOverlapping() {
    json bad_size = {{"x", {{"dtype", "F32"}, {"shape", {3}}, {"data_offsets", {0, 16}}}}};
    test::writeFile(path("sz.safetensors"), rawFile(bad_size.dump(), std::string(16, '\0')));
    expectError([&] { loadSafetensors(path("sz.safetensors")); }, ErrorKind::Model, {"sz.safetensors", ":x"},
                "needs 12");
    json neg = {{"x", {{"dtype", "F32"}, {"shape", {1}}, {"data_offsets", {-4, 0}}}}};
    test::writeFile(path("neg.safetensors"), rawFile(neg.dump(), std::string(16, '\0')));
    expectError([&] { loadSafetensors(path("neg.safetensors")); }, ErrorKind::Model, {"neg.safetensors", ":x"});
    json rev = {{"x", {{"dtype", "F32"}, {"shape", {0}}, {"data_offsets", {8, 4}}}}};
    test::writeFile(path("rev.safetensors"), rawFile(rev.dump(), std::string(16, '\0')));
    expectError([&] { loadSafetensors(path("rev.safetensors")); }, ErrorKind::Model, {"rev.safetensors", ":x"});
    json ov = {{"a", {{"dtype", "F32"}, {"shape", {2}}, {"data_offsets", {0, 8}}}},
               {"b", {{"dtype", "F32"}, {"shape", {2}}, {"data_offsets", {4, 12}}}}};
    test::writeFile(path("ov.safetensors"), rawFile(ov.dump(), std::string(16, '\0')));
    expectError([&] { loadSafetensors(path("ov.safetensors")); }, ErrorKind::Model, {"ov.safetensors", ":b"},
                "overlaps tensor 'a'");
    json negshape = {{"x", {{"dtype", "F32"}, {"shape", {-1}}, {"data_offsets", {0, 4}}}}};
    test::writeFile(path("ns.safetensors"), rawFile(negshape.dump(), std::string(8, '\0')));
    expectError([&] { loadSafetensors(path("ns.safetensors")); }, ErrorKind::Model, {"ns.safetensors", ":x"});
  }

  void badJson() {
    test::writeFile(path("bj.safetensors"), rawFile("{\"x\": [1, 2", std::string(8, '\0')));
    expectError([&] { loadSafetensors(path("bj.safetensors")); }, ErrorKind::Model, {"bj.safetensors"}, "invalid JSON");
    test::writeFile(path("arr.safetensors"), rawFile("[1]", ""));
    expectError([&] { loadSafetensors(path("arr.safetensors")); }, ErrorKind::Model, {"arr.safetensors"});
  }

  void unsupportedDtypeInFile() {
    json h = {{"x", {{"dtype", "F64"}, {"shape", {1}}, {"data_offsets", {0, 8}}}}};
    test::writeFile(path("f64.safetensors"), rawFile(h.dump(), std::string(8, '\0')));
    expectError([&] { loadSafetensors(path("f64.safetensors")); }, ErrorKind::Model, {"f64.safetensors", ":x"},
                "unsupported dtype 'F64'");
  }

  void missingFile() {
    expectError([&] { loadSafetensors(path("nope.safetensors")); }, ErrorKind::Model, {"nope.safetensors"},
                "file not found");
    // one that is there but no file: said so (both read "file not found" before)
    std::filesystem::create_directories(path("folder.safetensors"));
    expectError([&] { loadSafetensors(path("folder.safetensors")); }, ErrorKind::Model, {"folder.safetensors"},
                "not a regular file: a directory");
    std::filesystem::create_symlink("/dev/zero", path("zero.safetensors"));
    expectError([&] { readSafetensorsHeader(path("zero.safetensors")); }, ErrorKind::Model, {"zero.safetensors"},
                "not a regular file");
  }

  void writeFailureIsIoErrorAndLeavesNoFile() {
    expectError(
        [&] {
          saveSafetensors(path("no_such_dir/x.safetensors"), {{"w", torch::ones({2})}});
        },
        ErrorKind::Io, {"no_such_dir"});
    // An unsupported dtype is rejected before the existing file is touched.
    const auto p = path("keep.safetensors");
    saveSafetensors(p, {{"w", torch::ones({2})}});
    const auto before = test::readFile(p);
    QVERIFY_EXCEPTION_THROWN(saveSafetensors(p, {{"w", torch::ones({2}, torch::kFloat64)}}), EngineError);
    QCOMPARE(test::readFile(p), before);
    for (const auto& e : fs::directory_iterator(tmp_.path().toStdString()))
      QVERIFY2(e.path().string().find(".tmp.") == std::string::npos, e.path().c_str());
  }

  // ---- checkpoint loading: missing tensor / wrong shape / wrong dtype / extras ----
  void checkpointLoadsTinyModel() {
    auto dir = tinyModelDir("ok", [](auto&) {});
    auto m = loadTaskModel(dir, HeadType::CausalLM, 0, 1);
    auto ref = buildTaskModel(tinyConfig(), HeadType::CausalLM, 0);
    initTaskModelWeights(*ref, 7);
    auto a = namedTensors(*m), b = namedTensors(*ref);
    QCOMPARE(a.size(), b.size());
    for (const auto& [k, v] : b) QVERIFY2(torch::equal(a.at(k), v), k.c_str());
  }

  void checkpointMissingTensor() {
    auto dir = tinyModelDir("missing", [](auto& t) { t.erase("model.layers.1.mlp.up_proj.weight"); });
    expectError([&] { loadTaskModel(dir, HeadType::CausalLM, 0, 1); }, ErrorKind::Model,
                {"missing/model.safetensors", ":model.layers.1.mlp.up_proj.weight"}, "missing tensor");
  }

  void checkpointWrongShape() {
    auto dir = tinyModelDir("shape", [](auto& t) { t["model.norm.weight"] = torch::ones({17}); });
    expectError([&] { loadTaskModel(dir, HeadType::Classification, 2, 1); }, ErrorKind::Model,
                {"shape/model.safetensors", ":model.norm.weight"}, "[17]");
    auto dir2 = tinyModelDir("score_shape", [](auto& t) { t["score.weight"] = torch::zeros({3, 16}); });
    expectError([&] { loadTaskModel(dir2, HeadType::Classification, 2, 1); }, ErrorKind::Model,
                {"score_shape/model.safetensors", ":score.weight"});
  }

  void checkpointWrongDtype() {
    auto dir = tinyModelDir("dtype", [](auto& t) {
      t["model.embed_tokens.weight"] = torch::zeros({40, 16}, torch::kInt32);
    });
    expectError([&] { loadTaskModel(dir, HeadType::CausalLM, 0, 1); }, ErrorKind::Model,
                {"dtype/model.safetensors", ":model.embed_tokens.weight"}, "floating");
  }

  void checkpointHalfPrecisionIsConverted() {
    auto dir = tinyModelDir("bf16", [](auto& t) {
      for (auto& [k, v] : t) v = v.to(torch::kBFloat16);
    });
    auto m = loadTaskModel(dir, HeadType::CausalLM, 0, 1);
    for (const auto& p : m->parameters()) QVERIFY(p.scalar_type() == torch::kFloat32);
  }

  void checkpointExtraTensors() {
    // Another head's tensor: ignored (warning on stderr).
    auto dir = tinyModelDir("extra_head", [](auto& t) { t["score.weight"] = torch::zeros({2, 16}); });
    QVERIFY(loadTaskModel(dir, HeadType::CausalLM, 0, 1) != nullptr);
    // A layer the config does not have: a different architecture/config -> error.
    auto dir2 = tinyModelDir("extra_layer", [](auto& t) {
      t["model.layers.2.mlp.up_proj.weight"] = torch::zeros({24, 16});
    });
    expectError([&] { loadTaskModel(dir2, HeadType::CausalLM, 0, 1); }, ErrorKind::Model,
                {"extra_layer/model.safetensors", ":model.layers.2.mlp.up_proj.weight"});
  }

  void checkpointHeadInitFromSeed() {
    auto dir = tinyModelDir("head", [](auto&) {});
    auto a = loadTaskModel(dir, HeadType::Classification, 3, 11);
    auto b = loadTaskModel(dir, HeadType::Classification, 3, 11);
    auto c = loadTaskModel(dir, HeadType::Classification, 3, 12);
    auto sa = namedTensors(*a).at("score.weight");
    QCOMPARE(sa.sizes().vec(), (std::vector<int64_t>{3, 16}));
    QVERIFY(torch::equal(sa, namedTensors(*b).at("score.weight")));
    QVERIFY(!torch::equal(sa, namedTensors(*c).at("score.weight")));
    QVERIFY(std::abs(sa.std().item<double>() - 0.02) < 0.015);
    QCOMPARE(a->headPrefixes(), std::vector<std::string>{"score."});
  }

  void checkpointMissingWeightsFile() {
    const auto dir = path("noweights");
    fs::create_directories(dir);
    test::writeFile(dir + "/config.json", tinyConfig().raw.dump());
    expectError([&] { loadTaskModel(dir, HeadType::CausalLM, 0, 1); }, ErrorKind::Model,
                {"noweights/model.safetensors"});
  }

  // ---- json_util ----
  void jsonUtilTypedFields() {
    namespace ju = json_util;
    json j = json::parse(R"({"train": {"learning_rate": "fast", "epochs": 3, "ratio": 1, "name": "x",
                              "flag": true, "neg": -1, "frac": 1.5, "list": [1, "a"], "nul": null}})");
    const auto& train = ju::getObject(j, "train", "");
    QCOMPARE(ju::get<int64_t>(train, "epochs", "/train", 0), int64_t(3));
    QCOMPARE(ju::get<double>(train, "ratio", "/train", 0.0), 1.0);
    QCOMPARE(ju::get<double>(train, "absent", "/train", 0.5), 0.5);
    QCOMPARE(ju::get<std::string>(train, "name", "/train", ""), std::string("x"));
    QCOMPARE(ju::get<bool>(train, "flag", "/train", false), true);
    QVERIFY(!ju::getOptional<int64_t>(train, "nul", "/train").has_value());
    expectError([&] { ju::get<double>(train, "learning_rate", "/train", 1e-4); }, ErrorKind::Config,
                {"/train/learning_rate"}, "expected a number, got string");
    expectError([&] { ju::get<int64_t>(train, "frac", "/train", 0); }, ErrorKind::Config, {"/train/frac"});
    expectError([&] { ju::get<uint64_t>(train, "neg", "/train", 0); }, ErrorKind::Config, {"/train/neg"});
    expectError([&] { ju::get<bool>(train, "epochs", "/train", false); }, ErrorKind::Config, {"/train/epochs"});
    expectError([&] { ju::get<int64_t>(train, "nul", "/train", 0); }, ErrorKind::Config, {"/train/nul"});
    expectError([&] { ju::get<std::vector<int64_t>>(train, "list", "/train", {}); }, ErrorKind::Config,
                {"/train/list/1"});
    expectError([&] { ju::require<int64_t>(train, "steps", "/train"); }, ErrorKind::Config, {"/train/steps"},
                "missing");
    expectError([&] { ju::getObject(train, "name", "/train"); }, ErrorKind::Config, {"/train/name"});
    expectError(
        [&] {
          ju::rejectUnknownKeys(train, {"epochs", "ratio"}, "/train");
        },
        ErrorKind::Config, {"/train/"}, "unknown key");
    ju::rejectUnknownKeys(json::parse(R"({"a": 1})"), {"a", "b"}, "/x");
    QCOMPARE(ju::childPath("/a", "b/c~d"), std::string("/a/b~1c~0d"));
    expectError(
        [&] {
          ju::get<int>(train, "epochs", "/train", 0, ErrorKind::Model);
          ju::get<int>(train, "name", "/train", 0, ErrorKind::Model);
        },
        ErrorKind::Model, {"/train/name"});
  }
};

QTEST_GUILESS_MAIN(TestSafetensors)
#include "test_safetensors.moc"
