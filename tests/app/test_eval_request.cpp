// What the app asks of `adamix-engine eval` / `export`: command lines, splits per task, inference
// modes, and the Evaluation a `finished` event of eval becomes.
// SPDX-License-Identifier: GPL-3.0-or-later
#include "exec/eval_request.h"

#include <QDir>
#include <QTest>

using namespace adamix::app;
using nlohmann::json;

class TestEvalRequest : public QObject {
  Q_OBJECT
 private slots:
  void commandLines() {
    QCOMPARE(evalArgs("/r/1", {"test", {}, "module:2", "/o/x"}),
             QStringList({"eval", "--run-dir", "/r/1", "--split", "test", "--inference", "module:2", "--out", "/o/x"}));
    QCOMPARE(evalArgs("/r/1", {}), QStringList({"eval", "--run-dir", "/r/1"}));  // the engine's defaults
    QCOMPARE(evalArgs("/r/1", {{}, "/d/hard.tsv", {}, {}}),
             QStringList({"eval", "--run-dir", "/r/1", "--data", "/d/hard.tsv"}));
    // a run of another workspace: the default output under this workspace's directory of the run,
    // for eval and merge; an explicit --out wins
    QCOMPARE(evalArgs("/w/runs/1", {"test", {}, {}, {}}, "/v/runs/1"),
             QStringList({"eval", "--run-dir", "/w/runs/1", "--split", "test", "--out-root", "/v/runs/1"}));
    QCOMPARE(evalArgs("/w/runs/1", {"test", {}, {}, "/o/x"}, "/v/runs/1"),
             QStringList({"eval", "--run-dir", "/w/runs/1", "--split", "test", "--out", "/o/x"}));
    EvalRequest merge;
    merge.mergeStrategy = "uniform";
    QCOMPARE(evalArgs("/w/runs/1", merge, "/v/runs/1"),
             QStringList({"merge", "--run-dir", "/w/runs/1", "--strategy", "uniform", "--out-root", "/v/runs/1"}));
    QCOMPARE(evalArgs("/w/runs/1", merge), QStringList({"merge", "--run-dir", "/w/runs/1", "--strategy", "uniform"}));
    QCOMPARE(exportArgs("/r/1", "peft", "/o/p"),
             QStringList({"export", "--run-dir", "/r/1", "--format", "peft", "--out", "/o/p"}));
    QCOMPARE(exportFormats(), QStringList({"peft", "merged-model", "adamix"}));
  }

  void splitsAndModes() {
    QCOMPARE(testSplitsFor("rte"), QStringList({"test"}));
    QCOMPARE(testSplitsFor("mnli"), QStringList({"test_matched", "test_mismatched", "ax"}));
    QCOMPARE(splitsFor("mnli"),
             QStringList({"dev_matched", "dev_mismatched", "test_matched", "test_mismatched", "ax"}));
    QCOMPARE(splitsFor("sst2"), QStringList({"dev", "test"}));
    for (const char* ok : {"merged", "random", "ensemble", "module:0", "module:12"}) QVERIFY2(isValidInference(ok), ok);
    for (const char* bad : {"", "best", "module:", "module:-1", "module:x", "merged "}) QVERIFY2(!isValidInference(bad), bad);
  }

  void onlyFinishedRunsWithTheirDirectory() {
    RunRecord r;
    r.id = 4;
    r.status = RunState::Failed;
    r.runDir = QDir::tempPath();
    QCOMPARE(artifactBlocker(r), QString("run 4 is failed: only finished runs have trained weights"));
    r.status = RunState::Finished;
    QCOMPARE(artifactBlocker(r), QString());
    r.runDir = "/no/such/run";
    QCOMPARE(artifactBlocker(r), QString("run 4: its run directory '/no/such/run' does not exist"));
  }

  void evaluationOfAFinishedEvent() {
    FinishedEvent f;
    f.results = {{"dev", "accuracy", 0.75, "final"}, {"dev", "accuracy", 0.75, "best"}, {"dev", "f1", 0.5, "final"}};
    f.bestStep = 120;
    f.primaryMetric = "accuracy";
    f.split = "dev";
    f.inference = "ensemble";
    f.examples = 277;
    f.out = "/r/1/eval/dev-ensemble";
    f.predictions = "predictions.tsv";
    Evaluation e = evaluationFromFinished(9, f, {"dev", {}, {}, {}});
    QCOMPARE(e.runId, qint64(9));
    QCOMPARE(e.split, QString("dev"));
    QCOMPARE(e.dataFile, QString());
    QCOMPARE(e.inference, QString("ensemble"));  // the engine's resolved mode, not the request's ""
    QCOMPARE(e.weightsStep.value(), qint64(120));
    QCOMPARE(e.examples, qint64(277));
    QCOMPARE(e.metrics.size(), size_t(2));  // the `final` values only
    QCOMPARE(e.metrics[0], std::make_pair(QString("accuracy"), 0.75));
    QCOMPARE(e.metrics[1], std::make_pair(QString("f1"), 0.5));
    QCOMPARE(e.outDir, QString("/r/1/eval/dev-ensemble"));
    // a data file: recorded as the file, not as its stem; no weights step when the engine had none
    f.split = "hard";
    f.bestStep = 0;
    f.submission.clear();
    e = evaluationFromFinished(9, f, {{}, "/d/hard.tsv", "merged", {}});
    QCOMPARE(e.split, QString());
    QCOMPARE(e.dataFile, QString("/d/hard.tsv"));
    QCOMPARE(e.target(), QString("hard.tsv"));
    QVERIFY(!e.weightsStep);
  }
};

QTEST_GUILESS_MAIN(TestEvalRequest)
#include "test_eval_request.moc"
