// SPDX-License-Identifier: GPL-3.0-or-later
#include "study/study_document.h"

#include "study/study.h"

namespace adamix::app {

namespace {

std::string stringOr(const json& object, const char* key, const std::string& fallback = {}) {
  if (!object.is_object()) return fallback;
  const auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : fallback;
}

QString qstr(const std::string& s) { return QString::fromStdString(s); }

/// True when `spec` is what the file's `section` says (then the section is kept as written).
bool sameAsRead(const ExecutorSpec& spec, const json& section) {
  if (section.is_null()) return false;
  try {
    return executorSpecToJson(parseExecutorSpec(section)) == executorSpecToJson(spec);
  } catch (const StudyError&) {
    return false;
  }
}

}  // namespace

StudyDocument StudyDocument::fromJson(const json& doc) {
  StudyDocument d;
  d.original_ = doc.is_object() ? doc : json::object();
  d.name_ = qstr(d.original_.value("name", std::string()));
  d.description_ = qstr(d.original_.value("description", std::string()));
  for (const json& t : d.original_.value("tasks", json::array()))
    d.tasks_.push_back({qstr(stringOr(t, "name")), qstr(stringOr(t, "data_dir")), t.is_object() ? t : json::object()});
  for (const json& a : d.original_.value("axes", json::array())) {
    Axis axis;
    axis.raw = a;
    if (a.is_object() && a.contains("path")) {
      axis.path = qstr(stringOr(a, "path"));
      const json values = a.value("values", json::array());
      axis.values = values.is_array() ? values : json::array();
    } else {
      axis.bundle = true;
    }
    d.axes_.push_back(std::move(axis));
  }
  d.seeds_ = d.original_.value("seeds", json::array());
  return d;
}

json StudyDocument::baseValue(const std::string& pointer) const {
  if (const auto it = edits_.find(pointer); it != edits_.end()) return it->second;
  const json::json_pointer ptr(pointer);
  const json base = original_.value("base", json::object());
  if (base.is_object() && base.contains(ptr)) return base[ptr];
  const json& defaults = runConfigDefaults();
  return defaults.contains(ptr) ? defaults[ptr] : json();
}

void StudyDocument::setBaseValue(const std::string& pointer, const json& value) { edits_[pointer] = value; }

json StudyDocument::toJson() const {
  json d = original_;
  d["name"] = name_.trimmed().toStdString();
  if (!description_.trimmed().isEmpty())
    d["description"] = description_.trimmed().toStdString();
  else
    d.erase("description");

  json base = original_.value("base", json::object());
  if (!base.is_object()) base = json::object();
  const json& defaults = runConfigDefaults();
  for (const auto& [pointer, value] : edits_) {
    const json::json_pointer ptr(pointer);
    const bool existed = base.contains(ptr);
    const bool isDefault = defaults.contains(ptr) && defaults[ptr] == value;
    // A number equal to the one in the file keeps its written form (8 stays 8, not 8.0): the
    // config hash reads the JSON as written, so a re-typed number would make every run look new.
    const bool sameNumber = existed && base[ptr].is_number() && value.is_number() && base[ptr] == value;
    if ((existed || !isDefault) && !sameNumber) base[ptr] = value;
  }
  d["base"] = base;

  json tasks = json::array();
  for (const Task& t : tasks_) {
    json out = t.raw.is_object() ? t.raw : json::object();
    out["name"] = t.name.trimmed().toStdString();
    out["data_dir"] = t.dataDir.trimmed().toStdString();
    tasks.push_back(out);
  }
  d["tasks"] = tasks;

  json axes = json::array();
  for (const Axis& a : axes_) {
    if (a.bundle) {
      axes.push_back(a.raw);
      continue;
    }
    json out = a.raw.is_object() ? a.raw : json::object();
    out["path"] = a.path.trimmed().toStdString();
    // labels belong to the values they were written for
    if (out.contains("labels") && (!out["labels"].is_array() || out["labels"].size() != a.values.size()))
      out.erase("labels");
    if (a.raw.is_object() && a.raw.value("values", json()) != a.values) out.erase("labels");
    out["values"] = a.values;
    axes.push_back(out);
  }
  if (!axes.empty() || original_.contains("axes")) d["axes"] = axes;
  if ((!seeds_.is_null() && !seeds_.empty()) || original_.contains("seeds")) d["seeds"] = seeds_;
  if (executor_ && !sameAsRead(*executor_, executorSection())) {
    if (executor_->isSlurm() || executor_->jobs > 0 || executor_->threads > 0)
      d["executor"] = executorSpecToJson(*executor_);
    else
      d.erase("executor");
  }
  return d;
}

ExecutorSpec StudyDocument::executor() const {
  if (executor_) return *executor_;
  const json section = executorSection();
  return section.is_null() ? ExecutorSpec() : parseExecutorSpec(section, "/executor");
}

}  // namespace adamix::app
