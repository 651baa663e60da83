#include "analysis_fixture.h"

#include "exec/study_runner.h"
#include "study/study.h"

#include <QDir>
#include <QFile>

#include <cmath>

namespace adamix::ui::test {

// SST-2 (points): Adapter M=1 80 ± 1, Adapter M=4 84 ± 1, LoRA M=1 78 ± 1, LoRA M=4 79 ± 1
//   (seeds 1, 2, 3 = mean − 1, mean, mean + 1).
// RTE: Adapter M=1 60 ± 1, Adapter M=4 63 ± 2 (61, 63, 65), LoRA M=1 58 ± 1, LoRA M=4 57 ± 1.
// Parameters (base 1,000,000, head 2; LoRA M=1 stores no "base"): Adapter M=1 trainable 10,000 / inference 10,000 (1 % / 1 %),
//   Adapter M=4 25,000 / 10,000 (2.5 % / 1 %), LoRA M=1 5,000 / 5,000 (0.5 % / 0.5 %), LoRA M=4 none.
// Adapter M=4 on SST-2 dev, single modules (seed: module 0..3): s1 76 78 80 82, s2 77 79 81 83,
//   s3 65 79 80 84; random 80 81 82, ensemble 85 85 86 (end-of-run evaluations, each costing
//   1.5, 1.75, 2 s by seed: 9, 10.5, 12 s a run), greedy-soup 84 85 85 (a merge) (per seed).
// Predictions (SST-2 dev, 10 examples, labels 1 0 1 0 …): Adapter M=1 right on examples 0–5,
//   Adapter M=4 on 0–7, LoRA M=1 on all 10, LoRA M=4 exactly as Adapter M=1.

QByteArray analysisStudyJson() {
  return R"({
  "name": "ablation",
  "base": { "model": { "path": "/nonexistent/model" }, "train": { "epochs": 1 } },
  "tasks": [ { "name": "sst2", "data_dir": "/data/SST-2" }, { "name": "rte", "data_dir": "/data/RTE" } ],
  "axes": [
    { "name": "method", "values": [ { "label": "Adapter", "set": { "/peft/method": "adapter" } },
                                    { "label": "LoRA", "set": { "/peft/method": "lora" } } ] },
    { "name": "modules", "path": "/peft/adamix/num_modules", "values": [1, 4], "labels": ["M=1", "M=4"] } ],
  "seeds": [1, 2, 3]
})";
}

double analysisScore(const QString& task, const QString& method, int modules, int seed) {
  const bool adapter = method == QLatin1String("Adapter");
  double mean = 0, step = 1;
  if (task == QLatin1String("sst2"))
    mean = adapter ? (modules == 1 ? 80 : 84) : (modules == 1 ? 78 : 79);
  else {
    mean = adapter ? (modules == 1 ? 60 : 63) : (modules == 1 ? 58 : 57);
    if (adapter && modules == 4) step = 2;
  }
  return (mean + step * (seed - 2)) / 100.0;
}

namespace {

QString methodOf(const app::ExpandedRun& r) { return r.axes.at(0).label; }
int modulesOf(const app::ExpandedRun& r) { return r.axes.at(1).label == QLatin1String("M=4") ? 4 : 1; }

void writePredictions(const QString& runDir, int rightUpTo) {
  QDir().mkpath(QDir(runDir).filePath(QStringLiteral("predictions")));
  QFile f(QDir(runDir).filePath(QStringLiteral("predictions/dev.tsv")));
  if (!f.open(QIODevice::WriteOnly)) return;
  f.write("index\tprediction\tlabel\n");
  for (int i = 0; i < 10; ++i) {
    const int label = i % 2 == 0 ? 1 : 0;
    const int prediction = i < rightUpTo ? label : 1 - label;
    f.write(QStringLiteral("%1\t%2\t%3\n").arg(i).arg(prediction).arg(label).toUtf8());
  }
}

/// An evaluation of the run's weights on SST-2 dev: an end-of-run mode (`wallS` its cost) or, for a
/// merge strategy's name, a merge stored as `adamix run merge` stores it.
void addEvaluation(app::Store& store, qint64 runId, const QString& runDir, const QString& inference, double accuracy,
                   double wallS = 0) {
  app::Evaluation e;
  e.outDir = QDir(runDir).filePath(QStringLiteral("eval/dev-") + QString(inference).replace(u':', u'-'));
  e.runId = runId;
  e.split = QStringLiteral("dev");
  e.inference = inference;
  e.examples = 872;
  e.metrics = {{QStringLiteral("accuracy"), accuracy}};
  e.primaryMetric = QStringLiteral("accuracy");
  if (inference == QLatin1String("greedy-soup"))
    e.details = {{"strategy", "greedy-soup"}, {"heldout", {{"split", "train"}, {"examples", 7}, {"seed", 1}}}};
  else
    e.details = {{"end_of_run", true}, {"wall_s", wallS}};
  store.addEvaluation(e);
}

}  // namespace

qint64 fillAnalysisStore(app::Store& store, const QString& runsDir) {
  const auto doc = nlohmann::json::parse(analysisStudyJson().toStdString());
  const app::Study study = app::parseStudy(doc);
  const qint64 sid = store.upsertStudy(study.name, QStringLiteral("ablation.json"), doc);
  const double modules[3][4] = {{76, 78, 80, 82}, {77, 79, 81, 83}, {65, 79, 80, 84}};
  const double randomMode[3] = {80, 81, 82}, ensemble[3] = {85, 85, 86}, soup[3] = {84, 85, 85};
  double t = 1700000000.0;
  for (const app::ExpandedRun& er : app::expandStudy(study)) {
    const QString dir = QDir(runsDir).filePath(er.runId);
    const qint64 id = store.addRun(app::newRunFor(er, sid, dir, app::RunState::Finished));
    const QString method = methodOf(er);
    const int m = modulesOf(er);
    const double acc = analysisScore(er.task, method, m, er.seed);
    store.setResults(id, {{QStringLiteral("dev"), QStringLiteral("accuracy"), acc, QStringLiteral("best")},
                          {QStringLiteral("dev"), QStringLiteral("accuracy"), acc, QStringLiteral("final")}});
    store.appendMetricPoints({{id, 100, 1.0, QStringLiteral("dev"), QStringLiteral("accuracy"), acc, t + 10}});
    const bool adapter = method == QLatin1String("Adapter");
    if (!(method == QLatin1String("LoRA") && m == 4)) {
      const qint64 trainable = adapter ? (m == 1 ? 10000 : 25000) : 5000;
      const qint64 inference = adapter ? 10000 : 5000;
      nlohmann::json params = {{"total", 1000000 + trainable + 2},  {"trainable", trainable + 2},
                               {"trainable_peft", trainable},       {"inference_peft", inference},
                               {"head", 2}};
      // LoRA M=1 as the engine's protocol 1.x reports it, without "base": the backbone is then
      // total − trainable_peft − head = 1,000,000 all the same
      if (adapter) params["base"] = 1000000;
      store.setRunParams(id, params);
    }
    if (er.task == QLatin1String("sst2")) {
      writePredictions(dir, adapter ? (m == 1 ? 6 : 8) : (m == 1 ? 10 : 6));
      if (adapter && m == 4) {
        const int s = er.seed - 1;
        const double wall = 1.25 + 0.25 * er.seed;  // each end-of-run evaluation: 1.5, 1.75, 2 s by seed
        for (int k = 0; k < 4; ++k)
          addEvaluation(store, id, dir, QStringLiteral("module:%1").arg(k), modules[s][k] / 100, wall);
        addEvaluation(store, id, dir, QStringLiteral("random"), randomMode[s] / 100, wall);
        addEvaluation(store, id, dir, QStringLiteral("ensemble"), ensemble[s] / 100, wall);
        addEvaluation(store, id, dir, QStringLiteral("greedy-soup"), soup[s] / 100);
      }
    }
    app::RunUpdate u;
    u.started = t;
    u.finished = t + 12;
    u.exitCode = 0;
    store.setRunStatus(id, app::RunState::Finished, u);
    t += 100;
  }
  return sid;
}

qint64 analysisRunId(app::Store& store, const QString& task, const QString& method, int modules, int seed) {
  const QString variant = QStringLiteral("%1, M=%2").arg(method).arg(modules);
  for (const app::RunRecord& r : store.listRuns())
    if (r.task == task && r.variant == variant && r.seed == seed) return r.id;
  return -1;
}

}  // namespace adamix::ui::test
