// Data-to-text generation metrics as the E2E NLG challenge evaluation (tuetschek/e2e-metrics)
// and the WebNLG/DART evaluations define them. All functions are corpus-level and multi-reference:
// hyps[i] is scored against refs[i] (one or more references). Inputs are raw strings; they are
// tokenised with mtevalTokenize() (lower-cased). No LibTorch here. docs/nlg.md lists the
// differences to the official tools.
#pragma once
#include <map>
#include <string>
#include <vector>

namespace adamix {

using Tokens = std::vector<std::string>;
using References = std::vector<std::vector<std::string>>;  ///< per segment, its reference texts

/// mteval-v13a.pl tokenisation (NIST "international" off): lower-case ASCII, split off the
/// punctuation { | } ~ [ \ ] ^ _ ` ! " # $ % & ( ) * + : ; < = > ? @ /, periods/commas unless
/// between digits, and a dash after a digit; &quot; &amp; &lt; &gt; unescaped; split on spaces.
Tokens mtevalTokenize(const std::string& text);

/// BLEU-4 as mteval-v13a.pl (Papineni et al. 2002): corpus sums of clipped n-gram matches (clip =
/// max count over a segment's references), n = 1..4, uniform weights; brevity penalty
/// exp(min(0, 1 − r/c)) with r = Σ shortest reference length, c = Σ hypothesis length. 0 when any
/// n-gram order has no match. Returns a fraction in [0, 1]. Throws EngineError(Internal) on size
/// mismatch or a segment without references.
double corpusBleu(const std::vector<std::string>& hyps, const References& refs);

/// NIST-5 as mteval-v13a.pl (Doddington 2002): info(w1..wn) = log2(count(w1..wn−1) /
/// count(w1..wn)) over all reference n-grams (the empty prefix counts all reference words);
/// score = Σ_n Σ matched info / Σ hyp n-grams of order n, times the length penalty
/// exp(−β·ln²(min(1, c / r̄))) with β = −ln 0.5 / ln² 1.5, r̄ = Σ_segments mean reference length.
double corpusNist(const std::vector<std::string>& hyps, const References& refs);

/// METEOR (exact match approximation) after Meteor 1.5 (Denkowski & Lavie 2014): unigram exact
/// matches only (no stem/synonym/paraphrase modules, no function-word weighting, i.e. δ has no
/// effect), alignment = most matches then fewest chunks (beam search of width 40);
/// Fmean = P·R / (α·P + (1−α)·R), penalty = γ·(chunks/matches)^β (0 when hypothesis and
/// reference are identical), α = 0.85, β = 0.2, γ = 0.6. Per segment the best-scoring reference;
/// corpus score from the summed statistics (as Meteor's aggregate score).
double corpusMeteor(const std::vector<std::string>& hyps, const References& refs);

/// ROUGE-L as pycocoevalcap Rouge (used by e2e-metrics): per segment P = max_r LCS/|hyp|,
/// R = max_r LCS/|ref|, F = (1+β²)PR / (R + β²P), β = 1.2; corpus = mean over segments.
double corpusRougeL(const std::vector<std::string>& hyps, const References& refs);

/// CIDEr-D as pycocoevalcap CiderD (Vedantam et al. 2015; e2e-metrics "CIDEr"): n = 1..4,
/// tf-idf vectors tf·(ln N − ln max(1, df)) with df over the segments' reference sets and N the
/// number of segments; per reference Σ_n min-clipped cosine · exp(−(len_h − len_r)² / 72), averaged
/// over references, /4, ×10; corpus = mean over segments.
double corpusCiderD(const std::vector<std::string>& hyps, const References& refs);

/// TER (Snover et al. 2006): per segment the fewest edits (insertion, deletion, substitution,
/// phrase shift, each cost 1) over its references; corpus TER = Σ edits / Σ mean reference
/// length. Shifts are searched greedily as tercom: repeatedly apply the shift (phrase ≤ 10 words
/// that occurs in the reference) that lowers the edit distance most. Lower is better.
double corpusTer(const std::vector<std::string>& hyps, const References& refs);

/// Word-level Levenshtein distance (insert, delete, substitute = 1).
int editDistance(const Tokens& a, const Tokens& b);

/// Metrics of an NLG task by name: "e2e" -> bleu, nist, meteor, rouge_l, cider; "webnlg",
/// "dart" -> bleu, ter (plus meteor); any other name (an own generation task) -> all six.
/// Values: BLEU/METEOR/ROUGE-L/TER fractions, NIST and CIDEr raw.
std::map<std::string, double> computeNlgMetrics(const std::string& task, const std::vector<std::string>& hyps,
                                                const References& refs);

}  // namespace adamix
