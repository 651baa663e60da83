// The run queues of a workspace's studies that execute on a Slurm cluster: one StudyRunner with
// a SlurmExecutor per study and executor settings, beside the workspace's local queue. Their runs
// belong to the cluster: closing the workspace never cancels them, opening it follows them again,
// each with the settings it was submitted with (app::followSpecFor()).
// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "exec/executor_spec.h"
#include "exec/study_runner.h"
#include "store/store.h"

#include <QString>

#include <functional>
#include <memory>
#include <vector>

namespace adamix::ui {

/// Owns the Slurm StudyRunners of one open workspace.
class ClusterRunners {
 public:
  /// `base`: the engine and threads every run gets; `scriptDir`: where the sbatch submissions are
  /// written (<workspace dir>/slurm); `onCreated` is called with each runner made.
  ClusterRunners(app::Store& store, app::ExecutorOptions base, QString scriptDir,
                 std::function<void(app::StudyRunner*)> onCreated);
  /// Destroys the runners without cancelling anything: the jobs go on on the cluster.
  ~ClusterRunners();

  /// The runner of study `studyName` with executor `spec` (created on first use; a study whose
  /// executor settings changed gets a new one, the old one keeps following its runs).
  app::StudyRunner* runnerFor(const QString& studyName, const app::ExecutorSpec& spec);
  /// The runner that follows store run `runId` (queue key `runKey`), or null.
  app::StudyRunner* tracking(qint64 runId, const QString& runKey) const;
  /// Follows `runs` (stored runs in flight on Slurm, StudyRunner::inFlightOnScheduler), each
  /// through the runner of its study and of the settings it was submitted with
  /// (app::groupRunsToFollow()); a run some runner here already follows is left to it. Returns how
  /// many are newly followed.
  int follow(const std::vector<app::RunRecord>& runs);
  /// follow() of every stored run in flight on Slurm. Returns how many are followed.
  int reattachAll();
  /// Every runner made so far.
  std::vector<app::StudyRunner*> all() const;

 private:
  struct Entry {
    QString study;
    nlohmann::json spec;  ///< executorSpecToJson() of its executor
    std::unique_ptr<app::StudyRunner> runner;
  };
  app::Store& store_;
  app::ExecutorOptions base_;
  QString scriptDir_;
  std::function<void(app::StudyRunner*)> onCreated_;
  std::vector<Entry> runners_;
};

}  // namespace adamix::ui
