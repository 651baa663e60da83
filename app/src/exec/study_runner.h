// Runs a study's expanded runs through an Executor (local processes or Slurm jobs) and records
// everything in the Store.
// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "exec/event_replay.h"
#include "exec/local_executor.h"
#include "store/sibling_databases.h"
#include "store/store.h"
#include "study/study.h"

#include <QElapsedTimer>
#include <QHash>
#include <QObject>
#include <QTimer>

#include <map>
#include <memory>
#include <vector>

namespace adamix::app {

/// What StudyRunner::plan() decided for one expanded run.
struct PlannedRun {
  enum class Action { Train, Resume, Skip };
  ExpandedRun run;
  qint64 runId = 0;  ///< row in the store
  QString runDir;
  Action action = Action::Train;
  std::optional<RunState> previousState;  ///< state found in the store (nullopt for a new run)
  QString previousEngineVersion;          ///< `adamix-engine --version` that trained the stored run ("" unknown)
  /// Taken over from a launcher that died with the run in flight: before it resumes, its stored
  /// metric points are rebuilt from its events.jsonl (what the dead launcher had not stored yet).
  bool takenOver = false;
  /// The stored run directory lay in another workspace's runs folder (otherWorkspaceOf(): this
  /// database is a copy of that workspace's): `runDir` is its namesake in this workspace instead,
  /// so that workspace is never written. That other workspace's folder, and the directory left there.
  QString otherWorkspace, otherWorkspaceRunDir;
  /// The stored run directory, made before owner files (runDirOwnerUnknown()), is also named — or
  /// may be — by another database beside this one (a copy in the same folder, or the original of
  /// this copy): training it afresh would clear what that database shows, so `runDir` is a
  /// directory of this database's own instead and otherWorkspaceRunDir the one left untouched.
  /// That database's use of it (SiblingDatabases::useOf()).
  std::optional<SiblingUse> sharedWith;
  /// moveOffSharedLegacyDir() looked at the databases beside this one for it already (the plan):
  /// not read again when it is launched.
  bool siblingsChecked = false;
  /// A resume moved off a shared directory (sharedWith): that directory (otherWorkspaceRunDir),
  /// copied into `runDir` (copyRunDirectory) before the engine starts, unless `runDir` has a
  /// checkpoint already (an earlier launch copied it). Empty otherwise.
  QString copyFrom;
};

/// The store row for one expanded study run, to live in `runDir`.
NewRun newRunFor(const ExpandedRun& run, qint64 studyId, const QString& runDir, RunState status = RunState::Queued);

/// True when `runDir` holds a checkpoint (checkpoint/state.safetensors) to resume from.
bool hasCheckpoint(const QString& runDir);

/// A stored run planned again (the GUI's "resume"): resumed from its checkpoint when it has one
/// and did not finish, else trained afresh. Runs stored without a directory get <runsDir>/<run id>.
PlannedRun planRerun(const RunRecord& record, const QString& runsDir);

/// Options of StudyRunner::plan().
struct PlanOptions {
  QString runsDir;     ///< run directories are <runsDir>/<run id>
  bool force = false;  ///< train again even if an identical config already finished
};

/// Glue between the executor and the store, shared by the CLI and the GUI: plans which runs to
/// train (skipping configs that already finished, resuming interrupted/lost/cancelled runs that
/// have a checkpoint), writes each run's run.json, streams engine events into the store (metric
/// points in batched transactions, heartbeats throttled, results from `finished`), and records
/// each terminal state with its error.
///
/// Several launchers (CLIs, GUIs, on one or several hosts) may share one workspace: a run is
/// trained only by the launcher holding its claim in the store (Store::claimRun, renewed every
/// claimRenewMs, released when the run ends). A run another live launcher holds is followed
/// through the store (runFollowed(), then runEnded() with the state that launcher stored); when
/// that launcher is provably gone (claimHolderGone) this runner takes the claim over and resumes
/// the run (runTakenOver()). A run directory another engine still holds (its .engine.lock) is not
/// touched: the run waits and is retried every busyRetryMs (runDirBusy()).
class StudyRunner : public QObject {
  Q_OBJECT
 public:
  /// Runs on this machine (LocalExecutor).
  StudyRunner(Store& store, ExecutorOptions options, QObject* parent = nullptr);
  /// Runs through `executor` (e.g. a SlurmExecutor); the runner owns it.
  StudyRunner(Store& store, std::unique_ptr<Executor> executor, QObject* parent = nullptr);
  ~StudyRunner() override;

  /// Marks runs left `running` by a dead earlier invocation as `interrupted` (a run whose engine
  /// process is still alive on this host with a recent heartbeat is left alone; runs of a batch
  /// scheduler are followed through it, never marked here). Returns the count.
  static int markDeadRunsInterrupted(Store& store, double heartbeatTimeoutS);
  /// True for a stored run that a batch scheduler may still be running (queued or running, with
  /// a job id): it is followed (reattach()), never trained again by a new launch.
  static bool inFlightOnScheduler(const RunRecord& record);

  /// Upserts the study and its runs into the store and decides each run's action.
  std::vector<PlannedRun> plan(const Study& study, const QString& studyFile, const std::vector<ExpandedRun>& runs,
                               const PlanOptions& options, qint64* studyId = nullptr);
  /// Queues every non-skipped run (writes <runDir>/run.json first) and follows the skipped ones
  /// still in flight on the executor's scheduler (reattach()). Returns the number queued or followed.
  int start(const std::vector<PlannedRun>& planned);
  /// First line of `adamix-engine --version` of the executor's engine (asked once; "" when it
  /// does not answer).
  QString engineVersion();
  /// Queues one run by store id (used by import/resume tools and the GUI) once its claim is won;
  /// a run another live launcher holds is followed instead (runFollowed()). Returns true when the
  /// run is queued, followed or waiting for its directory; false for a skipped run, a store error
  /// or an unwritable run.json.
  bool startRun(const PlannedRun& planned);
  /// Follows stored runs that are in flight on the executor's scheduler (inFlightOnScheduler(),
  /// same executor kind): after the app or CLI was closed mid-study. Their stored metric points
  /// are replaced by what their event logs hold. Returns how many are followed.
  int reattach(const std::vector<RunRecord>& records);
  /// Cancels all queued and running runs; they end `cancelled` (resumable).
  void cancelAll();
  /// Ends the runs of `planned` this runner never started, when the launch stops before starting
  /// them (a stop signal while it planned, no engine to run them): each that planning left queued
  /// in the store (a new run, or one --force queued again) and no live launcher claims ends in
  /// `state` with `why` — without it a run stays queued with no launcher, which deletion refuses.
  /// The others keep their stored state (an interrupted run stays resumable). Returns how many.
  int endUnstarted(const std::vector<PlannedRun>& planned, RunState state, const RunError& why);

  Executor& executor() { return *executor_; }
  /// True when nothing is queued or running here, followed, or waiting for its run directory.
  bool isIdle() const { return executor_->isIdle() && followed_.isEmpty() && waiting_.isEmpty(); }
  /// True while `runKey` is a run another launcher trains and this runner follows.
  bool isFollowed(const QString& runKey) const { return followed_.contains(runKey); }
  /// This runner's identity in run claims (random id, host, pid).
  const ClaimOwner& claimOwner() const { return owner_; }
  /// Terminal state counts of the runs this runner started.
  std::map<RunState, int> outcome() const { return outcome_; }
  /// Label of a run key for display ("rte · AdaMix · s1").
  QString label(const QString& runKey) const { return runs_.value(runKey).label; }
  qint64 runId(const QString& runKey) const { return runs_.value(runKey).id; }

  int metricBatchSize = 256;    ///< flush buffered metric points at this size…
  int metricFlushMs = 2000;     ///< …or this often
  int heartbeatWriteMs = 5000;  ///< store heartbeat times at most this often per run
  /// Seconds a claim stays valid without renewal: a launcher on another host takes a run over only
  /// after this (on the same host, as soon as the owner's process is gone).
  double claimLeaseS = 60;
  int claimRenewMs = 10000;  ///< renew this runner's claims this often (well inside claimLeaseS)
  int followPollMs = 1000;   ///< read the store this often for the runs other launchers train
  int busyRetryMs = 2000;    ///< look again this often at a run directory another engine holds
  /// A resume reads the run's events.jsonl whole (replayEventLogFile) up to this size; a larger
  /// one is not read (storeError()) and the run keeps its stored points. Tests lower it.
  uint64_t maxEventLogBytes = kMaxEventLogBytes;

 signals:
  void runStarted(const QString& runKey);
  void eventReceived(const QString& runKey, const adamix::app::EngineEvent& event);
  void runEnded(const QString& runKey, adamix::app::RunState state, const adamix::app::RunError& error);
  /// Everything queued has ended (metric points flushed, statuses written).
  void allFinished();
  /// The scheduler's state of a run changed (Slurm: PENDING with its reason, RUNNING, …).
  void jobStatusChanged(const QString& runKey, const adamix::app::JobStatus& status);
  /// A store write failed, or a resume could not read the run's event log (the run continues;
  /// the message says what was lost or kept, and names the file at fault).
  void storeError(const QString& message);
  /// A run of this launch is trained by another live launcher (`holder`): it is followed through
  /// the store until it ends (runEnded() with the state that launcher stored).
  void runFollowed(const QString& runKey, const adamix::app::RunClaim& holder);
  /// The stored state of a followed run changed while it is in flight (queued → running).
  void followedRunStateChanged(const QString& runKey, adamix::app::RunState state);
  /// The launcher of a followed run is gone (`previous`): this runner holds its claim now and
  /// continues it (from its checkpoint when it has one).
  void runTakenOver(const QString& runKey, const adamix::app::RunClaim& previous);
  /// A claimed run's directory is held by another adamix-engine process (`enginePid`, 0 when
  /// unknown): nothing in it was touched; the run starts once the directory is free.
  void runDirBusy(const QString& runKey, qint64 enginePid);

 private:
  struct Tracked {
    qint64 id = 0;
    QString label;
    QString runDir;
    qint64 lastHeartbeatMs = 0;
  };
  void onEvent(const QString& key, const EngineEvent& ev);
  void onState(const QString& key, RunState state, const RunError& error);
  void onJobStatus(const QString& key, const JobStatus& status);
  void connectExecutor();
  void track(const QString& key, qint64 runId, const QString& runDir, const QString& task, const QString& variant,
             int seed);
  void flushMetrics();
  /// A resumed run (its `started` event resumes from the checkpoint at `step`): drops the stored
  /// points after `step` (the engine emits them again) and adds the points up to `step` that the
  /// run's events.jsonl holds and the store lacks (pins mlflow#4248 and the points a killed
  /// launcher had not written yet).
  void restorePointsForResume(qint64 runId, const QString& runDir, qint64 step);
  /// The replay of `runDir`'s events.jsonl for a resume (`what`: "reread event log", "resume"),
  /// or nullopt when there is none or it cannot be read: then storeError() names the file and
  /// why, and says that the run keeps the points the store holds (`kept`).
  std::optional<ReplayedRun> replayForResume(const QString& runDir, const char* what, const QString& kept);
  /// A run to train or resume whose directory lies in another workspace's runs folder
  /// (otherWorkspaceOf()) gets the directory of the same name in `runsDir` instead (resumed there
  /// when a copy of its checkpoint is there); p.otherWorkspace* say where it was. Returns true when
  /// it moved p.runDir.
  bool moveIntoThisWorkspace(PlannedRun& p, const QString& runsDir) const;
  /// A run to train afresh or resume whose directory was made before owner files and is named by
  /// another database beside this one (PlannedRun::sharedWith) gets a directory of its own in
  /// `runsDir` (<name>-<database base name>, numbered when taken), a resume a copy of the shared
  /// one there (PlannedRun::copyFrom): the other database's run keeps its files. `siblings`: the
  /// databases beside this one, read on first need. True when it moved.
  bool moveOffSharedLegacyDir(PlannedRun& p, const QString& runsDir, std::optional<SiblingDatabases>& siblings) const;
  /// Claims `p` and launches it, or follows it when another live launcher holds it.
  /// `previousAttemptDied`: the stored run is in flight but its launcher is gone.
  bool claimAndLaunch(PlannedRun p, bool previousAttemptDied);
  /// The claim is ours: re-reads the run (another launcher may have ended it since the plan),
  /// settles Train/Resume and launches.
  bool launchClaimed(PlannedRun p, bool previousAttemptDied);
  /// Writes run.json, clears a fresh run and enqueues it; waits when another engine holds the directory.
  bool launchNow(const PlannedRun& p);
  void follow(const PlannedRun& p, const RunClaim& holder);
  void pollFollowed();
  void retryWaiting();
  /// Ends a followed run with the state another launcher stored.
  void endFollowed(const QString& key, const RunRecord& rec);
  void releaseClaim(qint64 runId);
  /// Emits allFinished() once nothing is queued, running, followed or waiting.
  void maybeAllFinished();
  template <class F>
  void guarded(const char* what, F&& fn);

  Store& store_;
  std::unique_ptr<Executor> executor_;
  QHash<QString, Tracked> runs_;
  std::vector<MetricPoint> pending_;
  QTimer flushTimer_;
  QElapsedTimer clock_;
  std::map<RunState, int> outcome_;
  QString host_;
  QString engineVersion_;
  ClaimOwner owner_;
  QHash<QString, PlannedRun> followed_;  ///< runs another launcher trains, by key
  QHash<QString, PlannedRun> waiting_;   ///< claimed runs whose directory another engine holds
  QHash<QString, PlannedRun> launched_;  ///< the plan of each run this runner enqueued
  QTimer renewTimer_, followTimer_, waitTimer_;
};

}  // namespace adamix::app

Q_DECLARE_METATYPE(adamix::app::RunClaim)
