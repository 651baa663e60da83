#include "data/nlg_data.h"

#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "data/field_text.h"
#include "data/glue.h"
#include "io/errors.h"
#include "io/untrusted_input.h"
#include "io/json_util.h"

namespace adamix {

using nlohmann::json;
namespace ju = json_util;

namespace {

std::string trimRight(std::string s) {
  while (!s.empty() && (s.back() == ' ' || s.back() == '\r' || s.back() == '\n' || s.back() == '\t')) s.pop_back();
  return s;
}
std::string trim(std::string s) {
  s = trimRight(std::move(s));
  size_t i = 0;
  while (i < s.size() && (s[i] == ' ' || s[i] == '\t')) ++i;
  return s.substr(i);
}

/// WebNLG entity cleaning as the LoRA/AdaMix GPT-2 preprocessing: '_' -> ' ', '"' removed.
std::string cleanEntity(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '"') continue;
    out.push_back(c == '_' ? ' ' : c);
  }
  return trim(out);
}

json readJsonFile(const std::string& path) {
  return readJsonFileBounded(path, kMaxDatasetFileBytes, ErrorKind::Data, "data file");
}

/// Throws EngineError(Data, exampleTextProblem(name, text), location) when `text` breaks the rule
/// every loader applies to an example's text (data/field_text.h: 1 MiB, valid UTF-8).
void requireUsableText(const std::string& name, const std::string& text, const std::string& location) {
  if (auto why = exampleTextProblem(name, text); !why.empty()) throw EngineError(ErrorKind::Data, why, location);
}

/// Runs `f`, re-throwing json_util errors (location = JSON path) as "path:/json/path".
template <class F>
void withFileLocation(const std::string& path, F&& f) {
  try {
    f();
  } catch (const EngineError& e) {
    if (e.kind() != ErrorKind::Data || e.location().rfind(path, 0) == 0) throw;
    throw EngineError(ErrorKind::Data, e.message(), path + ":" + e.location());
  }
}

}  // namespace

bool webnlgSeenCategory(const std::string& c) {
  static const std::set<std::string> seen = {"Airport", "Astronaut", "Building",   "City",       "ComicsCharacter",
                                             "Food",    "Monument",  "SportsTeam", "University", "WrittenWork"};
  return seen.count(c) > 0;
}

std::string linearizeTriples(const std::vector<std::vector<std::string>>& triples) {
  std::string out;
  for (size_t i = 0; i < triples.size(); ++i) {
    if (i) out += " | ";
    for (size_t k = 0; k < triples[i].size(); ++k) {
      if (k) out += " : ";
      out += triples[i][k];
    }
  }
  return out;
}

NlgDataset loadE2E(const std::string& path) {
  const std::string text = readFileBounded(path, kMaxDatasetFileBytes, ErrorKind::Data, "data file");
  NlgDataset d;
  d.path = path;
  d.format = "e2e";
  int n = 0;
  for (size_t begin = 0; begin < text.size();) {
    size_t end = text.find('\n', begin);
    if (end == std::string::npos) end = text.size();
    std::string line = trimRight(text.substr(begin, end - begin));
    begin = end + 1;
    ++n;
    const auto loc = path + ":" + std::to_string(n);
    if (n == 1 && line.rfind("\xEF\xBB\xBF", 0) == 0) line = line.substr(3);
    if (trim(line).empty()) continue;
    const auto sep = line.find("||");
    if (sep == std::string::npos) throw EngineError(ErrorKind::Data, "expected 'MR||reference'", loc);
    NlgPair p;
    p.input = trim(line.substr(0, sep));
    p.reference = trim(line.substr(sep + 2));
    p.line = n;
    if (p.input.empty()) throw EngineError(ErrorKind::Data, "empty meaning representation", loc);
    if (p.reference.empty()) throw EngineError(ErrorKind::Data, "empty reference", loc);
    requireUsableText("meaning representation", p.input, loc);
    requireUsableText("reference", p.reference, loc);
    d.pairs.push_back(std::move(p));
    ++d.entries;
    ++d.annotations;
  }
  return d;
}

NlgDataset loadWebNLG(const std::string& path) {
  const json root = readJsonFile(path);
  NlgDataset d;
  d.path = path;
  d.format = "webnlg";
  withFileLocation(path, [&] {
    ju::requireObject(root, "", ErrorKind::Data);
    const auto it = root.find("entries");
    if (it == root.end()) throw EngineError(ErrorKind::Data, "missing required field", "/entries");
    if (!it->is_array()) throw EngineError(ErrorKind::Data, "expected an array, got " + ju::describe(*it), "/entries");
    for (size_t i = 0; i < it->size(); ++i) {
      const auto ep = ju::indexPath("/entries", i);
      const json& wrapper = (*it)[i];
      ju::requireObject(wrapper, ep, ErrorKind::Data);
      if (wrapper.size() != 1) throw EngineError(ErrorKind::Data, "expected one {\"<id>\": entry} object", ep);
      const auto& key = wrapper.begin().key();
      const json& e = wrapper.begin().value();
      const auto p = ju::childPath(ep, key);
      const auto category = ju::require<std::string>(e, "category", p, ErrorKind::Data);
      const auto tp = ju::childPath(p, "modifiedtripleset");
      const auto ts = e.find("modifiedtripleset");
      if (ts == e.end()) throw EngineError(ErrorKind::Data, "missing required field", tp);
      if (!ts->is_array() || ts->empty())
        throw EngineError(ErrorKind::Data, "expected a non-empty array of triples", tp);
      std::vector<std::vector<std::string>> triples;
      for (size_t k = 0; k < ts->size(); ++k) {
        const auto kp = ju::indexPath(tp, k);
        const json& t = (*ts)[k];
        triples.push_back({cleanEntity(ju::require<std::string>(t, "subject", kp, ErrorKind::Data)),
                           ju::require<std::string>(t, "property", kp, ErrorKind::Data),
                           cleanEntity(ju::require<std::string>(t, "object", kp, ErrorKind::Data))});
      }
      const auto input = linearizeTriples(triples);
      requireUsableText("the linearised input", input, tp);
      ++d.entries;
      const auto lp = ju::childPath(p, "lexicalisations");
      const auto lx = e.find("lexicalisations");
      if (lx == e.end() || !lx->is_array()) throw EngineError(ErrorKind::Data, "expected an array", lp);
      for (size_t k = 0; k < lx->size(); ++k) {
        const auto kp = ju::indexPath(lp, k);
        ++d.annotations;
        const auto comment = ju::get<std::string>((*lx)[k], "comment", kp, "good", ErrorKind::Data);
        const auto text = trim(ju::require<std::string>((*lx)[k], "lex", kp, ErrorKind::Data));
        if (comment != "good" || text.empty()) continue;
        requireUsableText("lex", text, ju::childPath(kp, "lex"));
        d.pairs.push_back({input, text, category, static_cast<int>(i)});
      }
    }
  });
  return d;
}

NlgDataset loadDart(const std::string& path) {
  const json root = readJsonFile(path);
  NlgDataset d;
  d.path = path;
  d.format = "dart";
  withFileLocation(path, [&] {
    if (!root.is_array())
      throw EngineError(ErrorKind::Data, "expected an array of entries, got " + ju::describe(root), "/");
    for (size_t i = 0; i < root.size(); ++i) {
      const auto p = ju::indexPath("", i);
      const json& e = root[i];
      ju::requireObject(e, p, ErrorKind::Data);
      const auto tp = ju::childPath(p, "tripleset");
      const auto ts = e.find("tripleset");
      if (ts == e.end()) throw EngineError(ErrorKind::Data, "missing required field", tp);
      if (!ts->is_array() || ts->empty())
        throw EngineError(ErrorKind::Data, "expected a non-empty array of triples", tp);
      std::vector<std::vector<std::string>> triples;
      for (size_t k = 0; k < ts->size(); ++k) {
        const auto kp = ju::indexPath(tp, k);
        auto t = ju::convert<std::vector<std::string>>((*ts)[k], kp, ErrorKind::Data);
        if (t.size() != 3) throw EngineError(ErrorKind::Data, "expected [subject, property, object]", kp);
        for (auto& x : t) x = trim(x);
        triples.push_back(std::move(t));
      }
      const auto input = linearizeTriples(triples);
      requireUsableText("the linearised input", input, tp);
      ++d.entries;
      const auto ap = ju::childPath(p, "annotations");
      const auto an = e.find("annotations");
      if (an == e.end() || !an->is_array()) throw EngineError(ErrorKind::Data, "expected an array", ap);
      for (size_t k = 0; k < an->size(); ++k) {
        ++d.annotations;
        const auto kp = ju::indexPath(ap, k);
        const auto text = trim(ju::require<std::string>((*an)[k], "text", kp, ErrorKind::Data));
        if (text.empty()) continue;
        requireUsableText("text", text, ju::childPath(kp, "text"));
        d.pairs.push_back({input, text, "", static_cast<int>(i)});
      }
    }
  });
  return d;
}

NlgDataset loadNlgDataset(const std::string& format, const std::string& path) {
  if (format == "e2e") return loadE2E(path);
  if (format == "webnlg") return loadWebNLG(path);
  if (format == "dart") return loadDart(path);
  throw EngineError(ErrorKind::Config, "unknown generation dataset '" + format + "' (e2e, webnlg, dart)", "/task/name");
}

std::vector<NlgItem> groupByInput(const std::vector<NlgPair>& pairs) {
  std::vector<NlgItem> items;
  std::map<std::string, size_t> index;
  for (const auto& p : pairs) {
    auto [it, fresh] = index.emplace(p.input, items.size());
    if (fresh) {
      NlgItem item;
      item.input = p.input;
      item.category = p.category;
      item.seen = p.category.empty() || webnlgSeenCategory(p.category);
      items.push_back(std::move(item));
    }
    items[it->second].references.push_back(p.reference);
  }
  return items;
}

NlgSplit splitByInput(const std::vector<NlgItem>& items, int64_t dev_items, uint64_t seed) {
  if (dev_items <= 0 || dev_items >= static_cast<int64_t>(items.size()))
    throw EngineError(ErrorKind::Config,
                      "dev_items must be in [1, " + std::to_string(items.size()) + ") distinct inputs, got " +
                          std::to_string(dev_items),
                      "/task/dev_items");
  const auto perm = seededPermutation(items.size(), seed);
  std::vector<bool> is_dev(items.size(), false);
  for (int64_t i = 0; i < dev_items; ++i) is_dev[perm[static_cast<size_t>(i)]] = true;
  NlgSplit s;
  for (size_t i = 0; i < items.size(); ++i) (is_dev[i] ? s.dev : s.train).push_back(items[i]);
  return s;
}

}  // namespace adamix
