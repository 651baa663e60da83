// `adamix-engine merge` (artifacts/run_merge.h): other merges of a finished AdaMix run's modules.
// A tiny AdaMix-adapter run on real RTE rows that has learned its training rows (the held-out
// sample is drawn from them): uniform reproduces the run's own merged weights and dev metrics bit
// for bit; a module overwritten with noise is left out of the greedy soup and down-weighted by the
// learned soup weights; the held-out sample comes from the training split only; bad requests get
// the documented exit codes.
#include <QtCore/QProcess>
#include <QtCore/QTemporaryDir>
#include <QtTest/QtTest>
#include <torch/torch.h>

#include <filesystem>
#include <fstream>
#include <set>

#include "artifacts/run_eval.h"
#include "artifacts/run_merge.h"
#include "config/run_config.h"
#include "data/glue.h"
#include "io/errors.h"
#include "io/safetensors.h"
#include "model/init_model.h"
#include "protocol/events.h"
#include "test_support.h"
#include "tiny_llama.h"
#include "train/task_data.h"
#include "train/trainer.h"

using namespace adamix;
using nlohmann::json;
namespace fs = std::filesystem;

class TestMerge : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void initTestCase();
  void uniformIsTheRunsOwnMerge();
  void greedySoupLeavesOutADestroyedModule();
  void learnedWeightsDownWeightADestroyedModule();
  void heldoutSampleComesFromTheTrainingSplit();
  void mergesNeverShareAFolder();
  void badRequestsGetTheirExitCodes();

 private:
  json merge(MergeRequest req);
  /// A copy of the run whose module 1 in the last layer makes the model predict class 1 for every
  /// input (a destructive module whose held-out accuracy is known: the share of class 1).
  std::string destroyedCopy(const std::string& name);
  json cfg_;
  std::string model_dir_;
  QTemporaryDir tmp_;
  std::string run_dir_;
};

void TestMerge::initTestCase() {
  const auto stories = test::sharedPath("models/stories260K");
  const auto rte = test::sharedPath("data/glue/RTE");
  if (stories.empty() || rte.empty()) QSKIP("shared assets (stories260K, RTE) not available");
  QVERIFY(tmp_.isValid());
  model_dir_ = tmp_.filePath("tiny-llama").toStdString();
  test::writeTinyLlama(model_dir_, stories);
  // 32 training rows, 12 epochs at a high learning rate: the modules learn the training rows,
  // so a module's score on a sample of them says something (a destroyed one scores lower).
  cfg_ = {{"seed", 5},
          {"model", {{"path", model_dir_}}},
          {"task",
           {{"name", "rte"},
            {"data_dir", rte},
            {"max_seq_length", 40},
            {"max_train_examples", 32},
            {"max_dev_examples", 24}}},
          {"peft",
           {{"method", "adapter"},
            {"adapter", {{"bottleneck", 8}}},
            {"adamix", {{"num_modules", 2}, {"sharing", "up"}}}}},
          {"train",
           {{"learning_rate", 2e-2},
            {"epochs", 12},
            {"batch_size", 8},
            {"eval_batch_size", 32},
            {"keep", "last"},
            {"eval_inference_modes", false},
            {"threads", 1},
            {"device", "cpu"}}}};
  auto rc = parseRunConfig(cfg_);
  run_dir_ = tmp_.filePath("run").toStdString();
  rc.run_id = "run";
  fs::create_directories(run_dir_);
  TrainOptions opts;
  opts.run_dir = run_dir_;
  EventStream events(rc.run_id, run_dir_ + "/events.jsonl", /*echo_stdout=*/false);
  trainRun(rc, opts, events);
}

json TestMerge::merge(MergeRequest req) {
  EventStream events("merge", tmp_.filePath("merge-events.jsonl").toStdString(), /*echo_stdout=*/false);
  return runMerge(req, events);
}

std::string TestMerge::destroyedCopy(const std::string& name) {
  const auto dir = tmp_.filePath(QString::fromStdString(name)).toStdString();
  fs::create_directories(dir);
  for (const char* f : {"config.json", "results.json"}) fs::copy_file(run_dir_ + "/" + f, dir + "/" + f);
  auto st = loadSafetensors(run_dir_ + "/adapters.safetensors");
  auto& t = st.tensors;
  const std::string site = "model.layers.1.ffn_adapter.adapter.";
  for (const auto& n : {site + "down.1.weight", site + "down.1.bias", site + "up.0.weight", std::string("score.weight")})
    if (!t.count(n)) qFatal("no tensor %s", n.c_str());
  const auto norm = loadSafetensors(model_dir_ + "/model.safetensors").tensors.at("model.norm.weight");
  // Module 1 of the last layer adds a large constant to every position: down.1 = 0 with biases
  // ±1000 chosen so that GELU keeps the components whose up-projection raises class 1's logit
  // (through the final RMSNorm's scale). With it the model predicts class 1 everywhere.
  const auto u = norm * (t.at("score.weight")[1] - t.at("score.weight")[0]);
  const auto a = t.at(site + "up.0.weight").t().matmul(u);  // [bottleneck]
  t[site + "down.1.weight"].zero_();
  t[site + "down.1.bias"] = torch::where(a > 0, torch::full_like(a, 1000.0), torch::full_like(a, -1000.0));
  saveSafetensors(dir + "/adapters.safetensors", t, st.metadata);
  return dir;
}

void TestMerge::uniformIsTheRunsOwnMerge() {
  MergeRequest req;
  req.run_dir = run_dir_;
  req.strategy = "uniform";
  const auto f = merge(req);
  const auto results = json::parse(test::readFile(run_dir_ + "/results.json"));
  const auto out = run_dir_ + "/merges/uniform";
  QCOMPARE(f["out"].get<std::string>(), fs::absolute(out).lexically_normal().string());
  QCOMPARE(f["mode"].get<std::string>(), std::string("merge"));
  // The paper's merge: the run's dev metrics (keep last: of its final step), the predictions of
  // `eval` (merged) and its merged.safetensors, bit for bit.
  QCOMPARE(f["final"]["dev"].dump(), results["final"]["dev"].dump());
  QCOMPARE(f["best"]["dev"].dump(), results["final"]["dev"].dump());
  EvalRequest ev;
  ev.run_dir = run_dir_;
  EventStream events("eval", tmp_.filePath("uniform-eval.jsonl").toStdString(), false);
  runEval(ev, events);
  QCOMPARE(QString::fromStdString(test::readFile(out + "/predictions.tsv")),
           QString::fromStdString(test::readFile(run_dir_ + "/eval/dev-merged/predictions.tsv")));
  const auto mine = loadSafetensors(out + "/merged.safetensors").tensors;
  const auto runs = loadSafetensors(run_dir_ + "/merged.safetensors").tensors;
  QCOMPARE(mine.size(), runs.size());
  for (const auto& [name, t] : runs) {
    QVERIFY2(mine.count(name), name.c_str());
    QVERIFY2(torch::equal(mine.at(name), t), name.c_str());
  }
  // metrics.json as eval writes it; merge.json: weights 1/2, held-out = 32 training rows, run seed.
  QCOMPARE(json::parse(test::readFile(out + "/metrics.json"))["final"]["dev"].dump(), results["final"]["dev"].dump());
  const auto report = json::parse(test::readFile(out + "/merge.json"));
  QCOMPARE(report["heldout"]["split"].get<std::string>(), std::string("train"));
  QCOMPARE(report["heldout"]["examples"].get<int64_t>(), int64_t(32));
  QCOMPARE(report["heldout"]["seed"].get<uint64_t>(), uint64_t(5));
  QCOMPARE(f["heldout"].dump(), json({{"split", "train"}, {"examples", 32}, {"seed", 5}}).dump());
  QCOMPARE(f["split"].get<std::string>(), std::string("dev"));  // scored on: the 24 dev rows
  QCOMPARE(f["examples"].get<int64_t>(), int64_t(24));
  QCOMPARE(report["weights"].size(), size_t(2));  // the 2 layers' down projections (up is shared)
  for (const auto& [proj, w] : report["weights"].items()) {
    QVERIFY2(proj.find(".adapter.down") != std::string::npos, proj.c_str());
    QCOMPARE(w.dump(), json({0.5, 0.5}).dump());
  }
  qInfo("run: train-sample accuracy %.4f, dev accuracy %.4f", report["heldout_score"].get<double>(),
        results["final"]["dev"]["accuracy"].get<double>());
}

void TestMerge::greedySoupLeavesOutADestroyedModule() {
  // Module 1 predicts class 1 everywhere: alone it scores the share of class 1 in the held-out
  // sample, below module 0; the soup {0, 1} still carries half its bias and scores the same, below
  // module 0 alone: the greedy soup is {0}, i.e. module 0.
  const auto dir = destroyedCopy("run-destroyed-greedy");
  MergeRequest req;
  req.run_dir = dir;
  req.strategy = "greedy-soup";
  const auto f = merge(req);
  const auto report = json::parse(test::readFile(dir + "/merges/greedy-soup/merge.json"));
  const auto scores = report["module_scores"].get<std::vector<double>>();
  qInfo("module scores on the training sample: %.4f %.4f; soup steps %s", scores[0], scores[1],
        report["steps"].dump().c_str());
  const auto rc = parseRunConfig(cfg_);
  const auto train_rows = loadSplit("rte", rc.task.data_dir, "train", rc.task.bad_rows).examples;
  double class1 = 0;
  const auto indices = report["heldout"]["indices"].get<std::vector<int64_t>>();
  for (const int64_t i : indices) class1 += train_rows.at(static_cast<size_t>(i)).label == 1;
  QCOMPARE(scores[1], class1 / static_cast<double>(indices.size()));
  QVERIFY2(scores[0] > scores[1], report.dump().c_str());
  QCOMPARE(report["order"].dump(), json({0, 1}).dump());
  QCOMPARE(report["steps"][1]["soup_score"].get<double>(), scores[1]);
  QCOMPARE(report["kept"].dump(), json({0}).dump());
  QCOMPARE(f["kept"].dump(), json({0}).dump());
  QCOMPARE(report["heldout_score"].get<double>(), scores[0]);
  for (const auto& [proj, w] : report["weights"].items()) QCOMPARE(w.dump(), json({1.0, 0.0}).dump());
  // The soup {0} is module 0: the dev metrics and predictions of `eval --inference module:0`.
  EvalRequest ev;
  ev.run_dir = dir;
  ev.inference = "module:0";
  EventStream events("eval", tmp_.filePath("greedy-eval.jsonl").toStdString(), false);
  const auto e = runEval(ev, events);
  QCOMPARE(f["final"]["dev"].dump(), e["final"]["dev"].dump());
  QCOMPARE(QString::fromStdString(test::readFile(dir + "/merges/greedy-soup/predictions.tsv")),
           QString::fromStdString(test::readFile(dir + "/eval/dev-module-0/predictions.tsv")));
}

void TestMerge::learnedWeightsDownWeightADestroyedModule() {
  // M = 2, module 1 of the last layer destroyed: fitting the soup logits on the training sample
  // moves weight away from it, and the held-out loss ends below the uniform soup's.
  const auto dir = destroyedCopy("run-destroyed-learned");
  MergeRequest req;
  req.run_dir = dir;
  req.strategy = "learned";
  const auto f = merge(req);
  const auto report = json::parse(test::readFile(dir + "/merges/learned/merge.json"));
  const double uniform_loss = report["heldout_metrics_uniform"]["loss"].get<double>();
  const double learned_loss = report["heldout_metrics"]["loss"].get<double>();
  qInfo("held-out loss: uniform %.5f, learned %.5f; weights %s", uniform_loss, learned_loss,
        report["weights"].dump().c_str());
  QVERIFY2(learned_loss < uniform_loss, report.dump().c_str());
  QCOMPARE(report["weights"].size(), size_t(2));
  for (const auto& [proj, w] : report["weights"].items()) {
    const auto v = w.get<std::vector<double>>();
    QVERIFY(std::abs(v[0] + v[1] - 1.0) < 1e-6);
  }
  const auto last = report["weights"]["model.layers.1.ffn_adapter.adapter.down"].get<std::vector<double>>();
  QVERIFY2(last[1] < 0.5, report["weights"].dump().c_str());
  QCOMPARE(report["learned"]["steps"].get<int64_t>(), int64_t(3 * 4));  // 3 epochs of 32 rows in batches of 8
  // Deterministic: a second fit gives the same weights and the same dev metrics.
  MergeRequest again = req;
  again.out_dir = tmp_.filePath("learned-again").toStdString();
  const auto g = merge(again);
  QCOMPARE(json::parse(test::readFile(again.out_dir + "/merge.json"))["weights"].dump(), report["weights"].dump());
  QCOMPARE(g["final"].dump(), f["final"].dump());
  // merged.safetensors holds Σ softmax_k W_k: module 0 and 1 recombined with the reported weights.
  const auto adapters = loadSafetensors(dir + "/adapters.safetensors").tensors;
  const auto merged = loadSafetensors(dir + "/merges/learned/merged.safetensors").tensors;
  for (const auto& [proj, w] : report["weights"].items()) {
    const auto v = w.get<std::vector<double>>();
    const auto expected = adapters.at(proj + ".0.weight") * v[0] + adapters.at(proj + ".1.weight") * v[1];
    QVERIFY2(torch::allclose(merged.at(proj + ".weight"), expected, 1e-5, 1e-6), proj.c_str());
  }
}

void TestMerge::heldoutSampleComesFromTheTrainingSplit() {
  MergeRequest req;
  req.run_dir = run_dir_;
  req.strategy = "uniform";
  req.heldout_examples = 10;
  req.seed = 7;
  req.out_dir = tmp_.filePath("heldout-10").toStdString();
  const auto f = merge(req);
  QCOMPARE(f["heldout"].dump(), json({{"split", "train"}, {"examples", 10}, {"seed", 7}}).dump());
  const auto indices = json::parse(test::readFile(req.out_dir + "/merge.json"))["heldout"]["indices"].get<std::vector<int64_t>>();
  QCOMPARE(indices.size(), size_t(10));
  // Rows of the run's training examples (the 32 it trained on), none of them a dev row.
  const auto rc = parseRunConfig(cfg_);
  std::set<int64_t> trained;
  for (const auto& e : loadTrainExamples(rc).examples) trained.insert(e.index);
  const auto train_rows = loadSplit("rte", rc.task.data_dir, "train", rc.task.bad_rows).examples;
  std::set<std::pair<std::string, std::string>> dev_pairs;
  for (const auto& e : loadSplit("rte", rc.task.data_dir, "dev", rc.task.bad_rows).examples)
    dev_pairs.insert({e.text_a, e.text_b});
  for (const int64_t i : indices) {
    QVERIFY(trained.count(i));
    const auto& row = train_rows.at(static_cast<size_t>(i));
    QVERIFY(!dev_pairs.count({row.text_a, row.text_b}));
  }
  // Another seed, another sample.
  req.seed = 8;
  req.out_dir = tmp_.filePath("heldout-10-s8").toStdString();
  merge(req);
  QVERIFY(json::parse(test::readFile(req.out_dir + "/merge.json"))["heldout"]["indices"].get<std::vector<int64_t>>() !=
          indices);
}

void TestMerge::badRequestsGetTheirExitCodes() {
  auto run = [&](const QStringList& args, json* last = nullptr, json* finished = nullptr) {
    QProcess p;
    p.start(ADAMIX_ENGINE_EXE, QStringList{"merge"} + args);
    if (!p.waitForFinished(300000)) qFatal("merge did not finish");
    const auto lines = QString::fromUtf8(p.readAllStandardOutput()).split('\n', Qt::SkipEmptyParts);
    for (const auto& l : lines) {
      const auto e = json::parse(l.toStdString());
      if (e["schema"] != "1.3") qFatal("schema %s", e["schema"].dump().c_str());
      if (finished && e["event"] == "finished") *finished = e;
      if (last) *last = e;
    }
    return p.exitCode();
  };
  const auto dir = QString::fromStdString(run_dir_);
  // The process: events on stdout ending with `finished` (mode merge), exit 0.
  json finished, last;
  QCOMPARE(run({"--run-dir", dir, "--strategy", "uniform", "--out", tmp_.filePath("proc-uniform")}, &last, &finished), 0);
  QCOMPARE(finished["mode"].get<std::string>(), std::string("merge"));
  QCOMPARE(finished["strategy"].get<std::string>(), std::string("uniform"));
  QVERIFY(finished["final"]["dev"].contains("accuracy"));
  // Usage (2): unknown strategy, --heldout-examples 0 or beyond the 32 training rows, a run without a mixture.
  QCOMPARE(run({"--run-dir", dir, "--strategy", "average"}, &last), 2);
  QCOMPARE(last["location"].get<std::string>(), std::string("--strategy"));
  QCOMPARE(run({"--run-dir", dir, "--strategy", "uniform", "--heldout-examples", "0"}, &last), 2);
  QCOMPARE(last["location"].get<std::string>(), std::string("--heldout-examples"));
  QCOMPARE(run({"--run-dir", dir, "--strategy", "uniform", "--heldout-examples", "33"}, &last), 2);
  QCOMPARE(last["location"].get<std::string>(), std::string("--heldout-examples"));
  const auto single = tmp_.filePath("run-single").toStdString();
  fs::create_directories(single);
  auto cfg = json::parse(test::readFile(run_dir_ + "/config.json"));
  cfg["peft"]["adamix"]["num_modules"] = 1;
  test::writeFile(single + "/config.json", cfg.dump());
  QCOMPARE(run({"--run-dir", QString::fromStdString(single), "--strategy", "uniform"}, &last), 2);
  QVERIFY2(last["message"].get<std::string>().find("AdaMix run") != std::string::npos, last.dump().c_str());
  // Model (5): adapters.safetensors missing, or without one module's tensor (named file:tensor).
  const auto broken = tmp_.filePath("run-broken").toStdString();
  fs::create_directories(broken);
  fs::copy_file(run_dir_ + "/config.json", broken + "/config.json");
  QCOMPARE(run({"--run-dir", QString::fromStdString(broken), "--strategy", "greedy-soup"}, &last), 5);
  auto st = loadSafetensors(run_dir_ + "/adapters.safetensors");
  std::string removed;
  for (const auto& [n, t] : st.tensors)
    if (n.find(".adapter.down.1.weight") != std::string::npos) removed = n;
  st.tensors.erase(removed);
  saveSafetensors(broken + "/adapters.safetensors", st.tensors, st.metadata);
  QCOMPARE(run({"--run-dir", QString::fromStdString(broken), "--strategy", "greedy-soup"}, &last), 5);
  QCOMPARE(last["location"].get<std::string>(), broken + "/adapters.safetensors:" + removed);
}

// Two merges of one strategy on other held-out samples wrote into the same merges/<strategy>: the
// first one's stored evaluation then pointed at the second's files (a review's finding).
void TestMerge::mergesNeverShareAFolder() {
  const auto root = tmp_.filePath("merge-root").toStdString();
  auto outOf = [&](int64_t heldout, uint64_t seed) {
    MergeRequest req;
    req.run_dir = run_dir_;
    req.out_root = root;
    req.strategy = "uniform";
    req.heldout_examples = heldout;
    req.seed = seed;
    return QString::fromStdString(merge(req)["out"].get<std::string>()).mid(int(root.size()) + 1);
  };
  QCOMPARE(outOf(8, 1), QString("merges/uniform"));
  QCOMPARE(outOf(12, 1), QString("merges/uniform-2"));  // another sample
  QCOMPARE(outOf(8, 2), QString("merges/uniform-3"));   // another seed
  QCOMPARE(outOf(12, 1), QString("merges/uniform-2"));  // the same merge again: its folder
  const auto report = json::parse(test::readFile(root + "/merges/uniform-2/merge.json"));
  QCOMPARE(report["request"].dump(), json({{"strategy", "uniform"}, {"heldout_examples", 12}, {"seed", 1}}).dump());
}

QTEST_GUILESS_MAIN(TestMerge)
#include "test_merge.moc"
