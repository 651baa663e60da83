// A workspace: one SQLite database (the Store) and its runs folder, plus the run queues that
// train into it (the local one, and one per study that executes on Slurm). Shared by every
// screen of the GUI.
// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "exec/study_runner.h"
#include "store/store.h"
#include "study/study.h"

#include <QObject>
#include <QString>

#include <memory>
#include <vector>

namespace adamix::ui {

class ClusterRunners;

/// Settings of the local run queue (persisted in QSettings under "exec/").
struct QueueSettings {
  /// Parallel runs by default: 2, the demo's setting (experiments/demo.json and scripts/demo.sh
  /// train with `--jobs 2 --threads 1`, sized for a 2-core machine); also in default-settings.ini.
  static constexpr int kDefaultJobs = 2;
  int jobs = kDefaultJobs;
  int threadsPerRun = 1;
  int heartbeatTimeoutS = app::kDefaultHeartbeatTimeoutS;
  QString enginePath;  ///< empty: app::locateEngine() decides
  static QueueSettings load();
  void save() const;
};

/// The open workspace: database path, runs folder (<db dir>/runs, as the CLI), the Store
/// connection and the StudyRunner that launches runs. Emits `changed()` (throttled) whenever
/// runs or studies change so views can refresh.
class Workspace : public QObject {
  Q_OBJECT
 public:
  explicit Workspace(QObject* parent = nullptr);
  ~Workspace() override;

  /// Opens (creating if needed) the database; runs left "running" by a dead app become
  /// interrupted, runs in flight on Slurm are followed again (each study's cluster runner is
  /// announced with runnerCreated()). False with `error` set on failure (the previous workspace
  /// stays open).
  bool open(const QString& dbPath, QString* error = nullptr);
  /// Closes the workspace: cancels the local runs (resumable), leaves the Slurm runs running on
  /// the cluster (the next open follows them again).
  void close();
  bool isOpen() const { return store_ && store_->isOpen(); }
  QString dbPath() const { return dbPath_; }
  QString runsDir() const;
  /// Where the designer saves studies created in the GUI (<db dir>/studies).
  QString studiesDir() const;
  app::Store& store() { return *store_; }

  /// The local run queue (created on first use with the current QueueSettings).
  app::StudyRunner* runner();
  /// The run queue of a study whose executor is Slurm (created on first use; its sbatch
  /// submissions go under <workspace dir>/slurm).
  app::StudyRunner* clusterRunner(const QString& studyName, const app::ExecutorSpec& spec);
  /// Every run queue made so far: the local one (if made) and the cluster ones.
  std::vector<app::StudyRunner*> runners() const;
  /// True while runs are queued or running in the local queue. Runs on Slurm do not count: they
  /// are the cluster's, go on when the workspace is closed or the app quits, and are followed
  /// again when the workspace is opened, so they never hold up switching workspaces or quitting.
  bool isBusy() const { return runner_ && !runner_->isIdle(); }
  /// True while runs of this workspace are queued or running on Slurm (as far as followed).
  bool hasClusterRuns() const;

  /// Expands `study` (resolving `asset:` references through the asset cache, fetching what
  /// is missing), records it in the store and queues the runs that are not finished yet; runs
  /// still queued or running on Slurm are followed with the settings they were submitted with.
  /// Returns the number of runs queued or followed, or -1 with `error` set.
  int launchStudy(const app::Study& study, const QString& studyFile, bool force, QString* error);
  /// Queues one stored run again: resumed from its checkpoint when it has one, else retrained. A
  /// run last submitted to Slurm goes there again with the settings it was submitted with
  /// (app::launchSpecOf()); others go where their study's stored executor section says.
  bool resumeRun(qint64 runId, QString* error);
  /// True when the stored run stopped without finishing (failed, cancelled, lost, interrupted).
  bool canResume(qint64 runId);
  /// resumeRun() for each resumable run of `runIds` (the others are skipped); returns how many
  /// were queued, with one "label: reason" line per run that could not be in `errors`.
  int resumeRuns(const QList<qint64>& runIds, QStringList* errors);
  /// Cancels one run by store id (queued or running) through the queue that follows it (scancel
  /// for a Slurm run); false if no queue follows it.
  bool cancelRun(qint64 runId);
  /// Cancels every queued and running run of every queue, Slurm runs included.
  void cancelAll();
  /// The queue key (config hash) of a stored run.
  QString runKey(qint64 runId);

  /// Asks views to refresh (coalesced to at most one `changed()` per 300 ms).
  void notifyChanged();

 signals:
  void opened(const QString& dbPath);
  void closed();
  /// Runs or studies changed (state, new runs, results).
  void changed();
  /// A run queue was made (the local one, or a study's Slurm one): views follow its signals. It
  /// lives until the workspace is closed.
  void runnerCreated(adamix::app::StudyRunner* runner);

 private:
  std::unique_ptr<app::Store> store_;
  /// The engine, threads and heartbeat of the current QueueSettings.
  static app::ExecutorOptions queueOptions();
  /// Announces a new runner: workspace refreshes on its run changes, runnerCreated().
  void adopt(app::StudyRunner* runner);

  std::unique_ptr<app::StudyRunner> runner_;
  std::unique_ptr<ClusterRunners> cluster_;
  QString dbPath_;
  bool changePending_ = false;
};

}  // namespace adamix::ui
