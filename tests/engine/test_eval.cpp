// Reading finished runs back (artifacts/run_artifact.h) and `adamix-engine eval`
// (artifacts/run_eval.h): a tiny AdaMix run on real RTE rows, evaluated again from its run
// directory alone, must reproduce the run's own dev metrics and predictions exactly; GLUE test
// layouts and benchmark submission files (the real RTE, CoLA, WNLI and STS-B test files; MNLI, AX
// and QQP layouts written here); errors that name the file and the row or tensor.
#include <QtCore/QProcess>
#include <QtCore/QRegularExpression>
#include <QtCore/QTemporaryDir>
#include <QtTest/QtTest>
#include <torch/torch.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "artifacts/run_artifact.h"
#include "artifacts/run_eval.h"
#include "artifacts/run_generate.h"
#include "config/run_config.h"
#include "data/glue.h"
#include "data/glue_test.h"
#include "io/errors.h"
#include "io/safetensors.h"
#include "model/init_model.h"
#include "protocol/events.h"
#include "test_support.h"
#include "tiny_llama.h"
#include "train/evaluation.h"
#include "train/trainer.h"

using namespace adamix;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

/// Rows of a TSV text, each split on tabs (header included).
std::vector<std::vector<std::string>> tsvRows(const std::string& text) {
  std::vector<std::vector<std::string>> rows;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    std::vector<std::string> f;
    std::string cell;
    std::istringstream ls(line);
    while (std::getline(ls, cell, '\t')) f.push_back(cell);
    rows.push_back(f);
  }
  return rows;
}

std::vector<json> readEvents(const std::string& path) {
  std::vector<json> out;
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) out.push_back(json::parse(line));
  return out;
}

}  // namespace

class TestEval : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void initTestCase();
  void evalReproducesTheRunsDevEvaluation();
  void evalUsesTheWeightsTheRunKept();
  void probabilitiesAreDistributionsAndEnsembleIsTheirMean();
  void rteTestSplitWritesTheSubmissionFile();
  void glueTestLayoutsLoad();
  void submissionLabelNamesAsTheBenchmark();
  void badRowsAndBadAdaptersNameTheirPlace();
  void engineEvalFollowsTheProtocol();
  void generationRunEvaluatesAndGenerates();
  void modelDirectoryOnStsbTestSplit();
  void endOfRunModeEvaluationsAreEvalsOfTheSavedWeights();
  void noModeEvaluationsWithoutAMixtureOrWhenTurnedOff();
  void interruptedModeEvaluationsAreRedoneOnResume();
  void evaluationsNeverShareAFolder();

 private:
  json evalInProcess(EvalRequest req, const std::string& events_path);
  void train(const json& cfg, const std::string& run_dir, int64_t stop_after_mode_eval_batches = 0, bool resume = false);
  json rte_cfg_;
  QTemporaryDir tmp_;
  std::string model_dir_, rte_dir_, run_dir_;
};

void TestEval::initTestCase() {
  const auto stories = test::sharedPath("models/stories260K");
  const auto rte = test::sharedPath("data/glue/RTE");
  if (stories.empty() || rte.empty()) QSKIP("shared assets (stories260K, RTE) not available");
  QVERIFY(tmp_.isValid());
  model_dir_ = tmp_.filePath("tiny-llama").toStdString();
  test::writeTinyLlama(model_dir_, stories);
  rte_dir_ = rte;

  // One epoch, one evaluation (at its end): the written weights are those of that evaluation
  // whether the run keeps its best or its last weights.
  const json cfg = {{"seed", 3},
                    {"model", {{"path", model_dir_}}},
                    {"task",
                     {{"name", "rte"},
                      {"data_dir", rte_dir_},
                      {"max_seq_length", 48},
                      {"max_train_examples", 48},
                      {"max_dev_examples", 24}}},
                    {"peft",
                     {{"method", "adapter"},
                      {"adapter", {{"bottleneck", 4}}},
                      {"adamix", {{"num_modules", 4}, {"sharing", "up"}, {"consistency_weight", 1.0}}}}},
                    {"train",
                     {{"learning_rate", 5e-3},
                      {"epochs", 1},
                      {"batch_size", 8},
                      {"eval_batch_size", 16},
                      {"threads", 1},
                      {"device", "cpu"}}}};
  rte_cfg_ = cfg;
  run_dir_ = tmp_.filePath("run").toStdString();
  train(cfg, run_dir_);
}

void TestEval::train(const json& cfg, const std::string& run_dir, int64_t stop_after_mode_eval_batches, bool resume) {
  auto rc = parseRunConfig(cfg);
  rc.run_id = fs::path(run_dir).filename().string();
  TrainOptions opts;
  opts.run_dir = run_dir;
  opts.resume = resume;
  opts.stop_after_mode_eval_batches = stop_after_mode_eval_batches;
  fs::create_directories(run_dir);
  EventStream events(rc.run_id, run_dir + "/events.jsonl", /*echo_stdout=*/false);
  trainRun(rc, opts, events);
}

json TestEval::evalInProcess(EvalRequest req, const std::string& events_path) {
  EventStream events(evalRunId(req), events_path, /*echo_stdout=*/false);
  return runEval(req, events);
}

void TestEval::evalReproducesTheRunsDevEvaluation() {
  const auto results = json::parse(test::readFile(run_dir_ + "/results.json"));
  EvalRequest req;
  req.run_dir = run_dir_;
  const auto events_path = tmp_.filePath("eval-dev.jsonl").toStdString();
  const auto finished = evalInProcess(req, events_path);

  // Default output directory, canonical split and the run's inference mode.
  const auto out = fs::path(run_dir_) / "eval" / "dev-merged";
  QCOMPARE(QString::fromStdString(finished["out"].get<std::string>()),
           QString::fromStdString(fs::absolute(out).lexically_normal().string()));
  QCOMPARE(finished["split"].get<std::string>(), std::string("dev"));
  QCOMPARE(finished["inference"].get<std::string>(), std::string("merged"));
  QCOMPARE(finished["examples"].get<int64_t>(), int64_t(24));
  // 48 training examples in batches of 8: 6 steps, weights of step 6.
  QCOMPARE(finished["best_step"].get<int64_t>(), int64_t(6));

  // The same metrics, bit for bit, as the run's own (single) dev evaluation.
  QVERIFY(results["final"]["dev"].size() == 2);  // accuracy, loss
  QCOMPARE(finished["final"]["dev"].dump(), results["final"]["dev"].dump());
  QCOMPARE(finished["best"]["dev"].dump(), results["best"]["dev"].dump());
  // The same predictions file: index, class, label and the probabilities of every class.
  const auto preds = test::readFile((out / "predictions.tsv").string());
  QCOMPARE(QString::fromStdString(preds), QString::fromStdString(test::readFile(run_dir_ + "/predictions/dev.tsv")));
  const auto rows = tsvRows(preds);
  QCOMPARE(rows.size(), size_t(25));
  QCOMPARE(rows[0], (std::vector<std::string>{"index", "prediction", "label", "prob_0", "prob_1"}));
  // Accuracy recomputed from the file.
  int correct = 0;
  for (size_t i = 1; i < rows.size(); ++i) correct += rows[i][1] == rows[i][2];
  QCOMPARE(finished["final"]["dev"]["accuracy"].get<double>(), correct / 24.0);

  // metrics.json holds the finished payload; the events are started, progress (2 batches of
  // 16), one metric per metric, finished.
  QCOMPARE(json::parse(test::readFile((out / "metrics.json").string())).dump(), finished.dump());
  std::vector<std::string> names;
  for (const auto& e : readEvents(events_path))
    if (e["event"] != "heartbeat") names.push_back(e["event"].get<std::string>());
  QCOMPARE(names, (std::vector<std::string>{"started", "progress", "progress", "metric", "metric", "finished"}));
  const auto started = readEvents(events_path).front();
  if (started["event"] == "started") {
    QCOMPARE(started["total_steps"].get<int64_t>(), int64_t(2));
    QCOMPARE(started["mode"].get<std::string>(), std::string("eval"));
  }

  // loadRun itself: weights_step from results.json, eval mode, the adapters' values in place.
  auto run = loadRun(run_dir_);
  QCOMPARE(run.weights_step, int64_t(6));
  QVERIFY(!run.model->is_training());
  const auto file = loadSafetensors(run_dir_ + "/adapters.safetensors").tensors;
  int64_t compared = 0;
  for (const auto& [name, p] : run.model->named_parameters().pairs())
    if (auto it = file.find(name); it != file.end()) {
      QVERIFY2(torch::equal(p, it->second), name.c_str());
      ++compared;
    }
  QCOMPARE(compared, static_cast<int64_t>(file.size()));
}

void TestEval::evalUsesTheWeightsTheRunKept() {
  // 3 epochs, a dev evaluation every 2 steps (9 in all): with train.keep best the run's weights
  // are those of its best evaluation, with last those of step 18; eval reproduces each.
  auto cfg = rte_cfg_;
  cfg["train"]["epochs"] = 3;
  cfg["train"]["eval_every_steps"] = 2;
  std::vector<double> losses;
  for (const std::string keep : {"best", "last"}) {
    cfg["train"]["keep"] = keep;
    const auto dir = tmp_.filePath(QString::fromStdString("run-keep-" + keep)).toStdString();
    train(cfg, dir);
    const auto results = json::parse(test::readFile(dir + "/results.json"));
    EvalRequest req;
    req.run_dir = dir;
    const auto f = evalInProcess(req, dir + "-eval.jsonl");
    const auto& expected = keep == "best" ? results["best"]["dev"] : results["final"]["dev"];
    const int64_t step = keep == "best" ? results["best_step"].get<int64_t>() : int64_t(18);
    QCOMPARE(f["final"]["dev"].dump(), expected.dump());
    QCOMPARE(f["best_step"].get<int64_t>(), step);
    QCOMPARE(results["weights_step"].get<int64_t>(), step);
    losses.push_back(f["final"]["dev"]["loss"].get<double>());
    qInfo("keep %s: weights of step %lld, dev accuracy %.4f (run's best %.4f at step %lld, final %.4f)", keep.c_str(),
          static_cast<long long>(step), f["final"]["dev"]["accuracy"].get<double>(),
          results["best"]["dev"]["accuracy"].get<double>(), static_cast<long long>(results["best_step"].get<int64_t>()),
          results["final"]["dev"]["accuracy"].get<double>());
  }
  // Different weights, different dev loss (the test can fail): best was not the last step here.
  QVERIFY2(losses[0] != losses[1], qPrintable(QString("%1 vs %2").arg(losses[0], 0, 'g', 17).arg(losses[1], 0, 'g', 17)));
}

void TestEval::probabilitiesAreDistributionsAndEnsembleIsTheirMean() {
  auto probsOf = [&](const std::string& inference) {
    EvalRequest req;
    req.run_dir = run_dir_;
    req.inference = inference;
    const auto f = evalInProcess(req, tmp_.filePath("eval-" + QString::fromStdString(inference)).toStdString());
    auto mode_dir = inference;
    std::replace(mode_dir.begin(), mode_dir.end(), ':', '-');
    const auto rows = tsvRows(test::readFile(run_dir_ + "/eval/dev-" + mode_dir + "/predictions.tsv"));
    std::vector<std::vector<double>> p;
    for (size_t i = 1; i < rows.size(); ++i) {
      const double p0 = std::stod(rows[i][3]), p1 = std::stod(rows[i][4]);
      // A distribution over the two classes, and the prediction is its argmax.
      if (std::abs(p0 + p1 - 1.0) > 1e-6) qFatal("row %zu: probabilities sum to %.9f", i, p0 + p1);
      if (std::stoi(rows[i][1]) != (p1 > p0 ? 1 : 0)) qFatal("row %zu: prediction is not the argmax", i);
      p.push_back({p0, p1});
    }
    if (p.size() != 24) qFatal("%zu rows", p.size());
    return p;
  };
  const auto ens = probsOf("ensemble");
  std::vector<std::vector<std::vector<double>>> single;
  for (int k = 0; k < 4; ++k) single.push_back(probsOf("module:" + std::to_string(k)));
  // Ensemble inference = the mean of the four single-module distributions (independent runs).
  double max_diff = 0;
  for (size_t i = 0; i < 24; ++i)
    for (size_t c = 0; c < 2; ++c) {
      double mean = 0;
      for (int k = 0; k < 4; ++k) mean += single[k][i][c] / 4;
      max_diff = std::max(max_diff, std::abs(mean - ens[i][c]));
    }
  QVERIFY2(max_diff < 1e-6, qPrintable(QString::number(max_diff)));
  // The modules differ (the test can fail): module 0 and module 1 give different probabilities.
  QVERIFY(single[0] != single[1]);
  // random: a module per example and projection, drawn from a fixed seed — the same file twice.
  QVERIFY(probsOf("random") == probsOf("random"));
  // module:K beyond M is refused.
  EvalRequest bad;
  bad.run_dir = run_dir_;
  bad.inference = "module:4";
  try {
    evalInProcess(bad, tmp_.filePath("eval-bad-module").toStdString());
    QFAIL("module:4 accepted");
  } catch (const EngineError& e) {
    QCOMPARE(e.kind(), ErrorKind::Usage);
    QCOMPARE(QString::fromStdString(e.location()), QString("--inference"));
  }
}

void TestEval::rteTestSplitWritesTheSubmissionFile() {
  EvalRequest req;
  req.run_dir = run_dir_;
  req.split = "test";
  req.batch_size = 64;
  const auto finished = evalInProcess(req, tmp_.filePath("eval-test.jsonl").toStdString());
  QCOMPARE(finished["submission"].get<std::string>(), std::string("RTE.tsv"));
  QCOMPARE(finished["examples"].get<int64_t>(), int64_t(3000));
  QVERIFY(finished["final"].empty() && finished["best"].empty());  // no labels, no metrics
  const auto out = run_dir_ + "/eval/test-merged/";
  const auto sub = tsvRows(test::readFile(out + "RTE.tsv"));
  const auto preds = tsvRows(test::readFile(out + "predictions.tsv"));
  QCOMPARE(sub.size(), size_t(3001));
  QCOMPARE(sub[0], (std::vector<std::string>{"index", "prediction"}));
  QCOMPARE(preds[0], (std::vector<std::string>{"index", "prediction", "prob_0", "prob_1"}));
  std::map<std::string, int> counts;
  for (size_t i = 1; i < sub.size(); ++i) {
    QCOMPARE(sub[i][0], std::to_string(i - 1));  // the test file's index column
    QCOMPARE(preds[i][0], sub[i][0]);
    // The benchmark's label names, matching the class ids of predictions.tsv (0 = entailment).
    QCOMPARE(sub[i][1], std::string(preds[i][1] == "0" ? "entailment" : "not_entailment"));
    ++counts[sub[i][1]];
  }
  QCOMPARE(counts["entailment"] + counts["not_entailment"], 3000);
  qInfo("RTE.tsv: %d entailment, %d not_entailment", counts["entailment"], counts["not_entailment"]);
}

void TestEval::glueTestLayoutsLoad() {
  // The real GLUE test files: row counts, index column, no labels.
  const std::vector<std::tuple<std::string, std::string, size_t>> real = {
      {"rte", "RTE", 3000}, {"cola", "CoLA", 1063}, {"wnli", "WNLI", 146}, {"stsb", "STS-B", 1379}};
  for (const auto& [task, dir, n] : real) {
    const auto d = test::sharedPath("data/glue/" + dir);
    bool labelled = true;
    const auto s = loadAnySplit(taskSpec(task), d, "test", BadRowsPolicy::Fail, labelled);
    QVERIFY(!labelled);
    QCOMPARE(s.examples.size(), n);
    QCOMPARE(s.examples.back().index, static_cast<int64_t>(n - 1));
    QCOMPARE(s.examples.front().label, int64_t(-1));
    QCOMPARE(s.examples.front().line, 2);
    // Detected as the test layout when given as a file.
    QVERIFY(isGlueTestLayout(taskSpec(task), d + "/test.tsv"));
  }
  QCOMPARE(QString::fromStdString(
               loadGlueTestFile(taskSpec("cola"), test::sharedPath("data/glue/CoLA") + "/test.tsv").examples[0].text_a),
           QString("Bill whistled past the house."));
  const auto stsb = loadGlueTestFile(taskSpec("stsb"), test::sharedPath("data/glue/STS-B") + "/test.tsv");
  QCOMPARE(QString::fromStdString(stsb.examples[0].text_b), QString("A girl is brushing her hair."));
  // Labelled files are detected as such (CoLA dev has no header).
  QVERIFY(!isGlueTestLayout(taskSpec("cola"), test::sharedPath("data/glue/CoLA") + "/dev.tsv"));
  QVERIFY(!isGlueTestLayout(taskSpec("rte"), rte_dir_ + "/dev.tsv"));

  // MNLI test_matched / test_mismatched and AX (GLUE's diagnostic/diagnostic.tsv beside MNLI/),
  // QQP's "id" column: layouts as distributed, written here.
  const auto glue = tmp_.filePath("glue").toStdString();
  const std::string mnli_header =
      "index\tpromptID\tpairID\tgenre\tsentence1_binary_parse\tsentence2_binary_parse\tsentence1_parse\t"
      "sentence2_parse\tsentence1\tsentence2\n";
  test::writeFile(glue + "/MNLI/test_matched.tsv", mnli_header + "0\t1\t1n\tfiction\t(a)\t(b)\t(A)\t(B)\tA cat.\tAn animal.\n"
                                                   "1\t2\t2n\tfiction\t(a)\t(b)\t(A)\t(B)\tA dog.\tNo dog.\n");
  test::writeFile(glue + "/MNLI/test_mismatched.tsv",
                  mnli_header + "0\t3\t3n\tletters\t(a)\t(b)\t(A)\t(B)\tHi.\tHello.\n");
  test::writeFile(glue + "/diagnostic/diagnostic.tsv", "index\tsentence1\tsentence2\n0\tThe cat sat.\tA cat sat.\n");
  test::writeFile(glue + "/QQP/test.tsv", "id\tquestion1\tquestion2\n0\tWhy?\tHow?\n1\tWho?\tWhom?\n");
  const auto& mnli = taskSpec("mnli");
  bool labelled = true;
  const auto tm = loadAnySplit(mnli, glue + "/MNLI", "test", BadRowsPolicy::Fail, labelled);  // test = test_matched
  QVERIFY(!labelled);
  QCOMPARE(tm.examples.size(), size_t(2));
  QCOMPARE(QString::fromStdString(tm.examples[1].text_b), QString("No dog."));
  QCOMPARE(loadAnySplit(mnli, glue + "/MNLI", "test_mismatched", BadRowsPolicy::Fail, labelled).examples.size(),
           size_t(1));
  const auto ax = loadAnySplit(mnli, glue + "/MNLI", "ax", BadRowsPolicy::Fail, labelled);
  QCOMPARE(QString::fromStdString(ax.examples[0].text_a), QString("The cat sat."));
  QCOMPARE(loadAnySplit(taskSpec("qqp"), glue + "/QQP", "test", BadRowsPolicy::Fail, labelled).examples[1].index,
           int64_t(1));
  // A bad row of a test file (Skip policy): counted, the message names file and line.
  test::writeFile(glue + "/RTE/test.tsv", "index\tsentence1\tsentence2\n0\tA.\tB.\n1\tC.\n2\tE.\tF.\n");
  const auto skipped = loadGlueTestFile(taskSpec("rte"), glue + "/RTE/test.tsv", BadRowsPolicy::Skip);
  QCOMPARE(skipped.examples.size(), size_t(2));
  QCOMPARE(skipped.skipped, int64_t(1));
  QCOMPARE(QString::fromStdString(skipped.messages.at(0)),
           QString::fromStdString(glue + "/RTE/test.tsv:3: expected 3 columns, got 2"));
  QCOMPARE(canonicalSplitName(taskSpec("mnli"), "test"), std::string("test_matched"));
  QCOMPARE(canonicalSplitName(taskSpec("mnli"), "dev"), std::string("dev_matched"));
  // AX and test_mismatched exist only for MNLI.
  QVERIFY_EXCEPTION_THROWN(loadAnySplit(taskSpec("rte"), rte_dir_, "ax", BadRowsPolicy::Fail, labelled), EngineError);
}

void TestEval::submissionLabelNamesAsTheBenchmark() {
  const std::vector<std::tuple<std::string, std::string, std::string>> names = {
      {"cola", "test", "CoLA.tsv"},  {"sst2", "test", "SST-2.tsv"},          {"mrpc", "test", "MRPC.tsv"},
      {"stsb", "test", "STS-B.tsv"}, {"qqp", "test", "QQP.tsv"},             {"mnli", "test", "MNLI-m.tsv"},
      {"mnli", "test_matched", "MNLI-m.tsv"}, {"mnli", "test_mismatched", "MNLI-mm.tsv"}, {"mnli", "ax", "AX.tsv"},
      {"qnli", "test", "QNLI.tsv"},  {"rte", "test", "RTE.tsv"},             {"wnli", "test", "WNLI.tsv"}};
  for (const auto& [task, split, file] : names) QCOMPARE(glueSubmissionFile(taskSpec(task), split), file);
  QVERIFY_EXCEPTION_THROWN(glueSubmissionFile(taskSpec("rte"), "dev"), EngineError);

  EncodedSplit s;
  s.labelled = false;
  s.examples.resize(3);
  for (int i = 0; i < 3; ++i) s.examples[i].index = 10 + i;
  EvalResult r;
  r.predictions = {0, 1, 2};
  // MNLI: class ids of the HF processor (contradiction 0, entailment 1, neutral 2) -> names.
  QCOMPARE(QString::fromStdString(glueSubmissionTsv(taskSpec("mnli"), s, r)),
           QString("index\tprediction\n10\tcontradiction\n11\tentailment\n12\tneutral\n"));
  r.predictions = {1, 0, 1};
  QCOMPARE(QString::fromStdString(glueSubmissionTsv(taskSpec("qnli"), s, r)),
           QString("index\tprediction\n10\tnot_entailment\n11\tentailment\n12\tnot_entailment\n"));
  QCOMPARE(QString::fromStdString(glueSubmissionTsv(taskSpec("cola"), s, r)),
           QString("index\tprediction\n10\t1\n11\t0\n12\t1\n"));
  r.predictions = {4.12345, -0.25, 5.0};
  QCOMPARE(QString::fromStdString(glueSubmissionTsv(taskSpec("stsb"), s, r)),
           QString("index\tprediction\n10\t4.123\n11\t-0.250\n12\t5.000\n"));
  // Regression predictions.tsv of an unlabelled split: index and score only.
  QCOMPARE(QString::fromStdString(gluePredictionsTsv(s, r, true)),
           QString("index\tprediction\n10\t4.123\n11\t-0.250\n12\t5.000\n"));
}

void TestEval::badRowsAndBadAdaptersNameTheirPlace() {
  auto expectError = [&](const EvalRequest& req, ErrorKind kind, const std::string& location, const std::string& what) {
    try {
      evalInProcess(req, tmp_.filePath("eval-error.jsonl").toStdString());
      QFAIL("no error");
    } catch (const EngineError& e) {
      QCOMPARE(e.kind(), kind);
      QCOMPARE(QString::fromStdString(e.location()), QString::fromStdString(location));
      QVERIFY2(e.message().find(what) != std::string::npos, e.message().c_str());
    }
  };
  // A model with fewer positions than the task's max_seq_length: the check training makes, not an
  // internal error from the position table in the first batch (a bad-input review).
  RandomModelSpec short_gpt2;
  short_gpt2.arch = "gpt2";
  short_gpt2.max_position_embeddings = 16;
  const auto gpt2_dir = tmp_.filePath("gpt2-16").toStdString();
  writeRandomModel(gpt2_dir, modelConfigJson(short_gpt2), 3, test::sharedPath("models/stories260K"));
  // Without --max-seq-length such a model evaluates at its positions (the task's 128 cut to 16).
  QCOMPARE(loadModelForTask(gpt2_dir, "sst2").config.task.max_seq_length, int64_t(16));
  EvalRequest positions;
  positions.model_dir = gpt2_dir;
  positions.task = "sst2";
  positions.max_seq_length = 32;
  positions.out_dir = tmp_.filePath("positions-out").toStdString();
  expectError(positions, ErrorKind::Config, "/task/max_seq_length",
              "max_seq_length 32 exceeds the 16 positions of the model (" + gpt2_dir + "/config.json");
  // A data file with a bad row: file and line.
  const auto bad_tsv = tmp_.filePath("bad.tsv").toStdString();
  test::writeFile(bad_tsv, "index\tsentence1\tsentence2\tlabel\n0\tA.\tB.\tentailment\n1\tC.\tnot_entailment\n");
  EvalRequest req;
  req.run_dir = run_dir_;
  req.data_file = bad_tsv;
  expectError(req, ErrorKind::Data, bad_tsv + ":3", "expected 4 columns, got 3");
  test::writeFile(bad_tsv, "index\tsentence1\tsentence2\n0\tA.\tB.\nx1\tC.\tD.\n");
  expectError(req, ErrorKind::Data, bad_tsv + ":3", "unparsable index \"x1\"");
  // A labelled file given with --data: metrics, split named after the file.
  const auto own = tmp_.filePath("own.tsv").toStdString();
  test::writeFile(own, "index\tsentence1\tsentence2\tlabel\n0\tA cat.\tAn animal.\tentailment\n"
                       "1\tA dog.\tNo dog.\tnot_entailment\n");
  req.data_file = own;
  req.out_dir = tmp_.filePath("own-out").toStdString();
  const auto f = evalInProcess(req, tmp_.filePath("eval-own.jsonl").toStdString());
  QCOMPARE(f["split"].get<std::string>(), std::string("own"));
  QCOMPARE(f["examples"].get<int64_t>(), int64_t(2));
  QVERIFY(f["final"]["own"].contains("accuracy"));
  QVERIFY(!f.contains("submission"));

  // Broken run directories: each copies the run and damages one file.
  auto copyRun = [&](const std::string& name) {
    const auto dir = tmp_.filePath(QString::fromStdString(name)).toStdString();
    fs::create_directories(dir);
    for (const char* f : {"config.json", "adapters.safetensors", "results.json"})
      fs::copy_file(run_dir_ + "/" + f, dir + "/" + f);
    return dir;
  };
  const auto missing = copyRun("run-missing");
  fs::remove(missing + "/adapters.safetensors");
  EvalRequest r2;
  r2.run_dir = missing;
  expectError(r2, ErrorKind::Model, missing + "/adapters.safetensors", "missing");

  auto tensors = loadSafetensors(run_dir_ + "/adapters.safetensors").tensors;
  const std::string head = "score.weight";
  QVERIFY(tensors.count(head));
  const auto shaped = copyRun("run-shape");
  auto wrong = tensors;
  wrong[head] = torch::zeros({3, 32});
  saveSafetensors(shaped + "/adapters.safetensors", wrong);
  r2.run_dir = shaped;
  expectError(r2, ErrorKind::Model, shaped + "/adapters.safetensors:" + head,
              "shape [3, 32] in the file, the model expects [2, 32]");
  auto fewer = tensors;
  const auto dropped = fewer.begin()->first;
  fewer.erase(fewer.begin());
  saveSafetensors(shaped + "/adapters.safetensors", fewer);
  expectError(r2, ErrorKind::Model, shaped + "/adapters.safetensors:" + dropped, "missing tensor");
  auto extra = tensors;
  extra["model.layers.9.extra.weight"] = torch::zeros({2});
  saveSafetensors(shaped + "/adapters.safetensors", extra);
  expectError(r2, ErrorKind::Model, shaped + "/adapters.safetensors:model.layers.9.extra.weight",
              "unexpected tensor");
  // A config that does not match the adapters (another bottleneck): the first mismatching tensor.
  auto cfg = json::parse(test::readFile(run_dir_ + "/config.json"));
  cfg["peft"]["adapter"]["bottleneck"] = 8;
  const auto other = copyRun("run-config");
  test::writeFile(other + "/config.json", cfg.dump());
  r2.run_dir = other;
  try {
    evalInProcess(r2, tmp_.filePath("eval-error.jsonl").toStdString());
    QFAIL("no error");
  } catch (const EngineError& e) {
    QCOMPARE(e.kind(), ErrorKind::Model);
    QVERIFY2(e.location().rfind(other + "/adapters.safetensors:", 0) == 0, e.location().c_str());
    QVERIFY2(e.message().find("the model expects") != std::string::npos, e.message().c_str());
  }
}

void TestEval::engineEvalFollowsTheProtocol() {
  QProcess p;
  const auto out = tmp_.filePath("proc-out");
  p.start(ADAMIX_ENGINE_EXE,
          {"eval", "--run-dir", QString::fromStdString(run_dir_), "--split", "dev", "--out", out, "--threads", "1"});
  QVERIFY(p.waitForFinished(300000));
  QCOMPARE(p.exitCode(), 0);
  const auto lines = QString::fromUtf8(p.readAllStandardOutput()).split('\n', Qt::SkipEmptyParts);
  QStringList names;
  json finished;
  for (const auto& l : lines) {
    auto e = json::parse(l.toStdString());  // every stdout line is one JSON event
    QCOMPARE(QString::fromStdString(e["schema"].get<std::string>()), QString("1.3"));
    QCOMPARE(QString::fromStdString(e["run"].get<std::string>()), QString("run"));
    names << QString::fromStdString(e["event"].get<std::string>());
    if (e["event"] == "finished") finished = e;
    if (e["event"] == "metric") QCOMPARE(e["step"].get<int64_t>(), int64_t(6));
  }
  names.removeAll("heartbeat");
  QCOMPARE(names, QStringList({"started", "progress", "progress", "metric", "metric", "finished"}));
  const auto results = json::parse(test::readFile(run_dir_ + "/results.json"));
  QCOMPARE(finished["final"]["dev"].dump(), results["final"]["dev"].dump());
  QCOMPARE(QString::fromStdString(test::readFile(out.toStdString() + "/predictions.tsv")),
           QString::fromStdString(test::readFile(run_dir_ + "/predictions/dev.tsv")));

  // --out-root: the default output path under another folder (a run of another workspace,
  // evaluated from a copy of its database): nothing is written into the run directory.
  const auto root = tmp_.filePath("other-workspace-runs/run");
  auto snapshot = [&] {  // every path under the run directory with its modification time
    std::map<std::string, fs::file_time_type> files;
    for (const auto& e : fs::recursive_directory_iterator(run_dir_)) files[e.path().string()] = e.last_write_time();
    return files;
  };
  const auto before = snapshot();
  QProcess o;
  o.start(ADAMIX_ENGINE_EXE,
          {"eval", "--run-dir", QString::fromStdString(run_dir_), "--split", "test", "--out-root", root, "--threads", "1"});
  QVERIFY(o.waitForFinished(300000));
  QCOMPARE(o.exitCode(), 0);
  const auto last = json::parse(QString::fromUtf8(o.readAllStandardOutput()).trimmed().split('\n').last().toStdString());
  QCOMPARE(QString::fromStdString(last["out"].get<std::string>()), root + "/eval/test-merged");
  QVERIFY(QFileInfo::exists(root + "/eval/test-merged/predictions.tsv"));
  QVERIFY(snapshot() == before);
  for (const QStringList& args : {QStringList{"eval", "--run-dir", QString::fromStdString(run_dir_), "--out", out, "--out-root", root},
                                  QStringList{"merge", "--run-dir", QString::fromStdString(run_dir_), "--strategy", "uniform",
                                              "--out", out, "--out-root", root}}) {
    QProcess both;  // one or the other
    both.start(ADAMIX_ENGINE_EXE, args);
    QVERIFY(both.waitForFinished(60000));
    QCOMPARE(both.exitCode(), 2);
    QVERIFY2(QString::fromUtf8(both.readAllStandardError()).contains("excludes"), qPrintable(args.join(' ')));
  }

  // Errors: an error event on stdout and the kind's exit code (model: 5, usage: 2).
  QProcess q;
  q.start(ADAMIX_ENGINE_EXE, {"eval", "--run-dir", tmp_.filePath("run-missing")});
  QVERIFY(q.waitForFinished(300000));
  QCOMPARE(q.exitCode(), 5);
  const auto err = json::parse(QString::fromUtf8(q.readAllStandardOutput()).trimmed().split('\n').last().toStdString());
  QCOMPARE(err["event"].get<std::string>(), std::string("error"));
  QCOMPARE(err["kind"].get<std::string>(), std::string("model"));
  QProcess u;
  u.start(ADAMIX_ENGINE_EXE, {"eval", "--run-dir", QString::fromStdString(run_dir_), "--task", "rte"});
  QVERIFY(u.waitForFinished(300000));
  QCOMPARE(u.exitCode(), 2);
  // Numeric options out of their range are usage errors too (a review found --threads -5 and
  // 100,000 accepted; the latter hung the engine): every subcommand's --threads, generate's
  // --max-new-tokens.
  const QString run = QString::fromStdString(run_dir_);
  for (const QStringList& args :
       {QStringList{"eval", "--run-dir", run, "--threads", "-5"}, QStringList{"eval", "--run-dir", run, "--threads", "100000"},
        QStringList{"merge", "--run-dir", run, "--strategy", "uniform", "--threads", "-1"},
        QStringList{"train", "--config", "c.json", "--run-dir", "r", "--threads", "1025"},
        QStringList{"generate", "--run-dir", run, "--max-new-tokens", "-5"}}) {
    QProcess v;
    v.start(ADAMIX_ENGINE_EXE, args);
    QVERIFY(v.waitForFinished(60000));
    QCOMPARE(v.exitCode(), 2);
    QVERIFY2(QString::fromUtf8(v.readAllStandardError()).contains("not in range"), qPrintable(args.join(' ')));
  }
}

void TestEval::generationRunEvaluatesAndGenerates() {
  // A tiny AdaMix-LoRA E2E run (as test_generation's: 8 MRs, 3 of them dev) on the real
  // stories260K, which writes words (a random tiny model's outputs decode to empty strings).
  const auto model_dir = test::sharedPath("models/stories260K");
  std::string e2e;
  for (const char* n : {"Alimentum", "Aromi", "Bibimbap", "Blue Spice", "Clowns", "Cotto", "Zizzi", "Wildwood"}) {
    e2e += std::string("name : ") + n + " | food : Thai||" + n + " serves Thai food .\n";
    e2e += std::string("name : ") + n + " | food : Thai||There is Thai food at " + n + " .\n";
  }
  const auto data_dir = tmp_.filePath("e2e").toStdString();
  test::writeFile(data_dir + "/valid.txt", e2e);
  const json cfg = {{"seed", 2},
                    {"model", {{"path", model_dir}}},
                    {"task", {{"name", "e2e"}, {"data_dir", data_dir}, {"dev_items", 3}, {"max_seq_length", 64}}},
                    {"peft",
                     {{"method", "lora"},
                      {"lora", {{"rank", 2}, {"alpha", 4}}},
                      {"adamix", {{"num_modules", 2}, {"sharing", "up"}}}}},
                    {"train", {{"learning_rate", 1e-3}, {"epochs", 1}, {"batch_size", 4}, {"threads", 1}, {"device", "cpu"}}},
                    {"generation", {{"beam_size", 2}, {"max_new_tokens", 6}, {"no_repeat_ngram_size", 2}}}};
  auto rc = parseRunConfig(cfg);
  rc.run_id = "e2e-run";
  const auto run_dir = tmp_.filePath("e2e-run").toStdString();
  fs::create_directories(run_dir);
  {
    TrainOptions opts;
    opts.run_dir = run_dir;
    EventStream events(rc.run_id, run_dir + "/events.jsonl", false);
    trainRun(rc, opts, events);
  }
  const auto results = json::parse(test::readFile(run_dir + "/results.json"));

  // eval on the run's dev inputs: the run's metrics and outputs, decoded again.
  EvalRequest req;
  req.run_dir = run_dir;
  const auto f = evalInProcess(req, tmp_.filePath("eval-e2e.jsonl").toStdString());
  QCOMPARE(f["examples"].get<int64_t>(), int64_t(3));
  QCOMPARE(f["primary_metric"].get<std::string>(), std::string("bleu"));
  QCOMPARE(f["final"]["dev"].dump(), results["final"]["dev"].dump());
  const auto out = run_dir + "/eval/dev-merged/";
  QCOMPARE(QString::fromStdString(test::readFile(out + "predictions.tsv")),
           QString::fromStdString(test::readFile(run_dir + "/predictions/dev.tsv")));
  QCOMPARE(QString::fromStdString(test::readFile(out + "predictions.jsonl")),
           QString::fromStdString(test::readFile(run_dir + "/predictions/dev.jsonl")));

  // generate --run-dir on one input = eval of a file holding just that input (both a batch of one).
  const auto rows = tsvRows(test::readFile(out + "predictions.tsv"));
  const std::string mr = rows.at(1).at(1);
  const auto one = tmp_.filePath("one.txt").toStdString();
  test::writeFile(one, mr + "||A reference .\n");
  req.data_file = one;
  req.out_dir = tmp_.filePath("one-out").toStdString();
  const auto g = evalInProcess(req, tmp_.filePath("eval-one.jsonl").toStdString());
  QCOMPARE(g["split"].get<std::string>(), std::string("one"));
  const auto one_rows = tsvRows(test::readFile(req.out_dir + "/predictions.tsv"));
  QCOMPARE(one_rows.size(), size_t(2));
  auto run = loadRun(run_dir);
  const auto text = generateWithRun(run, mr, 0);
  QCOMPARE(QString::fromStdString(text), QString::fromStdString(one_rows[1].size() > 2 ? one_rows[1][2] : ""));
  qInfo("generate --run-dir \"%s\" -> \"%s\"", mr.c_str(), text.c_str());
  QVERIFY(!text.empty());  // a real comparison, not two empty outputs
  // A classification run does not generate.
  auto rte = loadRun(run_dir_);
  QVERIFY_EXCEPTION_THROWN(generateWithRun(rte, "x", 4), EngineError);
}

void TestEval::modelDirectoryOnStsbTestSplit() {
  // --model DIR --task stsb: a plain model (regression head seeded: the directory has none) on
  // the real STS-B test file -> STS-B.tsv with scores to 3 decimals, the same values as
  // predictions.tsv.
  EvalRequest req;
  req.model_dir = model_dir_;
  req.task = "stsb";
  req.split = "test";
  req.data_dir = test::sharedPath("data/glue/STS-B");
  req.out_dir = tmp_.filePath("stsb-out").toStdString();
  req.threads = 1;
  const auto f = evalInProcess(req, tmp_.filePath("eval-stsb.jsonl").toStdString());
  QCOMPARE(f["submission"].get<std::string>(), std::string("STS-B.tsv"));
  QCOMPARE(f["examples"].get<int64_t>(), int64_t(1379));
  QCOMPARE(f["best_step"].get<int64_t>(), int64_t(0));
  QCOMPARE(f["params"]["trainable_peft"].get<int64_t>(), int64_t(0));  // peft method head: no modules
  const auto sub = tsvRows(test::readFile(req.out_dir + "/STS-B.tsv"));
  const auto preds = tsvRows(test::readFile(req.out_dir + "/predictions.tsv"));
  QCOMPARE(sub.size(), size_t(1380));
  QCOMPARE(preds[0], (std::vector<std::string>{"index", "prediction"}));
  const QRegularExpression three_decimals("^-?[0-9]+\\.[0-9]{3}$");
  for (size_t i = 1; i < sub.size(); ++i) {
    QCOMPARE(sub[i][0], std::to_string(i - 1));
    QCOMPARE(sub[i][1], preds[i][1]);
    QVERIFY2(three_decimals.match(QString::fromStdString(sub[i][1])).hasMatch(), sub[i][1].c_str());
  }
  // Without --out there is no run directory to write into.
  req.out_dir.clear();
  QVERIFY_EXCEPTION_THROWN(evalInProcess(req, tmp_.filePath("eval-stsb.jsonl").toStdString()), EngineError);
}

namespace {
/// The `evaluation` events of an event log, in order.
std::vector<json> evaluationEvents(const std::string& events_path) {
  std::vector<json> out;
  for (const auto& e : readEvents(events_path))
    if (e["event"] == "evaluation") out.push_back(e);
  return out;
}
}  // namespace

void TestEval::endOfRunModeEvaluationsAreEvalsOfTheSavedWeights() {
  // The M = 4 AdaMix run of initTestCase evaluated its dev set under every mode at its end
  // (train.eval_inference_modes null = on with a mixture): one `evaluation` event per mode,
  // after the artifacts and before `finished`, each equal to a separate `eval --inference MODE`.
  const auto events = readEvents(run_dir_ + "/events.jsonl");
  std::vector<std::string> order;
  for (const auto& e : events)
    if (e["event"] != "heartbeat") order.push_back(e["event"].get<std::string>());
  QCOMPARE(order.back(), std::string("finished"));
  const auto evals = evaluationEvents(run_dir_ + "/events.jsonl");
  QCOMPARE(evals.size(), size_t(6));
  for (size_t i = 0; i < evals.size(); ++i) QCOMPARE(order[order.size() - 7 + i], std::string("evaluation"));
  const std::vector<std::string> modes = {"module:0", "module:1", "module:2", "module:3", "random", "ensemble"};
  std::set<std::string> accuracies;
  for (size_t i = 0; i < modes.size(); ++i) {
    const auto& e = evals[i];
    QCOMPARE(e["schema"].get<std::string>(), std::string("1.3"));
    QCOMPARE(e["inference"].get<std::string>(), modes[i]);
    QCOMPARE(e["split"].get<std::string>(), std::string("dev"));
    QCOMPARE(e["weights_step"].get<int64_t>(), int64_t(6));
    QCOMPARE(e["examples"].get<int64_t>(), int64_t(24));
    QCOMPARE(e["primary_metric"].get<std::string>(), std::string("accuracy"));
    QCOMPARE(e["predictions"].get<std::string>(), std::string("predictions.tsv"));
    QVERIFY(e["wall_s"].get<double>() >= 0);
    auto mode_dir = modes[i];
    std::replace(mode_dir.begin(), mode_dir.end(), ':', '-');
    const auto out = fs::absolute(fs::path(run_dir_) / "eval" / ("dev-" + mode_dir)).lexically_normal().string();
    QCOMPARE(e["out"].get<std::string>(), out);
    const auto train_preds = test::readFile(out + "/predictions.tsv");
    const auto train_metrics = json::parse(test::readFile(out + "/metrics.json"));
    QCOMPARE(train_metrics["final"]["dev"].dump(), e["metrics"].dump());
    QCOMPARE(e["metrics"].size(), size_t(2));  // accuracy, loss
    accuracies.insert(e["metrics"].dump());

    // A separate eval of the run directory with that mode, into another directory: the same
    // metrics and the same predictions file, bit for bit.
    EvalRequest req;
    req.run_dir = run_dir_;
    req.inference = modes[i];
    req.out_dir = tmp_.filePath(QString::fromStdString("separate-" + mode_dir)).toStdString();
    const auto f = evalInProcess(req, req.out_dir + ".jsonl");
    QCOMPARE(f["final"]["dev"].dump(), e["metrics"].dump());
    QCOMPARE(QString::fromStdString(test::readFile(req.out_dir + "/predictions.tsv")), QString::fromStdString(train_preds));
  }
  // The modes do differ here (the test can fail): module 0 and module 1 score differently.
  QVERIFY2(accuracies.size() > 1, "all modes gave the same metrics");
  // The run's own metrics (merged) are untouched by the mode evaluations.
  const auto results = json::parse(test::readFile(run_dir_ + "/results.json"));
  EvalRequest merged;
  merged.run_dir = run_dir_;
  merged.out_dir = tmp_.filePath("separate-merged").toStdString();
  QCOMPARE(evalInProcess(merged, merged.out_dir + ".jsonl")["final"]["dev"].dump(), results["final"]["dev"].dump());
}

void TestEval::noModeEvaluationsWithoutAMixtureOrWhenTurnedOff() {
  // A plain adapter (M = 1): none by default. M = 4 with train.eval_inference_modes false: none.
  auto single = rte_cfg_;
  single["peft"]["adamix"] = {{"num_modules", 1}};
  const auto dir1 = tmp_.filePath("run-single").toStdString();
  train(single, dir1);
  QVERIFY(evaluationEvents(dir1 + "/events.jsonl").empty());
  QVERIFY(!fs::exists(dir1 + "/eval"));
  // Nor on request: random / ensemble / module:0 of one module are its merged weights, and would
  // add results columns that look like other measurements (a new user's report).
  for (const char* mode : {"random", "ensemble", "module:0"}) {
    EvalRequest req;
    req.run_dir = dir1;
    req.inference = mode;
    try {
      evalInProcess(req, tmp_.filePath("single-mode.jsonl").toStdString());
      QFAIL(qPrintable(QString("--inference %1 accepted for one module").arg(mode)));
    } catch (const EngineError& e) {
      QCOMPARE(e.kind(), ErrorKind::Usage);
      QCOMPARE(QString::fromStdString(e.location()), QString("--inference"));
      QVERIFY2(e.message().find("the run has one module") != std::string::npos, e.what());
    }
  }
  EvalRequest merged_single;
  merged_single.run_dir = dir1;
  merged_single.inference = "merged";
  QVERIFY(evalInProcess(merged_single, tmp_.filePath("single-merged.jsonl").toStdString())["final"].contains("dev"));
  auto off = rte_cfg_;
  off["train"]["eval_inference_modes"] = false;
  const auto dir2 = tmp_.filePath("run-off").toStdString();
  train(off, dir2);
  QVERIFY(evaluationEvents(dir2 + "/events.jsonl").empty());
  QVERIFY(!fs::exists(dir2 + "/eval"));
  QVERIFY(json::parse(test::readFile(dir2 + "/config.json"))["train"]["eval_inference_modes"] == false);
  // The resolved default is null; true without a mixture is a config error at its path.
  QVERIFY(toJson(parseRunConfig(rte_cfg_))["train"]["eval_inference_modes"].is_null());
  QVERIFY(evalsInferenceModes(parseRunConfig(rte_cfg_)));
  QVERIFY(!evalsInferenceModes(parseRunConfig(single)));
  single["train"]["eval_inference_modes"] = true;
  try {
    parseRunConfig(single);
    QFAIL("eval_inference_modes true accepted without a mixture");
  } catch (const EngineError& e) {
    QCOMPARE(e.kind(), ErrorKind::Config);
    QCOMPARE(QString::fromStdString(e.location()), QString("/train/eval_inference_modes"));
  }
  single["train"]["eval_inference_modes"] = "yes";
  try {
    parseRunConfig(single);
    QFAIL("a string accepted");
  } catch (const EngineError& e) {
    QCOMPARE(QString::fromStdString(e.location()), QString("/train/eval_inference_modes"));
  }
}

void TestEval::interruptedModeEvaluationsAreRedoneOnResume() {
  // Stopped after 5 batches of the mode evaluations (module:0, module:1 done, module:2 half):
  // exit `interrupted`, no finished; `--resume` redoes the stage and ends as the uninterrupted run.
  const auto dir = tmp_.filePath("run-mode-resume").toStdString();
  try {
    train(rte_cfg_, dir, /*stop_after_mode_eval_batches=*/5);
    QFAIL("not interrupted");
  } catch (const EngineError& e) {
    QCOMPARE(e.kind(), ErrorKind::Interrupted);
  }
  QCOMPARE(evaluationEvents(dir + "/events.jsonl").size(), size_t(2));
  QVERIFY(!fs::exists(dir + "/results.json"));
  train(rte_cfg_, dir, 0, /*resume=*/true);
  const auto evals = evaluationEvents(dir + "/events.jsonl");
  QCOMPARE(evals.size(), size_t(2 + 6));
  const auto reference = evaluationEvents(run_dir_ + "/events.jsonl");
  for (size_t i = 0; i < 6; ++i) {
    QCOMPARE(evals[2 + i]["inference"], reference[i]["inference"]);
    QCOMPARE(evals[2 + i]["metrics"].dump(), reference[i]["metrics"].dump());
  }
  QCOMPARE(json::parse(test::readFile(dir + "/results.json"))["best"]["dev"].dump(),
           json::parse(test::readFile(run_dir_ + "/results.json"))["best"]["dev"].dump());
}

// A review's findings: `eval --data my/dev.tsv` wrote into eval/dev-merged, the folder of the
// split's stored evaluation (whose row then pointed at another evaluation's predictions), two
// files of one stem shared a folder too, and a failed evaluation left an empty folder behind.
void TestEval::evaluationsNeverShareAFolder() {
  const auto root = tmp_.filePath("shared-root").toStdString();
  const auto a = tmp_.filePath("data-a/dev.tsv").toStdString(), b = tmp_.filePath("data-b/dev.tsv").toStdString();
  const std::string dev = test::readFile(rte_dir_ + "/dev.tsv");
  test::writeFile(a, dev);
  test::writeFile(b, dev.substr(0, dev.find('\n', dev.find('\n', dev.find('\n') + 1) + 1) + 1));  // 2 rows
  auto outOf = [&](const std::string& data) -> QString {  // the folder, relative to root
    EvalRequest req;
    req.run_dir = run_dir_;
    req.out_root = root;
    req.data_file = data;
    const auto finished = evalInProcess(req, tmp_.filePath("shared.jsonl").toStdString());
    if (finished["data_file"].get<std::string>() != data) return "wrong data_file";
    const auto m = json::parse(test::readFile(finished["out"].get<std::string>() + "/metrics.json"));
    if (m.dump() != finished.dump()) return "metrics.json of another evaluation";
    return QString::fromStdString(finished["out"].get<std::string>()).mid(int(root.size()) + 1);
  };
  QCOMPARE(outOf({}), QString("eval/dev-merged"));   // the split (its 24-example subset)
  QCOMPARE(outOf(a), QString("eval/dev-merged-2"));  // a file named like the split
  QCOMPARE(outOf(b), QString("eval/dev-merged-3"));  // another file of the same stem
  QCOMPARE(outOf({}), QString("eval/dev-merged"));   // each again: its own folder, reused
  QCOMPARE(outOf(b), QString("eval/dev-merged-3"));
  QCOMPARE(outOf(a), QString("eval/dev-merged-2"));
  // a folder of the default name holding anything else is not taken either
  test::writeFile(root + "/eval/test-merged/notes.txt", "mine\n");
  EvalRequest test_split;
  test_split.run_dir = run_dir_;
  test_split.out_root = root;
  test_split.split = "test";
  QCOMPARE(QString::fromStdString(evalInProcess(test_split, tmp_.filePath("t.jsonl").toStdString())["out"]),
           QString::fromStdString(root + "/eval/test-merged-2"));
  QCOMPARE(test::readFile(root + "/eval/test-merged/notes.txt"), std::string("mine\n"));

  // A failing evaluation (a bad row) removes what it made: under the run directory, and a new --out path.
  const auto bad = tmp_.filePath("data-c/badrow.tsv").toStdString();
  test::writeFile(bad, "index\tsentence1\tsentence2\tlabel\n0\tA.\tnot_entailment\n");
  for (const std::string& out : {std::string(), tmp_.filePath("new-parent/out").toStdString()}) {
    EvalRequest req;
    req.run_dir = run_dir_;
    req.out_root = root;
    req.out_dir = out;
    req.data_file = bad;
    QVERIFY_THROWS_EXCEPTION(EngineError, evalInProcess(req, tmp_.filePath("bad.jsonl").toStdString()));
  }
  QVERIFY(!fs::exists(root + "/eval/badrow-merged"));
  QVERIFY(!fs::exists(tmp_.filePath("new-parent").toStdString()));
  QVERIFY(fs::exists(root + "/eval/dev-merged/metrics.json"));  // what was there stays
}

QTEST_GUILESS_MAIN(TestEval)
#include "test_eval.moc"
