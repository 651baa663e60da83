// Slurm's view of a job, read from `squeue` and `scontrol show job -o`, and what it means for a
// run: the state mapping of docs/cluster.md ("How states map").
// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "exec/run_state.h"

#include <QHash>
#include <QString>

#include <optional>

namespace adamix::app {

/// One job (or array task) as Slurm reports it.
struct SlurmJob {
  QString jobId;    ///< "<array job>_<task>" for array tasks, else the job id
  QString state;    ///< JobState: PENDING, RUNNING, COMPLETED, FAILED, CANCELLED, TIMEOUT, …
  QString reason;   ///< Reason ("None" is read as "")
  QString node;     ///< NodeList / BatchHost ("" while pending)
  int exitCode = -1;    ///< ExitCode before the colon (-1 unknown)
  int exitSignal = 0;   ///< ExitCode after the colon: the signal that ended the batch script
  int restarts = 0;     ///< Restarts (requeues)
};

/// The squeue format the executor asks for: `squeue -h -r -o '%i|%T|%r|%N' -j …`.
inline constexpr const char* kSqueueFormat = "%i|%T|%r|%N";

/// Parses squeue lines in kSqueueFormat, keyed by job id. Lines that do not have four fields
/// are skipped.
QHash<QString, SlurmJob> parseSqueue(const QString& text);

/// Parses `scontrol show job -o` output (one job per line, KEY=VALUE pairs), keyed by job id
/// ("<ArrayJobId>_<ArrayTaskId>" for array tasks). A record of several tasks that never started
/// (ArrayTaskId=1-3%2, e.g. after the whole array was cancelled) stands for each of them.
QHash<QString, SlurmJob> parseScontrolJobs(const QString& text);

/// The sacct format the executor asks for where accounting exists:
/// `sacct -n -P -X -o JobID,State,ExitCode,NodeList -j …`.
inline constexpr const char* kSacctFormat = "JobID,State,ExitCode,NodeList";
/// Parses sacct lines in kSacctFormat ("102_0|CANCELLED by 0|0:15|node1"), keyed by job id.
QHash<QString, SlurmJob> parseSacct(const QString& text);

/// The task indices of an ArrayTaskId field: "3" → {3}; "1-3%2" → {1, 2, 3}; "0,4-8:2" →
/// {0, 4, 6, 8}. Empty for text that is not such a list, or for more than 100000 indices.
QList<int> arrayTaskIndices(const QString& field);

/// True for states after which the job will not run again (COMPLETED, FAILED, CANCELLED, TIMEOUT,
/// OUT_OF_MEMORY, NODE_FAIL, BOOT_FAIL, DEADLINE, PREEMPTED without requeue, SPECIAL_EXIT …).
bool isSlurmJobEnded(const QString& state);
/// True while the job waits for a node: PENDING, REQUEUED, REQUEUE_HOLD, REQUEUE_FED,
/// CONFIGURING, RESV_DEL_HOLD, SUSPENDED counts as running.
bool isSlurmJobWaiting(const QString& state);

/// What the engine wrote last in the run's events.jsonl (after its last `started`).
struct EngineOutcome {
  bool finished = false;         ///< a `finished` event
  std::optional<RunError> error; ///< the last `error` event
};

/// Words of a cancel that this process did not ask for (another process, scancel, an admin).
inline constexpr const char* kCancelledOutsideTheApp = "was cancelled outside the app";

/// The run's terminal state for a job Slurm reports ended, from the job and the engine's own
/// last word. COMPLETED + finished → finished; CANCELLED → cancelled; TIMEOUT, OUT_OF_MEMORY,
/// NODE_FAIL, BOOT_FAIL, DEADLINE → failed with kind timeout/out-of-memory/node-fail/boot-fail/
/// deadline and the reason in plain words; FAILED → failed with the engine's error when it gave
/// one, else lost when a signal ended it, else failed with the exit code; PREEMPTED → interrupted.
/// `cancelRequested`: the app asked for the cancel (worded so).
std::pair<RunState, RunError> slurmEndedRun(const SlurmJob& job, const EngineOutcome& engine, bool cancelRequested,
                                            const QString& timeLimit = {});

/// Polls in a row a job must be unknown to squeue, scontrol and sacct before a run whose log does
/// not say how it ended is given up as lost.
inline constexpr int kForgottenJobPolls = 3;

/// The run's terminal state for a job Slurm no longer knows (ended longer ago than the controller
/// keeps jobs, no accounting; or a pending array task that was cancelled, which Slurm forgets at
/// once), unknown for `missingPolls` polls in a row; nullopt while it cannot be decided yet. The
/// log decides at once when it says how the engine ended (finished, or an error that is not a
/// stop to resume: `interrupted`, `preempted`); a cancel the app asked for (`cancelRequested`) is
/// cancelled at once; otherwise, after kForgottenJobPolls, interrupted/preempted → interrupted, failed with
/// another error, else lost.
std::optional<std::pair<RunState, RunError>> slurmForgottenRun(const QString& jobId, const EngineOutcome& engine,
                                                               bool cancelRequested, int missingPolls);

/// Plain words for a waiting job's reason ("waiting for the array's limit of runs at once" for
/// JobArrayTaskLimit, "waiting for free resources" for Resources, …); the reason itself when
/// unknown.
QString slurmReasonText(const QString& reason);

}  // namespace adamix::app
