// The runners with which one `adamix` command follows runs in flight on Slurm: one per study and
// launch settings (app::groupRunsToFollow(): the settings each run was submitted with), each
// reporting on the terminal. Used by `study run`, `study follow` and `study cancel`.
// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "progress.h"

#include "exec/executor_spec.h"
#include "exec/study_runner.h"
#include "store/store.h"

#include <QObject>
#include <QString>

#include <functional>
#include <map>
#include <memory>
#include <vector>

namespace adamix::cli {

/// A runner that follows runs of study `studyName` on Slurm (StudyRunner::reattach()) with the
/// executor settings `spec` (app::followSpecFor()); its submissions would go to <db dir>/slurm.
std::unique_ptr<app::StudyRunner> clusterRunner(app::Store& store, const QString& studyName,
                                                const app::ExecutorSpec& spec);

/// Follows stored runs that are in flight on Slurm, each group of app::groupRunsToFollow() through
/// its own runner and Progress.
class ClusterFollowers {
 public:
  /// One runner per group of `runs` (none when `runs` is empty); `tty`: live progress bars.
  ClusterFollowers(app::Store& store, const std::vector<app::RunRecord>& runs, bool tty);
  ~ClusterFollowers();
  ClusterFollowers(const ClusterFollowers&) = delete;
  ClusterFollowers& operator=(const ClusterFollowers&) = delete;

  /// Starts following every group's runs; returns how many runs are followed.
  int reattach();
  /// True when there is nothing to follow (no group).
  bool empty() const { return followers_.empty(); }
  /// True when no runner has a run in flight.
  bool isIdle() const;
  /// scancel of every followed run (StudyRunner::cancelAll()).
  void cancelAll();
  /// Calls `done` (in `context`) each time one runner's runs have all ended.
  void onAllFinished(QObject* context, const std::function<void()>& done);
  /// Terminal states of the followed runs, over all runners.
  std::map<app::RunState, int> outcome() const;
  /// Prints a line above the live bars.
  void log(const QString& line);
  /// Removes the live bars (before the final summary).
  void finish();

 private:
  struct Follower {
    std::unique_ptr<app::StudyRunner> runner;
    std::unique_ptr<Progress> progress;  ///< destroyed before its runner
    std::vector<app::RunRecord> runs;
  };
  std::vector<Follower> followers_;
};

}  // namespace adamix::cli
