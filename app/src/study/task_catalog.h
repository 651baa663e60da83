// What tables, plots and actions know of a task beyond its name: its display name, its primary
// metric and whether it is a generation task. Built-in tasks take the engine's definitions
// (adamix::primaryMetricOf / taskDisplayName / isGenerationTask of config/run_config.h); own
// datasets (issue 17) are defined by their run configs, which the result loading remembers here,
// so every view that has only a task name finds them (one catalog per process; an own task name
// stands for the latest config seen with it).
// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <nlohmann/json.hpp>

#include <QString>

namespace adamix::app {

/// Known facts of a task.
struct TaskFacts {
  QString displayName;    ///< "SST-2", an own task's display_name, or the name
  QString primarySplit;   ///< "dev" ("dev_matched" for MNLI)
  QString primaryMetric;  ///< engine metric name ("accuracy", "matthews_correlation", "macro_f1", "bleu", ...)
  bool generation = false;
};

/// Remembers the task of a run config (its "task" object); configs of built-in tasks and configs
/// that do not parse are ignored (the name keeps its built-in or default facts).
void rememberTaskConfig(const nlohmann::json& runConfig);

/// Facts of `task`: a remembered own task, a built-in task, or for an unknown name: displayed as
/// is, ranked by dev accuracy, not generation.
TaskFacts taskFacts(const QString& task);

/// Generation task? From a run config when it parses (own tasks of type generation), else by name.
bool isGenerationRun(const nlohmann::json& runConfig, const QString& task);

}  // namespace adamix::app
