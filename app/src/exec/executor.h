// What runs a study's runs: the interface shared by the local executor (child processes) and the
// Slurm executor (batch jobs), so the study runner, the monitor and the CLI drive both alike.
// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "exec/engine_events.h"
#include "exec/executor_spec.h"
#include "exec/run_process.h"
#include "exec/run_state.h"

#include <QObject>
#include <QString>

#include <optional>

namespace adamix::app {

/// Where and how a run that has started executes, for the store and the monitor.
struct RunPlacement {
  QString host;          ///< machine (local host name, or the Slurm node)
  qint64 pid = 0;        ///< engine process id on `host` (0: not known, e.g. on a cluster node)
  QString jobId;         ///< scheduler job id ("" for local runs; Slurm: "<array job>_<task>")
};

/// A scheduler's view of a run that is not decided yet (Slurm: JobState and Reason).
struct JobStatus {
  QString jobId;   ///< the scheduler's job id
  QString state;   ///< the scheduler's own word (PENDING, RUNNING, REQUEUED, …); "" unknown
  QString reason;  ///< why it waits or ended, in the scheduler's words ("" none)
  double time = 0; ///< UNIX seconds of the poll that saw it (one time for all runs of one poll)
};

/// Runs RunSpecs and reports their events and states. Each run key moves through
/// runStateChanged(Queued) → runStarted → runStateChanged(Running) → runStateChanged(terminal);
/// an executor that requeues runs (Slurm preemption, time limits) may go back from Running to
/// Queued. allFinished() fires whenever nothing is queued or running any more.
class Executor : public QObject {
  Q_OBJECT
 public:
  using QObject::QObject;
  ~Executor() override = default;

  /// Short name stored with each run ("local", "slurm").
  virtual QString kind() const = 0;
  /// Queues a run (state `queued`). Returns false if a run with the same key is already in flight.
  virtual bool enqueue(const RunSpec& spec) = 0;
  /// Cancels one run; it ends `cancelled` (a running engine checkpoints first).
  virtual void cancel(const QString& runKey) = 0;
  /// Cancels every run of this executor.
  virtual void cancelAll() = 0;
  virtual int runningCount() const = 0;
  virtual int queuedCount() const = 0;
  bool isIdle() const { return runningCount() == 0 && queuedCount() == 0; }
  /// Where a started run executes (empty fields when not known).
  virtual RunPlacement placement(const QString& runKey) const = 0;
  /// The engine executable, --threads and heartbeat settings every run gets.
  virtual const ExecutorOptions& options() const = 0;
  /// Follows a run an earlier app session submitted (`jobId` as stored): its state comes from the
  /// scheduler, its events from its run directory's log, read again from the start. Returns
  /// false when this executor cannot follow runs it did not start (local processes).
  virtual bool attach(const RunSpec& spec, const QString& jobId) {
    Q_UNUSED(spec);
    Q_UNUSED(jobId);
    return false;
  }
  /// The settings each run this executor queues is submitted with, as a study's executor section
  /// (stored with the run, RunRecord::launchExecutor, so that a later session follows it with
  /// them: followSpecFor()). nullopt for executors whose runs no later session follows (local).
  virtual std::optional<ExecutorSpec> launchSpec() const { return std::nullopt; }

 signals:
  void runQueued(const QString& runKey);
  void runStarted(const QString& runKey);
  void eventReceived(const QString& runKey, const adamix::app::EngineEvent& event);
  void protocolWarning(const QString& runKey, const QString& message);
  void runStateChanged(const QString& runKey, adamix::app::RunState state, const adamix::app::RunError& error);
  /// The scheduler's state of a run changed (Slurm only): shown beside the run state.
  void jobStatusChanged(const QString& runKey, const adamix::app::JobStatus& status);
  /// The run's event log is read again from its start (a reattach, or a log that was replaced):
  /// what was ingested from it before is to be dropped, the events follow again.
  void eventLogRestarted(const QString& runKey);
  void allFinished();
};

}  // namespace adamix::app

Q_DECLARE_METATYPE(adamix::app::JobStatus)
