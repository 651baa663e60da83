// Study files: expansion counts and exclusions, config hash stability, JSON-path errors.
#include "study/study.h"
#include "io/untrusted_input.h"

#include <QDir>
#include <QFile>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QtTest>

#include <set>

using namespace adamix::app;

namespace {

json studyDoc() {
  return json::parse(R"({
    "name": "t",
    "base": { "model": { "path": "asset:models/stories260K" }, "train": { "epochs": 1 } },
    "tasks": [ { "name": "rte", "data_dir": "asset:glue/RTE" },
               { "name": "sst2", "data_dir": "/data/SST-2", "max_train_examples": 100 } ],
    "axes": [
      { "name": "variant", "values": [
        { "label": "Adapter", "set": { "/peft/method": "adapter" } },
        { "label": "AdaMix", "set": { "/peft/method": "adapter", "/peft/adamix/num_modules": 4 } },
        { "label": "LoRA", "set": { "/peft/method": "lora" } } ] },
      { "path": "/peft/adapter/bottleneck", "values": [8, 16] }
    ],
    "seeds": [1, 2],
    "exclude": [ { "/peft/method": "lora", "/peft/adapter/bottleneck": 16 } ]
  })");
}

/// Runs parseStudy and returns the error's JSON path ("<no error>" if it parses).
std::string errorPath(const json& doc) {
  try {
    parseStudy(doc);
  } catch (const StudyError& e) {
    return e.path();
  }
  return "<no error>";
}

}  // namespace

class TestStudy : public QObject {
  Q_OBJECT

 private slots:
  void expansionCountsAndOrder() {
    const Study s = parseStudy(studyDoc());
    const auto runs = expandStudy(s, {QStringLiteral("/assets")});
    // 2 tasks × (3 variants × 2 bottlenecks − LoRA@16) × 2 seeds = 2 × 5 × 2
    QCOMPARE(runs.size(), size_t(20));
    QCOMPARE(runs[0].task, QStringLiteral("rte"));
    QCOMPARE(runs[0].variant, QStringLiteral("Adapter, bottleneck=8"));
    QCOMPARE(runs[0].seed, 1);
    QCOMPARE(runs[1].seed, 2);
    QCOMPARE(runs[2].variant, QStringLiteral("Adapter, bottleneck=16"));
    QCOMPARE(runs[8].variant, QStringLiteral("LoRA, bottleneck=8"));
    QCOMPARE(runs[10].task, QStringLiteral("sst2"));
    std::set<QString> ids, hashes;
    for (const auto& r : runs) {
      ids.insert(r.runId);
      hashes.insert(r.configHash);
      QVERIFY(!(r.config["peft"]["method"] == "lora" && r.config["peft"]["adapter"]["bottleneck"] == 16));
      QCOMPARE(QString::fromStdString(r.config["run_id"].get<std::string>()), r.runId);
      QCOMPARE(r.config["seed"].get<int>(), r.seed);
      QCOMPARE(r.configHash.size(), 64);
    }
    QCOMPARE(ids.size(), runs.size());
    QCOMPARE(hashes.size(), runs.size());

    const ExpandedRun& adamix = runs[4];  // rte, AdaMix, 8, seed 1
    QCOMPARE(adamix.variant, QStringLiteral("AdaMix, bottleneck=8"));
    QCOMPARE(adamix.config["peft"]["adamix"]["num_modules"].get<int>(), 4);
    QCOMPARE(adamix.config["task"]["name"].get<std::string>(), std::string("rte"));
    QCOMPARE(adamix.config["task"]["data_dir"].get<std::string>(), std::string("/assets/glue/RTE"));
    QCOMPARE(adamix.config["model"]["path"].get<std::string>(), std::string("/assets/models/stories260K"));
    QCOMPARE(adamix.axesJson, json::parse(R"({"variant":"AdaMix","/peft/adapter/bottleneck":8})"));
    QCOMPARE(adamix.axes.size(), size_t(2));
    QVERIFY(adamix.runId.startsWith(QStringLiteral("rte-adamix-bottleneck-8-s1-")));
    QVERIFY(!adamix.config.contains("description"));

    // Task shorthand and no asset root: references stay as written.
    const auto raw = expandStudy(s);
    QCOMPARE(raw[10].config["task"]["max_train_examples"].get<int>(), 100);
    QCOMPARE(raw[0].config["model"]["path"].get<std::string>(), std::string("asset:models/stories260K"));
    QCOMPARE(raw[0].configHash, runs[0].configHash);  // hash ignores where assets live
    QCOMPARE(studyAssets(s), QStringList({QStringLiteral("glue/RTE"), QStringLiteral("models/stories260K")}));
  }

  void exclusionsByDefaultsAndAxisNames() {
    json doc = json::parse(R"({
      "name": "x", "base": {"model": {"path": "m"}}, "tasks": [{"name": "rte", "data_dir": "d"}],
      "axes": [ {"path": "/peft/adamix/num_modules", "values": [1, 4]},
                {"path": "/peft/adamix/sharing", "values": ["up", "down"]} ],
      "exclude": [ {"/peft/adamix/num_modules": 1, "/peft/adamix/sharing": "down"} ] })");
    QCOMPARE(expandStudy(parseStudy(doc)).size(), size_t(3));  // default seeds [1]

    // Defaults are filled in before matching: a study that never sets sharing still matches "up".
    doc = json::parse(R"({
      "name": "x", "base": {"model": {"path": "m"}}, "tasks": [{"name": "rte", "data_dir": "d"}], "seeds": [1, 2, 3],
      "axes": [ {"path": "/peft/adamix/num_modules", "values": [1, 2, 4]} ],
      "exclude": [ {"/peft/adamix/sharing": "up", "/peft/adamix/num_modules": 2}, {"/seed": 3} ] })");
    QCOMPARE(expandStudy(parseStudy(doc)).size(), size_t(2 * 2));

    // Axis-name keys match labels of bundle axes and values of path axes.
    json named = studyDoc();
    named["exclude"] = json::parse(R"([ {"variant": "LoRA", "/peft/adapter/bottleneck": 16},
                                        {"variant": "AdaMix", "/task/name": "sst2"} ])");
    QCOMPARE(expandStudy(parseStudy(named)).size(), size_t(20 - 4));
    named["exclude"] = json::parse(R"([ {"/peft/adapter/bottleneck": 8} ])");
    QCOMPARE(expandStudy(parseStudy(named)).size(), size_t(2 * 3 * 2));
  }

  void noAxesIsOneVariant() {
    const auto runs = expandStudy(parseStudy(
        json::parse(R"({"name": "n", "base": {"model": {"path": "m"}}, "tasks": [{"name": "rte", "data_dir": "d"}],
                                                             "seeds": [3]})")));
    QCOMPARE(runs.size(), size_t(1));
    QCOMPARE(runs[0].variant, QString());
    QVERIFY(runs[0].runId.startsWith(QStringLiteral("rte-s3-")));
  }

  void hashIgnoresKeyOrderWhitespaceRunIdAndWrittenDefaults() {
    const json a = json::parse(R"({"run_id":"a","seed":1,"task":{"name":"rte","data_dir":"d"},
                                   "peft":{"method":"lora","lora":{"rank":4}}})");
    const json b = json::parse(R"({
        "peft" : { "lora" : { "rank" : 4 } , "method" : "lora" },
        "task" : { "data_dir" : "d", "name" : "rte" },
        "seed" : 1, "run_id" : "something-else" })");
    QCOMPARE(configHash(a), configHash(b));
    json c = a;
    c["peft"]["adamix"]["num_modules"] = 1;  // the default, written out
    c["train"]["learning_rate"] = 0.0004;    // 4e-4 is the default
    QCOMPARE(configHash(c), configHash(a));
    // Settings added for generation tasks keep older hashes while at their defaults.
    json g = a;
    g["generation"]["beam_size"] = 4;
    g["task"]["dev_items"] = 0;
    g["train"]["label_smoothing"] = 0.0;
    QCOMPARE(configHash(g), configHash(a));
    g["generation"]["beam_size"] = 10;
    QVERIFY(configHash(g) != configHash(a));
    json d = a;
    d["peft"]["lora"]["rank"] = 8;
    QVERIFY(configHash(d) != configHash(a));
    json e = a;
    e["seed"] = 2;
    QVERIFY(configHash(e) != configHash(a));
    QCOMPARE(canonicalJson(b), std::string(R"({"peft":{"lora":{"rank":4},"method":"lora"},"run_id":"something-else",)"
                                           R"("seed":1,"task":{"data_dir":"d","name":"rte"}})"));
    // Stable across calls and expansions.
    const Study s = parseStudy(studyDoc());
    QCOMPARE(expandStudy(s)[3].configHash, expandStudy(s)[3].configHash);
  }

  void errorsNameTheJsonPath() {
    auto with = [](const char* pointer, const json& value) {
      json d = studyDoc();
      d[json::json_pointer(pointer)] = value;
      return errorPath(d);
    };
    QCOMPARE(errorPath(studyDoc()), std::string("<no error>"));
    QCOMPARE(with("/frobnicate", 1), std::string("/frobnicate"));
    QCOMPARE(with("/axes/1/path", "/peft/adapter/bottlenek"), std::string("/axes/1/path"));
    QCOMPARE(with("/axes/1/path", "peft/adapter"), std::string("/axes/1/path"));
    QCOMPARE(with("/axes/1/path", "/seed"), std::string("/axes/1/path"));
    QCOMPARE(with("/axes/1/values", json::array()), std::string("/axes/1/values"));
    QCOMPARE(with("/axes/1/values/1", "sixteen"), std::string("/axes/1/values/1"));
    QCOMPARE(with("/axes/1/values/1", 8), std::string("/axes/1/values/1"));  // duplicate
    QCOMPARE(with("/axes/0/values/2/set", json{{"/peft/nope", 1}}), std::string("/axes/0/values/2/set/~1peft~1nope"));
    QCOMPARE(with("/axes/0/values/2/set", json{{"/peft/method", 3}}),
             std::string("/axes/0/values/2/set/~1peft~1method"));
    QCOMPARE(with("/axes/0/values/1/label", "Adapter"), std::string("/axes/0/values/1/label"));
    QCOMPARE(with("/axes/0/values/1/extra", 1), std::string("/axes/0/values/1/extra"));
    QCOMPARE(with("/axes/0/values", json::array()), std::string("/axes/0/values"));
    QCOMPARE(with("/axes/2", json{{"name", "variant"}, {"values", json::array({json{{"label", "a"}}})}}),
             std::string("/axes/2/name"));
    QCOMPARE(with("/seeds", json::array()), std::string("/seeds"));
    QCOMPARE(with("/seeds/1", "2"), std::string("/seeds/1"));
    QCOMPARE(with("/seeds", 1), std::string("/seeds"));
    QCOMPARE(with("/name", 5), std::string("/name"));
    QCOMPARE(with("/base/seed", 1), std::string("/base/seed"));
    QCOMPARE(with("/base/task/data_dir", "x"), std::string("/base/task/data_dir"));
    QCOMPARE(with("/base", json::array()), std::string("/base"));
    QCOMPARE(with("/tasks", json::array()), std::string("/tasks"));
    QCOMPARE(with("/tasks/1/max_train_examples", "many"), std::string("/tasks/1/max_train_examples"));
    QCOMPARE(with("/tasks/1/unknown_field", 1), std::string("/tasks/1/unknown_field"));
    QCOMPARE(with("/tasks/1/name", "rte"), std::string("/tasks/1/name"));
    QCOMPARE(with("/exclude/0", json::object()), std::string("/exclude/0"));
    QCOMPARE(with("/exclude/0/bogus_axis", 1), std::string("/exclude/0/bogus_axis"));
    QCOMPARE(with("/exclude/0", json{{"/peft/nope", 1}}), std::string("/exclude/0/~1peft~1nope"));
    json noData = studyDoc();
    noData["tasks"][0].erase("data_dir");
    QCOMPARE(errorPath(noData), std::string("/tasks/0"));
    json noName = studyDoc();
    noName.erase("name");
    QCOMPARE(errorPath(noName), std::string(""));

    // what() = "<path>: <message>"
    try {
      json d = studyDoc();
      d["axes"][1]["path"] = "/peft/adapter/bottlenek";
      parseStudy(d);
      QFAIL("no error");
    } catch (const StudyError& e) {
      QVERIFY2(QString::fromUtf8(e.what()).startsWith(QStringLiteral("/axes/1/path: path '/peft/adapter/bottlenek'")),
               e.what());
    }
  }

  void basePathsAreValidAxisTargets() {
    // A path absent from the defaults becomes valid when the base sets it.
    json d = studyDoc();
    d["axes"][1]["path"] = "/train/custom_knob";
    QCOMPARE(errorPath(d), std::string("/axes/1/path"));
    d["base"]["train"]["custom_knob"] = 1;
    QCOMPARE(errorPath(d), std::string("<no error>"));
  }

  void loadFileReportsFileLineAndComments() {
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("s.json"));
    QFile f(path);
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write("// a comment\n{\n  \"name\": \"c\",\n  \"tasks\": [ {\"name\": \"rte\", \"data_dir\": \"d\"} ]\n}\n");
    f.close();
    QCOMPARE(loadStudyFile(path).name, QStringLiteral("c"));

    QVERIFY(f.open(QIODevice::WriteOnly | QIODevice::Truncate));
    f.write("{\n  \"name\": \"c\",\n  \"tasks\": [ ,\n}\n");
    f.close();
    try {
      loadStudyFile(path);
      QFAIL("no error");
    } catch (const StudyError& e) {
      const QString what = QString::fromUtf8(e.what());
      QVERIFY2(what.startsWith(path + QStringLiteral(": JSON syntax error at line 3")), e.what());
    }

    // a number too large for a double: nlohmann names no position; the message does (bad-input review)
    QVERIFY(f.open(QIODevice::WriteOnly | QIODevice::Truncate));
    f.write("// 1e999 in a comment\n{\n  \"name\": \"c 1e999 /* \\\" 1e999\",\n  \"seeds\": [1, 21e99, 1e999]\n}\n");
    f.close();
    try {
      loadStudyFile(path);
      QFAIL("no error");
    } catch (const StudyError& e) {
      QCOMPARE(QString::fromUtf8(e.what()),
               path + QStringLiteral(": invalid JSON: [json.exception.out_of_range.406] number overflow parsing "
                                     "'1e999' at line 4, column 23"));  // not the comment's or the string's
    }

    QVERIFY(f.open(QIODevice::WriteOnly | QIODevice::Truncate));
    f.write(R"({"name": "c", "tasks": [{"name": "rte", "data_dir": "d"}], "axis": []})");
    f.close();
    try {
      loadStudyFile(path);
      QFAIL("no error");
    } catch (const StudyError& e) {
      QCOMPARE(e.path(), std::string("/axis"));
      QCOMPARE(QString::fromStdString(e.file()), path);
      QVERIFY(QString::fromUtf8(e.what()).startsWith(path + QStringLiteral(": /axis: unknown key")));
    }
  }

  void untrustedStudyFilesAreBounded() {
    // issue 16, item 6: nesting, file size and the number of runs are bounded before expansion
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("deep.json"));
    QFile f(path);
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write(QByteArray(100000, '['));
    f.close();
    try {
      loadStudyFile(path);
      QFAIL("no error");
    } catch (const StudyError& e) {
      QCOMPARE(QString::fromUtf8(e.what()), path + QStringLiteral(": JSON nested deeper than 128 levels"));
    }
    QVERIFY(f.open(QIODevice::WriteOnly | QIODevice::Truncate));
    f.close();
    QVERIFY(f.resize(qint64(adamix::kMaxConfigFileBytes) + 1));  // sparse: nothing is written
    try {
      loadStudyFile(path);
      QFAIL("no error");
    } catch (const StudyError& e) {
      QVERIFY2(QString::fromUtf8(e.what()).contains(QStringLiteral("67108865 bytes, more than the limit")), e.what());
    }
    // a repeated key is a mistake of the writer (nlohmann, like Python's json, keeps the last)
    QVERIFY(f.open(QIODevice::WriteOnly | QIODevice::Truncate));
    f.write(R"({"name": "dup", "seeds": [1], "tasks": [{"name": "rte", "data_dir": "d", "name": "mrpc"}]})");
    f.close();
    try {
      loadStudyFile(path);
      QFAIL("no error");
    } catch (const StudyError& e) {
      QCOMPARE(QString::fromStdString(e.path()), QStringLiteral("/tasks/0/name"));
      QVERIFY2(e.message().find("duplicate key") != std::string::npos, e.what());
    }
    // 5 axes of 10 values x 2 tasks x 10 seeds = 2,000,000 runs > kMaxStudyRuns (100,000)
    json doc = json::parse(R"({"name": "big", "tasks": [{"name": "rte", "data_dir": "d"}, {"name": "mrpc", "data_dir": "d"}],
                               "seeds": [1,2,3,4,5,6,7,8,9,10], "axes": []})");
    for (const char* p : {"/train/learning_rate", "/train/weight_decay", "/train/warmup_ratio", "/peft/adapter/bottleneck", "/train/max_grad_norm"}) {
      json values = json::array();
      for (int i = 1; i <= 10; ++i) values.push_back(i * 0.01);
      doc["axes"].push_back({{"path", p}, {"values", values}});
    }
    doc["axes"][3]["values"] = json::array({1, 2, 3, 4, 5, 6, 7, 8, 9, 10});
    QCOMPARE(errorPath(doc), std::string("/axes"));
    doc["axes"].erase(4);  // 200,000: still too many
    QCOMPARE(errorPath(doc), std::string("/axes"));
    doc["seeds"] = json::array({1, 2, 3, 4, 5});  // 2 x 10^4 x 5 = 100,000: exactly the limit
    QCOMPARE(errorPath(doc), std::string("<no error>"));
  }

  void documentedExampleParses() {
    QFile doc(QStringLiteral(ADAMIX_SOURCE_DIR "/docs/study-files.md"));
    QVERIFY(doc.open(QIODevice::ReadOnly));
    const QString text = QString::fromUtf8(doc.readAll());
    const auto m =
        QRegularExpression(QStringLiteral("```json\\n(.*?)```"), QRegularExpression::DotMatchesEverythingOption)
            .match(text);
    QVERIFY(m.hasMatch());
    const Study s = parseStudy(json::parse(m.captured(1).toStdString()));
    QCOMPARE(expandStudy(s).size(), size_t(32));  // as the page says
  }
  // The paper presets (issue 11): each expands, passes the engine's validation (expansion runs
  // it), carries the official scripts' settings and the paper's #Param per variant.
  void paperPresetsExpandWithTheOfficialSettings() {
    auto load = [](const char* name) {
      return expandStudy(loadStudyFile(QStringLiteral(ADAMIX_SOURCE_DIR "/experiments/") + name));
    };
    auto variant = [](const std::vector<ExpandedRun>& runs, const QString& task, const QString& v) {
      for (const auto& r : runs)
        if (r.task == task && r.variant == v) return r;
      throw std::runtime_error("no run " + task.toStdString() + " / " + v.toStdString());
    };
    const auto roberta = load("paper-roberta-large-glue.json");
    QCOMPARE(roberta.size(), size_t(25));  // 5 variants x 5 GLUE tasks x 1 seed
    const auto adamix = variant(roberta, "rte", "AdaMix");
    QCOMPARE(adamix.paper.params, QString("0.8M"));
    QCOMPARE(adamix.paper.result, QString("GLUE avg 89.9"));
    QCOMPARE(adamix.config["peft"]["adapter"]["bottleneck"].get<int>(), 16);
    QCOMPARE(adamix.config["peft"]["adamix"]["num_modules"].get<int>(), 4);
    QCOMPARE(adamix.config["peft"]["adamix"]["consistency_weight"].get<double>(), 1.0);
    QCOMPARE(adamix.config["train"]["learning_rate"].get<double>(), 3e-4);
    QCOMPARE(adamix.config["train"]["batch_size"].get<int>(), 64);
    QCOMPARE(variant(roberta, "stsb", "Full fine-tuning").paper.params, QString("355.0M"));
    QCOMPARE(variant(roberta, "stsb", "Full fine-tuning").config["peft"]["method"].get<std::string>(),
             std::string("full"));

    const auto bert = load("paper-bert-base-glue.json");
    QCOMPARE(bert.size(), size_t(25));
    for (const auto& r : bert) {
      QVERIFY(!r.paper.params.isEmpty());
      // Follows the official BERT code, which never computes the consistency loss.
      QCOMPARE(r.config["peft"]["adamix"]["consistency_weight"].get<double>(), 0.0);
    }
    QCOMPARE(variant(bert, "cola", "AdaMix").config["peft"]["adapter"]["bottleneck"].get<int>(), 48);
    QCOMPARE(variant(bert, "cola", "AdaMix").paper.result, QString("GLUE avg 84.5"));

    const auto gpt2 = load("paper-gpt2-medium-e2e.json");
    QCOMPARE(gpt2.size(), size_t(5));
    const auto lora = variant(gpt2, "e2e", "AdaMix-LoRA");
    QCOMPARE(lora.paper.params, QString("0.35M"));
    QVERIFY(lora.paper.result.startsWith("BLEU 71.0"));
    QCOMPARE(lora.config["peft"]["adamix"]["num_modules"].get<int>(), 8);
    QCOMPARE(lora.config["peft"]["adamix"]["consistency_weight"].get<double>(), 100.0);
    QCOMPARE(lora.config["peft"]["lora"]["targets"], json::parse(R"(["c_attn"])"));
    QCOMPARE(lora.config["model"]["dropout"], json::parse(R"({"embedding": 0.0, "attention": 0.0, "hidden": 0.0})"));
    QCOMPARE(lora.config["generation"]["beam_size"].get<int>(), 10);
    QCOMPARE(lora.config["train"]["warmup_steps"].get<int>(), 2000);
    QCOMPARE(lora.config["train"]["max_grad_norm"].get<double>(), 0.0);  // official --clip 0.0
    QCOMPARE(lora.config["train"]["adam_eps"].get<double>(), 1e-6);       // official optimizer.py
    QCOMPARE(adamix.config["train"]["eval_every_steps"].get<int>(), 0);   // dev at each epoch end

    // A bad note names its path.
    json doc = json::parse(R"({"name": "p", "base": {"model": {"path": "/m"}}, "tasks": [{"name": "rte", "data_dir": "/d"}],
      "axes": [{"name": "variant", "values": [{"label": "A", "paper": {"params": "1M", "table": 1}}]}]})");
    try {
      parseStudy(doc);
      QFAIL("accepted an unknown key in a paper note");
    } catch (const StudyError& e) {
      QCOMPARE(QString::fromStdString(e.path()), QString("/axes/0/values/0/paper/table"));
    }
  }
  // Issue 17: the own-dataset example study — two own tasks (CSV classification, JSONL
  // generation), task keys as shorthand, data_dir relative to the study file, every run validated
  // by the engine's parser; own-task mistakes name their path in the study.
  void ownDatasetStudyExpands() {
    const QString path = QStringLiteral(ADAMIX_SOURCE_DIR "/experiments/own_data.json");
    const auto runs = expandStudy(loadStudyFile(path));
    QCOMPARE(runs.size(), size_t(4));  // 2 tasks x 2 variants x 1 seed
    QCOMPARE(runs[0].task, QString("reviews"));
    QCOMPARE(QString::fromStdString(runs[0].config["task"]["data_dir"].get<std::string>()),
             QDir::cleanPath(QStringLiteral(ADAMIX_SOURCE_DIR "/experiments/own_data/reviews")));
    QCOMPARE(runs[0].config["task"]["label_column"].get<std::string>(), std::string("sentiment"));
    QCOMPARE(runs[0].config["task"]["metric"].get<std::string>(), std::string("macro_f1"));
    QCOMPARE(runs[2].task, QString("restaurants"));
    QCOMPARE(runs[2].config["task"]["reference_columns"], json::parse(R"(["references"])"));
    QCOMPARE(runs[2].config["train"]["learning_rate"].get<double>(), 5e-3);
    // the hash does not depend on where the study is checked out: same config, relative data_dir
    Study moved = loadStudyFile(path);
    moved.baseDir = QStringLiteral("/elsewhere");
    const auto elsewhere = expandStudy(moved);
    QCOMPARE(elsewhere[0].configHash, runs[0].configHash);
    QCOMPARE(elsewhere[0].config["task"]["data_dir"].get<std::string>(), std::string("/elsewhere/own_data/reviews"));

    json doc = json::parse(R"({"name": "o", "base": {"model": {"path": "/m"}},
      "tasks": [{"name": "mine", "data_dir": "d", "train_file": "t.csv", "dev_file": "v.csv", "metric": "bleu"}]})");
    try {
      expandStudy(parseStudy(doc));
      QFAIL("accepted bleu for a classification task");
    } catch (const StudyError& e) {
      QVERIFY2(QString::fromStdString(e.what()).contains("/task/metric"), e.what());
    }
    doc["tasks"][0].erase("metric");
    doc["tasks"][0].erase("dev_file");
    try {
      expandStudy(parseStudy(doc));
      QFAIL("accepted an own task without dev_file");
    } catch (const StudyError& e) {
      QVERIFY2(QString::fromStdString(e.what()).contains("/task/dev_file"), e.what());
    }
  }
};

QTEST_GUILESS_MAIN(TestStudy)
#include "test_study.moc"
