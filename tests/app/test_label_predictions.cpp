// Outputs of classification / regression runs side by side (export/label_predictions.h): each dev
// example's input text read from the run's dev file as the engine reads it, its gold label by name
// and each run's predicted label, joined on the example index of the runs' predictions/<dev
// split>.tsv, one table per dev file (MNLI: dev_matched and dev_mismatched); bad files named with
// their line.
#include "exec/study_runner.h"
#include "export/dev_examples.h"
#include "export/label_predictions.h"
#include "export/predictions.h"
#include "study/study.h"

#include <QDir>
#include <QFile>
#include <QTemporaryDir>
#include <QtTest>

#include <sys/stat.h>
#include <sys/types.h>

using namespace adamix::app;

namespace {

void writeFile(const QString& path, const QByteArray& text) {
  QDir().mkpath(QFileInfo(path).absolutePath());
  QFile f(path);
  if (!f.open(QIODevice::WriteOnly)) qFatal("cannot write %s", qPrintable(path));
  f.write(text);
}

/// SST-2 and RTE dev files in GLUE's layout under `root`.
void writeGlueDevFiles(const QString& root) {
  writeFile(root + "/SST-2/dev.tsv",
            "sentence\tlabel\n"
            "a charming journey .\t1\n"
            "bleak and desperate\t0\n"
            "the acting is fine\t1\n");
  writeFile(root + "/RTE/dev.tsv",
            "index\tsentence1\tsentence2\tlabel\n"
            "0\tA cat sat.\tAn animal sat.\tentailment\n"
            "1\tIt rained.\tThe sun shone.\tnot_entailment\n");
}

/// MNLI's two dev files in GLUE's layout under `root`/MNLI (label ids: contradiction 0,
/// entailment 1, neutral 2).
void writeMnliDevFiles(const QString& root) {
  writeFile(root + "/MNLI/dev_matched.tsv",
            "index\tsentence1\tsentence2\tgold_label\n"
            "0\tA man plays.\tSomeone plays.\tentailment\n"
            "1\tThe shop is shut.\tThe shop is open.\tcontradiction\n");
  writeFile(root + "/MNLI/dev_mismatched.tsv",
            "index\tsentence1\tsentence2\tgold_label\n"
            "0\tLetters came.\tMail arrived.\tentailment\n"
            "1\tIt is late.\tThe train is late.\tneutral\n"
            "2\tBirds sing.\tBirds are silent.\tcontradiction\n");
}

}  // namespace

class TestLabelPredictions : public QObject {
  Q_OBJECT
 private slots:
  /// A study over SST-2 and RTE (LoRA with seeds 1 and 2, Adapter with seed 1): one table per dev
  /// file, columns as the generation table labels them, rows in index order with the input, the
  /// gold label's name and each prediction (a wrong one marked), never mixing the two tasks.
  void studyTablesPerDevFile() {
    QTemporaryDir dir;
    writeGlueDevFiles(dir.filePath("glue"));
    Store store;
    store.open(dir.filePath("ws.sqlite"));
    const auto doc = nlohmann::json::parse(QStringLiteral(R"({
          "name": "glue-demo",
          "base": { "model": { "path": "/m" } },
          "tasks": [ { "name": "sst2", "data_dir": "%1/SST-2" }, { "name": "rte", "data_dir": "%1/RTE" } ],
          "axes": [ { "name": "variant", "values": [
            { "label": "LoRA", "set": { "/peft/method": "lora" } },
            { "label": "Adapter", "set": { "/peft/method": "adapter" } } ] } ],
          "seeds": [1, 2] })").arg(dir.filePath("glue")).toStdString());
    const Study study = parseStudy(doc);
    const qint64 sid = store.upsertStudy(study.name, "glue.json", doc);
    // SST-2 predictions (index, prediction) per variant and seed; RTE: every run says entailment
    const QMap<QString, QByteArray> sst2{{"LoRA/1", "0\t1\t1\n1\t0\t0\n2\t1\t1\n"},
                                         {"LoRA/2", "0\t1\t1\n1\t1\t0\n2\t1\t1\n"},
                                         {"Adapter/1", "2\t0\t1\n0\t1\t1\n"}};  // lacks example 1
    for (const ExpandedRun& er : expandStudy(study)) {
      const QString key = er.variant + "/" + QString::number(er.seed);
      if (er.variant == "Adapter" && er.seed == 2) continue;  // never ran
      const QString runDir = dir.filePath("runs/" + er.runId);
      const qint64 id = store.addRun(newRunFor(er, sid, runDir, RunState::Finished));
      store.setResults(id, {{"dev", "accuracy", 0.5, "best"}});
      const bool isSst2 = er.task == "sst2";
      writeFile(runDir + "/predictions/dev.tsv",
                "index\tprediction\tlabel\tprob_0\tprob_1\n" +
                    (isSst2 ? sst2.value(key) : QByteArray("0\t0\t0\n1\t0\t1\n")));
      store.addArtifact(id, "predictions", runDir + "/predictions/dev.tsv");
    }

    const std::vector<PredictionTable> tables = predictionTablesFromStore(store, sid);
    QCOMPARE(tables.size(), size_t(2));
    const PredictionTable& s = tables[0];
    QCOMPARE(s.kind, PredictionKind::Labels);
    QCOMPARE(s.title, QStringLiteral("sst2 \u00B7 dev.tsv"));
    QCOMPARE(s.columns, QStringList({"LoRA (seed 1)", "LoRA (seed 2)", "Adapter"}));
    QVERIFY2(s.problems.isEmpty(), qPrintable(s.problems.join('\n')));
    QCOMPARE(s.rows.size(), size_t(3));
    QCOMPARE(s.rows[0].index, 0);
    QCOMPARE(s.rows[0].input, QStringLiteral("a charming journey ."));
    QCOMPARE(s.rows[0].references, QStringList{"positive"});
    QCOMPARE(s.rows[0].outputs, (std::vector<QString>{"positive", "positive", "positive"}));
    QCOMPARE(s.rows[1].input, QStringLiteral("bleak and desperate"));
    QCOMPARE(s.rows[1].references, QStringList{"negative"});
    QCOMPARE(s.rows[1].outputs, (std::vector<QString>{"negative", "positive", ""}));
    QCOMPARE(s.rows[1].verdicts, (std::vector<Verdict>{Verdict::Right, Verdict::Wrong, Verdict::Unknown}));
    QCOMPARE(s.rows[2].outputs, (std::vector<QString>{"positive", "positive", "negative"}));
    QVERIFY(!predictionsDisagree(s.rows[0]));
    QVERIFY(predictionsDisagree(s.rows[1]));
    QVERIFY(predictionsDisagree(s.rows[2]));
    QCOMPARE(predictionsToMarkdown(s),
             QStringLiteral("| # | Input | Gold label | LoRA (seed 1) | LoRA (seed 2) | Adapter |\n"
                            "|---|---|---|---|---|---|\n"
                            "| 0 | a charming journey . | positive | positive | positive | positive |\n"
                            "| 1 | bleak and desperate | negative | negative | positive \u2717 |  |\n"
                            "| 2 | the acting is fine | positive | positive | positive | negative \u2717 |\n"));

    const PredictionTable& r = tables[1];  // RTE: sentence pairs, its own columns and examples
    QCOMPARE(r.title, QStringLiteral("rte \u00B7 dev.tsv"));
    QCOMPARE(r.columns, QStringList({"LoRA (seed 1)", "LoRA (seed 2)", "Adapter"}));
    QCOMPARE(r.rows.size(), size_t(2));
    QCOMPARE(r.rows[0].input, QStringLiteral("A cat sat. \u2016 An animal sat."));
    QCOMPARE(r.rows[0].references, QStringList{"entailment"});
    QCOMPARE(r.rows[1].input, QStringLiteral("It rained. \u2016 The sun shone."));
    QCOMPARE(r.rows[1].references, QStringList{"not_entailment"});
    QCOMPARE(r.rows[1].outputs, (std::vector<QString>{"entailment", "entailment", "entailment"}));
    QCOMPARE(r.rows[1].verdicts, (std::vector<Verdict>(3, Verdict::Wrong)));

    QCOMPARE(predictionTablesFromStore(store, sid, 1).front().rows.size(), size_t(1));  // --limit
  }

  /// The Outputs screen showed only the predictions each run wrote as its training ended, none of
  /// the evaluations made since (`run eval --inference ensemble`, an AdaMix run's end-of-run
  /// modes, merges). Each kind of evaluation of a dev split is a table of its own beside the
  /// run's, the latest per run; test splits (no gold labels) and evaluated files are not shown.
  void evaluationsOfADevSplitAreTablesOfTheirOwn() {
    QTemporaryDir dir;
    writeGlueDevFiles(dir.filePath("glue"));
    Store store;
    store.open(dir.filePath("ws.sqlite"));
    const auto doc = nlohmann::json::parse(QStringLiteral(R"({
          "name": "evals", "base": { "model": { "path": "/m" } },
          "tasks": [ { "name": "sst2", "data_dir": "%1/SST-2" } ],
          "axes": [ { "name": "variant", "values": [
            { "label": "AdaMix", "set": { "/peft/method": "adapter" } } ] } ],
          "seeds": [1, 2] })").arg(dir.filePath("glue")).toStdString());
    const Study study = parseStudy(doc);
    const qint64 sid = store.upsertStudy(study.name, "evals.json", doc);
    std::vector<qint64> ids;
    std::vector<QString> dirs;
    for (const ExpandedRun& er : expandStudy(study)) {
      dirs.push_back(dir.filePath("runs/" + er.runId));
      ids.push_back(store.addRun(newRunFor(er, sid, dirs.back(), RunState::Finished)));
    }
    QCOMPARE(ids.size(), size_t(2));
    const QByteArray header = "index\tprediction\tlabel\n";
    writeFile(dirs[0] + "/predictions/dev.tsv", header + "0\t1\t1\n1\t0\t0\n2\t1\t1\n");  // seed 2 has none
    auto evaluation = [&](qint64 run, const QString& split, const QString& inference, const QString& out,
                          const QByteArray& rows) {
      writeFile(out + "/predictions.tsv", header + rows);
      Evaluation e;
      e.runId = run;
      e.split = split;
      e.inference = inference;
      e.outDir = out;
      e.predictions = "predictions.tsv";
      e.examples = 3;
      store.addEvaluation(e);
    };
    evaluation(ids[0], "dev", "ensemble", dirs[0] + "/eval/old", "0\t0\t1\n");  // replaced by the next
    evaluation(ids[0], "dev", "ensemble", dirs[0] + "/eval/dev-ensemble", "0\t1\t1\n1\t1\t0\n2\t1\t1\n");
    evaluation(ids[1], "dev", "ensemble", dirs[1] + "/eval/dev-ensemble", "0\t0\t1\n1\t0\t0\n2\t1\t1\n");
    evaluation(ids[0], "dev", "module:1", dirs[0] + "/eval/dev-module-1", "0\t1\t1\n1\t0\t0\n2\t0\t1\n");
    evaluation(ids[0], "test", "merged", dirs[0] + "/eval/test-merged", "0\t1\t-1\n");  // no gold labels
    Evaluation file;  // an evaluated file: its own rows, not the dev file's
    file.runId = ids[1];
    file.dataFile = dir.filePath("hard.tsv");
    file.inference = "merged";
    file.outDir = dirs[1] + "/eval/hard-merged";
    file.predictions = "predictions.tsv";
    writeFile(file.outDir + "/predictions.tsv", header + "0\t1\t1\n");
    store.addEvaluation(file);

    const std::vector<PredictionTable> t = labelPredictionsFromStore(store, sid);
    QStringList titles;
    for (const PredictionTable& table : t) titles << table.title;
    QCOMPARE(titles, QStringList({"sst2 \u00B7 dev.tsv", "sst2 \u00B7 dev.tsv \u00B7 eval ensemble",
                                  "sst2 \u00B7 dev.tsv \u00B7 eval module:1"}));
    QCOMPARE(t[0].columns, QStringList{"AdaMix"});
    QCOMPARE(t[1].columns, QStringList({"AdaMix (seed 1)", "AdaMix (seed 2)"}));
    QCOMPARE(t[1].rows.size(), size_t(3));
    QCOMPARE(t[1].rows[1].input, QStringLiteral("bleak and desperate"));
    QCOMPARE(t[1].rows[1].references, QStringList{"negative"});
    QCOMPARE(t[1].rows[1].outputs, (std::vector<QString>{"positive", "negative"}));
    QCOMPARE(t[1].rows[1].verdicts, (std::vector<Verdict>{Verdict::Wrong, Verdict::Right}));
    QCOMPARE(t[1].rows[0].outputs, (std::vector<QString>{"positive", "negative"}));  // the latest evaluation
    QCOMPARE(t[2].columns, QStringList{"AdaMix"});
    QCOMPARE(t[2].rows[2].outputs, std::vector<QString>{"negative"});
    for (const PredictionTable& table : t) QVERIFY2(table.problems.isEmpty(), qPrintable(table.problems.join('\n')));

    // a stored evaluation whose folder was removed keeps its column, empty, and is named
    QVERIFY(QDir(dirs[1] + "/eval/dev-ensemble").removeRecursively());
    const std::vector<PredictionTable> after = labelPredictionsFromStore(store, sid);
    QCOMPARE(after[1].columns, QStringList({"AdaMix (seed 1)", "AdaMix (seed 2)"}));
    QCOMPARE(after[1].rows[1].outputs, (std::vector<QString>{"positive", ""}));
    QVERIFY2(after[1].problems.size() == 1 &&
                 after[1].problems[0].startsWith(dirs[1] + "/eval/dev-ensemble/predictions.tsv: cannot be read"),
             qPrintable(after[1].problems.join('\n')));
  }

  /// Issue: MNLI runs write predictions/dev_matched.tsv and dev_mismatched.tsv (the TaskSpec's dev
  /// splits), no dev.tsv, and were not shown. Each dev split is its own table, its inputs read
  /// from its own dev file; a finished run lacking one split's file has an empty column in that
  /// table only, named in its problems; a variant with one seed keeps its plain label in both.
  void mnliDevSplitsAreTablesOfTheirOwn() {
    QTemporaryDir dir;
    writeMnliDevFiles(dir.filePath("glue"));
    Store store;
    store.open(dir.filePath("ws.sqlite"));
    const auto doc = nlohmann::json::parse(QStringLiteral(R"({
          "name": "mnli-demo",
          "base": { "model": { "path": "/m" } },
          "tasks": [ { "name": "mnli", "data_dir": "%1/MNLI" } ],
          "axes": [ { "name": "variant", "values": [
            { "label": "LoRA", "set": { "/peft/method": "lora" } },
            { "label": "Adapter", "set": { "/peft/method": "adapter" } } ] } ],
          "seeds": [1] })").arg(dir.filePath("glue")).toStdString());
    const Study study = parseStudy(doc);
    const qint64 sid = store.upsertStudy(study.name, "mnli.json", doc);
    const QByteArray header = "index\tprediction\tlabel\tprob_0\tprob_1\tprob_2\n";
    for (const ExpandedRun& er : expandStudy(study)) {
      const QString runDir = dir.filePath("runs/" + er.runId);
      const qint64 id = store.addRun(newRunFor(er, sid, runDir, RunState::Finished));
      store.setResults(id, {{"dev_matched", "accuracy", 0.5, "best"}});
      if (er.variant == "LoRA") {
        writeFile(runDir + "/predictions/dev_matched.tsv", header + "0\t1\t1\n1\t0\t0\n");
        writeFile(runDir + "/predictions/dev_mismatched.tsv", header + "0\t1\t1\n1\t1\t2\n2\t0\t0\n");
      } else {  // Adapter: no mismatched predictions
        writeFile(runDir + "/predictions/dev_matched.tsv", header + "0\t2\t1\n1\t0\t0\n");
      }
      store.addArtifact(id, "predictions", runDir + "/predictions/dev_matched.tsv");
    }

    const std::vector<PredictionTable> tables = predictionTablesFromStore(store, sid);
    QCOMPARE(tables.size(), size_t(2));
    const PredictionTable& m = tables[0];
    QVERIFY2(m.problems.isEmpty(), qPrintable(m.problems.join('\n')));
    QCOMPARE(m.kind, PredictionKind::Labels);
    QCOMPARE(m.title, QStringLiteral("mnli \u00B7 dev_matched.tsv"));
    QCOMPARE(m.columns, QStringList({"LoRA", "Adapter"}));
    QCOMPARE(predictionsToMarkdown(m),
             QStringLiteral("| # | Input | Gold label | LoRA | Adapter |\n"
                            "|---|---|---|---|---|\n"
                            "| 0 | A man plays. \u2016 Someone plays. | entailment | entailment | neutral \u2717 |\n"
                            "| 1 | The shop is shut. \u2016 The shop is open. | contradiction | contradiction | "
                            "contradiction |\n"));
    // the Adapter run's mismatched file is gone (a finished run writes both): its column stays,
    // empty, and the table names the file (it used to vanish without a word)
    const PredictionTable& mm = tables[1];
    QCOMPARE(mm.title, QStringLiteral("mnli \u00B7 dev_mismatched.tsv"));
    QVERIFY2(mm.problems.size() == 1 && mm.problems[0].startsWith(dir.filePath("runs/mnli-adapter-s1-")) &&
                 mm.problems[0].endsWith("/predictions/dev_mismatched.tsv: cannot be read (No such file or directory)"),
             qPrintable(mm.problems.join('\n')));
    QCOMPARE(mm.columns, QStringList({"LoRA", "Adapter"}));
    QCOMPARE(predictionsToMarkdown(mm),
             QStringLiteral("| # | Input | Gold label | LoRA | Adapter |\n"
                            "|---|---|---|---|---|\n"
                            "| 0 | Letters came. \u2016 Mail arrived. | entailment | entailment |  |\n"
                            "| 1 | It is late. \u2016 The train is late. | neutral | entailment \u2717 |  |\n"
                            "| 2 | Birds sing. \u2016 Birds are silent. | contradiction | contradiction |  |\n"));
    QCOMPARE(labelPredictionsFromStore(store, sid, 1).back().rows.size(), size_t(1));  // --limit per table
  }

  /// The dev splits come from the task's spec (data/glue.h): MNLI's two, one "dev" for the other
  /// GLUE tasks and own datasets; "dev" names a task's first dev file; a split the task lacks is
  /// refused with the engine's message.
  void devSplitsFollowTheTaskSpec() {
    const auto config = [](const nlohmann::json& task) {
      return nlohmann::json{{"model", {{"path", "/m"}}}, {"task", task}};
    };
    const nlohmann::json mnli = config({{"name", "mnli"}, {"data_dir", "/d/MNLI"}});
    const nlohmann::json sst2 = config({{"name", "sst2"}, {"data_dir", "/d/SST-2"}});
    const nlohmann::json own = config({{"name", "reviews"}, {"data_dir", "/d/r"}, {"train_file", "train.csv"},
                                       {"dev_file", "dev.csv"}, {"text_column", "t"}, {"label_column", "y"}});
    QCOMPARE(devSplitsOf(mnli), QStringList({"dev_matched", "dev_mismatched"}));
    QCOMPARE(devSplitsOf(sst2), QStringList{"dev"});
    QCOMPARE(devSplitsOf(own), QStringList{"dev"});
    QCOMPARE(devFileOf(mnli), QStringLiteral("/d/MNLI/dev_matched.tsv"));
    QCOMPARE(devFileOf(mnli, "dev_mismatched"), QStringLiteral("/d/MNLI/dev_mismatched.tsv"));
    QCOMPARE(devFileOf(own), QStringLiteral("/d/r/dev.csv"));
    QString refused;
    try {
      devFileOf(sst2, "dev_matched");
    } catch (const std::exception& e) {
      refused = QString::fromUtf8(e.what());
    }
    QCOMPARE(refused, QStringLiteral("/task/name: task sst2 has no split \"dev_matched\" (expected train, dev)"));
  }

  /// An own dataset with named columns: the text and pair columns the task names, class names from
  /// its label set; an own regression task shows numbers and marks nothing wrong.
  void ownTasksByTheirColumns() {
    QTemporaryDir dir;
    writeFile(dir.filePath("reviews/train.csv"), "body,title,stars\n\"Good, really\",Nice,good\nMeh,Bad,bad\n");
    writeFile(dir.filePath("reviews/dev.csv"), "body,title,stars\n\"Loved it, twice\",Great,good\nBroke,Junk,bad\n");
    writeFile(dir.filePath("scores/train.jsonl"), "{\"q\":\"x\",\"y\":1.5}\n{\"q\":\"z\",\"y\":2}\n");
    writeFile(dir.filePath("scores/dev.jsonl"), "{\"q\":\"how warm?\",\"y\":3.25}\n");
    const auto config = [](const QString& task) {
      return nlohmann::json{{"model", {{"path", "/m"}}}, {"task", nlohmann::json::parse(task.toStdString())}};
    };
    const nlohmann::json reviews = config(QStringLiteral(
        R"({"name":"reviews","data_dir":"%1","train_file":"train.csv","dev_file":"dev.csv",)"
        R"("text_column":"title","text_pair_column":"body","label_column":"stars"})").arg(dir.filePath("reviews")));
    const nlohmann::json scores = config(QStringLiteral(
        R"({"name":"warmth","type":"regression","data_dir":"%1","train_file":"train.jsonl","dev_file":"dev.jsonl",)"
        R"("text_column":"q","label_column":"y"})").arg(dir.filePath("scores")));
    writeFile(dir.filePath("a.tsv"), "index\tprediction\tlabel\n0\t0\t1\n1\t0\t0\n");
    writeFile(dir.filePath("b.tsv"), "index\tprediction\tlabel\n0\t3.1\t3.25\n");
    const auto tables = loadLabelPredictionTables(
        {{"LoRA", dir.filePath("a.tsv"), reviews}, {"LoRA", dir.filePath("b.tsv"), scores}});
    QCOMPARE(tables.size(), size_t(2));
    QVERIFY2(tables[0].problems.isEmpty(), qPrintable(tables[0].problems.join('\n')));
    QCOMPARE(tables[0].title, QStringLiteral("reviews \u00B7 dev.csv"));
    QCOMPARE(tables[0].rows[0].input, QStringLiteral("Great \u2016 Loved it, twice"));
    QCOMPARE(tables[0].rows[0].references, QStringList{"good"});  // labels inferred from train: bad, good
    QCOMPARE(tables[0].rows[0].outputs, std::vector<QString>{"bad"});
    QCOMPARE(tables[0].rows[0].verdicts, std::vector<Verdict>{Verdict::Wrong});
    QCOMPARE(tables[1].title, QStringLiteral("warmth \u00B7 dev.jsonl"));
    QCOMPARE(tables[1].rows[0].input, QStringLiteral("how warm?"));
    QCOMPARE(tables[1].rows[0].references, QStringList{"3.25"});
    QCOMPARE(tables[1].rows[0].outputs, std::vector<QString>{"3.1"});
    QCOMPARE(tables[1].rows[0].verdicts, std::vector<Verdict>{Verdict::Unknown});
  }

  /// Issue: on a regression task every row "disagreed" (two runs' scores are never equal). Scores
  /// agree within a tenth of the gold labels' range; classification labels only when equal.
  void regressionScoresAgreeWithinATenthOfTheLabelsRange() {
    QTemporaryDir dir;
    writeFile(dir.filePath("scores/train.jsonl"), "{\"q\":\"x\",\"y\":1.5}\n");
    writeFile(dir.filePath("scores/dev.jsonl"),
              "{\"q\":\"a\",\"y\":0}\n{\"q\":\"b\",\"y\":5}\n{\"q\":\"c\",\"y\":2.5}\n");
    const nlohmann::json scores{
        {"model", {{"path", "/m"}}},
        {"task", nlohmann::json::parse(QStringLiteral(R"({"name":"warmth","type":"regression","data_dir":"%1",)"
                                                      R"("train_file":"train.jsonl","dev_file":"dev.jsonl",)"
                                                      R"("text_column":"q","label_column":"y"})")
                                           .arg(dir.filePath("scores"))
                                           .toStdString())}};
    writeFile(dir.filePath("a.tsv"), "index\tprediction\tlabel\n0\t1\t0\n1\t4.5\t5\n2\t2.5\t2.5\n");
    writeFile(dir.filePath("b.tsv"), "index\tprediction\tlabel\n0\t1.6\t0\n1\t4.05\t5\n2\t2.5\t2.5\n");
    const auto t = loadLabelPredictionTables({{"A", dir.filePath("a.tsv"), scores}, {"B", dir.filePath("b.tsv"), scores}});
    QCOMPARE(t.size(), size_t(1));
    QVERIFY2(t[0].problems.isEmpty(), qPrintable(t[0].problems.join('\n')));
    QCOMPARE(t[0].agreementTolerance, 0.5);  // gold labels 0 to 5
    QCOMPARE(t[0].rows.size(), size_t(3));
    QCOMPARE(t[0].rows[0].outputs, (std::vector<QString>{"1", "1.6"}));
    QVERIFY(predictionsDisagree(t[0].rows[0], t[0].agreementTolerance));   // 0.6 apart
    QVERIFY(!predictionsDisagree(t[0].rows[1], t[0].agreementTolerance));  // 0.45 apart
    QVERIFY(!predictionsDisagree(t[0].rows[2], t[0].agreementTolerance));  // equal
    QVERIFY(predictionsDisagree(t[0].rows[1]));  // compared as text, as before: they differ
    // every gold label the same (here one dev example): no range; a tenth of max(|gold|, 1)
    for (const auto& [gold, tolerance] : {std::pair{"4", 0.4}, std::pair{"-0.5", 0.1}}) {
      writeFile(dir.filePath("scores/dev.jsonl"), QStringLiteral("{\"q\":\"a\",\"y\":%1}\n").arg(gold).toUtf8());
      writeFile(dir.filePath("a1.tsv"), QStringLiteral("index\tprediction\tlabel\n0\t3.9\t%1\n").arg(gold).toUtf8());
      writeFile(dir.filePath("b1.tsv"), QStringLiteral("index\tprediction\tlabel\n0\t3.95\t%1\n").arg(gold).toUtf8());
      const auto one =
          loadLabelPredictionTables({{"A", dir.filePath("a1.tsv"), scores}, {"B", dir.filePath("b1.tsv"), scores}});
      QCOMPARE(one.size(), size_t(1));
      QVERIFY2(one[0].problems.isEmpty(), qPrintable(one[0].problems.join('\n')));
      QCOMPARE(one[0].agreementTolerance, tolerance);
      QVERIFY(!predictionsDisagree(one[0].rows[0], one[0].agreementTolerance));  // 0.05 apart
    }
    // classification: no tolerance, labels compared as they are
    PredictionRow labels;
    labels.outputs = {"positive", "", "positive"};
    QVERIFY(!predictionsDisagree(labels, 0));
    labels.outputs.push_back("negative");
    QVERIFY(predictionsDisagree(labels, 0));
    // a missing or unreadable score is not compared
    PredictionRow sparse;
    sparse.outputs = {"3", "", "x", "3.2"};
    QVERIFY(!predictionsDisagree(sparse, 0.5));
    // a diverged run's score agrees with nothing; alone it has nothing to disagree with
    sparse.outputs = {"3", "nan"};
    QVERIFY(predictionsDisagree(sparse, 0.5));
    sparse.outputs = {"inf", "3"};
    QVERIFY(predictionsDisagree(sparse, 0.5));
    sparse.outputs = {"nan", ""};
    QVERIFY(!predictionsDisagree(sparse, 0.5));
  }

  /// A malformed predictions file, an index outside the dev file, a gold label that differs from
  /// another run's and a missing dev file are each named with file and line; the other runs still
  /// show.
  void badFilesAreNamedWithTheirLine() {
    QTemporaryDir dir;
    writeGlueDevFiles(dir.filePath("glue"));
    const nlohmann::json sst2{{"model", {{"path", "/m"}}}, {"task", {{"name", "sst2"}, {"data_dir", dir.filePath("glue/SST-2").toStdString()}}}};
    writeFile(dir.filePath("good.tsv"), "index\tprediction\tlabel\n0\t1\t1\n");
    writeFile(dir.filePath("bad.tsv"), "index\tprediction\tlabel\n0\t1\t1\n1\tpositive\t0\n");
    writeFile(dir.filePath("outside.tsv"), "index\tprediction\tlabel\n0\t1\t0\n7\t0\t0\n");
    const auto t = loadLabelPredictionTables({{"A", dir.filePath("good.tsv"), sst2},
                                              {"B", dir.filePath("bad.tsv"), sst2},
                                              {"C", dir.filePath("outside.tsv"), sst2}});
    QCOMPARE(t.size(), size_t(1));
    QCOMPARE(
        t[0].problems,
        QStringList({dir.filePath("bad.tsv") + ":3: column 'prediction' is not a number: \"positive\"",
                     dir.filePath("outside.tsv") + ":2: example 0 has gold label negative, another run's "
                                                   "predictions positive",
                     dir.filePath("outside.tsv") + ":3: example 7 is not in " + dir.filePath("glue/SST-2/dev.tsv") +
                         " (3 examples)",
                     dir.filePath("glue/SST-2/dev.tsv") + ": 3 examples, the runs' predictions name example 7: "
                                                          "the file changed since the runs; input texts not shown"}));
    QCOMPARE(t[0].rows.size(), size_t(1));  // example 0; 7 is outside the dev file: no row
    QCOMPARE(t[0].rows[0].outputs, (std::vector<QString>{"positive", "", "positive"}));
    QCOMPARE(t[0].rows[0].input, QString());  // the dev file has fewer examples than the runs predicted

    nlohmann::json missing = sst2;
    missing["task"]["data_dir"] = dir.filePath("nowhere").toStdString();
    const auto m = loadLabelPredictionTables({{"A", dir.filePath("good.tsv"), missing}});
    QCOMPARE(m[0].problems, QStringList{"input texts not shown: " + dir.filePath("nowhere/dev.tsv") +
                                        ": cannot open data file: no such file"});
    QCOMPARE(m[0].rows[0].references, QStringList{"positive"});  // the gold label still named
  }
  /// Issue: a FIFO (or a link to /dev/zero) as a predictions file, a dev file or a run's
  /// config.json blocked the export and the GUI forever. None is opened: each is named "not a
  /// regular file" in its table, the other runs still shown.
  void nonRegularFilesAreNotOpened() {
    QTemporaryDir dir;
    writeGlueDevFiles(dir.filePath("glue"));
    const nlohmann::json sst2{{"model", {{"path", "/m"}}}, {"task", {{"name", "sst2"}, {"data_dir", dir.filePath("glue/SST-2").toStdString()}}}};
    writeFile(dir.filePath("good.tsv"), "index\tprediction\tlabel\n0\t1\t1\n1\t0\t0\n2\t1\t1\n");
    QCOMPARE(mkfifo(QFile::encodeName(dir.filePath("fifo.tsv")).constData(), 0600), 0);
    QVERIFY(QFile::link("/dev/zero", dir.filePath("zero.tsv")));
    const auto t = loadLabelPredictionTables({{"A", dir.filePath("good.tsv"), sst2},
                                              {"B", dir.filePath("fifo.tsv"), sst2},
                                              {"C", dir.filePath("zero.tsv"), sst2}});
    QCOMPARE(t.size(), size_t(1));
    QCOMPARE(t[0].problems, QStringList({dir.filePath("fifo.tsv") + ": not a regular file",
                                         dir.filePath("zero.tsv") + ": not a regular file"}));
    QCOMPARE(t[0].rows.size(), size_t(3));
    QCOMPARE(t[0].rows[0].input, QStringLiteral("a charming journey ."));
    QCOMPARE(t[0].rows[0].outputs, (std::vector<QString>{"positive", "", ""}));

    // the dev file a FIFO: labels still shown, no texts
    QDir().mkpath(dir.filePath("fifo/SST-2"));
    QCOMPARE(mkfifo(QFile::encodeName(dir.filePath("fifo/SST-2/dev.tsv")).constData(), 0600), 0);
    nlohmann::json fifoDev = sst2;
    fifoDev["task"]["data_dir"] = dir.filePath("fifo/SST-2").toStdString();
    const auto f = loadLabelPredictionTables({{"A", dir.filePath("good.tsv"), fifoDev}});
    QCOMPARE(f[0].problems, QStringList{"input texts not shown: " + dir.filePath("fifo/SST-2/dev.tsv") +
                                        ": not a regular file"});
    QCOMPARE(f[0].rows.size(), size_t(3));
    QCOMPARE(f[0].rows[0].references, QStringList{"positive"});
    QCOMPARE(f[0].rows[0].input, QString());

    // an own task's train file a FIFO: the labels are inferred from it, so it would be read (and
    // block) before the dev file — named instead, the predictions shown as the class ids they are
    writeFile(dir.filePath("own/dev.jsonl"), "{\"q\":\"fine\",\"y\":\"good\"}\n");
    QCOMPARE(mkfifo(QFile::encodeName(dir.filePath("own/train.jsonl")).constData(), 0600), 0);
    const nlohmann::json own{{"model", {{"path", "/m"}}},
                             {"task",
                              {{"name", "reviews"},
                               {"data_dir", dir.filePath("own").toStdString()},
                               {"train_file", "train.jsonl"},
                               {"dev_file", "dev.jsonl"},
                               {"text_column", "q"},
                               {"label_column", "y"}}}};
    writeFile(dir.filePath("own.tsv"), "index\tprediction\tlabel\n0\t1\t1\n");
    const auto o = loadLabelPredictionTables({{"A", dir.filePath("own.tsv"), own}});
    QCOMPARE(o.size(), size_t(1));
    QCOMPARE(o[0].problems, QStringList{"input texts not shown: " + dir.filePath("own/train.jsonl") +
                                        ": not a regular file (the train file the task's labels are inferred from)"});
    QCOMPARE(o[0].rows.size(), size_t(1));
    QCOMPARE(o[0].rows[0].outputs, std::vector<QString>{"1"});

    // a run directory's config.json a FIFO: named, the store's config used
    Store store;
    store.open(dir.filePath("ws.sqlite"));
    const auto doc = nlohmann::json::parse(QStringLiteral(R"({
          "name": "fifo-demo", "base": { "model": { "path": "/m" } },
          "tasks": [ { "name": "sst2", "data_dir": "%1/SST-2" } ], "seeds": [1] })").arg(dir.filePath("glue")).toStdString());
    const Study study = parseStudy(doc);
    const qint64 sid = store.upsertStudy(study.name, "fifo.json", doc);
    const ExpandedRun er = expandStudy(study).front();
    const QString runDir = dir.filePath("runs/" + er.runId);
    store.addRun(newRunFor(er, sid, runDir, RunState::Finished));
    writeFile(runDir + "/predictions/dev.tsv", "index\tprediction\tlabel\n0\t1\t1\n1\t0\t0\n2\t1\t1\n");
    QCOMPARE(mkfifo(QFile::encodeName(runDir + "/config.json").constData(), 0600), 0);
    const auto s = labelPredictionsFromStore(store, sid);
    QCOMPARE(s.size(), size_t(1));
    QCOMPARE(s[0].problems, QStringList{runDir + "/config.json: not a regular file"});
    QCOMPARE(s[0].rows.size(), size_t(3));
    QCOMPARE(s[0].rows[1].input, QStringLiteral("bleak and desperate"));
  }

  /// Issue: files of 1 GB were read whole. A predictions or dev file over kMaxDisplayFileBytes is
  /// named with its size and not read (sparse files: nothing is written).
  void oversizedFilesAreNotRead() {
    QTemporaryDir dir;
    writeGlueDevFiles(dir.filePath("glue"));
    const nlohmann::json sst2{{"model", {{"path", "/m"}}}, {"task", {{"name", "sst2"}, {"data_dir", dir.filePath("glue/SST-2").toStdString()}}}};
    writeFile(dir.filePath("good.tsv"), "index\tprediction\tlabel\n0\t1\t1\n1\t0\t0\n2\t1\t1\n");
    const qint64 big = kMaxDisplayFileBytes + 1;
    writeFile(dir.filePath("big.tsv"), "index\tprediction\tlabel\n");
    QVERIFY(QFile::resize(dir.filePath("big.tsv"), big));
    const auto t = loadLabelPredictionTables({{"A", dir.filePath("good.tsv"), sst2}, {"B", dir.filePath("big.tsv"), sst2}});
    QCOMPARE(kMaxDisplayFileBytes, qint64(268435456));
    QCOMPARE(t[0].problems, QStringList{dir.filePath("big.tsv") + ": 268435457 bytes, over the limit of 268435456 for display"});
    QCOMPARE(t[0].rows.size(), size_t(3));

    writeFile(dir.filePath("huge/SST-2/dev.tsv"), "sentence\tlabel\n");
    QVERIFY(QFile::resize(dir.filePath("huge/SST-2/dev.tsv"), big));
    nlohmann::json huge = sst2;
    huge["task"]["data_dir"] = dir.filePath("huge/SST-2").toStdString();
    const auto h = loadLabelPredictionTables({{"A", dir.filePath("good.tsv"), huge}});
    QCOMPARE(h[0].problems, QStringList{"input texts not shown: " + dir.filePath("huge/SST-2/dev.tsv") +
                                        ": 268435457 bytes, over the limit of 268435456 for display"});
    QCOMPARE(h[0].rows.size(), size_t(3));
    QCOMPARE(h[0].rows[2].references, QStringList{"positive"});
  }

  /// Issue: a dev file edited after the runs showed each text beside another example's labels. The
  /// predictions' gold labels are checked against the dev file's: on the first difference, or a
  /// dev file with more examples than the runs predicted, the inputs are hidden, labels still shown.
  void changedDevFileHidesTheInputs() {
    QTemporaryDir dir;
    writeGlueDevFiles(dir.filePath("glue"));
    const nlohmann::json sst2{{"model", {{"path", "/m"}}}, {"task", {{"name", "sst2"}, {"data_dir", dir.filePath("glue/SST-2").toStdString()}}}};
    // the runs saw "bleak and desperate" first (label 0): the dev file lost that row since
    writeFile(dir.filePath("a.tsv"), "index\tprediction\tlabel\n0\t0\t0\n1\t1\t1\n2\t0\t0\n");
    const auto t = loadLabelPredictionTables({{"A", dir.filePath("a.tsv"), sst2}});
    QCOMPARE(t[0].problems, QStringList{dir.filePath("glue/SST-2/dev.tsv") +
                                        ": example 0's label is positive, the runs' predictions say negative: the "
                                        "file changed since the runs; input texts not shown"});
    QCOMPARE(t[0].rows.size(), size_t(3));
    QCOMPARE(t[0].rows[0].input, QString());
    QCOMPARE(t[0].rows[0].references, QStringList{"negative"});
    QCOMPARE(t[0].rows[0].outputs, std::vector<QString>{"negative"});

    // a row added to the dev file since: labels agree on 0 and 1, the file has one example more
    writeFile(dir.filePath("b.tsv"), "index\tprediction\tlabel\n0\t1\t1\n1\t0\t0\n");
    const auto b = loadLabelPredictionTables({{"A", dir.filePath("b.tsv"), sst2}});
    QCOMPARE(b[0].problems, QStringList{dir.filePath("glue/SST-2/dev.tsv") +
                                        ": 3 examples, the runs' predictions 2: the file changed since the runs; "
                                        "input texts not shown"});
    QCOMPARE(b[0].rows.size(), size_t(2));
    QCOMPARE(b[0].rows[1].input, QString());
    QCOMPARE(b[0].rows[1].references, QStringList{"negative"});

    // max_dev_examples: the runs predicted a subsample, not a changed file
    nlohmann::json sub = sst2;
    sub["task"]["max_dev_examples"] = 2;
    const auto s = loadLabelPredictionTables({{"A", dir.filePath("b.tsv"), sub}});
    QVERIFY2(s[0].problems.isEmpty(), qPrintable(s[0].problems.join('\n')));
    QCOMPARE(s[0].rows[1].input, QStringLiteral("bleak and desperate"));
  }

  /// Indices outside the dev file make no row; predicted classes outside the task's labels or not
  /// integers are named with file and line and not shown as labels.
  void badIndicesAndClassesAreNamed() {
    QTemporaryDir dir;
    writeGlueDevFiles(dir.filePath("glue"));
    const nlohmann::json sst2{{"model", {{"path", "/m"}}}, {"task", {{"name", "sst2"}, {"data_dir", dir.filePath("glue/SST-2").toStdString()}}}};
    writeFile(dir.filePath("a.tsv"), "index\tprediction\tlabel\n-1\t1\t1\n0\t7\t1\n1\t0\t0\n2\t1\t1\n");
    writeFile(dir.filePath("b.tsv"), "index\tprediction\tlabel\n0\t-3\t1\n1\t1.5\t0\n2\t1\t1\n");
    const auto t = loadLabelPredictionTables({{"A", dir.filePath("a.tsv"), sst2}, {"B", dir.filePath("b.tsv"), sst2}});
    QCOMPARE(t[0].problems,
             QStringList({dir.filePath("a.tsv") + ":2: example -1 is not in " + dir.filePath("glue/SST-2/dev.tsv") +
                              " (3 examples)",
                          dir.filePath("a.tsv") + ":3: predicted class 7 is not one of the task's 2 labels",
                          dir.filePath("b.tsv") + ":2: predicted class -3 is not one of the task's 2 labels"}));
    QCOMPARE(t[0].rows.size(), size_t(3));
    QCOMPARE(t[0].rows[0].index, 0);
    QCOMPARE(t[0].rows[0].input, QStringLiteral("a charming journey ."));
    QCOMPARE(t[0].rows[0].outputs, (std::vector<QString>{"", ""}));
    QCOMPARE(t[0].rows[0].verdicts, (std::vector<Verdict>{Verdict::Unknown, Verdict::Unknown}));
    QCOMPARE(t[0].rows[1].outputs, (std::vector<QString>{"negative", ""}));
    QCOMPARE(t[0].rows[2].outputs, (std::vector<QString>{"positive", "positive"}));

    writeFile(dir.filePath("c.tsv"), "index\tprediction\tlabel\n0\t1\t1\n1\t1.5\t0\n2\t1\t1\n");
    const auto c = loadLabelPredictionTables({{"C", dir.filePath("c.tsv"), sst2}});
    QCOMPARE(c[0].problems, QStringList{dir.filePath("c.tsv") + ":3: predicted class 1.5 is not an integer"});
    QCOMPARE(c[0].rows[1].outputs, std::vector<QString>{""});

    // an index a file repeats: its first row is shown, and the repeat named (it was silently the last)
    writeFile(dir.filePath("d.tsv"), "index\tprediction\tlabel\n0\t1\t1\n1\t0\t0\n0\t0\t1\n2\t1\t1\n1\t1\t0\n");
    const auto d = loadLabelPredictionTables({{"D", dir.filePath("d.tsv"), sst2}});
    QCOMPARE(d[0].problems, QStringList{dir.filePath("d.tsv") + ":4: example 0 again (first on line 2); its first row "
                                                                "is shown"});
    QCOMPARE(d[0].rows.size(), size_t(3));
    QCOMPARE(d[0].rows[0].outputs, std::vector<QString>{"positive"});
    QCOMPARE(d[0].rows[1].outputs, std::vector<QString>{"negative"});
  }
};

QTEST_MAIN(TestLabelPredictions)
#include "test_label_predictions.moc"
