// One definition of the run config (issue 10): the engine binary (`adamix-engine validate`), the
// app's study expansion and hashing, and the designer resolve the same defaults, because all of
// them read engine/src/config/run_config.h. These tests pin that and the task-dependent defaults.
// SPDX-License-Identifier: GPL-3.0-or-later
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

#include "config/run_config.h"
#include "io/errors.h"
#include "study/study.h"

using adamix::app::json;

namespace {

/// The smallest config the engine accepts: everything else takes its default.
json minimalConfig(const std::string& task) {
  return {{"model", {{"path", "/models/m"}}}, {"task", {{"name", task}, {"data_dir", "/data/" + task}}}};
}

/// Runs `adamix-engine validate --config` on `config`; returns its stdout parsed.
json engineValidate(const json& config) {
  QTemporaryDir dir;
  const QString path = dir.filePath("config.json");
  QFile f(path);
  if (!f.open(QIODevice::WriteOnly)) qFatal("cannot write %s", qPrintable(path));
  f.write(QByteArray::fromStdString(config.dump()));
  f.close();
  QProcess p;
  p.start(QStringLiteral(ADAMIX_ENGINE_EXE), {"validate", "--config", path});
  if (!p.waitForFinished(60000) || p.exitCode() != 0)
    qFatal("adamix-engine validate failed: %s", p.readAllStandardError().constData());
  return json::parse(p.readAllStandardOutput().toStdString());
}

}  // namespace

class TestRunConfigSchema : public QObject {
  Q_OBJECT
 private slots:
  void engineAndAppResolveTheSameDefaults_data() {
    QTest::addColumn<QString>("task");
    for (const char* t : {"rte", "stsb", "mnli", "e2e", "webnlg", "dart"}) QTest::newRow(t) << QString(t);
  }
  void engineAndAppResolveTheSameDefaults() {
    QFETCH(QString, task);
    const json config = minimalConfig(task.toStdString());
    const json fromEngine = engineValidate(config);
    // What the app resolves (the same library call) ...
    QCOMPARE(fromEngine, adamix::resolveRunConfig(config));
    // ... and the task's defaults with the given fields merged in.
    json expected = adamix::runConfigDefaultsJson(task.toStdString());
    adamix::app::mergeInto(expected, config);
    QCOMPARE(fromEngine, expected);
  }

  void defaultsHoldTheDocumentedValues() {
    // docs/run-config.md: the values a user reads there.
    const json d = adamix::app::runConfigDefaults();
    QCOMPARE(d["train"]["learning_rate"].get<double>(), 4e-4);
    QCOMPARE(d["train"]["warmup_ratio"].get<double>(), 0.06);
    QCOMPARE(d["train"]["batch_size"].get<int>(), 32);
    QCOMPARE(d["peft"]["method"].get<std::string>(), std::string("adapter"));
    QCOMPARE(d["peft"]["adapter"]["bottleneck"].get<int>(), 16);
    QCOMPARE(d["peft"]["lora"]["alpha"].get<double>(), 16.0);
    QCOMPARE(d["peft"]["adamix"]["consistency_weight"].get<double>(), 0.0);
    QCOMPARE(d["peft"]["adamix"]["inference"].get<std::string>(), std::string("merged"));
    QCOMPARE(d["task"]["dev_file"].get<std::string>(), std::string());
    QCOMPARE(d["generation"]["beam_size"].get<int>(), 4);
  }

  void generationTasksHaveTheirOwnDefaults() {
    // λ = 100 (the paper's NLG setting) and each dataset's own files.
    const json e2e = adamix::runConfigDefaultsJson("e2e");
    QCOMPARE(e2e["peft"]["adamix"]["consistency_weight"].get<double>(), 100.0);
    QCOMPARE(e2e["task"]["train_file"].get<std::string>(), std::string("train.txt"));
    QCOMPARE(e2e["task"]["dev_file"].get<std::string>(), std::string("valid.txt"));
    const json dart = adamix::runConfigDefaultsJson("dart");
    QCOMPARE(dart["task"]["dev_file"].get<std::string>(), std::string("dart-v1.1.1-full-dev.json"));
    QCOMPARE(adamix::runConfigDefaultsJson("webnlg")["task"]["train_file"].get<std::string>(),
             std::string("train.json"));
    // An explicit λ wins over the task default.
    json c = minimalConfig("e2e");
    c["peft"]["adamix"]["consistency_weight"] = 1.0;
    QCOMPARE(adamix::parseRunConfig(c).peft.adamix.consistency_weight, 1.0);
  }

  void resolvedConfigRoundTrips() {
    // parse(toJson(c)) == c: the resolved config is a complete, valid config.
    for (const char* t : {"rte", "e2e"}) {
      const json once = adamix::resolveRunConfig(minimalConfig(t));
      QCOMPARE(adamix::resolveRunConfig(once), once);
    }
  }

  void modelDropoutOverrides() {
    // Defaults: every kind null (the model config's value), from the struct initialisers.
    const json d = adamix::app::runConfigDefaults();
    for (const char* k : {"embedding", "attention", "hidden", "classifier"})
      QVERIFY(d["model"]["dropout"][k].is_null());
    const auto plain = adamix::parseRunConfig(minimalConfig("e2e"));
    QVERIFY(!plain.model_dropout.embedding && !plain.model_dropout.attention && !plain.model_dropout.hidden &&
            !plain.model_dropout.classifier);
    // Parse: set kinds hold their values, the others stay unset (null = absent).
    json c = minimalConfig("e2e");
    c["model"]["dropout"] = {{"embedding", 0}, {"attention", 0.25}, {"hidden", 0.0}, {"classifier", nullptr}};
    const auto rc = adamix::parseRunConfig(c);
    QCOMPARE(rc.model_dropout.embedding.value_or(-1), 0.0);
    QCOMPARE(rc.model_dropout.attention.value_or(-1), 0.25);
    QCOMPARE(rc.model_dropout.hidden.value_or(-1), 0.0);
    QVERIFY(!rc.model_dropout.classifier);
    // Round trip.
    const json once = adamix::resolveRunConfig(c);
    QCOMPARE(once["model"]["dropout"]["attention"].get<double>(), 0.25);
    QVERIFY(once["model"]["dropout"]["classifier"].is_null());
    QCOMPARE(adamix::resolveRunConfig(once), once);
    QVERIFY(adamix::parseRunConfig(once).model_dropout == rc.model_dropout);
    // Bad values name their JSON path.
    auto errorAt = [](const json& config) {
      try {
        adamix::parseRunConfig(config);
      } catch (const adamix::EngineError& e) {
        return std::string(e.what());
      }
      return std::string("no error");
    };
    const std::pair<json, std::string> bad[] = {
        {json{{"attention", 1.0}}, "/model/dropout/attention: must be in [0, 1)"},
        {json{{"hidden", -0.1}}, "/model/dropout/hidden: must be in [0, 1)"},
        {json{{"embedding", "0"}}, "/model/dropout/embedding"},
        {json{{"resid", 0.1}}, "/model/dropout/resid"},
        {json(0.1), "/model/dropout"}};
    for (const auto& [value, expected] : bad) {
      json b = minimalConfig("rte");
      b["model"]["dropout"] = value;
      const auto msg = errorAt(b);
      QVERIFY2(msg.find(expected) != std::string::npos, (msg + " lacks " + expected).c_str());
    }
    // Config hash: a config that leaves model.dropout out (or all null) hashes as before the key
    // existed; setting a kind changes the hash.
    const json base = minimalConfig("rte");
    json nulls = base;
    nulls["model"]["dropout"] = {{"embedding", nullptr}};
    QCOMPARE(adamix::app::configHash(nulls), adamix::app::configHash(base));
    json zero = base;
    zero["model"]["dropout"] = {{"embedding", 0}, {"attention", 0}, {"hidden", 0}};
    QVERIFY(adamix::app::configHash(zero) != adamix::app::configHash(base));
  }

  void expansionRejectsWhatTheEngineRejects() {
    // The study file is valid JSON-structure-wise, but the engine would refuse the run:
    // the error names the study field that set the value and the run-config path.
    const json doc = {{"name", "bad"},
                      {"base", {{"model", {{"path", "/m"}}}}},
                      {"tasks", json::array({{{"name", "rte"}, {"data_dir", "/d"}}})},
                      {"axes", json::array({{{"path", "/peft/adamix/num_modules"}, {"values", json::array({1, 0})}}})},
                      {"seeds", json::array({1})}};
    const auto study = adamix::app::parseStudy(doc);
    try {
      adamix::app::expandStudy(study);
      QFAIL("expected a StudyError");
    } catch (const adamix::app::StudyError& e) {
      QCOMPARE(e.path(), std::string("/axes/0/values/1"));  // the value 0
      QVERIFY2(e.message().find("/peft/adamix/num_modules: must be > 0") != std::string::npos, e.what());
    }
    // the same for a LoRA alpha an axis sets (the engine's one check, checkLoraAlpha): -16, 0
    json alphaAxis = doc;
    alphaAxis["axes"] = json::array({{{"path", "/peft/lora/alpha"}, {"values", json::array({16, -16, 0})}}});
    try {
      adamix::app::expandStudy(adamix::app::parseStudy(alphaAxis));
      QFAIL("expected a StudyError");
    } catch (const adamix::app::StudyError& e) {
      QCOMPARE(e.path(), std::string("/axes/0/values/1"));  // the value -16
      QVERIFY2(e.message().find("/peft/lora/alpha: must be > 0 and at most 3e38 (float32), got -16") !=
                   std::string::npos,
               e.what());
    }
    // a study without a model cannot run: named at /base before any run starts
    json noModel = doc;
    noModel["base"] = json::object();
    noModel["axes"] = json::array();
    try {
      adamix::app::expandStudy(adamix::app::parseStudy(noModel));
      QFAIL("expected a StudyError");
    } catch (const adamix::app::StudyError& e) {
      QVERIFY2(e.path().rfind("/base", 0) == 0, e.what());
      QVERIFY2(e.message().find("/model/path: missing required field") != std::string::npos, e.what());
    }
  }
};

QTEST_GUILESS_MAIN(TestRunConfigSchema)
#include "test_run_config_schema.moc"
