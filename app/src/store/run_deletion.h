// Deleting runs or a study from a workspace: what will go (rows per table, run directories),
// what stays and why, and carrying it out. Shared by `adamix run delete` / `adamix study delete`
// and the GUI's Delete… so both ask about, and remove, the same things.
// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "store/store.h"

#include <QString>
#include <QStringList>

#include <optional>
#include <vector>

namespace adamix::app {

/// A path a deletion leaves on disk, and why.
struct KeptPath {
  QString path;
  QString reason;  ///< "outside the workspace's runs folder …", "also the run directory of run 7", …
};

/// What deleting some runs, or a study, will remove: planned first (for the confirmation), then
/// carried out by deleteRunsAndDirectories().
struct RunDeletion {
  std::optional<StudyRecord> study;  ///< set when a whole study is deleted
  std::vector<RunRecord> runs;       ///< the runs to delete
  std::vector<RunRecord> busy;       ///< queued or running ones among them: the deletion is refused while any
  RowCounts rows;                    ///< database rows per table ("runs", "metric_points", …, "studies")
  QStringList removeDirs;            ///< run directories that will be removed (inside the runs folder)
  std::vector<KeptPath> kept;        ///< run directories and output files that stay on disk, with why
  /// A study's runs that stay, as another study has them too (Store::otherStudiesOf), with why
  /// ("also in study demo-2"): their rows and directories are kept.
  std::vector<std::pair<RunRecord, QString>> keptRuns;
  /// Runs to delete that other studies include too (Store::otherStudiesOf), with whose ("study
  /// demo-2"): they go from those studies as well.
  std::vector<std::pair<RunRecord, QString>> sharedRuns;

  /// True while some of the runs are queued or running (cancel them first).
  bool refused() const { return !busy.empty(); }
  /// "3 runs of study demo", "run 7", "study demo (20 runs)": the subject, for prompts and titles.
  QString subject() const;
  /// Plain-text lines: the runs, the rows per table, the directories removed, what is kept.
  QStringList describe() const;
};

/// Plans deleting these runs (store ids; unknown ids are a StoreError). Run directories are removed
/// only when they lie inside `runsDir` (the workspace's runs folder, <db dir>/runs) after resolving
/// links, are not the folder itself, no remaining run uses them, they belong to no other workspace
/// (otherWorkspaceOf()), and — for one without an owner file (made before them) — no other
/// database beside this one names it, or may (SiblingDatabases: one that cannot be read keeps it).
RunDeletion planRunDeletion(Store& store, const std::vector<qint64>& runIds, const QString& runsDir);
/// Plans deleting a study with its runs (as planRunDeletion), but for those another study also has
/// (RunDeletion::keptRuns, as Store::deleteStudy keeps them); its study file is kept.
RunDeletion planStudyDeletion(Store& store, qint64 studyId, const QString& runsDir);

/// What deleteRunsAndDirectories() did.
struct DeletionOutcome {
  RowCounts rows;              ///< rows removed per table
  QStringList removedDirs;     ///< run directories removed
  std::vector<KeptPath> kept;  ///< what stayed (the plan's, plus directories that could not be removed)
};

/// Deletes the planned rows in one transaction (Store::deleteRuns / deleteStudy, which refuse
/// queued or running runs with RunBusyError), then removes the planned run directories, each
/// checked again to lie inside `runsDir`. Throws StoreError (nothing removed) when the database
/// part fails.
DeletionOutcome deleteRunsAndDirectories(Store& store, const RunDeletion& plan, const QString& runsDir);

/// "1 study, 2 runs, 9 metric points, 4 results, 1 artifact record, 2 evaluations": rows per table in words.
QString rowCountsText(const RowCounts& rows);

/// True when `path` exists and lies strictly inside `folder` once links are resolved.
bool liesInside(const QString& path, const QString& folder);

}  // namespace adamix::app
