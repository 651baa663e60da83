// Study files: parsing, validation, grid expansion and config hashing.
#include "study/study.h"

#include "assets/asset_ref.h"
#include "config/run_config.h"
#include "io/errors.h"
#include "io/json_util.h"
#include "io/untrusted_input.h"

#include <QCryptographicHash>
#include <QDir>
#include <QFile>
#include <QFileInfo>

#include <algorithm>
#include <set>

namespace adamix::app {

namespace {

std::string composeWhat(const std::string& path, const std::string& message, const std::string& file) {
  std::string out;
  if (!file.empty()) out += file + ": ";
  if (!path.empty()) out += path + ": ";
  return out + message;
}

// JSON pointers of study-file fields: the engine's RFC 6901 helpers.
std::string at(const std::string& parent, const std::string& key) { return adamix::json_util::childPath(parent, key); }
std::string at(const std::string& parent, size_t index) { return adamix::json_util::indexPath(parent, index); }

[[noreturn]] void fail(const std::string& path, const std::string& message) { throw StudyError(path, message); }

const char* typeName(const json& v) {
  if (v.is_number()) return "number";
  return v.type_name();
}

/// Two JSON values have compatible types for a setting (numbers interchangeable).
bool sameKind(const json& a, const json& b) {
  if (a.is_number() && b.is_number()) return true;
  return a.type() == b.type();
}

json::json_pointer pointerAt(const std::string& pointer, const std::string& where) {
  if (pointer.empty() || pointer[0] != '/')
    fail(where, "'" + pointer + "' is not a JSON pointer (must start with '/')");
  try {
    return json::json_pointer(pointer);
  } catch (const json::exception& e) {
    fail(where, "invalid JSON pointer '" + pointer + "': " + e.what());
  }
}

/// Paths a study may not set: they are owned by the tasks and seeds lists (and the app).
bool reservedPath(const std::string& p) {
  return p == "/run_id" || p == "/seed" || p == "/task/name" || p == "/task/data_dir" || p == "/task" ||
         p.rfind("/run_id/", 0) == 0 || p.rfind("/seed/", 0) == 0;
}

/// Validates one `pointer → value` setting against the reference config (defaults ∪ base).
std::pair<std::string, json> checkSetting(const json& reference, const std::string& pointer, const json& value,
                                          const std::string& where) {
  auto ptr = pointerAt(pointer, where);
  if (reservedPath(pointer))
    fail(where, "'" + pointer + "' is set by the study's tasks/seeds and cannot be changed here");
  if (!reference.contains(ptr)) fail(where, "path '" + pointer + "' does not exist in the base config");
  const json& existing = reference.at(ptr);
  if (value.is_null()) fail(where, "null is not a valid value for '" + pointer + "'");
  if (!sameKind(existing, value))
    fail(where,
         std::string("wrong type for '") + pointer + "': expected " + typeName(existing) + ", got " + typeName(value));
  return {pointer, value};
}

std::vector<std::pair<std::string, json>> checkSetObject(const json& reference, const json& set,
                                                         const std::string& where) {
  if (!set.is_object()) fail(where, std::string("expected an object of JSON pointer → value, got ") + typeName(set));
  std::vector<std::pair<std::string, json>> out;
  for (auto it = set.begin(); it != set.end(); ++it)
    out.push_back(checkSetting(reference, it.key(), it.value(), at(where, it.key())));
  return out;
}

QString requireString(const json& obj, const std::string& key, const std::string& where, bool required = true) {
  auto it = obj.find(key);
  if (it == obj.end()) {
    if (required) fail(where, "missing required key '" + key + "'");
    return {};
  }
  if (!it->is_string()) fail(at(where, key), std::string("expected a string, got ") + typeName(*it));
  if (required && it->get<std::string>().empty()) fail(at(where, key), "must not be empty");
  return QString::fromStdString(it->get<std::string>());
}

QString valueLabel(const std::string& path, const json& value) {
  const auto slash = path.find_last_of('/');
  std::string seg = slash == std::string::npos ? path : path.substr(slash + 1);
  std::string v = value.is_string() ? value.get<std::string>() : value.dump();
  return QString::fromStdString(seg + "=" + v);
}

QString slug(const QString& s) {
  QString out;
  bool dash = false;
  for (QChar c : s.toLower()) {
    if ((c >= u'a' && c <= u'z') || (c >= u'0' && c <= u'9')) {
      out += c;
      dash = false;
    } else if (!dash && !out.isEmpty()) {
      out += u'-';
      dash = true;
    }
  }
  while (out.endsWith(u'-')) out.chop(1);
  if (out.size() > 40) out = out.left(40);
  while (out.endsWith(u'-')) out.chop(1);
  return out;
}

void setAt(json& config, const std::string& pointer, const json& value) { config[json::json_pointer(pointer)] = value; }

void collectAssets(const json& v, std::set<QString>& out) {
  if (v.is_string()) {
    const QString s = QString::fromStdString(v.get_ref<const std::string&>());
    if (isAssetRef(s)) out.insert(assetName(s));
  } else if (v.is_structured()) {
    for (const auto& child : v) collectAssets(child, out);
  }
}

}  // namespace

namespace {

/// The study-file pointer that set run-config field `configPointer` for the run of task `t` and
/// axis choices `idx` (axes win over the task's settings, which win over base); "/base" + the
/// pointer when the base sets it or nothing does (a missing field or a default is fixed there).
std::string studyPathOf(const Study& study, size_t t, const std::vector<size_t>& idx,
                        const std::string& configPointer) {
  const auto sets = [&](const std::vector<std::pair<std::string, json>>& set) {
    return std::any_of(set.begin(), set.end(), [&](const auto& kv) {
      return configPointer == kv.first || configPointer.rfind(kv.first + "/", 0) == 0;
    });
  };
  // the value that set it: "/axes/K/values/I" (the cell an editor marks)
  for (size_t k = idx.size(); k-- > 0;)
    if (sets(study.axes[k].values[idx[k]].set)) return at(at(at("/axes", k), "values"), idx[k]);
  if (sets(study.tasks[t].set)) return at("/tasks", t);
  // set by the base, or missing / a default: the base is where it is set
  return configPointer.empty() ? std::string() : "/base" + configPointer;
}

/// Number of axis-value combinations (the product of the axes' value counts; 1 without axes).
size_t combinationCount(const Study& study) {
  size_t combos = 1;
  for (const auto& a : study.axes) combos *= a.values.size();
  return combos;
}

/// The value index of each axis in combination `c`: a mixed-radix number, first axis outermost.
std::vector<size_t> axisIndices(const Study& study, size_t c) {
  std::vector<size_t> idx(study.axes.size());
  for (size_t k = idx.size(); k-- > 0;) {
    idx[k] = c % study.axes[k].values.size();
    c /= study.axes[k].values.size();
  }
  return idx;
}

/// The variant label of axis choices `idx`: the values' labels joined by ", ".
QString variantLabel(const Study& study, const std::vector<size_t>& idx) {
  QStringList labels;
  for (size_t k = 0; k < idx.size(); ++k) labels << study.axes[k].values[idx[k]].label;
  return labels.join(QStringLiteral(", "));
}

}  // namespace

StudyError::StudyError(std::string path, const std::string& message, const std::string& file)
    : std::runtime_error(composeWhat(path, message, file)), path_(std::move(path)), message_(message), file_(file) {}

void mergeInto(json& target, const json& patch) {
  if (!patch.is_object() || !target.is_object()) {
    target = patch;
    return;
  }
  for (auto it = patch.begin(); it != patch.end(); ++it) {
    auto found = target.find(it.key());
    if (found != target.end() && found->is_object() && it->is_object())
      mergeInto(*found, *it);
    else
      target[it.key()] = *it;
  }
}

std::string canonicalJson(const json& value) { return value.dump(); }  // std::map keys: sorted

const json& runConfigDefaults() {
  static const json defaults = adamix::runConfigDefaultsJson();
  return defaults;
}

namespace {

/// The defaults a config is completed with before hashing: runConfigDefaults(), except that an
/// integral LoRA alpha default is written as an integer (16, not 16.0), as the app's own copy of
/// the defaults wrote it when the first studies were stored (before issue 10 moved the schema into
/// the engine's core). Keeps stored runs' hashes; pinned by tests/app/test_config_hash.cpp.
const json& hashDefaults() {
  static const json defaults = [] {
    json d = runConfigDefaults();
    json& alpha = d["peft"]["lora"]["alpha"];
    const double a = alpha.get<double>();
    if (a == static_cast<double>(static_cast<int64_t>(a))) alpha = static_cast<int64_t>(a);
    return d;
  }();
  return defaults;
}

}  // namespace

QString variantDisplayName(const QString& variant) {
  return variant.isEmpty() ? QStringLiteral("base") : variant;
}

QString configHash(const json& config) {
  const json& defaults = hashDefaults();
  json resolved = defaults;
  mergeInto(resolved, config);
  resolved.erase("run_id");
  // Settings added to the run config after runs were first stored (generation tasks, issue #6)
  // take no part in the hash while they hold their default, so earlier runs keep their identity
  // (model.dropout, issue 11: all kinds null = the model config's values; train.keep and
  // model.adapter, issue 12: "best" and ""; train.eval_inference_modes, issue 14: null; the own
  // dataset keys and model.dtype, issue 17: "", [] and "float32").
  for (const char* added : {"/task/train_file", "/task/dev_file", "/task/dev_items", "/task/split_seed",
                            "/train/label_smoothing", "/generation", "/model/dropout", "/train/keep",
                            "/model/adapter", "/train/eval_inference_modes", "/task/display_name", "/task/type",
                            "/task/format", "/task/test_file", "/task/text_column", "/task/text_pair_column",
                            "/task/label_column", "/task/labels", "/task/metric", "/task/input_column",
                            "/task/reference_columns", "/model/dtype"}) {
    const json::json_pointer ptr(added);
    if (!resolved.contains(ptr) || resolved.at(ptr) != defaults.at(ptr)) continue;
    resolved.at(ptr.parent_pointer()).erase(ptr.back());
  }
  const std::string text = canonicalJson(resolved);
  return QString::fromLatin1(
      QCryptographicHash::hash(QByteArray::fromStdString(text), QCryptographicHash::Sha256).toHex());
}

json resolveAssets(const json& config, const QString& assetRoot) {
  if (assetRoot.isEmpty()) return config;
  if (config.is_string()) {
    const QString s = QString::fromStdString(config.get_ref<const std::string&>());
    return isAssetRef(s) ? json(resolveAssetRef(s, assetRoot).toStdString()) : config;
  }
  if (config.is_object()) {
    json out = json::object();
    for (auto it = config.begin(); it != config.end(); ++it) out[it.key()] = resolveAssets(*it, assetRoot);
    return out;
  }
  if (config.is_array()) {
    json out = json::array();
    for (const auto& v : config) out.push_back(resolveAssets(v, assetRoot));
    return out;
  }
  return config;
}

namespace {
// Fails at the first key of object `obj` (at JSON path `where`) that is not in `allowed`.
void onlyKeys(const json& obj, std::initializer_list<const char*> allowed, const std::string& where) {
  for (auto kv = obj.begin(); kv != obj.end(); ++kv)
    if (std::none_of(allowed.begin(), allowed.end(), [&](const char* k) { return kv.key() == k; }))
      fail(at(where, kv.key()), "unknown key '" + kv.key() + "'");
}

// A variant's "paper" object: {"params": "0.8M", "result": "...", "source": "Table 1"}.
PaperNote parsePaperNote(const json& p, const std::string& where) {
  if (!p.is_object()) fail(where, std::string("expected an object {\"params\", \"result\", \"source\"}, got ") + typeName(p));
  onlyKeys(p, {"params", "result", "source"}, where);
  PaperNote n;
  n.params = requireString(p, "params", where);
  n.result = requireString(p, "result", where, false);
  n.source = requireString(p, "source", where, false);
  return n;
}
}  // namespace

Study parseStudy(const json& doc) {
  if (!doc.is_object()) fail("", std::string("a study file must be a JSON object, got ") + typeName(doc));
  onlyKeys(doc, {"name", "description", "base", "tasks", "axes", "seeds", "exclude", "executor"}, "");

  Study study;
  study.raw = doc;
  study.name = requireString(doc, "name", "");
  study.description = requireString(doc, "description", "", false);
  if (auto it = doc.find("executor"); it != doc.end()) study.executor = parseExecutorSpec(*it, "/executor");

  // --- base ---
  if (auto it = doc.find("base"); it != doc.end()) {
    if (!it->is_object()) fail("/base", std::string("expected an object, got ") + typeName(*it));
    study.base = *it;
  }
  for (const char* reserved : {"/run_id", "/seed", "/task/name", "/task/data_dir"}) {
    if (study.base.contains(json::json_pointer(reserved)))
      fail(std::string("/base") + reserved, "set per run by the study (tasks/seeds); remove it from base");
  }
  if (study.base.contains("task") && !study.base["task"].is_object())
    fail("/base/task", std::string("expected an object, got ") + typeName(study.base["task"]));
  json reference = runConfigDefaults();
  mergeInto(reference, study.base);

  // --- tasks ---
  {
    auto it = doc.find("tasks");
    if (it == doc.end()) fail("", "missing required key 'tasks'");
    if (!it->is_array()) fail("/tasks", std::string("expected an array, got ") + typeName(*it));
    if (it->empty()) fail("/tasks", "must list at least one task");
    std::set<QString> names;
    for (size_t i = 0; i < it->size(); ++i) {
      const json& t = (*it)[i];
      const std::string where = at("/tasks", i);
      if (!t.is_object()) fail(where, std::string("expected an object, got ") + typeName(t));
      StudyTask task;
      task.name = requireString(t, "name", where);
      task.dataDir = requireString(t, "data_dir", where);
      if (!names.insert(task.name).second) fail(at(where, "name"), "duplicate task '" + task.name.toStdString() + "'");
      for (auto kv = t.begin(); kv != t.end(); ++kv) {
        if (kv.key() == "name" || kv.key() == "data_dir") continue;
        if (kv.key() == "set") {
          auto s = checkSetObject(reference, *kv, at(where, "set"));
          task.set.insert(task.set.end(), s.begin(), s.end());
        } else {
          // Shorthand: any other key is a setting of the run config's "task" section.
          task.set.push_back(checkSetting(reference, at("/task", kv.key()), *kv, at(where, kv.key())));
        }
      }
      study.tasks.push_back(std::move(task));
    }
  }

  // --- axes ---
  if (auto it = doc.find("axes"); it != doc.end()) {
    if (!it->is_array()) fail("/axes", std::string("expected an array, got ") + typeName(*it));
    std::set<QString> axisNames;
    for (size_t i = 0; i < it->size(); ++i) {
      const json& a = (*it)[i];
      const std::string where = at("/axes", i);
      if (!a.is_object()) fail(where, std::string("expected an object, got ") + typeName(a));
      onlyKeys(a, {"name", "path", "values", "labels"}, where);
      Axis axis;
      axis.bundle = !a.contains("path");
      auto values = a.find("values");
      if (values == a.end()) fail(where, "missing required key 'values'");
      if (!values->is_array()) fail(at(where, "values"), std::string("expected an array, got ") + typeName(*values));
      if (values->empty()) fail(at(where, "values"), "must list at least one value");
      if (axis.bundle) {
        axis.name = requireString(a, "name", where);
        if (a.contains("labels")) fail(at(where, "labels"), "only path axes take 'labels'");
        std::set<QString> labels;
        for (size_t j = 0; j < values->size(); ++j) {
          const json& v = (*values)[j];
          const std::string vw = at(at(where, "values"), j);
          if (!v.is_object()) fail(vw, std::string("expected an object {\"label\", \"set\"}, got ") + typeName(v));
          onlyKeys(v, {"label", "set", "paper"}, vw);
          AxisValue av;
          av.label = requireString(v, "label", vw);
          if (auto p = v.find("paper"); p != v.end()) av.paper = parsePaperNote(*p, at(vw, "paper"));
          if (!labels.insert(av.label).second)
            fail(at(vw, "label"), "duplicate label '" + av.label.toStdString() + "'");
          if (auto s = v.find("set"); s != v.end()) av.set = checkSetObject(reference, *s, at(vw, "set"));
          av.value = av.label.toStdString();
          axis.values.push_back(std::move(av));
        }
      } else {
        auto p = a.find("path");
        if (!p->is_string()) fail(at(where, "path"), std::string("expected a string, got ") + typeName(*p));
        axis.path = p->get<std::string>();
        axis.name = a.contains("name") ? requireString(a, "name", where) : QString::fromStdString(axis.path);
        pointerAt(axis.path, at(where, "path"));
        if (reservedPath(axis.path))
          fail(at(where, "path"), "'" + axis.path + "' is set by the study's tasks/seeds; use those lists");
        if (!reference.contains(json::json_pointer(axis.path)))
          fail(at(where, "path"), "path '" + axis.path + "' does not exist in the base config");
        const json* labels = nullptr;
        if (auto l = a.find("labels"); l != a.end()) {
          if (!l->is_array() || l->size() != values->size())
            fail(at(where, "labels"), "expected an array of strings, one per value");
          labels = &*l;
        }
        std::set<std::string> seen;
        for (size_t j = 0; j < values->size(); ++j) {
          const std::string vw = at(at(where, "values"), j);
          AxisValue av;
          av.set.push_back(checkSetting(reference, axis.path, (*values)[j], vw));
          av.value = (*values)[j];
          if (!seen.insert(canonicalJson(av.value)).second) fail(vw, "duplicate value " + av.value.dump());
          if (labels) {
            const json& l = (*labels)[j];
            if (!l.is_string()) fail(at(at(where, "labels"), j), "expected a string");
            av.label = QString::fromStdString(l.get<std::string>());
          } else {
            av.label = valueLabel(axis.path, av.value);
          }
          axis.values.push_back(std::move(av));
        }
      }
      if (!axisNames.insert(axis.name).second)
        fail(at(where, axis.bundle ? "name" : "path"), "duplicate axis name '" + axis.name.toStdString() + "'");
      study.axes.push_back(std::move(axis));
    }
  }

  // --- seeds ---
  if (auto it = doc.find("seeds"); it != doc.end()) {
    if (!it->is_array()) fail("/seeds", std::string("expected an array of integers, got ") + typeName(*it));
    if (it->empty()) fail("/seeds", "must list at least one seed");
    std::set<int> seen;
    for (size_t i = 0; i < it->size(); ++i) {
      const json& s = (*it)[i];
      if (!s.is_number_integer()) fail(at("/seeds", i), std::string("expected an integer, got ") + typeName(s));
      const int seed = s.get<int>();
      if (!seen.insert(seed).second) fail(at("/seeds", i), "duplicate seed " + std::to_string(seed));
      study.seeds.push_back(seed);
    }
  } else {
    study.seeds.push_back(1);
  }

  // --- exclude ---
  if (auto it = doc.find("exclude"); it != doc.end()) {
    if (!it->is_array()) fail("/exclude", std::string("expected an array, got ") + typeName(*it));
    for (size_t i = 0; i < it->size(); ++i) {
      const json& e = (*it)[i];
      const std::string where = at("/exclude", i);
      if (!e.is_object()) fail(where, std::string("expected an object, got ") + typeName(e));
      if (e.empty()) fail(where, "an empty exclusion would exclude every run");
      for (auto kv = e.begin(); kv != e.end(); ++kv) {
        const std::string kw = at(where, kv.key());
        if (!kv.key().empty() && kv.key()[0] == '/') {
          auto ptr = pointerAt(kv.key(), kw);
          if (!reference.contains(ptr)) fail(kw, "path '" + kv.key() + "' does not exist in the base config");
        } else {
          const QString name = QString::fromStdString(kv.key());
          auto found =
              std::find_if(study.axes.begin(), study.axes.end(), [&](const Axis& a) { return a.name == name; });
          if (found == study.axes.end()) fail(kw, "'" + kv.key() + "' is neither a JSON pointer nor an axis name");
        }
      }
      study.exclude.push_back(e);
    }
  }

  // --- size: tasks x axis values x seeds, bounded before anything is expanded ---
  uint64_t runs = study.tasks.size() * study.seeds.size();
  for (const auto& a : study.axes)
    runs = a.values.empty() || runs <= kMaxStudyRuns / a.values.size() ? runs * a.values.size() : kMaxStudyRuns + 1;
  if (runs > kMaxStudyRuns)
    fail("/axes", "the study expands to more than " + std::to_string(kMaxStudyRuns) +
                      " runs (tasks x axis values x seeds); split it into several studies");
  return study;
}

Study loadStudyFile(const QString& path) {
  QFile file(path);
  if (!file.open(QIODevice::ReadOnly))
    throw StudyError("", "cannot open: " + file.errorString().toStdString(), path.toStdString());
  if (static_cast<uint64_t>(file.size()) > kMaxConfigFileBytes)
    throw StudyError("",
                     "the file is " + std::to_string(file.size()) + " bytes, more than the limit of " +
                         std::to_string(kMaxConfigFileBytes) + " bytes for a study file",
                     path.toStdString());
  const QByteArray bytes = file.read(static_cast<qint64>(kMaxConfigFileBytes));
  json doc;
  try {
    doc = json::parse(bytes.constBegin(), bytes.constEnd(), jsonStrictGuard(), true, /*ignore_comments=*/true);
  } catch (const JsonTooDeep& e) {
    throw StudyError("", e.what(), path.toStdString());
  } catch (const JsonDuplicateKey& e) {  // a person's file: two `seeds` keys are a mistake, not the last
    throw StudyError(e.pointer(), "duplicate key: its object repeats it (JSON would keep only the last)",
                     path.toStdString());
  } catch (const json::parse_error& e) {
    size_t line = 1, col = 1;
    for (size_t i = 0; i + 1 < e.byte && i < static_cast<size_t>(bytes.size()); ++i) {
      if (bytes[static_cast<qsizetype>(i)] == '\n') {
        ++line;
        col = 1;
      } else {
        ++col;
      }
    }
    throw StudyError(
        "", "JSON syntax error at line " + std::to_string(line) + ", column " + std::to_string(col) + ": " + e.what(),
        path.toStdString());
  } catch (const json::exception& e) {  // a number too large for a double (1e999): where it is
    throw StudyError("", "invalid JSON: " + jsonErrorText(e, std::string_view(bytes.constData(), size_t(bytes.size()))),
                     path.toStdString());
  }
  try {
    Study study = parseStudy(doc);
    study.baseDir = QFileInfo(path).absolutePath();
    return study;
  } catch (const StudyError& e) {
    throw StudyError(e.path(), e.message(), path.toStdString());
  }
}

std::vector<ExpandedRun> expandStudy(const Study& study, const ExpandOptions& options) {
  std::vector<ExpandedRun> runs;
  const size_t nAxes = study.axes.size();
  const size_t combos = combinationCount(study);

  for (size_t t = 0; t < study.tasks.size(); ++t) {
    const StudyTask& task = study.tasks[t];
    for (size_t c = 0; c < combos; ++c) {
      const std::vector<size_t> idx = axisIndices(study, c);
      for (int seed : study.seeds) {
        json config = study.base;
        config["task"]["name"] = task.name.toStdString();
        config["task"]["data_dir"] = task.dataDir.toStdString();
        for (const auto& [p, v] : task.set) setAt(config, p, v);
        ExpandedRun run;
        run.axesJson = json::object();
        for (size_t k = 0; k < nAxes; ++k) {
          const Axis& axis = study.axes[k];
          const AxisValue& value = axis.values[idx[k]];
          for (const auto& [p, v] : value.set) setAt(config, p, v);
          run.axes.push_back({axis.name, value.label, value.value});
          if (run.paper.isEmpty()) run.paper = value.paper;
          run.axesJson[axis.name.toStdString()] = value.value;
        }
        config["seed"] = seed;

        // Exclusions match the config with the task's defaults filled in, or axis choices by name.
        json merged = adamix::runConfigDefaultsJson(task.name.toStdString());
        mergeInto(merged, config);
        bool excluded = false;
        for (const json& e : study.exclude) {
          bool all = true;
          for (auto kv = e.begin(); kv != e.end() && all; ++kv) {
            if (!kv.key().empty() && kv.key()[0] == '/') {
              json::json_pointer ptr(kv.key());
              all = merged.contains(ptr) && merged.at(ptr) == *kv;
            } else {
              const QString name = QString::fromStdString(kv.key());
              auto ch =
                  std::find_if(run.axes.begin(), run.axes.end(), [&](const AxisChoice& a) { return a.axis == name; });
              all = ch != run.axes.end() &&
                    (ch->value == *kv || (kv->is_string() && ch->label.toStdString() == kv->get<std::string>()));
            }
          }
          if (all) {
            excluded = true;
            break;
          }
        }
        if (excluded) continue;

        run.task = task.name;
        run.seed = seed;
        run.variant = variantLabel(study, idx);
        // The engine's own validation (one schema): a run the engine would reject fails here.
        try {
          adamix::parseRunConfig(config);
        } catch (const adamix::EngineError& e) {
          const QString what =
              QStringLiteral("task '%1'%2, seed %3")
                  .arg(task.name, run.variant.isEmpty() ? QString() : ", variant '" + run.variant + "'")
                  .arg(seed);
          fail(studyPathOf(study, t, idx, e.location()), what.toStdString() + ": " + e.location() + ": " + e.message());
        }
        run.configHash = configHash(config);
        QString id = slug(task.name);
        if (const QString v = slug(run.variant); !v.isEmpty()) id += u'-' + v;
        run.runId = id + QStringLiteral("-s%1-").arg(seed) + run.configHash.left(8);
        config["run_id"] = run.runId.toStdString();
        run.config = resolveAssets(config, options.assetRoot);
        // A relative data_dir is relative to the study file (after hashing: the hash stays the same
        // wherever the study and its data are checked out).
        if (const QString dir = task.dataDir; !study.baseDir.isEmpty() && !isAssetRef(dir) && !dir.isEmpty() &&
                                              QFileInfo(dir).isRelative())
          run.config["task"]["data_dir"] = QDir::cleanPath(QDir(study.baseDir).absoluteFilePath(dir)).toStdString();
        runs.push_back(std::move(run));
      }
    }
  }
  return runs;
}

json axesForLabel(const Study& study, const QString& label) {
  json axes = json::object();
  if (study.axes.empty()) return axes;
  // The combinations as expandStudy() labels them (at most kMaxStudyRuns, as parseStudy() checked;
  // none when an axis has no values).
  for (size_t c = 0, combos = combinationCount(study); c < combos; ++c) {
    const std::vector<size_t> idx = axisIndices(study, c);
    if (variantLabel(study, idx) != label) continue;
    for (size_t k = 0; k < idx.size(); ++k) axes[study.axes[k].name.toStdString()] = study.axes[k].values[idx[k]].value;
    return axes;
  }
  axes[study.axes.front().name.toStdString()] = label.toStdString();
  return axes;
}

QStringList studyAssets(const Study& study) {
  std::set<QString> out;
  collectAssets(study.base, out);
  for (const auto& t : study.tasks) {
    collectAssets(json(t.dataDir.toStdString()), out);
    for (const auto& [p, v] : t.set) collectAssets(v, out);
  }
  for (const auto& a : study.axes)
    for (const auto& v : a.values)
      for (const auto& [p, val] : v.set) collectAssets(val, out);
  return QStringList(out.begin(), out.end());
}

}  // namespace adamix::app
