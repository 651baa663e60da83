// SentencePiece tokenizer on stories260K's tokenizer.model, and loader errors.
#include <QtTest/QtTest>

#include <filesystem>

#include "io/errors.h"
#include "test_support.h"
#include "tokenizer/sentencepiece_tokenizer.h"
#include "tokenizer/tokenizer.h"

using namespace adamix;
namespace fs = std::filesystem;

class TestTokenizer : public QObject {
  Q_OBJECT
 private:
  std::string dir_;
  QTemporaryDir tmp_;

 private Q_SLOTS:
  void initTestCase() { dir_ = test::sharedPath("models/stories260K"); }

  void exactIds() {
    if (dir_.empty()) QSKIP("shared models/stories260K not available");
    auto tok = loadTokenizer(dir_, 512);
    QCOMPARE(tok->kind(), std::string("sentencepiece"));
    QCOMPARE(tok->vocabSize(), int64_t(512));
    QCOMPARE(tok->bosId(), int64_t(1));
    QCOMPARE(tok->eosId(), int64_t(2));
    QCOMPARE(tok->padId(), int64_t(0));  // the model defines no pad: 0, masked anyway
    // Expected ids were produced once with libsentencepiece 0.1.97 (SentencePieceProcessor::Encode;
    // spm_encode is not installed here): ▁Once ▁upon ▁a ▁time / ▁Lily ▁and ▁T om ▁play ed ...
    QCOMPARE(tok->encode("Once upon a time"), (std::vector<int64_t>{403, 407, 261, 378}));
    QCOMPARE(tok->encode("Lily and Tom played with a big red ball."),
             (std::vector<int64_t>{317, 269, 274, 287, 337, 266, 335, 261, 370, 352, 266, 268, 388, 426}));
    QVERIFY(tok->encode("").empty());
    auto* sp = dynamic_cast<SentencePieceTokenizer*>(tok.get());
    QVERIFY(sp);
    QCOMPARE(sp->piece(403), std::string("\xE2\x96\x81Once"));
  }

  void decodeRoundTripAndSpecials() {
    if (dir_.empty()) QSKIP("shared models/stories260K not available");
    auto tok = loadTokenizer(dir_, 512);
    const std::string s = "Lily and Tom played with a big red ball.";
    QCOMPARE(tok->decode(tok->encode(s)), s);
    std::vector<int64_t> with_specials = {1, 403, 407, 261, 378, 2};
    QCOMPARE(tok->decode(with_specials), std::string("Once upon a time"));
    auto t = tok->pairTemplate();
    QCOMPARE(t.prefix, std::vector<int64_t>{1});
    QCOMPARE(t.middle, std::vector<int64_t>{2});
    QCOMPARE(t.suffix, std::vector<int64_t>{2});
    QVERIFY_EXCEPTION_THROWN(tok->decode({512}), EngineError);
    QVERIFY_EXCEPTION_THROWN(tok->decode({-1}), EngineError);
  }

  void vocabMismatch() {
    if (dir_.empty()) QSKIP("shared models/stories260K not available");
    try {
      loadTokenizer(dir_, 1000);
      QFAIL("no error");
    } catch (const EngineError& e) {
      QVERIFY(e.kind() == ErrorKind::Model);
      const std::string w = e.what();
      QVERIFY2(w.find("512") != std::string::npos && w.find("1000") != std::string::npos, w.c_str());
      QVERIFY2(e.location().find("tokenizer.model") != std::string::npos, w.c_str());
    }
  }

  void missingAndCorruptFiles() {
    const std::string empty_dir = (fs::path(tmp_.path().toStdString()) / "empty").string();
    fs::create_directories(empty_dir);
    try {
      loadTokenizer(empty_dir, 0);
      QFAIL("no error");
    } catch (const EngineError& e) {
      QVERIFY(e.kind() == ErrorKind::Model);
      QVERIFY2(std::string(e.what()).find("tokenizer.model") != std::string::npos, e.what());
    }
    const std::string bad_dir = (fs::path(tmp_.path().toStdString()) / "bad").string();
    test::writeFile(bad_dir + "/tokenizer.model", "this is not a protobuf \x01\x02\x03");
    try {
      loadTokenizer(bad_dir, 0);
      QFAIL("no error");
    } catch (const EngineError& e) {
      QVERIFY(e.kind() == ErrorKind::Model);
      QVERIFY2(e.location().find("bad/tokenizer.model") != std::string::npos, e.what());
    }
    const std::string vocab_dir = (fs::path(tmp_.path().toStdString()) / "wp").string();
    test::writeFile(vocab_dir + "/vocab.txt", "[PAD]\n");
    try {
      loadTokenizer(vocab_dir, 0);
      QFAIL("no error");
    } catch (const EngineError& e) {
      // A WordPiece vocabulary without its unknown token cannot tokenize (test_hf_tokenizers has the rest).
      QVERIFY2(std::string(e.what()).find("'[UNK]' not in the vocabulary") != std::string::npos, e.what());
    }
  }
};

QTEST_GUILESS_MAIN(TestTokenizer)
#include "test_tokenizer.moc"
