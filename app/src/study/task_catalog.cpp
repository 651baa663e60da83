// SPDX-License-Identifier: GPL-3.0-or-later
#include "study/task_catalog.h"

#include "config/run_config.h"

#include <QMutex>
#include <QMutexLocker>

#include <map>

namespace adamix::app {

namespace {

QMutex& catalogMutex() {
  static QMutex m;
  return m;
}

/// An own task's facts and the "task" object they were read from (a record read again with the
/// same object is not parsed again: the store reads every run's config on each refresh).
struct Remembered {
  TaskFacts facts;
  nlohmann::json taskObject;
};

std::map<QString, Remembered>& ownTasks() {
  static std::map<QString, Remembered> tasks;
  return tasks;
}

TaskFacts factsOf(const adamix::TaskConfig& t) {
  TaskFacts f;
  f.displayName = QString::fromStdString(adamix::taskDisplayName(t));
  // a GLUE task's first dev split (MNLI: dev_matched), as the engine reports the primary metric on it
  f.primarySplit = adamix::isOwnTask(t) || adamix::isGenerationTask(t)
                       ? QStringLiteral("dev")
                       : QString::fromStdString(adamix::taskSpec(t.name).dev_splits.front());
  f.primaryMetric = QString::fromStdString(adamix::primaryMetricOf(t));
  f.generation = adamix::isGenerationTask(t);
  return f;
}

}  // namespace

void rememberTaskConfig(const nlohmann::json& runConfig) {
  if (!runConfig.is_object()) return;
  const auto task = runConfig.find("task");
  if (task == runConfig.end() || !task->is_object()) return;
  const auto name = task->find("name");
  if (name == task->end() || !name->is_string() || adamix::isBuiltinTask(name->get<std::string>())) return;
  const QString key = QString::fromStdString(name->get<std::string>());
  {
    QMutexLocker lock(&catalogMutex());
    if (auto it = ownTasks().find(key); it != ownTasks().end() && it->second.taskObject == *task) return;
  }
  try {
    const adamix::RunConfig c = adamix::parseRunConfig(runConfig);
    const TaskFacts f = factsOf(c.task);
    QMutexLocker lock(&catalogMutex());
    ownTasks()[key] = {f, *task};
  } catch (const std::exception&) {
    // a config that no longer parses: the name keeps its default facts
  }
}

TaskFacts taskFacts(const QString& task) {
  {
    QMutexLocker lock(&catalogMutex());
    if (auto it = ownTasks().find(task); it != ownTasks().end()) return it->second.facts;
  }
  const std::string name = task.toLower().toStdString();
  if (adamix::isBuiltinTask(name)) return factsOf(adamix::defaultRunConfig(name).task);
  return {task, QStringLiteral("dev"), QStringLiteral("accuracy"), false};
}

bool isGenerationRun(const nlohmann::json& runConfig, const QString& task) {
  try {
    return adamix::isGenerationTask(adamix::parseRunConfig(runConfig).task);
  } catch (const std::exception&) {
    return taskFacts(task).generation;
  }
}

}  // namespace adamix::app
