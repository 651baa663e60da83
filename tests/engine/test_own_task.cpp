// Own datasets (issue 17): CSV / TSV / JSONL tables, the task.* config keys of own tasks, loading
// with named columns, label sets given or inferred, every bad-input case naming file and line,
// generation JSONL with several references, label distributions, and the macro / micro F1 metrics
// (by hand). Torch-free (adamix_core).
#include <QtTest/QtTest>

#include <QTemporaryDir>
#include <functional>

#include "config/run_config.h"
#include "data/own_task.h"
#include "data/table_file.h"
#include "io/errors.h"
#include "metrics/glue_metrics.h"
#include "test_support.h"

using namespace adamix;
using adamix::test::expectError;
using adamix::test::writeFile;
using nlohmann::json;

class TestOwnTask : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void initTestCase() { QVERIFY(tmp_.isValid()); }

  void csvQuotingAndLines() {
    // BOM, CRLF, a quoted comma, an escaped quote, a newline inside quotes, spaces kept, a blank line.
    const std::string text =
        "\xEF\xBB\xBFreview,label\r\n"
        "\"good, really\",pos\r\n"
        "\"she said \"\"no\"\"\",neg\r\n"
        "\r\n"
        "\"two\nlines\",pos\n"
        " spaced ,neg\n"
        "last,pos";
    const TableFile t = parseTable(text, "csv", "r.csv");
    QCOMPARE(t.columns, (std::vector<std::string>{"review", "label"}));
    QCOMPARE(t.rows.size(), size_t(5));
    QCOMPARE(t.rows[0].cells, (std::vector<std::string>{"good, really", "pos"}));
    QCOMPARE(t.rows[0].line, 2);
    QCOMPARE(t.rows[1].cells[0], std::string("she said \"no\""));
    QCOMPARE(t.rows[1].line, 3);
    QCOMPARE(t.rows[2].cells[0], std::string("two\nlines"));
    QCOMPARE(t.rows[2].line, 5);  // line 4 is blank
    QCOMPARE(t.rows[3].cells[0], std::string(" spaced "));
    QCOMPARE(t.rows[3].line, 7);
    QCOMPARE(t.rows[4].cells, (std::vector<std::string>{"last", "pos"}));
    QCOMPARE(t.rows[4].line, 8);
    for (const auto& r : t.rows) QVERIFY(r.error.empty());
    // head only
    const TableFile head = parseTable(text, "csv", "r.csv", 2);
    QCOMPARE(head.rows.size(), size_t(2));
    QVERIFY(head.truncated);
  }

  void csvFaultsNameFileAndLine() {
    auto e = expectError([] { parseTable("text,label\nok,1\n\"open,1\nmore,0\n", "csv", "d.csv"); });
    QCOMPARE(e.kind(), ErrorKind::Data);
    // named at the line where the unclosed quote opened, not where the parser gave up
    QCOMPARE(e.location(), std::string("d.csv:3"));
    QVERIFY2(std::string(e.what()).find("malformed CSV") != std::string::npos, e.what());
    QVERIFY2(std::string(e.what()).find("still open at line 4") != std::string::npos, e.what());
    // records after a multi-line quoted field keep their own lines; a stray quote mid-file is named
    e = expectError([] { parseTable("text,label\n\"a\nb\",1\nok,0\nbad\"x,1\nlast,0\n", "csv", "d.csv"); });
    QCOMPARE(e.location(), std::string("d.csv:5"));
    e = expectError([] { parseTable("text,label\n\"a\"b,1\n", "csv", "d.csv"); });
    QCOMPARE(e.location(), std::string("d.csv:2"));
    e = expectError([] { parseTable("text,text\na,b\n", "csv", "d.csv"); });
    QCOMPARE(e.location(), std::string("d.csv:1"));
    QVERIFY(std::string(e.what()).find("duplicate header column \"text\"") != std::string::npos);
    e = expectError([] { parseTable("", "csv", "d.csv"); });
    QVERIFY(std::string(e.what()).find("missing header") != std::string::npos);
    // a row of another width is a row fault, kept for the bad-rows policy
    const TableFile t = parseTable("text,label\na,1,extra\nb,0\n", "csv", "d.csv");
    QCOMPARE(t.rows[0].error, std::string("expected 2 columns as the header, got 3"));
    QVERIFY(t.rows[1].error.empty());
    e = expectError([] { parseTable("a\n", "xml", "d.xml"); });
    QCOMPARE(e.location(), std::string("/task/format"));
  }

  void tsvIsLiteral() {
    const TableFile t = parseTable("text\tlabel\n\"quoted\" text\t1\n", "tsv", "d.tsv");
    QCOMPARE(t.rows[0].cells[0], std::string("\"quoted\" text"));
    QCOMPARE(t.format, std::string("tsv"));
  }

  void jsonlColumnsAndCells() {
    const std::string text =
        "{\"text\": \"a\", \"label\": 1}\n"
        "\n"
        "{\"label\": 0.5, \"text\": \"b\", \"extra\": [1, 2]}\n"
        "[1, 2]\n"
        "{\"text\": null, \"label\": true}\n"
        "{not json\n";
    const TableFile t = parseTable(text, "jsonl", "d.jsonl");
    QCOMPARE(t.columns, (std::vector<std::string>{"label", "text", "extra"}));  // nlohmann objects: sorted keys
    QCOMPARE(t.rows.size(), size_t(5));
    QCOMPARE(t.rows[0].cells, (std::vector<std::string>{"1", "a", ""}));
    QCOMPARE(t.rows[0].present, (std::vector<bool>{true, true, false}));
    QCOMPARE(t.rows[1].cells, (std::vector<std::string>{"0.5", "b", "[1,2]"}));
    QCOMPARE(t.rows[1].line, 3);
    QCOMPARE(t.rows[2].error, std::string("expected a JSON object, got array"));
    QCOMPARE(t.rows[2].line, 4);
    QCOMPARE(t.rows[3].cells[0], std::string("true"));
    QCOMPARE(t.rows[3].present[1], false);
    QVERIFY(t.rows[4].error.find("invalid JSON") != std::string::npos);
    QCOMPARE(t.rows[4].line, 6);
    QCOMPARE(tableFormatOf("x/Train.CSV"), std::string("csv"));
    QCOMPARE(tableFormatOf("a.jsonl"), std::string("jsonl"));
    QCOMPARE(tableFormatOf("a.txt"), std::string());
  }

  void configOfAnOwnTask() {
    const json j = {{"model", {{"path", "m"}}},
                    {"task",
                     {{"name", "reviews"},
                      {"data_dir", "/d"},
                      {"train_file", "train.csv"},
                      {"dev_file", "dev.csv"},
                      {"text_column", "review"},
                      {"label_column", "sentiment"},
                      {"metric", "macro_f1"},
                      {"display_name", "Movie reviews"}}}};
    const RunConfig c = parseRunConfig(j);
    QCOMPARE(c.task.format, std::string("csv"));
    QCOMPARE(c.task.type, std::string("classification"));
    QCOMPARE(c.task.text_column, std::string("review"));
    QCOMPARE(c.task.label_column, std::string("sentiment"));
    QVERIFY(c.task.labels.empty());
    QCOMPARE(primaryMetricOf(c.task), std::string("macro_f1"));
    QCOMPARE(taskDisplayName(c.task), std::string("Movie reviews"));
    QVERIFY(isOwnTask(c.task));
    QVERIFY(!isGenerationTask(c.task));
    // resolved config round trip
    QCOMPARE(toJson(parseRunConfig(toJson(c))), toJson(c));
    // built-in tasks keep their names, and their display names
    RunConfig sst = defaultRunConfig("sst2");
    QCOMPARE(taskDisplayName(sst.task), std::string("SST-2"));
    QCOMPARE(primaryMetricOf(defaultRunConfig("cola").task), std::string("matthews_correlation"));
    QCOMPARE(primaryMetricOf(defaultRunConfig("e2e").task), std::string("bleu"));
  }

  void configErrorsNameTheField() {
    auto with = [](json task) {
      json j = {{"model", {{"path", "m"}}}, {"task", {{"name", "mine"}, {"data_dir", "/d"}, {"train_file", "t.csv"}, {"dev_file", "d.csv"}}}};
      for (auto it = task.begin(); it != task.end(); ++it) {
        if (it->is_null())
          j["task"].erase(it.key());
        else
          j["task"][it.key()] = *it;
      }
      return expectError([j] { parseRunConfig(j); });
    };
    QCOMPARE(with({{"train_file", nullptr}}).location(), std::string("/task/train_file"));
    QCOMPARE(with({{"dev_file", nullptr}}).location(), std::string("/task/dev_file"));
    QCOMPARE(with({{"type", "ranking"}}).location(), std::string("/task/type"));
    QCOMPARE(with({{"train_file", "t.parquet"}}).location(), std::string("/task/format"));
    QCOMPARE(with({{"format", "xlsx"}}).location(), std::string("/task/format"));
    QCOMPARE(with({{"metric", "pearson"}}).location(), std::string("/task/metric"));
    QCOMPARE(with({{"type", "regression"}, {"labels", {"a", "b"}}}).location(), std::string("/task/labels"));
    QCOMPARE(with({{"labels", {"a", "a"}}}).location(), std::string("/task/labels/1"));
    QCOMPARE(with({{"labels", {"a", "b", "c"}}, {"metric", "f1"}}).location(), std::string("/task/metric"));
    QCOMPARE(with({{"type", "generation"}}).location(), std::string("/task/format"));  // CSV, not JSONL
    QCOMPARE(with({{"input_column", "x"}}).location(), std::string("/task/input_column"));
    QCOMPARE(with({{"name", "my task"}}).location(), std::string("/task/name"));
    // own-dataset keys on a built-in task
    auto e = expectError([] {
      parseRunConfig({{"model", {{"path", "m"}}}, {"task", {{"name", "sst2"}, {"data_dir", "/d"}, {"text_column", "x"}}}});
    });
    QCOMPARE(e.location(), std::string("/task/text_column"));
    // a typo of a built-in name is not silently an own task: it asks for files, listing the built-ins
    e = expectError([] { parseRunConfig({{"model", {{"path", "m"}}}, {"task", {{"name", "sst-2"}, {"data_dir", "/d"}}}}); });
    QCOMPARE(e.location(), std::string("/task/train_file"));
    QVERIFY2(std::string(e.what()).find("sst2") != std::string::npos, e.what());
  }

  void loadsNamedColumnsWithGivenAndInferredLabels() {
    const std::string dir = tmp_.path().toStdString() + "/cls";
    writeFile(dir + "/train.csv", "id,review,hint,sentiment\n1,great film,x,pos\n2,\"dull, long\",y,neg\n3,fine,z,meh\n");
    writeFile(dir + "/dev.csv", "id,review,hint,sentiment\n1,ok,x,pos\n2,bad,y,awful\n");
    TaskConfig t = parseRunConfig({{"model", {{"path", "m"}}},
                                   {"task",
                                    {{"name", "reviews"},
                                     {"data_dir", dir},
                                     {"train_file", "train.csv"},
                                     {"dev_file", "dev.csv"},
                                     {"text_column", "review"},
                                     {"text_pair_column", "hint"},
                                     {"label_column", "sentiment"}}}})
                       .task;
    // labels not resolved yet
    QCOMPARE(expectError([&] { taskSpecOf(t); }).location(), std::string("/task/labels"));
    QCOMPARE(inferOwnLabels(t), (std::vector<std::string>{"meh", "neg", "pos"}));  // sorted
    t = resolveOwnLabels(t);
    const TaskSpec spec = taskSpecOf(t);
    QCOMPARE(spec.num_labels, 3);
    QVERIFY(spec.pair);
    QCOMPARE(spec.metrics, (std::vector<std::string>{"accuracy", "macro_f1", "micro_f1", "matthews_correlation"}));
    const LoadedSplit train = loadTaskSplit(t, "train", BadRowsPolicy::Fail);
    QCOMPARE(train.examples.size(), size_t(3));
    QCOMPARE(train.examples[1].text_a, std::string("dull, long"));
    QCOMPARE(train.examples[1].text_b, std::string("y"));
    QCOMPARE(train.examples[1].label, int64_t(1));  // neg
    QCOMPARE(train.examples[1].line, 3);
    // an unseen dev label: named with file, line and the label set
    auto e = expectError([&] { loadTaskSplit(t, "dev", BadRowsPolicy::Fail); });
    QCOMPARE(e.location(), dir + "/dev.csv:3");
    QVERIFY2(std::string(e.what()).find("label \"awful\" is not in the task's label set (meh, neg, pos)") !=
                 std::string::npos,
             e.what());
    const LoadedSplit dev = loadTaskSplit(t, "dev", BadRowsPolicy::Skip);
    QCOMPARE(dev.examples.size(), size_t(1));
    QCOMPARE(dev.skipped, int64_t(1));
    // a given label set fixes the ids (class ids written as numbers are names too)
    t.labels = {"pos", "neg", "meh"};
    QCOMPARE(loadTaskSplit(t, "train", BadRowsPolicy::Fail).examples[0].label, int64_t(0));
    // a missing column names the columns there are
    t.text_column = "body";
    e = expectError([&] { loadTaskSplit(t, "train", BadRowsPolicy::Skip); });
    QCOMPARE(e.location(), dir + "/train.csv:1");
    QVERIFY2(std::string(e.what()).find("no column \"body\" (task.text_column); the file has: id, review, hint, sentiment") !=
                 std::string::npos,
             e.what());
    // test split without a test file
    QCOMPARE(expectError([&] { ownSplitPath(t, "test"); }).location(), std::string("/task/test_file"));
  }

  void badRowsOfEveryKind() {
    const std::string dir = tmp_.path().toStdString() + "/bad";
    writeFile(dir + "/train.jsonl",
              "{\"text\": \"a\", \"label\": 1}\n"       // 1 ok (id label as a JSON number)
              "{\"text\": \"b\"}\n"                      // 2 no label
              "{\"text\": \"\", \"label\": 0}\n"         // 3 empty text
              "not json\n"                               // 4 bad JSON
              "{\"text\": \"c\", \"label\": 0}\n");      // 5 ok
    TaskConfig t = parseRunConfig({{"model", {{"path", "m"}}},
                                   {"task", {{"name", "ids"}, {"data_dir", dir}, {"train_file", "train.jsonl"}, {"dev_file", "train.jsonl"}, {"labels", {"0", "1"}}}}})
                       .task;
    const TaskSpec spec = taskSpecOf(t);
    QCOMPARE(spec.metrics.back(), std::string("f1"));  // two labels: binary F1 of "1"
    const std::string path = dir + "/train.jsonl";
    auto e = expectError([&] { loadOwnFile(t, spec, path, BadRowsPolicy::Fail); });
    QCOMPARE(e.location(), path + ":2");
    QVERIFY(std::string(e.what()).find("no label in column \"label\"") != std::string::npos);
    const LoadedSplit s = loadOwnFile(t, spec, path, BadRowsPolicy::Skip);
    QCOMPARE(s.examples.size(), size_t(2));
    QCOMPARE(s.examples[0].label, int64_t(1));
    QCOMPARE(s.examples[1].label, int64_t(0));
    QCOMPARE(s.skipped, int64_t(3));
    QCOMPARE(s.messages.size(), size_t(3));
    QCOMPARE(s.messages[0], path + ":2: no label in column \"label\"");
    QCOMPARE(s.messages[1], path + ":3: empty text in column \"text\"");
    QVERIFY(s.messages[2].rfind(path + ":4: invalid JSON", 0) == 0);
    // a text over kMaxExampleTextBytes (1 MiB; tokenizing costs ~90 bytes per byte): a bad row too
    writeFile(dir + "/long.jsonl", "{\"text\": \"a\", \"label\": 1}\n{\"text\": \"" +
                                       std::string(kMaxExampleTextBytes + 1, 'b') + "\", \"label\": 0}\n");
    e = expectError([&] { loadOwnFile(t, spec, dir + "/long.jsonl", BadRowsPolicy::Fail); });
    QCOMPARE(e.location(), dir + "/long.jsonl:2");
    QVERIFY2(std::string(e.what()).find("text_a is 1048577 bytes, more than the limit") != std::string::npos, e.what());
    QCOMPARE(loadOwnFile(t, spec, dir + "/long.jsonl", BadRowsPolicy::Skip).skipped, int64_t(1));
    // unlabelled prediction files
    writeFile(dir + "/test.jsonl", "{\"text\": \"x\"}\n");
    bool labelled = true;
    QCOMPARE(loadOwnFileDetectingLabels(t, spec, dir + "/test.jsonl", BadRowsPolicy::Fail, &labelled).examples[0].label,
             int64_t(-1));
    QVERIFY(!labelled);
    // regression: numbers, and a bad number named
    writeFile(dir + "/reg.tsv", "text\tscore\na\t0.25\nb\t-3e1\nc\tn/a\n");
    TaskConfig r = parseRunConfig({{"model", {{"path", "m"}}},
                                   {"task", {{"name", "sts"}, {"type", "regression"}, {"data_dir", dir}, {"train_file", "reg.tsv"}, {"dev_file", "reg.tsv"}, {"label_column", "score"}, {"metric", "spearmanr"}}}})
                       .task;
    const TaskSpec rs = taskSpecOf(r);
    QVERIFY(rs.regression);
    QCOMPARE(rs.primary_metric, std::string("spearmanr"));
    e = expectError([&] { loadTaskSplit(r, "train", BadRowsPolicy::Fail); });
    QCOMPARE(e.location(), dir + "/reg.tsv:4");
    QVERIFY(std::string(e.what()).find("label \"n/a\" is not a finite decimal number") != std::string::npos);
    const auto ok = loadTaskSplit(r, "train", BadRowsPolicy::Skip);
    QCOMPARE(ok.examples[0].score, 0.25f);
    QCOMPARE(ok.examples[1].score, -30.0f);
    // one distinct label cannot be inferred into a classification task
    writeFile(dir + "/one.csv", "text,label\na,x\nb,x\n");
    TaskConfig one = t;
    one.format = "csv";
    one.train_file = "one.csv";
    one.labels.clear();
    e = expectError([&] { inferOwnLabels(one); });
    QVERIFY2(std::string(e.what()).find("1 distinct label(s)") != std::string::npos, e.what());
  }

  // Inputs a hostile review found mishandled (each a bug fixed with its kind): rows the run skips
  // gave a class, labels broke config.json (invalid UTF-8) or hid a NUL, integer ids sorted as
  // text, f1 on three inferred labels failed after training, JSON 1.0 and 1 were two classes,
  // containers were accepted as text or label, hex targets were numbers and 1e-400 was not.
  void labelsComeOnlyFromRowsTheRunKeeps() {
    const std::string dir = tmp_.path().toStdString() + "/labels";
    auto task = [&](const std::string& file, json extra = json::object()) {
      json j = {{"name", "mine"}, {"data_dir", dir}, {"train_file", file}, {"dev_file", file}};
      j.update(extra);
      return parseRunConfig({{"model", {{"path", "m"}}}, {"task", j}}).task;
    };
    writeFile(dir + "/skip.csv", "text,label\ngood,pos\nbad,neg\n,zzz\n");
    QCOMPARE(inferOwnLabels(task("skip.csv", {{"bad_rows", "skip"}})), (std::vector<std::string>{"neg", "pos"}));
    QCOMPARE(expectError([&] { inferOwnLabels(task("skip.csv")); }).location(), dir + "/skip.csv:4");

    writeFile(dir + "/utf8.csv", "text,label\ngood,pos\nbad,neg\nx,p\xffos\n");
    auto e = expectError([&] { inferOwnLabels(task("utf8.csv")); });
    QCOMPARE(e.location(), dir + "/utf8.csv:4");
    QCOMPARE(e.message(), std::string("the label is not valid UTF-8"));
    writeFile(dir + "/nul.csv", std::string("text,label\ngood,pos\nbad,neg\nx,pos\0\n", 35));
    e = expectError([&] { inferOwnLabels(task("nul.csv")); });
    QCOMPARE(e.location(), dir + "/nul.csv:4");
    QCOMPARE(e.message(), std::string("the label contains a control character"));

    writeFile(dir + "/ids.csv", "text,label\na,2\nb,10\nc,1\nd,-1\n");
    QCOMPARE(inferOwnLabels(task("ids.csv")), (std::vector<std::string>{"-1", "1", "2", "10"}));
    writeFile(dir + "/mixed.csv", "text,label\na,2\nb,10\nc,x\n");
    QCOMPARE(inferOwnLabels(task("mixed.csv")), (std::vector<std::string>{"10", "2", "x"}));  // not all ids: bytes
    e = expectError([&] { resolveOwnLabels(task("ids.csv", {{"metric", "f1"}})); });
    QCOMPARE(e.location(), std::string("/task/metric"));

    writeFile(dir + "/floats.jsonl",
              "{\"text\": \"a\", \"label\": 1.0}\n{\"text\": \"b\", \"label\": 0}\n{\"text\": \"c\", \"label\": 1}\n");
    QCOMPARE(inferOwnLabels(task("floats.jsonl")), (std::vector<std::string>{"0", "1"}));
    writeFile(dir + "/containers.jsonl",
              "{\"text\": \"a\", \"label\": 1}\n{\"text\": \"b\", \"label\": {\"k\": 1}}\n{\"text\": 5, \"label\": 0}\n");
    TaskConfig c = task("containers.jsonl", {{"labels", {"0", "1"}}, {"bad_rows", "skip"}});
    const auto s = loadOwnFile(c, taskSpecOf(c), dir + "/containers.jsonl", BadRowsPolicy::Skip);
    QCOMPARE(s.examples.size(), size_t(1));
    QCOMPARE(s.messages.at(0), dir + "/containers.jsonl:2: column \"label\" must hold a string, number or boolean, got {\"k\":1}");
    QCOMPARE(s.messages.at(1), dir + "/containers.jsonl:3: column \"text\" must hold a string");

    writeFile(dir + "/reg.csv", "text,score\na,0x10\nb,1e-400\nc,2.5\n");
    TaskConfig r = task("reg.csv", {{"type", "regression"}, {"label_column", "score"}});
    e = expectError([&] { loadTaskSplit(r, "train", BadRowsPolicy::Fail); });
    QCOMPARE(e.location(), dir + "/reg.csv:2");
    const auto rs = loadTaskSplit(r, "train", BadRowsPolicy::Skip);
    QCOMPARE(rs.examples.size(), size_t(2));
    QCOMPARE(rs.examples[0].score, 0.0f);  // 1e-400 underflows to 0: a number
    QCOMPARE(rs.examples[1].score, 2.5f);

    // a test file whose label column is empty in every row is unlabelled
    writeFile(dir + "/test.csv", "text,label\nfoo,\nbar,\n");
    TaskConfig two = task("skip.csv", {{"labels", {"neg", "pos"}}, {"bad_rows", "skip"}});
    bool labelled = true;
    QCOMPARE(loadOwnFileDetectingLabels(two, taskSpecOf(two), dir + "/test.csv", BadRowsPolicy::Fail, &labelled)
                 .examples.size(),
             size_t(2));
    QVERIFY(!labelled);
    QCOMPARE(loadOwnFileDetectingLabels(two, taskSpecOf(two), dir + "/skip.csv", BadRowsPolicy::Skip, &labelled)
                 .examples.size(),
             size_t(2));  // the row without text skipped
    QVERIFY(labelled);
  }

  void generationColumnsMustExist() {
    const std::string dir = tmp_.path().toStdString() + "/gencols";
    writeFile(dir + "/d.jsonl", "{\"input\": \"name[X]\", \"reference\": \"X.\"}\n");
    auto task = [&](json extra) {
      json j = {{"name", "g"}, {"type", "generation"}, {"data_dir", dir}, {"train_file", "d.jsonl"}, {"dev_file", "d.jsonl"}};
      j.update(extra);
      return parseRunConfig({{"model", {{"path", "m"}}}, {"task", j}}).task;
    };
    auto e = expectError([&] { loadGenerationFile(task({{"reference_columns", {"reference", "nope"}}}), dir + "/d.jsonl"); });
    QCOMPARE(e.location(), dir + "/d.jsonl");
    QCOMPARE(e.message(), std::string("no column \"nope\" (task.reference_columns); the file has: input, reference"));
    e = expectError([&] { loadGenerationFile(task({{"input_column", "inptu"}}), dir + "/d.jsonl"); });
    QCOMPARE(e.message(), std::string("no column \"inptu\" (task.input_column); the file has: input, reference"));
    QCOMPARE(loadGenerationFile(task(json::object()), dir + "/d.jsonl").pairs.size(), size_t(1));
    e = expectError([&] { task({{"test_file", "t.jsonl"}}); });
    QCOMPARE(e.location(), std::string("/task/test_file"));
  }

  void labelDistributionAndMajority() {
    const TableFile train = parseTable("text,label\na,x\nb,y\nc,x\nd,z\ne,x\nf,\n", "csv", "t.csv");
    const auto d = labelDistribution(train, "label");
    QCOMPARE(d.rows, int64_t(5));
    QCOMPARE(d.skipped, int64_t(1));
    QCOMPARE(d.counts, (std::vector<std::pair<std::string, int64_t>>{{"x", 3}, {"y", 1}, {"z", 1}}));
    QCOMPARE(d.majority_label, std::string("x"));
    QCOMPARE(d.majority_fraction, 0.6);
    const TableFile dev = parseTable("text,label\na,y\nb,x\nc,y\nd,y\n", "csv", "d.csv");
    QCOMPARE(constantPredictionAccuracy(dev, "label", "x"), 0.25);
    QCOMPARE(expectError([&] { labelDistribution(dev, "gold"); }).location(), std::string("d.csv:1"));
  }

  void generationJsonlWithSeveralReferences() {
    const std::string dir = tmp_.path().toStdString() + "/gen";
    writeFile(dir + "/train.jsonl",
              "{\"mr\": \"name[A]\", \"ref\": \"A is here.\", \"ref2\": [\"There is A.\", \"A.\"]}\n"
              "{\"mr\": \"name[B]\", \"ref\": \"B.\"}\n"
              "{\"mr\": \"name[A]\", \"ref\": \"Again A.\"}\n"
              "{\"mr\": \"name[C]\", \"ref\": 3}\n");
    TaskConfig t = parseRunConfig({{"model", {{"path", "m"}}},
                                   {"task",
                                    {{"name", "mr2text"},
                                     {"type", "generation"},
                                     {"data_dir", dir},
                                     {"train_file", "train.jsonl"},
                                     {"dev_file", "train.jsonl"},
                                     {"input_column", "mr"},
                                     {"reference_columns", {"ref", "ref2"}},
                                     {"bad_rows", "skip"}}}})
                       .task;
    QVERIFY(isGenerationTask(t));
    QCOMPARE(primaryMetricOf(t), std::string("bleu"));
    const NlgDataset d = loadGenerationFile(t, dir + "/train.jsonl");
    QCOMPARE(d.pairs.size(), size_t(5));
    const auto items = groupByInput(d.pairs);
    QCOMPARE(items.size(), size_t(2));
    QCOMPARE(items[0].input, std::string("name[A]"));
    QCOMPARE(items[0].references,
             (std::vector<std::string>{"A is here.", "There is A.", "A.", "Again A."}));
    QCOMPARE(items[1].references, (std::vector<std::string>{"B."}));
    auto e = expectError([&] { loadOwnNlgFile(t, dir + "/train.jsonl", BadRowsPolicy::Fail); });
    QCOMPARE(e.location(), dir + "/train.jsonl:4");
    QVERIFY2(std::string(e.what()).find("column \"ref\" must hold a string or an array of strings, got number") !=
                 std::string::npos,
             e.what());
    // the text rule of every loader (exampleTextProblem) holds for the input and each reference,
    // inside an array too: a bad row naming the line and the column
    writeFile(dir + "/long.jsonl",
              "{\"mr\": \"name[A]\", \"ref\": \"A.\"}\n"
              "{\"mr\": \"" + std::string(kMaxExampleTextBytes + 1, 'm') + "\", \"ref\": \"B.\"}\n"
              "{\"mr\": \"name[C]\", \"ref\": \"C.\", \"ref2\": [\"C!\", \"" + std::string(kMaxExampleTextBytes + 1, 'r') +
                  "\"]}\n"
              "{\"mr\": \"name[D]\", \"ref\": \"" + std::string(kMaxExampleTextBytes, 'r') + "\"}\n");
    e = expectError([&] { loadOwnNlgFile(t, dir + "/long.jsonl", BadRowsPolicy::Fail); });
    QCOMPARE(e.location(), dir + "/long.jsonl:2");
    QCOMPARE(e.message(), std::string("column \"mr\" is 1048577 bytes, more than the limit of 1048576 bytes for one "
                                      "example's text (split or shorten it)"));
    const NlgDataset long_skipped = loadOwnNlgFile(t, dir + "/long.jsonl", BadRowsPolicy::Skip);
    QCOMPARE(long_skipped.pairs.size(), size_t(2));  // lines 1 and 4 (a reference at the limit is kept)
    QCOMPARE(long_skipped.pairs[1].reference.size(), kMaxExampleTextBytes);
    e = expectError([&] {
      writeFile(dir + "/long2.jsonl", "{\"mr\": \"name[C]\", \"ref\": \"C.\", \"ref2\": [\"C!\", \"" +
                                          std::string(kMaxExampleTextBytes + 1, 'r') + "\"]}\n");
      loadOwnNlgFile(t, dir + "/long2.jsonl", BadRowsPolicy::Fail);
    });
    QCOMPARE(e.location(), dir + "/long2.jsonl:1");
    QVERIFY2(e.message().rfind("a reference in column \"ref2\" is 1048577 bytes, more than the limit", 0) == 0,
             e.what());
  }

  void macroAndMicroF1ByHand() {
    // preds 0 0 1 2, labels 0 1 1 1: class 0 TP1 FP1 FN0 -> 2/3; class 1 TP1 FP0 FN2 -> 1/2;
    // class 2 TP0 FP1 -> 0. macro = (2/3 + 1/2 + 0) / 3; micro = 2*2 / (4 + 2 + 2) = accuracy 0.5.
    const std::vector<int64_t> p = {0, 0, 1, 2}, l = {0, 1, 1, 1};
    QVERIFY(std::abs(macroF1(p, l) - (2.0 / 3 + 0.5) / 3) < 1e-12);
    QCOMPARE(microF1(p, l), 0.5);
    QCOMPARE(accuracy(p, l), 0.5);
    TaskConfig t;
    t.name = "mine";
    t.type = "classification";
    t.labels = {"a", "b", "c"};
    t.metric = "macro_f1";
    const auto m = computeGlueMetrics(taskSpecOf(t), p, l);
    QCOMPARE(m.size(), size_t(4));
    QVERIFY(std::abs(m.at("macro_f1") - 0.388888888888889) < 1e-12);
    QCOMPARE(m.at("micro_f1"), 0.5);
  }

 private:
  QTemporaryDir tmp_;
};

QTEST_GUILESS_MAIN(TestOwnTask)
#include "test_own_task.moc"
