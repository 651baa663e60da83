#include "ui_fixture.h"

#include "exec/study_runner.h"
#include "study/study.h"

#include <QDir>
#include <QJsonDocument>

namespace adamix::ui::test {

QByteArray fixtureStudyJson() {
  return R"({
  "name": "fixture",
  "base": { "model": { "path": "/nonexistent/model" }, "train": { "epochs": 1 } },
  "tasks": [ { "name": "rte", "data_dir": "/data/RTE" }, { "name": "sst2", "data_dir": "/data/SST-2" } ],
  "axes": [ { "name": "variant", "values": [
      { "label": "Adapter", "set": { "/peft/adamix/num_modules": 1 } },
      { "label": "AdaMix", "set": { "/peft/adamix/num_modules": 4, "/peft/adamix/consistency_weight": 1.0 } } ] } ],
  "seeds": [1, 2]
})";
}

double fixtureAccuracy(const QString& task, const QString& variant, int seed) {
  const double base = task == QLatin1String("rte") ? 0.60 : 0.80;
  const double gain = variant == QLatin1String("AdaMix") ? 0.05 : 0.0;
  return base + gain + (seed == 1 ? 0.01 : -0.01);
}

qint64 fillFixtureStore(app::Store& store, const QString& runsDir) {
  const auto doc = nlohmann::json::parse(fixtureStudyJson().toStdString());
  const app::Study study = app::parseStudy(doc);
  const qint64 sid = store.upsertStudy(study.name, QStringLiteral("fixture.json"), doc);
  double t = 1700000000.0;
  for (const app::ExpandedRun& er : app::expandStudy(study)) {
    const app::NewRun nr = app::newRunFor(er, sid, QDir(runsDir).filePath(er.runId), app::RunState::Finished);
    const qint64 id = store.addRun(nr);
    std::vector<app::MetricPoint> pts;
    const double adamix = er.variant == QLatin1String("AdaMix") ? 1.0 : 0.0;
    for (int k = 1; k <= 10; ++k) {
      app::MetricPoint p;
      p.runId = id;
      p.step = 10 * k;
      p.epoch = k / 10.0;
      p.split = QStringLiteral("train");
      p.name = QStringLiteral("loss");
      p.value = 1.0 / k + 0.1 * er.seed - 0.05 * adamix;
      p.time = t + k;
      pts.push_back(p);
    }
    const double acc = fixtureAccuracy(er.task, er.variant, er.seed);
    for (int step : {50, 100}) {
      app::MetricPoint p;
      p.runId = id;
      p.step = step;
      p.epoch = step / 100.0;
      p.split = QStringLiteral("dev");
      p.name = QStringLiteral("accuracy");
      p.value = step == 100 ? acc : acc - 0.1;
      p.time = t + step / 10.0;
      pts.push_back(p);
    }
    store.appendMetricPoints(pts);
    store.setResults(id, {{QStringLiteral("dev"), QStringLiteral("accuracy"), acc, QStringLiteral("best")},
                          {QStringLiteral("dev"), QStringLiteral("accuracy"), acc, QStringLiteral("final")}});
    app::RunUpdate u;
    u.started = t;
    u.finished = t + 12;
    u.exitCode = 0;
    store.setRunStatus(id, app::RunState::Finished, u);
    t += 100;
  }
  return sid;
}

qint64 fillRelaunchedStudy(app::Store& store, const QString& studyFile) {
  qint64 sid = 0;
  for (const auto& [modules, seed, acc] : {std::tuple{4, 1, 0.70}, std::tuple{8, 2, 0.80}}) {
    const nlohmann::json doc = nlohmann::json::parse(QStringLiteral(R"({"name": "unlike",
        "base": {"model": {"path": "m"}}, "tasks": [{"name": "rte", "data_dir": "d"}], "seeds": [%1],
        "axes": [{"name": "variant", "values": [{"label": "AdaMix", "set": {"/peft/adamix/num_modules": %2}},
                                                {"label": "Adapter", "set": {"/peft/adamix/num_modules": 1}}]}]})")
                                                         .arg(seed)
                                                         .arg(modules)
                                                         .toStdString());
    const app::Study study = app::parseStudy(doc);
    sid = store.upsertStudy(study.name, studyFile, doc);
    for (const app::ExpandedRun& r : app::expandStudy(study)) {
      const qint64 id = store.addRun(app::newRunFor(r, sid, QString(), app::RunState::Finished));
      const double a = r.variant == QLatin1String("AdaMix") ? acc : 0.6;
      store.setResults(id, {{QStringLiteral("dev"), QStringLiteral("accuracy"), a, QStringLiteral("best")}});
      store.appendMetricPoints({{id, 10, 0.5, QStringLiteral("train"), QStringLiteral("loss"), 1.0 + a, 1.0},
                                {id, 20, 1.0, QStringLiteral("train"), QStringLiteral("loss"), 0.5 + a, 2.0}});
    }
  }
  return sid;
}

qint64 addPlainRun(app::Store& store, std::optional<qint64> studyId, const QString& key, const QString& task,
                   const QString& variant, int seed, app::RunState status, const QString& runDir, bool variantAxis) {
  app::NewRun nr;
  nr.studyId = studyId;
  nr.runKey = key;
  nr.task = task;
  nr.variant = variant;
  nr.seed = seed;
  nr.status = status;
  nr.runDir = runDir;
  if (variantAxis) nr.axes = {{"variant", variant.toStdString()}};
  return store.addRun(nr);
}

QString createRelaunchedWorkspace(const QString& dir, qint64* studyId) {
  const QString db = QDir(dir).filePath(QStringLiteral("unlike.sqlite"));
  app::Store s;
  s.open(db);
  const qint64 sid = fillRelaunchedStudy(s, QDir(dir).filePath(QStringLiteral("unlike.json")));
  if (studyId) *studyId = sid;
  return db;
}

QByteArray eventLine(const QString& run, const QString& event, QJsonObject fields) {
  fields.insert("schema", "1.0");
  fields.insert("event", event);
  fields.insert("run", run);
  fields.insert("time", 1700000000.0);
  return QJsonDocument(fields).toJson(QJsonDocument::Compact) + '\n';
}

}  // namespace adamix::ui::test
