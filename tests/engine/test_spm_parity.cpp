// Parity of the engine's SentencePiece tokenizer with libsentencepiece (the reference).
// This suite links libsentencepiece and NOT LibTorch: the two cannot share a process on Debian
// (libsentencepiece bundles protobuf-lite 3.14 with exported symbols, LibTorch loads
// libprotobuf 3.21), which is why the engine carries its own implementation.
#include <QtTest/QtTest>
#include <sentencepiece_processor.h>

#include <fstream>
#include <random>

#include "test_support.h"
#include "tokenizer/sentencepiece_tokenizer.h"

using namespace adamix;

class TestSpmParity : public QObject {
  Q_OBJECT
 private:
  std::string model_;
  sentencepiece::SentencePieceProcessor ref_;

  std::vector<std::string> corpus() {
    std::vector<std::string> lines = {"",
                                      " ",
                                      "   ",
                                      "Once upon a time",
                                      "  leading and  double   spaces  ",
                                      "trailing space ",
                                      "tabs\tand\nnewlines\r\n",
                                      "caf\xC3\xA9 na\xC3\xAFve \xE6\x97\xA5\xE6\x9C\xAC\xE8\xAA\x9E \xF0\x9F\x98\x80",
                                      "bad utf8 \xFF\xFE abc \xC3",
                                      "\xC3",
                                      "\xE2\x96\x81 literal meta \xE2\x96\x81\xE2\x96\x81x",
                                      "<s> </s> <unk> <pad> <0x41>",
                                      "replacement \xEF\xBF\xBD char",
                                      "\xED\xA0\x80 surrogate",
                                      "overlong \xC0\xAF",
                                      "numbers 1234567890 3.14",
                                      "ALL CAPS SHOUTING!!!",
                                      "a",
                                      ".",
                                      "\xE2\x84\xA2",
                                      "Lily and Tom played with a big red ball.",
                                      "\"quoted\" 'single' (paren) [brack] {brace} ~tilde~"};
    const std::string glue = test::sharedPath("data/glue");
    if (!glue.empty()) {
      for (const char* f : {"SST-2/dev.tsv", "RTE/dev.tsv", "CoLA/dev.tsv", "MRPC/dev.tsv", "STS-B/dev.tsv",
                            "WNLI/dev.tsv", "RTE/train.tsv"}) {
        std::ifstream in(glue + "/" + f);
        std::string line;
        while (std::getline(in, line)) lines.push_back(line);  // whole rows: tabs, digits, quotes
      }
    }
    return lines;
  }

 private Q_SLOTS:
  void initTestCase() {
    const auto dir = test::sharedPath("models/stories260K");
    if (dir.empty()) QSKIP("shared models/stories260K not available");
    model_ = dir + "/tokenizer.model";
    QVERIFY(ref_.Load(model_).ok());
  }

  void encodeMatchesLibsentencepiece() {
    SentencePieceTokenizer tok(model_);
    QCOMPARE(tok.vocabSize(), int64_t(ref_.GetPieceSize()));
    QCOMPARE(tok.bosId(), int64_t(ref_.bos_id()));
    QCOMPARE(tok.eosId(), int64_t(ref_.eos_id()));
    size_t n = 0;
    for (const auto& s : corpus()) {
      std::vector<int> want;
      QVERIFY(ref_.Encode(s, &want).ok());
      const auto got = tok.encode(s);
      QVERIFY2(std::vector<int64_t>(want.begin(), want.end()) == got, ("encode differs for: " + s).c_str());
      std::string want_text;
      QVERIFY(ref_.Decode(want, &want_text).ok());
      QVERIFY2(tok.decode(got) == want_text, ("decode differs for: " + s).c_str());
      ++n;
    }
    qInfo("compared %zu strings", n);
  }

  void decodeMatchesOnRandomIds() {
    SentencePieceTokenizer tok(model_);
    std::mt19937 rng(1234);
    std::uniform_int_distribution<int> id(0, ref_.GetPieceSize() - 1), len(1, 12);
    for (int i = 0; i < 5000; ++i) {
      std::vector<int> ids(len(rng));
      for (auto& x : ids) x = id(rng);
      if (i % 3 == 0) ids[0] = 3 + (i % 256);  // start with byte pieces often
      std::string want;
      QVERIFY(ref_.Decode(ids, &want).ok());
      QVERIFY2(tok.decode(std::vector<int64_t>(ids.begin(), ids.end())) == want,
               ("decode differs at sample " + std::to_string(i)).c_str());
    }
    for (int i = 0; i < ref_.GetPieceSize(); ++i) {
      QCOMPARE(tok.piece(i), ref_.IdToPiece(i));
      std::string want;
      QVERIFY(ref_.Decode(std::vector<int>{i}, &want).ok());
      QCOMPARE(tok.decode({i}), want);
    }
  }
};

QTEST_GUILESS_MAIN(TestSpmParity)
#include "test_spm_parity.moc"
