// Which runs a later session follows on a batch scheduler, and with which executor settings: those
// each run was submitted with (runs.launch_executor), not the study document's executor section,
// which a later launch of the study (on this machine, or with other options) rewrites. One
// definition for `adamix study run / follow / cancel / status` and the GUI's reattachment.
// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "exec/executor_spec.h"
#include "exec/study_launch.h"
#include "store/store.h"

#include <optional>
#include <vector>

namespace adamix::app {

/// The settings `run` was last submitted with (RunRecord::launchExecutor, kind "slurm"), or
/// nullopt when none is stored (queued locally, or submitted before schema v10). Read leniently:
/// a key or value this build does not accept keeps its default, the rest is kept.
std::optional<ExecutorSpec> launchSpecOf(const RunRecord& run);

/// The executor settings to follow in-flight run `run` of `study` with: launchSpecOf(run); for a
/// run submitted before schema v10, the executor section of the study document as stored (the
/// study file of its latest launch); Slurm's defaults where neither says more. The kind is always
/// "slurm" (a run with a job id was submitted to Slurm, whatever the study says now).
ExecutorSpec followSpecFor(const RunRecord& run, const StudyRecord& study);

/// Runs of one study that one executor follows: they share followSpecFor().
struct FollowGroup {
  StudyRecord study;
  ExecutorSpec spec;
  std::vector<RunRecord> runs;
};

/// `runs` grouped by (study, followSpecFor()), groups and their runs in the order of `runs`. Runs
/// without a study, or whose study is no longer stored, are left out (no settings to follow them).
std::vector<FollowGroup> groupRunsToFollow(Store& store, const std::vector<RunRecord>& runs);

/// The stored runs queued or running on a batch scheduler (StudyRunner::inFlightOnScheduler()):
/// of study `studyId`, or of every study.
std::vector<RunRecord> runsInFlightOnScheduler(Store& store, std::optional<qint64> studyId = std::nullopt);

/// Takes out of `plan` the runs it skips because an earlier submission is still queued or running
/// on a batch scheduler, and returns their records. A launch follows those with the settings they
/// were submitted with (groupRunsToFollow()), not with its own runner, whose settings may differ:
/// the rest of the plan is what its runner starts (startLaunch()).
std::vector<RunRecord> takeRunsToFollow(Store& store, LaunchPlan& plan);

}  // namespace adamix::app
