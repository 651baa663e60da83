// The study document an editor works on: name, description, base-config values by JSON
// pointer, tasks, axes and seeds, read from and written back to the study-file JSON. Writing
// keeps everything the editor does not know (unknown keys, bundle axes, exclusions) and adds a
// base value only when it differs from the run-config defaults or the file already had it.
// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "exec/executor_spec.h"

#include <QString>

#include <nlohmann/json.hpp>

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace adamix::app {

/// A study file as an editable document (see the file comment for what toJson() writes).
class StudyDocument {
 public:
  /// One entry of "tasks": its name and data directory; `raw` keeps the other keys (e.g. "set").
  struct Task {
    QString name;
    QString dataDir;
    nlohmann::json raw = nlohmann::json::object();
  };
  /// One entry of "axes". Path axes edit `path` and `values`; bundle axes (named variant
  /// axes) are kept as `raw` unchanged. `raw` of a path axis keeps its other keys ("labels"
  /// survive while the values are unchanged and as many).
  struct Axis {
    bool bundle = false;
    QString path;
    nlohmann::json values = nlohmann::json::array();
    nlohmann::json raw = nlohmann::json::object();
  };

  /// Reads a study document (as parsed JSON; not validated: see parseStudy()).
  static StudyDocument fromJson(const nlohmann::json& doc);
  /// The study document: the one read, with the edits applied.
  nlohmann::json toJson() const;
  /// The document as read by fromJson().
  const nlohmann::json& original() const { return original_; }

  QString name() const { return name_; }
  void setName(const QString& name) { name_ = name; }
  QString description() const { return description_; }
  /// Sets the description; an empty one is left out of the file.
  void setDescription(const QString& description) { description_ = description; }

  /// The effective base value at `pointer` ("/peft/lora/rank"): the edited value, else the
  /// file's, else runConfigDefaults()'s, else null.
  nlohmann::json baseValue(const std::string& pointer) const;
  /// Sets a base value; written unless it equals the default and the file did not have it. A
  /// number equal to the file's keeps the file's JSON form (8 is not rewritten as 8.0).
  void setBaseValue(const std::string& pointer, const nlohmann::json& value);

  const std::vector<Task>& tasks() const { return tasks_; }
  void setTasks(std::vector<Task> tasks) { tasks_ = std::move(tasks); }
  const std::vector<Axis>& axes() const { return axes_; }
  void setAxes(std::vector<Axis> axes) { axes_ = std::move(axes); }
  /// The "seeds" value as written (integers; anything else is kept for parseStudy to report).
  const nlohmann::json& seeds() const { return seeds_; }
  /// Sets the seeds; an empty array is left out of a file that had no "seeds".
  void setSeeds(const nlohmann::json& seeds) { seeds_ = seeds; }
  /// True when the document read had a "seeds" key.
  bool hasSeeds() const { return original_.contains("seeds"); }

  /// The "executor" section (where the runs execute) as set, else as read (local with defaults
  /// when the file has none). Throws StudyError (path "/executor/…") when the file's section is
  /// invalid and no executor was set.
  ExecutorSpec executor() const;
  /// The "executor" section as read, unparsed (null when the file has none).
  nlohmann::json executorSection() const { return original_.value("executor", nlohmann::json()); }
  /// Sets the executor; written with executorSpecToJson(), except that a local executor without
  /// jobs or threads writes no section (the file's is removed).
  void setExecutor(const ExecutorSpec& spec) { executor_ = spec; }

 private:
  nlohmann::json original_ = nlohmann::json::object();  ///< the document read
  QString name_, description_;
  std::map<std::string, nlohmann::json> edits_;  ///< base pointer → value set
  std::vector<Task> tasks_;
  std::vector<Axis> axes_;
  nlohmann::json seeds_ = nlohmann::json::array();
  std::optional<ExecutorSpec> executor_;  ///< set by setExecutor()
};

}  // namespace adamix::app
