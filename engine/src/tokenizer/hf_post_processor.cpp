#include "tokenizer/hf_post_processor.h"

#include "tokenizer/hf_json.h"

namespace adamix {

namespace {

using hfjson::json;

// A template (array of pieces) as the runs of special ids before A, between A and B, after B.
struct Parts {
  std::vector<std::vector<int64_t>> runs{{}};  // runs[k]: specials after the k-th sequence
  std::vector<std::string> sequences;
};

Parts parseTemplate(const json& t, const json& specials, const std::string& file, const std::string& field) {
  if (!t.is_array()) hfjson::fail("expected an array of template pieces", file, field);
  Parts p;
  for (size_t i = 0; i < t.size(); ++i) {
    const json& piece = t[i];
    const std::string at = field + "/" + std::to_string(i);
    if (piece.is_object() && piece.contains("SpecialToken")) {
      const std::string id = hfjson::stringAt(piece["SpecialToken"], "id", file, at + "/SpecialToken");
      if (!specials.is_object() || !specials.contains(id) || !specials[id].contains("ids") ||
          !specials[id]["ids"].is_array())
        hfjson::fail("special token '" + id + "' is not in special_tokens", file, at + "/SpecialToken/id");
      for (const auto& v : specials[id]["ids"])
        p.runs.back().push_back(hfjson::integer(v, file, at + "/SpecialToken/id"));
    } else if (piece.is_object() && piece.contains("Sequence")) {
      p.sequences.push_back(hfjson::stringAt(piece["Sequence"], "id", file, at + "/Sequence"));
      p.runs.emplace_back();
    } else {
      hfjson::fail("expected {\"SpecialToken\": ...} or {\"Sequence\": ...}", file, at);
    }
  }
  return p;
}

std::vector<int64_t> idOf(const json& pair, const std::string& file, const std::string& field) {
  if (!pair.is_array() || pair.size() != 2) hfjson::fail("expected [token, id]", file, field);
  return {hfjson::integer(pair[1], file, field + "/1")};
}

}  // namespace

PairTemplate makeHfPairTemplate(const json& j, const std::string& file, const std::string& field) {
  if (j.is_null()) return {};
  const std::string type = hfjson::typeOf(j);
  if (type == "ByteLevel") return {};
  if (type == "Sequence") {
    if (!j.contains("processors") || !j["processors"].is_array())
      hfjson::fail("expected an array of processors", file, field + "/processors");
    PairTemplate result;
    int with_ids = 0;
    for (size_t i = 0; i < j["processors"].size(); ++i) {
      PairTemplate t = makeHfPairTemplate(j["processors"][i], file, field + "/processors/" + std::to_string(i));
      if (t.prefix.empty() && t.middle.empty() && t.suffix.empty()) continue;
      if (++with_ids > 1) hfjson::fail("more than one processor adds special tokens", file, field + "/processors");
      result = t;
    }
    return result;
  }
  if (type == "RobertaProcessing") {
    const auto cls = idOf(j.value("cls", json()), file, field + "/cls"),
               sep = idOf(j.value("sep", json()), file, field + "/sep");
    return {cls, {sep[0], sep[0]}, sep};
  }
  if (type == "BertProcessing") {
    const auto cls = idOf(j.value("cls", json()), file, field + "/cls"),
               sep = idOf(j.value("sep", json()), file, field + "/sep");
    return {cls, sep, sep};
  }
  if (type == "TemplateProcessing") {
    const json& specials = j.value("special_tokens", json::object());
    const Parts pair = parseTemplate(j.value("pair", json()), specials, file, field + "/pair");
    const Parts single = parseTemplate(j.value("single", json()), specials, file, field + "/single");
    if (pair.sequences.size() != 2 || pair.sequences[0] != "A" || pair.sequences[1] != "B")
      hfjson::fail("expected the sequences A then B", file, field + "/pair");
    if (single.sequences.size() != 1 || single.sequences[0] != "A")
      hfjson::fail("expected the sequence A", file, field + "/single");
    PairTemplate t{pair.runs[0], pair.runs[1], pair.runs[2]};
    if (single.runs[0] != t.prefix || single.runs[1] != t.suffix)
      hfjson::fail("a single template that is not the pair template without B is not supported", file,
                   field + "/single");
    return t;
  }
  hfjson::fail("post_processor type '" + type +
                   "' is not supported here (supported: TemplateProcessing, RobertaProcessing, BertProcessing, "
                   "ByteLevel, Sequence)",
               file, field + "/type");
}

}  // namespace adamix
