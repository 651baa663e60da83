// mteval-v13a.pl tokenisation and the shared n-gram helpers of the NLG metrics.
#include "metrics/nlg_metrics.h"
#include "metrics/nlg_ngrams.h"

#include "io/errors.h"

namespace adamix {

namespace {
void replaceAll(std::string& s, const std::string& from, const std::string& to) {
  for (size_t p = s.find(from); p != std::string::npos; p = s.find(from, p + to.size())) s.replace(p, from.size(), to);
}
bool isDigit(char c) { return c >= '0' && c <= '9'; }
/// mteval's class [\{-\~\[-\` -\&\(-\+\:-\@\/]: { | } ~ [ \ ] ^ _ ` space ! " # $ % & ( ) * + : ; < = > ? @ /
bool isSplitPunct(char c) {
  return (c >= '{' && c <= '~') || (c >= '[' && c <= '`') || (c >= ' ' && c <= '&') || (c >= '(' && c <= '+') ||
         (c >= ':' && c <= '@') || c == '/';
}
}  // namespace

Tokens mtevalTokenize(const std::string& text) {
  std::string s = text;
  replaceAll(s, "<skipped>", "");
  replaceAll(s, "-\n", "");
  for (auto& c : s)
    if (c == '\n' || c == '\r' || c == '\t') c = ' ';
  replaceAll(s, "&quot;", "\"");
  replaceAll(s, "&amp;", "&");
  replaceAll(s, "&lt;", "<");
  replaceAll(s, "&gt;", ">");
  s = " " + s + " ";
  for (auto& c : s)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  // Pass 1: s/([\{-\~\[-\` -\&\(-\+\:-\@\/])/ $1 /g
  std::string a;
  for (char c : s) {
    if (isSplitPunct(c)) {
      a += ' ';
      a += c;
      a += ' ';
    } else {
      a += c;
    }
  }
  // Pass 2: s/([^0-9])([\.,])/$1 $2 /g — period/comma not preceded by a digit.
  std::string b;
  for (size_t i = 0; i < a.size(); ++i) {
    const char c = a[i];
    if ((c == '.' || c == ',') && i > 0 && !isDigit(a[i - 1])) {
      b += ' ';
      b += c;
      b += ' ';
    } else {
      b += c;
    }
  }
  // Pass 3: s/([\.,])([^0-9])/ $1 $2/g — period/comma not followed by a digit.
  std::string d;
  for (size_t i = 0; i < b.size(); ++i) {
    const char c = b[i];
    if ((c == '.' || c == ',') && i + 1 < b.size() && !isDigit(b[i + 1])) {
      d += ' ';
      d += c;
      d += ' ';
    } else {
      d += c;
    }
  }
  // Pass 4: s/([0-9])(-)/$1 $2 /g — dash after a digit.
  std::string e;
  for (size_t i = 0; i < d.size(); ++i) {
    const char c = d[i];
    if (c == '-' && i > 0 && isDigit(d[i - 1])) {
      e += " - ";
    } else {
      e += c;
    }
  }
  Tokens out;
  std::string cur;
  for (char c : e) {
    if (c == ' ') {
      if (!cur.empty()) out.push_back(cur);
      cur.clear();
    } else {
      cur += c;
    }
  }
  if (!cur.empty()) out.push_back(cur);
  return out;
}

NgramCounts countNgrams(const Tokens& t, size_t n) {
  NgramCounts c;
  if (t.size() < n) return c;
  for (size_t i = 0; i + n <= t.size(); ++i) {
    std::string g = t[i];
    for (size_t k = 1; k < n; ++k) g += ' ' + t[i + k];
    ++c[g];
  }
  return c;
}

TokenizedCorpus tokenizeCorpus(const std::vector<std::string>& hyps, const References& refs) {
  if (hyps.size() != refs.size())
    throw EngineError(ErrorKind::Internal, "metrics: " + std::to_string(hyps.size()) + " hypotheses but " +
                                               std::to_string(refs.size()) + " reference sets");
  TokenizedCorpus c;
  for (size_t i = 0; i < hyps.size(); ++i) {
    if (refs[i].empty())
      throw EngineError(ErrorKind::Internal, "metrics: segment " + std::to_string(i) + " has no reference");
    c.hyps.push_back(mtevalTokenize(hyps[i]));
    std::vector<Tokens> r;
    for (const auto& x : refs[i]) r.push_back(mtevalTokenize(x));
    c.refs.push_back(std::move(r));
  }
  return c;
}

}  // namespace adamix
