// NLG metrics against values worked out by hand from the published definitions (the computation
// is written next to each expectation).
#include <QtTest/QtTest>

#include <cmath>

#include "io/errors.h"
#include "metrics/nlg_metrics.h"

using namespace adamix;

namespace {
bool near(double a, double b, double tol = 1e-9) { return std::fabs(a - b) <= tol; }
#define QNEAR(a, b) \
  QVERIFY2(near((a), (b), 1e-9), qPrintable(QStringLiteral("%1 vs %2").arg((a), 0, 'g', 12).arg((b), 0, 'g', 12)))
}  // namespace

class TestNlgMetrics : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void mtevalTokenisation() {
    // lower-case; "," after a letter split; "!" split; "'" kept; "3.5" kept (digit on both sides);
    // "-" after a digit split; final "." split.
    const Tokens expect = {"hello", ",", "world", "!", "it's", "3.5", "-", "star", "."};
    QCOMPARE(mtevalTokenize("Hello, World! It's 3.5-star."), expect);
    QCOMPARE(mtevalTokenize("a &quot;b&quot;"), (Tokens{"a", "\"", "b", "\""}));
  }

  void bleuSingleSegmentMultiReference() {
    // hyp "the cat sat on the mat" (c = 6); refs "the cat sat on a mat" (6), "there is a cat on the mat" (7).
    // clipped 1-grams: the (hyp 2, max ref 1) -> 1, cat, sat, on, mat -> 5/6
    // 2-grams: the cat, cat sat, sat on (ref 1), on the, the mat (ref 2) -> 5/5
    // 3-grams: the cat sat, cat sat on (ref 1), on the mat (ref 2); sat on the no -> 3/4
    // 4-grams: the cat sat on (ref 1); cat sat on the, sat on the mat no -> 1/3
    // r = shortest ref = 6 = c -> BP 1; BLEU = (5/6 · 1 · 3/4 · 1/3)^(1/4)
    const double b = corpusBleu({"the cat sat on the mat"}, {{"the cat sat on a mat", "there is a cat on the mat"}});
    QNEAR(b, std::pow(5.0 / 6 * 3.0 / 4 * 1.0 / 3, 0.25));
  }

  void bleuCorpusBrevityPenalty() {
    // segment 1 as above; segment 2 hyp "a b c d" ref "a b c d e f": matches 4/4, 3/3, 2/2, 1/1.
    // corpus: p1 = 9/10, p2 = 8/8, p3 = 5/6, p4 = 2/4; c = 10, r = 6 + 6 = 12
    // BLEU = exp(1 − 12/10) · (9/10 · 1 · 5/6 · 1/2)^(1/4)
    const double b = corpusBleu({"the cat sat on the mat", "a b c d"},
                                {{"the cat sat on a mat", "there is a cat on the mat"}, {"a b c d e f"}});
    QNEAR(b, std::exp(-0.2) * std::pow(0.9 * 5.0 / 6 * 0.5, 0.25));
    // No 4-gram match anywhere -> 0 (mteval's cumulative score is 0).
    QCOMPARE(corpusBleu({"a b c"}, {{"a b c"}}), 0.0);
    QCOMPARE(corpusBleu({"a b c d"}, {{"a b c d"}}), 1.0);
  }

  void nistHandWorked() {
    // refs "a b" and "a c": counts a 2, b 1, c 1, "a b" 1, "a c" 1; 4 reference words.
    // info(a) = log2(4/2) = 1, info(b) = info(c) = log2(4/1) = 2, info(a b) = info(a c) = log2(2/1) = 1.
    // hyps "a b", "a": matched 1-gram info 1 + 2 + 1 = 4 over 3 hyp 1-grams; 2-gram info 1 over 1.
    // score = 4/3 + 1 = 7/3; c = 3, mean ref length sum r̄ = 2 + 2 = 4, ratio 0.75;
    // β = −ln 0.5 / ln² 1.5; penalty = exp(−β ln² 0.75).
    const double beta = -std::log(0.5) / std::pow(std::log(1.5), 2);
    const double expect = 7.0 / 3.0 * std::exp(-beta * std::pow(std::log(0.75), 2));
    QNEAR(corpusNist({"a b", "a"}, {{"a b"}, {"a c"}}), expect);
    // identical single segment "a b": info(a) = info(b) = 1, info(a b) = 0 -> (1+1)/2 + 0 = 1.
    QNEAR(corpusNist({"a b"}, {{"a b"}}), 1.0);
  }

  void meteorHandWorked() {
    // hyp "the cat sat on the mat", ref "on the mat the cat sat": 6 exact matches, fewest chunks 2
    // ("the cat sat" -> ref 3..5, "on the mat" -> ref 0..2). P = R = 1, Fmean = 1;
    // penalty = 0.6 · (2/6)^0.2; METEOR = 1 − penalty.
    QNEAR(corpusMeteor({"the cat sat on the mat"}, {{"on the mat the cat sat"}}), 1 - 0.6 * std::pow(2.0 / 6, 0.2));
    // identical -> fragmentation 0 -> 1 (Meteor 1.5 special case).
    QNEAR(corpusMeteor({"a b c"}, {{"a b c"}}), 1.0);
    // hyp "the the cat", ref "the cat": best alignment leaves the first "the" unmatched: m = 2,
    // chunks 1; P = 2/3, R = 1; Fmean = P·R/(0.85 P + 0.15 R); penalty 0.6 · (1/2)^0.2.
    const double p = 2.0 / 3, r = 1.0;
    QNEAR(corpusMeteor({"the the cat"}, {{"x y z", "the cat"}}),
          p * r / (0.85 * p + 0.15 * r) * (1 - 0.6 * std::pow(0.5, 0.2)));
  }

  void rougeLMaxOverReferences() {
    // hyp "the cat sat on the mat" (6). ref 1 "the cat was on the mat": LCS 5 -> P 5/6, R 5/6.
    // ref 2 "cat sat": LCS 2 -> P 2/6, R 1. P_max = 5/6, R_max = 1 (taken independently, as
    // pycocoevalcap); F = (1 + 1.44)·P·R / (R + 1.44·P).
    const double P = 5.0 / 6, R = 1.0;
    QNEAR(corpusRougeL({"the cat sat on the mat"}, {{"the cat was on the mat", "cat sat"}}),
          2.44 * P * R / (R + 1.44 * P));
    // corpus = mean of segments: second segment with no overlap scores 0.
    QNEAR(corpusRougeL({"a b", "x"}, {{"a b"}, {"y"}}), 0.5);
  }

  void ciderDHandWorked() {
    // N = 2 segments. df: a, b, "a b" (segment 1), c, e, "c e" (segment 2) -> 1 each; unseen
    // n-grams df 0 -> max(1, 0) = 1. idf of everything = ln 2 − ln 1 = ln 2 (call it L).
    // seg 1 hyp "a b" ref "a b": n=1 cosine (2L²)/(√2L·√2L) = 1, n=2 1, n=3,4 0 (empty);
    //   bigram lengths equal -> score = (1 + 1)/4 · 10 = 5.
    // seg 2 hyp "c d f" ref "c e": n=1 clipped dot L² / (√3L · √2L) = 1/√6; n≥2 0; bigram
    //   lengths 2 vs 1 -> δ = 1, gaussian exp(−1/72); score = (1/√6) e^(−1/72) / 4 · 10.
    // corpus = mean.
    const double s2 = 1.0 / std::sqrt(6.0) * std::exp(-1.0 / 72.0) / 4.0 * 10.0;
    QNEAR(corpusCiderD({"a b", "c d f"}, {{"a b"}, {"c e"}}), (5.0 + s2) / 2.0);
  }

  void terHandWorked() {
    // hyp "a b c d" -> ref "c d a b": Levenshtein 4, but one shift of "c d" to the front makes
    // them equal: 1 edit / 4 reference words.
    QCOMPARE(editDistance({"a", "b", "c", "d"}, {"c", "d", "a", "b"}), 4);
    QNEAR(corpusTer({"a b c d"}, {{"c d a b"}}), 0.25);
    // plus "the cat sat" -> "the cat sat down" (1 insertion): corpus (1 + 1) / (4 + 4).
    QNEAR(corpusTer({"a b c d", "the cat sat"}, {{"c d a b"}, {"the cat sat down"}}), 0.25);
    // multi-reference: min edits over refs (1), divided by the mean reference length (3 + 1)/2.
    QNEAR(corpusTer({"x y"}, {{"x y z", "x"}}), 0.5);
  }

  void taskMetricSetsAndErrors() {
    const auto e2e = computeNlgMetrics("e2e", {"a b c d"}, {{"a b c d"}});
    for (const char* k : {"bleu", "nist", "meteor", "rouge_l", "cider"}) QVERIFY(e2e.count(k));
    QCOMPARE(e2e.size(), size_t(5));
    QCOMPARE(computeNlgMetrics("webnlg", {"a"}, {{"a"}}).size(), size_t(3));  // bleu, meteor, ter
    QVERIFY(computeNlgMetrics("webnlg", {"a"}, {{"a"}}).count("ter"));
    // an own generation task: every metric, so any task.metric it names exists
    const auto own = computeNlgMetrics("restaurants", {"a b c d"}, {{"a b c d"}});
    QCOMPARE(own.size(), size_t(6));
    for (const char* k : {"bleu", "nist", "meteor", "rouge_l", "cider", "ter"}) QVERIFY(own.count(k));
    QCOMPARE(own.at("bleu"), e2e.at("bleu"));
    QCOMPARE(own.at("ter"), 0.0);
    QVERIFY_EXCEPTION_THROWN(corpusBleu({"a"}, {}), EngineError);
    QVERIFY_EXCEPTION_THROWN(corpusBleu({"a"}, {{}}), EngineError);
  }
};

QTEST_GUILESS_MAIN(TestNlgMetrics)
#include "test_nlg_metrics.moc"
