// Study document (the designer's model, no widgets): study files round-trip unchanged, only
// non-default base values are added, the exact JSON of a hand-built document, and the text form
// of value lists, the "executor" section.
#include "study/study.h"
#include "study/study_document.h"
#include "study/value_text.h"

#include <QFile>
#include <QtTest>

using namespace adamix::app;

namespace {

json readStudy(const QString& path) {
  QFile f(path);
  if (!f.open(QIODevice::ReadOnly)) return {};
  return json::parse(f.readAll().toStdString(), nullptr, false, /*ignore_comments=*/true);
}

/// Every leaf pointer of the run-config defaults ("/peft/lora/rank", …).
void leafPointers(const json& j, const std::string& prefix, std::vector<std::string>& out) {
  for (const auto& [key, value] : j.items()) {
    if (value.is_object())
      leafPointers(value, prefix + "/" + key, out);
    else
      out.push_back(prefix + "/" + key);
  }
}

}  // namespace

class TestStudyDocument : public QObject {
  Q_OBJECT
 private slots:
  void roundTripsTheExperiments_data() {
    QTest::addColumn<QString>("file");
    QTest::newRow("demo") << QStringLiteral(ADAMIX_SOURCE_DIR "/experiments/demo.json");
    QTest::newRow("e2e_demo") << QStringLiteral(ADAMIX_SOURCE_DIR "/experiments/e2e_demo.json");
  }
  void roundTripsTheExperiments() {
    QFETCH(QString, file);
    const json doc = readStudy(file);
    QVERIFY2(doc.is_object(), qPrintable(file));
    QCOMPARE(StudyDocument::fromJson(doc).toJson(), doc);
    // as an editor does it: every base value written back as read, and the lists re-set
    StudyDocument d = StudyDocument::fromJson(doc);
    std::vector<std::string> pointers;
    leafPointers(runConfigDefaults(), "", pointers);
    QVERIFY(pointers.size() > 40);
    for (const std::string& p : pointers) d.setBaseValue(p, d.baseValue(p));
    d.setName(d.name());
    d.setDescription(d.description());
    d.setTasks(d.tasks());
    d.setAxes(d.axes());
    d.setSeeds(d.seeds());
    const json out = d.toJson();
    // compared as text: json's == calls 8 and 8.0 equal, the config hash does not
    QCOMPARE(QString::fromStdString(out.dump()), QString::fromStdString(doc.dump()));
    // a form's double spin box hands back 8.0 for the file's 8: still written as 8
    for (const std::string& p : pointers)
      if (d.baseValue(p).is_number()) d.setBaseValue(p, d.baseValue(p).get<double>());
    QCOMPARE(QString::fromStdString(d.toJson().dump()), QString::fromStdString(doc.dump()));
  }

  void baseValuesFallBackToTheDefaults() {
    const StudyDocument d = StudyDocument::fromJson(json::parse(R"({"base": {"peft": {"lora": {"rank": 4}}}})"));
    QCOMPARE(d.baseValue("/peft/lora/rank"), json(4));
    QCOMPARE(d.baseValue("/peft/lora/alpha"), runConfigDefaults()[json::json_pointer("/peft/lora/alpha")]);
    QVERIFY(d.baseValue("/no/such/field").is_null());
  }

  void aValueSetToItsDefaultIsNotWritten() {
    const json defaults = runConfigDefaults();
    const json::json_pointer rank("/peft/lora/rank"), epochs("/train/epochs");
    StudyDocument d = StudyDocument::fromJson(json::parse(R"({"name": "t", "base": {"train": {"epochs": 1}}})"));
    d.setBaseValue(rank.to_string(), defaults[rank]);
    QVERIFY(!d.toJson()["base"].contains(rank));
    d.setBaseValue(rank.to_string(), defaults[rank].get<int>() + 1);
    QCOMPARE(d.toJson()["base"][rank], json(defaults[rank].get<int>() + 1));
    // back to the default: not written again (the file never had it)
    d.setBaseValue(rank.to_string(), defaults[rank]);
    QVERIFY(!d.toJson()["base"].contains(rank));
    // a value the file has stays even when it equals the default
    QCOMPARE(defaults[epochs], json(1));
    d.setBaseValue(epochs.to_string(), 1);
    QCOMPARE(d.toJson()["base"][epochs], json(1));
  }

  void writesExactlyTheHandBuiltDocument() {
    StudyDocument d = StudyDocument::fromJson(json::object());
    d.setName(QStringLiteral(" hand "));
    d.setDescription(QStringLiteral("  "));
    d.setBaseValue("/peft/lora/rank", 4);
    d.setBaseValue("/peft/method", runConfigDefaults()[json::json_pointer("/peft/method")]);
    d.setTasks({{QStringLiteral("rte"), QStringLiteral(" asset:glue/RTE "), json::object()}});
    StudyDocument::Axis axis;
    axis.path = QStringLiteral("/peft/adamix/num_modules");
    axis.values = {1, 4};
    d.setAxes({axis});
    d.setSeeds({1, 2});
    QCOMPARE(QString::fromStdString(d.toJson().dump()),
             QStringLiteral(R"({"axes":[{"path":"/peft/adamix/num_modules","values":[1,4]}],)"
                            R"("base":{"peft":{"lora":{"rank":4}}},"name":"hand","seeds":[1,2],)"
                            R"("tasks":[{"data_dir":"asset:glue/RTE","name":"rte"}]})"));
    // no axes, no seeds and a file without them: both left out
    d.setAxes({});
    d.setSeeds(json::array());
    QVERIFY(!d.toJson().contains("axes"));
    QVERIFY(!d.toJson().contains("seeds"));
  }

  void keepsWhatTheEditorDoesNotShow() {
    const json doc = json::parse(R"({
      "name": "k", "exclude": [{"/peft/method": "lora"}], "extra": 1,
      "tasks": [{"name": "sst2", "data_dir": "d", "set": {"/train/epochs": 2}}],
      "axes": [{"name": "variant", "values": [{"label": "A", "set": {"/peft/method": "adapter"}}]},
               {"path": "/peft/adapter/bottleneck", "values": [8, 16], "labels": ["r=8", "r=16"]}]
    })");
    StudyDocument d = StudyDocument::fromJson(doc);
    QCOMPARE(d.axes().size(), size_t(2));
    QVERIFY(d.axes()[0].bundle);
    QVERIFY(!d.axes()[1].bundle);
    QVERIFY(!d.hasSeeds());
    const json out = d.toJson();
    QCOMPARE(out["exclude"], doc["exclude"]);
    QCOMPARE(out["extra"], json(1));
    QCOMPARE(out["tasks"][0]["set"], doc["tasks"][0]["set"]);
    QCOMPARE(out["axes"][1]["labels"], doc["axes"][1]["labels"]);
    // labels belong to the values: changed values drop them
    auto axes = d.axes();
    axes[1].values = {8, 32};
    d.setAxes(axes);
    QVERIFY(!d.toJson()["axes"][1].contains("labels"));
  }

  // The executor section: read with parseExecutorSpec (its errors name the field), written with
  // executorSpecToJson, kept as written when unchanged, none for a plain local executor.
  void executorSection() {
    const json file = json::parse(R"({"name": "s", "executor": {"kind": "slurm", "jobs": 2, "time": "60",
                                      "poll_seconds": 5}})");
    StudyDocument d = StudyDocument::fromJson(file);
    QVERIFY(d.executor().isSlurm());
    QCOMPARE(d.executor().jobs, 2);
    QCOMPARE(d.executor().slurm.timeLimit, QString("60"));
    d.setExecutor(d.executor());
    QVERIFY(d.toJson()["executor"] == file["executor"]);  // unchanged: as written (poll_seconds 5 too)
    ExecutorSpec spec = d.executor();
    spec.slurm.partition = "gpu";
    d.setExecutor(spec);
    QVERIFY(d.toJson()["executor"] ==
            json::parse(R"({"kind": "slurm", "jobs": 2, "time": "60", "partition": "gpu"})"));
    d.setExecutor(ExecutorSpec());
    QVERIFY(!d.toJson().contains("executor"));
    StudyDocument none = StudyDocument::fromJson(json::parse(R"({"name": "s"})"));
    QVERIFY(!none.executor().isSlurm());
    QVERIFY(!none.toJson().contains("executor"));
    StudyDocument bad = StudyDocument::fromJson(json::parse(R"({"name": "s", "executor": {"kind": "slurm", "time": "1 h"}})"));
    try {
      bad.executor();
      QFAIL("an invalid section must throw");
    } catch (const StudyError& e) {
      QCOMPARE(QString::fromStdString(e.path()), QString("/executor/time"));
    }
    QVERIFY(bad.toJson()["executor"]["time"] == "1 h");  // never set: kept as written
  }

  void valueListsAsText() {
    QCOMPARE(parseValueList(QStringLiteral("8, 16, up,, true, 1e-3, null")),
             json::parse(R"([8, 16, "up", true, 0.001, null])"));
    QCOMPARE(parseValueList(QStringLiteral("  ")), json::array());
    QCOMPARE(parseSeedList(QStringLiteral("1, 2 , x, 1.5")), json::parse(R"([1, 2, "x", "1.5"])"));
    QCOMPARE(valueListText(json::parse(R"([8, "up", 0.5, false])")), QStringLiteral("8, up, 0.5, false"));
    QCOMPARE(valueListText(json(3)), QStringLiteral("3"));
    QCOMPARE(valueListText(json()), QString());
  }
};

QTEST_GUILESS_MAIN(TestStudyDocument)
#include "test_study_document.moc"
