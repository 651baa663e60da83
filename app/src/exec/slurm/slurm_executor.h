// The Slurm executor: a study's runs as one job array on a cluster, followed through Slurm's
// job states and the runs' event logs on the shared filesystem (docs/cluster.md).
// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "exec/event_log_tail.h"
#include "exec/executor.h"
#include "exec/slurm/slurm_job_state.h"
#include "exec/slurm/slurm_options.h"

#include <QElapsedTimer>
#include <QHash>
#include <QStringList>
#include <QTimer>

#include <functional>
#include <map>
#include <memory>

class QProcess;

namespace adamix::app {

/// Submits queued runs as one `sbatch` job array (one task per run, at most
/// SlurmOptions::arrayLimit at once; the script is slurmBatchScript(); more than kMaxArrayTasks
/// runs go out as several arrays), then every
/// SlurmOptions::pollSeconds reads each run's <run-dir>/events.jsonl (EventLogTail) and asks
/// `squeue` — then `scontrol show job`, then `sacct` (where accounting exists) for jobs squeue no
/// longer lists — for the jobs' states:
/// waiting → queued (with Slurm's reason), RUNNING → running, ended → the state slurmEndedRun()
/// gives. A run Slurm says is running whose log stays silent for heartbeatTimeoutS is cancelled
/// and ends `lost`. A requeued job (time-limit warning, preemption) goes back to queued and its
/// run resumes from its checkpoint. Slurm commands run asynchronously (the GUI never waits on
/// the controller) except sbatch, whose job id is needed at once. Errors of the commands are
/// reported with protocolWarning() and the poll is retried.
class SlurmExecutor : public Executor {
  Q_OBJECT
 public:
  /// `scriptDir`: where each submission's folder (batch script, run list, Slurm's own logs) is
  /// written; it must be on the filesystem the cluster's nodes share.
  SlurmExecutor(ExecutorOptions options, SlurmOptions slurm, QString scriptDir, QObject* parent = nullptr);
  ~SlurmExecutor() override;

  QString kind() const override { return QStringLiteral("slurm"); }
  /// Queues a run; the runs queued in one event-loop turn are submitted together as one array.
  bool enqueue(const RunSpec& spec) override;
  /// scancel of the run's task (queued runs not yet submitted just end); it ends `cancelled` when
  /// Slurm says so.
  void cancel(const QString& runKey) override;
  void cancelAll() override;
  int runningCount() const override;
  int queuedCount() const override;
  /// The node and the Slurm job id ("<array job>_<task>").
  RunPlacement placement(const QString& runKey) const override;
  const ExecutorOptions& options() const override { return options_; }
  bool attach(const RunSpec& spec, const QString& jobId) override;
  /// Kind "slurm", `jobs` = the array's limit, `threads` = the engine's threads per run, and every
  /// Slurm option this executor submits and follows with (poll interval, heartbeat timeout, …).
  std::optional<ExecutorSpec> launchSpec() const override;

  const SlurmOptions& slurmOptions() const { return slurm_; }
  /// Directory of sbatch/squeue/scontrol/scancel; "" = PATH. Defaults to $ADAMIX_SLURM_BIN
  /// (Slurm installed outside PATH; tests put stand-in commands there).
  void setSlurmBinDir(const QString& dir) { binDir_ = dir; }
  /// Job name of the next submission (default "adamix").
  void setJobName(const QString& name) { jobName_ = name; }
  /// Starts a poll now (after cancel, or for a one-shot status read).
  void pollNow();

 signals:
  /// A submission was accepted: the batch script's path and each run's job id.
  void submitted(const QString& scriptPath, const QStringList& runKeys, const QStringList& jobIds);
  /// One poll cycle is complete (logs read, Slurm asked, states decided).
  void pollFinished();

 private:
  struct Run;
  void submitQueued();
  /// One sbatch job array of `keys` (part > 0: the part-th array of one submission).
  void submit(const QStringList& keys, int part);
  /// Array tasks per sbatch (below Slurm's default MaxArraySize of 1001).
  static constexpr int kMaxArrayTasks = 1000;
  void poll();
  void readLogs();
  /// Reads what the run's log gained; `toTheEnd` (the job has ended) also takes a last line
  /// that has no newline.
  void readLog(Run& run, bool toTheEnd = false);
  void afterSqueue(int exitCode, const QString& out, const QString& err);
  void askScontrol(QStringList arrays);
  void askSacct();
  void decide();
  void apply(Run& run, const SlurmJob* job);
  void end(Run& run, RunState state, RunError error);
  void finishPoll();
  QString program(const char* name) const;
  /// Runs a Slurm command without blocking; `done(exitCode, stdout, stderr)` (-1: did not start).
  void runAsync(const char* program, const QStringList& args,
                std::function<void(int, const QString&, const QString&)> done);
  void warn(const QString& key, const QString& message);

  ExecutorOptions options_;
  SlurmOptions slurm_;
  QString scriptDir_;
  QString binDir_;
  QString jobName_ = QStringLiteral("adamix");
  std::map<QString, std::unique_ptr<Run>> runs_;  ///< in flight (not ended)
  QStringList toSubmit_;                          ///< run keys in enqueue order
  QHash<QString, SlurmJob> seen_;                 ///< this poll's jobs by id
  QTimer pollTimer_;
  QElapsedTimer clock_;
  bool polling_ = false;
  bool submitScheduled_ = false;
  bool sacctUsable_ = true;
  double pollTime_ = 0;
  QString lastWarning_;
};

}  // namespace adamix::app
