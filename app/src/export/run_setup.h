// What a run was trained with, as tables need it to keep unlike runs apart (issue 18): a results
// row must never average runs that were trained differently, even when they carry one label
// (a study edited and launched again, runs of a variant whose definition changed).
// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QString>
#include <QStringList>

#include <nlohmann/json.hpp>

#include <set>
#include <string>
#include <vector>

namespace adamix::app {

/// One run as the comparison sees it.
struct RunSetup {
  QString task;
  /// The run's row identity before settings are considered: its axis labels, in axis order.
  QStringList labels;
  /// Flattened run config (JSON pointer → leaf value) without `seed` and `run_id`, completed
  /// with the schema defaults (trainingSetup()). Null when the run's config is unknown (runs
  /// without a stored config take no part in the comparison).
  nlohmann::json flat;
  /// JSON pointers its study's axes set (path axes: the path; variant axes: every pointer any
  /// of the axis' values sets). Differences there are the ablation, not a hidden difference.
  std::set<std::string> axisPaths;
  /// False when the axes' pointers are unknown (a variant axis whose study file is gone): only
  /// runs with the same labels are then compared.
  bool axisPathsKnown = true;
};

/// `config` without `seed` and `run_id`, merged onto the run-config defaults and flattened to
/// JSON pointer → leaf value (arrays are leaves), without the settings that do not change what is
/// trained (/train/log_every_steps, checkpoint_every_steps, threads, device, eval_batch_size).
/// Strings that are asset paths — under `assetRoot` (may be empty), or another machine's cache
/// path ending in one of `assetNames` (an imported run) — are written as `asset:NAME`
/// (assetRefOfPath()), so where the asset cache lies is not a difference.
/// Returns null (unknown) for a config that is not an object or is empty.
nlohmann::json trainingSetup(const nlohmann::json& config, const QString& assetRoot = {},
                             const QStringList& assetNames = {});

/// Settings (JSON pointers, sorted) that tell unlike runs apart within a task: a pointer whose
/// value differs between two runs of one task that have the same labels, or between two runs of
/// one task outside the pointers their axes set (when both runs' axis pointers are known).
/// Empty when every run of a task was trained alike apart from its axes and seed.
std::vector<std::string> untrackedSettings(const std::vector<RunSetup>& runs);

/// True when `pointer` is one of `paths` or lies below one of them ("/a/b" is under "/a").
bool pointerUnder(const std::string& pointer, const std::set<std::string>& paths);

/// A run's value at `pointer` as table text: strings unquoted, numbers and arrays as JSON,
/// "—" when the run has no value there (or no known config).
QString settingText(const nlohmann::json& flat, const std::string& pointer);

/// Header text of a setting: the pointer without its leading slash ("train/epochs").
QString settingHeader(const std::string& pointer);

}  // namespace adamix::app
