// Telling unlike runs apart: flattened training setups and the settings that differ.
// SPDX-License-Identifier: GPL-3.0-or-later
#include "export/run_setup.h"

#include "assets/asset_ref.h"
#include "study/study.h"
#include "study/value_text.h"

#include <QDir>

#include <map>

namespace adamix::app {

namespace {

/// Settings that do not change what is trained: how often the engine logs and checkpoints, its
/// threads and device, and the evaluation batch size.
constexpr const char* kNotTraining[] = {"/train/log_every_steps", "/train/checkpoint_every_steps", "/train/threads",
                                        "/train/device", "/train/eval_batch_size"};

/// RFC 6901 escaping of one pointer token ("~" → "~0", "/" → "~1").
std::string pointerToken(const std::string& key) {
  std::string out;
  for (char c : key) {
    if (c == '~') out += "~0";
    else if (c == '/') out += "~1";
    else out += c;
  }
  return out;
}

void flattenInto(const nlohmann::json& value, const std::string& pointer, const QString& assetRoot,
                 const QStringList& assetNames, nlohmann::json& out) {
  if (value.is_object() && !value.empty()) {
    for (auto it = value.begin(); it != value.end(); ++it)
      flattenInto(it.value(), pointer + '/' + pointerToken(it.key()), assetRoot, assetNames, out);
    return;
  }
  if (value.is_string()) {  // an asset path of this machine's cache or another's, as `asset:NAME`
    out[pointer] = assetRefOfPath(QString::fromStdString(value.get<std::string>()), assetRoot, assetNames).toStdString();
    return;
  }
  out[pointer] = value;
}

/// Pointers whose values differ between `a` and `b` (a pointer missing on one side differs).
void differences(const nlohmann::json& a, const nlohmann::json& b, std::set<std::string>& out) {
  for (auto it = a.begin(); it != a.end(); ++it) {
    auto other = b.find(it.key());
    if (other == b.end() || *other != it.value()) out.insert(it.key());
  }
  for (auto it = b.begin(); it != b.end(); ++it)
    if (!a.contains(it.key())) out.insert(it.key());
}

}  // namespace

bool pointerUnder(const std::string& pointer, const std::set<std::string>& paths) {
  for (const std::string& p : paths)
    if (pointer == p || (pointer.size() > p.size() && pointer.compare(0, p.size(), p) == 0 && pointer[p.size()] == '/'))
      return true;
  return false;
}

nlohmann::json trainingSetup(const nlohmann::json& config, const QString& assetRoot, const QStringList& assetNames) {
  if (!config.is_object() || config.empty()) return nullptr;  // unknown (e.g. a run added without one)
  nlohmann::json merged = runConfigDefaults();
  mergeInto(merged, config);
  merged.erase("seed");
  merged.erase("run_id");
  nlohmann::json flat = nlohmann::json::object();
  flattenInto(merged, "", assetRoot, assetNames, flat);
  for (const char* p : kNotTraining) flat.erase(p);
  return flat;
}

std::vector<std::string> untrackedSettings(const std::vector<RunSetup>& runs) {
  std::set<std::string> out;
  // Runs of a task with known configs; compare each with the first of its labels (same labels:
  // everything must match) and with the first run of the task (outside both runs' axis pointers).
  std::map<QString, std::vector<const RunSetup*>> byTask;
  for (const RunSetup& r : runs)
    if (r.flat.is_object()) byTask[r.task].push_back(&r);
  for (const auto& [task, list] : byTask) {
    std::map<QStringList, const RunSetup*> firstOfLabels;
    for (const RunSetup* r : list) {
      auto [it, inserted] = firstOfLabels.emplace(r->labels, r);
      if (!inserted) differences(it->second->flat, r->flat, out);
    }
    // Across labels: each label's first run against every other label's first run.
    std::vector<const RunSetup*> reps;
    for (const auto& [labels, r] : firstOfLabels) reps.push_back(r);
    for (size_t i = 0; i < reps.size(); ++i)
      for (size_t j = i + 1; j < reps.size(); ++j) {
        if (!reps[i]->axisPathsKnown || !reps[j]->axisPathsKnown) continue;
        std::set<std::string> d;
        differences(reps[i]->flat, reps[j]->flat, d);
        for (const std::string& p : d)
          if (!pointerUnder(p, reps[i]->axisPaths) && !pointerUnder(p, reps[j]->axisPaths)) out.insert(p);
      }
  }
  // Comparing representatives suffices: a path where a label's other runs differ from its first
  // run is already in `out`.
  return {out.begin(), out.end()};
}

QString settingText(const nlohmann::json& flat, const std::string& pointer) {
  if (!flat.is_object()) return QStringLiteral("—");
  auto it = flat.find(pointer);
  if (it == flat.end()) return QStringLiteral("—");
  return valueText(*it);
}

QString settingHeader(const std::string& pointer) {
  QString h = QString::fromStdString(pointer);
  if (h.startsWith(u'/')) h.remove(0, 1);
  return h;
}

}  // namespace adamix::app
