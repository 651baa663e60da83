// NLG dataset parsers (E2E, WebNLG 2017, DART), grouping and the seeded split by distinct input.
#include <QtTest/QtTest>

#include <filesystem>
#include <set>
#include <unistd.h>

#include "data/field_text.h"
#include "data/nlg_data.h"
#include "io/errors.h"
#include "test_support.h"

using namespace adamix;

namespace {
std::string tmpFile(const std::string& name, const std::string& content) {
  const auto dir = std::filesystem::temp_directory_path() / ("adamix_nlg_" + std::to_string(::getpid()));
  const auto p = (dir / name).string();
  test::writeFile(p, content);
  return p;
}
/// The error f throws as "location: message" ("<no error>" when none).
template <class F>
std::string errorOf(F&& f) {
  try {
    f();
  } catch (const EngineError& e) {
    return e.what();
  }
  return "<no error>";
}
template <class F>
QString errorLocation(F&& f) {
  try {
    f();
  } catch (const EngineError& e) {
    return QString::fromStdString(e.location());
  }
  return QStringLiteral("<no error>");
}
}  // namespace

class TestNlgData : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void e2eSmallFile() {
    const auto p = tmpFile("e2e.txt",
                           "name : A | food : Thai||A serves Thai food . \r\n"
                           "name : A | food : Thai||Thai food at A .\n\n"
                           "name : B | area : riverside||B is by the river .\n");
    const auto d = loadE2E(p);
    QCOMPARE(d.pairs.size(), size_t(3));
    QCOMPARE(QString::fromStdString(d.pairs[0].reference), QStringLiteral("A serves Thai food ."));
    QCOMPARE(d.pairs[2].line, 4);
    const auto items = groupByInput(d.pairs);
    QCOMPARE(items.size(), size_t(2));
    QCOMPARE(items[0].references.size(), size_t(2));
    QCOMPARE(QString::fromStdString(items[1].input), QStringLiteral("name : B | area : riverside"));
  }

  void e2eBadLinesNameFileAndLine() {
    const auto p = tmpFile("bad.txt", "name : A||ok .\nno separator here\n");
    QCOMPARE(errorLocation([&] { loadE2E(p); }), QString::fromStdString(p + ":2"));
    const auto q = tmpFile("bad2.txt", "name : A||ok .\nname : B||   \n");
    QCOMPARE(errorLocation([&] { loadE2E(q); }), QString::fromStdString(q + ":2"));
    QCOMPARE(errorLocation([&] { loadE2E(p + ".missing"); }), QString::fromStdString(p + ".missing"));
  }

  void webnlgSmallFile() {
    const auto p =
        tmpFile("webnlg.json",
                "{\"entries\": [\n"
                "      {\"1\": {\"category\": \"Airport\", \"modifiedtripleset\": [{\"subject\": \"Aarhus_Airport\", "
                "\"property\": \"cityServed\", \"object\": \"\\\"Aarhus, Denmark\\\"\"}],\n"
                "             \"lexicalisations\": [{\"comment\": \"good\", \"lex\": \"Aarhus Airport serves "
                "Aarhus.\"}, {\"comment\": \"bad\", \"lex\": \"x\"}]}},\n"
                "      {\"2\": {\"category\": \"Artist\", \"modifiedtripleset\": [{\"subject\": \"A\", \"property\": "
                "\"p\", \"object\": \"B\"}, {\"subject\": \"A\", \"property\": \"q\", \"object\": \"C_D\"}],\n"
                "             \"lexicalisations\": [{\"comment\": \"good\", \"lex\": \"A p B and q C D.\"}]}}]}");
    const auto d = loadWebNLG(p);
    QCOMPARE(d.pairs.size(), size_t(2));
    QCOMPARE(QString::fromStdString(d.pairs[0].input), QStringLiteral("Aarhus Airport : cityServed : Aarhus, Denmark"));
    QCOMPARE(QString::fromStdString(d.pairs[1].input), QStringLiteral("A : p : B | A : q : C D"));
    const auto items = groupByInput(d.pairs);
    QVERIFY(items[0].seen);
    QVERIFY(!items[1].seen);  // Artist is a WebNLG 2017 unseen category
  }

  void webnlgBadInputNamesJsonPath() {
    const auto p = tmpFile("webnlg_bad.json",
                           "{\"entries\": [{\"1\": {\"category\": \"Food\", \"modifiedtripleset\": [{\"subject\": "
                           "\"A\", \"object\": \"B\"}], \"lexicalisations\": []}}]}");
    QCOMPARE(errorLocation([&] { loadWebNLG(p); }),
             QString::fromStdString(p + ":/entries/0/1/modifiedtripleset/0/property"));
    const auto q = tmpFile("webnlg_bad2.json", "{\"entries\": [");
    QCOMPARE(errorLocation([&] { loadWebNLG(q); }), QString::fromStdString(q));
  }

  void dartSmallFileAndBadInput() {
    const auto p = tmpFile(
        "dart.json",
        "[{\"tripleset\": [[\"Mars Hill College\", \"JOINED\", \"1973\"]], \"annotations\": [{\"source\": \"x\", "
        "\"text\": \"Mars Hill College joined in 1973.\"}, {\"source\": \"y\", \"text\": \"In 1973 it joined.\"}]}]");
    const auto d = loadDart(p);
    QCOMPARE(d.pairs.size(), size_t(2));
    QCOMPARE(QString::fromStdString(d.pairs[0].input), QStringLiteral("Mars Hill College : JOINED : 1973"));
    const auto q = tmpFile("dart_bad.json",
                           "[{\"tripleset\": [[\"a\", \"b\", \"c\"]], \"annotations\": [{\"text\": \"ok\"}]}, "
                           "{\"tripleset\": [[\"a\", \"b\"]], \"annotations\": []}]");
    QCOMPARE(errorLocation([&] { loadDart(q); }), QString::fromStdString(q + ":/1/tripleset/0"));
  }

  // A bad-input review: the GLUE and own-dataset loaders refused a text over 1 MiB (tokenizing
  // costs ~90 bytes per byte at once) or not UTF-8 as a bad row, the E2E / WebNLG / DART loaders
  // took either. Now every NLG loader applies the same rule (exampleTextProblem) to the input and
  // to each reference, naming the file and the line (E2E) or the record (JSON path).
  void textOverTheLimitOrNotUtf8NamesFileAndRecord() {
    const std::string longest(kMaxExampleTextBytes, 'a'), over(kMaxExampleTextBytes + 1, 'a');
    const std::string limit_msg = " is 1048577 bytes, more than the limit of 1048576 bytes for one example's text "
                                  "(split or shorten it)";
    // E2E: the MR and the reference of a line, each at the limit (kept) and one byte over it
    const auto ok = tmpFile("e2e_limit.txt", longest + "||r .\nname : A||" + longest + "\n");
    const auto kept = loadE2E(ok);
    QCOMPARE(kept.pairs.size(), size_t(2));
    QCOMPARE(kept.pairs[0].input.size(), kMaxExampleTextBytes);
    QCOMPARE(kept.pairs[1].reference.size(), kMaxExampleTextBytes);
    const auto mr = tmpFile("e2e_mr.txt", "name : A||ok .\n\n" + over + "||r .\n");
    QCOMPARE(QString::fromStdString(errorOf([&] { loadE2E(mr); })),
             QString::fromStdString(mr + ":3: meaning representation" + limit_msg));
    const auto ref = tmpFile("e2e_ref.txt", "name : A||" + over + "\n");
    QCOMPARE(QString::fromStdString(errorOf([&] { loadE2E(ref); })),
             QString::fromStdString(ref + ":1: reference" + limit_msg));
    // Latin-1 "café" in a reference, and a lone continuation byte in an MR
    const auto latin1 = tmpFile("e2e_latin1.txt", "name : A||ok .\nname : B||B has a caf\xE9 .\n");
    QCOMPARE(QString::fromStdString(errorOf([&] { loadE2E(latin1); })),
             QString::fromStdString(latin1 + ":2: reference is not valid UTF-8 (save the file as UTF-8)"));
    const auto cont = tmpFile("e2e_cont.txt", "name : \x80||ok .\n");
    QCOMPARE(QString::fromStdString(errorOf([&] { loadE2E(cont); })),
             QString::fromStdString(cont + ":1: meaning representation is not valid UTF-8 (save the file as UTF-8)"));

    // WebNLG: a kept lexicalisation, and an input whose triples linearise to more than 1 MiB
    // (a lexicalisation not marked "good" is not used, so not checked)
    auto webnlg = [](const std::string& object, const std::string& lex) {
      return "{\"entries\": [{\"7\": {\"category\": \"Food\", \"modifiedtripleset\": [{\"subject\": \"A\", "
             "\"property\": \"p\", \"object\": \"" + object + "\"}], \"lexicalisations\": [{\"comment\": \"bad\", "
             "\"lex\": \"" + std::string(kMaxExampleTextBytes + 1, 'x') + "\"}, {\"comment\": \"good\", \"lex\": \"" +
             lex + "\"}]}}]}";
    };
    const auto wlex = tmpFile("webnlg_long_lex.json", webnlg("B", over));
    QCOMPARE(QString::fromStdString(errorOf([&] { loadWebNLG(wlex); })),
             QString::fromStdString(wlex + ":/entries/0/7/lexicalisations/1/lex: lex" + limit_msg));
    // "A : p : " is 8 bytes: an object of kMaxExampleTextBytes - 8 bytes puts the input at the limit
    const auto wat = tmpFile("webnlg_at_limit.json", webnlg(std::string(kMaxExampleTextBytes - 8, 'o'), longest));
    const auto wk = loadWebNLG(wat);
    QCOMPARE(wk.pairs.size(), size_t(1));
    QCOMPARE(wk.pairs[0].input.size(), kMaxExampleTextBytes);
    QCOMPARE(wk.pairs[0].reference.size(), kMaxExampleTextBytes);
    const auto win = tmpFile("webnlg_long_input.json", webnlg(std::string(kMaxExampleTextBytes - 7, 'o'), "A p."));
    QCOMPARE(QString::fromStdString(errorOf([&] { loadWebNLG(win); })),
             QString::fromStdString(win + ":/entries/0/7/modifiedtripleset: the linearised input" + limit_msg));
    // text that is not UTF-8 never reaches the loader: the JSON parser refuses the file, naming it,
    // the line and the column
    const auto wbad = tmpFile("webnlg_latin1.json", webnlg("B", "caf\xE9"));
    const std::string werr = errorOf([&] { loadWebNLG(wbad); });
    QVERIFY2(werr.rfind(wbad + ": invalid JSON: ", 0) == 0, werr.c_str());
    QVERIFY2(werr.find("ill-formed UTF-8 byte") != std::string::npos && werr.find("line 1, column") != std::string::npos,
             werr.c_str());

    // DART: an annotation's text, and the input
    auto dart = [](const std::string& object, const std::string& text) {
      return "[{\"tripleset\": [[\"a\", \"b\", \"c\"]], \"annotations\": [{\"text\": \"ok\"}]}, {\"tripleset\": "
             "[[\"A\", \"p\", \"" + object + "\"]], \"annotations\": [{\"text\": \"fine\"}, {\"source\": \"s\", "
             "\"text\": \"" + text + "\"}]}]";
    };
    const auto dtext = tmpFile("dart_long_text.json", dart("B", over));
    QCOMPARE(QString::fromStdString(errorOf([&] { loadDart(dtext); })),
             QString::fromStdString(dtext + ":/1/annotations/1/text: text" + limit_msg));
    const auto dat = tmpFile("dart_at_limit.json", dart(std::string(kMaxExampleTextBytes - 8, 'o'), longest));
    const auto dk = loadDart(dat);
    QCOMPARE(dk.pairs.size(), size_t(3));
    QCOMPARE(dk.pairs[2].input.size(), kMaxExampleTextBytes);
    QCOMPARE(dk.pairs[2].reference.size(), kMaxExampleTextBytes);
    const auto din = tmpFile("dart_long_input.json", dart(std::string(kMaxExampleTextBytes - 7, 'o'), "A p."));
    QCOMPARE(QString::fromStdString(errorOf([&] { loadDart(din); })),
             QString::fromStdString(din + ":/1/tripleset: the linearised input" + limit_msg));
    const auto dbad = tmpFile("dart_latin1.json", dart("B", "caf\xE9"));
    const std::string derr = errorOf([&] { loadDart(dbad); });
    QVERIFY2(derr.rfind(dbad + ": invalid JSON: ", 0) == 0, derr.c_str());
    QVERIFY2(derr.find("ill-formed UTF-8 byte") != std::string::npos, derr.c_str());
  }

  void realDevFiles() {
    const auto e2e = test::sharedPath("data/nlg/e2e/valid.txt");
    if (e2e.empty()) QSKIP("shared data not available");
    const auto e = loadE2E(e2e);
    QCOMPARE(e.pairs.size(), size_t(4672));
    QCOMPARE(groupByInput(e.pairs).size(), size_t(547));
    const auto w = loadWebNLG(test::sharedPath("data/nlg/webnlg_challenge_2017/dev.json"));
    // 2268 lexicalisations in 872 entries (DATA.md), of which 2258 are marked "good"; one entry
    // has no good lexicalisation, so 871 entries give training/evaluation pairs.
    QCOMPARE(w.entries, int64_t(872));
    QCOMPARE(w.annotations, int64_t(2268));
    QCOMPARE(w.pairs.size(), size_t(2258));
    std::set<int> entries;
    for (const auto& p : w.pairs) entries.insert(p.line);
    QCOMPARE(entries.size(), size_t(871));
    const auto d = loadDart(test::sharedPath("data/nlg/dart/dart-v1.1.1-full-dev.json"));
    QCOMPARE(d.entries, int64_t(2768));
    QCOMPARE(d.annotations, int64_t(6980));
    QCOMPARE(d.pairs.size(), size_t(6980));
    std::set<int> dentries;
    for (const auto& p : d.pairs) dentries.insert(p.line);
    QCOMPARE(dentries.size(), size_t(2768));
  }

  void splitByInputIsDisjointAndSeeded() {
    std::vector<NlgPair> pairs;
    for (int i = 0; i < 40; ++i)
      for (int r = 0; r <= i % 3; ++r) pairs.push_back({"mr " + std::to_string(i), "ref " + std::to_string(r), "", i});
    const auto items = groupByInput(pairs);
    const auto a = splitByInput(items, 10, 7), b = splitByInput(items, 10, 7), c = splitByInput(items, 10, 8);
    QCOMPARE(a.dev.size(), size_t(10));
    QCOMPARE(a.train.size(), size_t(30));
    std::set<std::string> dev;
    for (const auto& x : a.dev) dev.insert(x.input);
    for (const auto& x : a.train) QVERIFY(!dev.count(x.input));
    for (size_t i = 0; i < a.dev.size(); ++i) QCOMPARE(a.dev[i].input, b.dev[i].input);
    bool differs = false;
    for (size_t i = 0; i < a.dev.size(); ++i) differs |= a.dev[i].input != c.dev[i].input;
    QVERIFY(differs);
    QCOMPARE(errorLocation([&] { splitByInput(items, 40, 1); }), QStringLiteral("/task/dev_items"));
  }
};

QTEST_GUILESS_MAIN(TestNlgData)
#include "test_nlg_data.moc"
