// Launching a study, the same way from the GUI and the CLI: fetch the assets it names →
// expand it into runs → plan them against the store → start the runs still to train.
// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "assets/assets.h"
#include "exec/study_runner.h"
#include "study/study.h"

#include <functional>
#include <memory>
#include <stdexcept>
#include <vector>

namespace adamix::app {

/// A launch step that failed for want of something outside the study file: an asset that
/// cannot be fetched (`subject` = its name) or a missing engine. Study-file errors throw
/// StudyError, store errors StoreError.
class LaunchError : public std::runtime_error {
 public:
  enum class Stage { Asset, Engine };
  LaunchError(Stage stage, QString subject, const QString& detail);
  Stage stage() const { return stage_; }
  QString subject() const { return subject_; }
  QString detail() const { return detail_; }

 private:
  Stage stage_;
  QString subject_, detail_;
};

/// The runs of a launch and what will be done with each.
struct LaunchPlan {
  std::vector<PlannedRun> runs;
  qint64 studyId = 0;
  /// How many runs have this action.
  int count(PlannedRun::Action action) const;
  /// True when some run is to be trained or resumed (so the engine is needed).
  bool needsEngine() const;
  /// Skipped runs that are still queued or running (on a cluster, or in another process).
  int inFlight() const;
  /// Runs skipped as already finished that another engine version trained (`current` empty:
  /// none counted). Their numbers may predate semantics the current engine changed; `--force`
  /// (CLI) trains them again.
  int skippedFromOtherEngine(const QString& current) const;
};

/// The executor a study's `executor` section asks for: a LocalExecutor (spec.jobs / threads
/// override `options` when set), or a SlurmExecutor whose submissions go under `slurmScriptDir`
/// (on the cluster's shared filesystem). The job name is "adamix-<study name>". A SlurmExecutor
/// judges its runs lost by spec.slurm.heartbeatTimeoutS; its options().heartbeatTimeoutMs is set
/// to the same.
std::unique_ptr<Executor> createExecutor(const ExecutorSpec& spec, ExecutorOptions options, const QString& slurmScriptDir,
                                         const QString& studyName = {});

/// Called once per asset after fetching it (successfully or not).
using AssetFetched = std::function<void(const QString& name, const FetchResult& result)>;

/// True when `options.enginePath` names an executable file.
bool engineUsable(const ExecutorOptions& options);

/// Steps 1–2: fetches every asset the study names into `cache` (LaunchError on failure), then
/// expands the study with `asset:` references resolved into the cache.
std::vector<ExpandedRun> fetchAndExpand(const Study& study, const AssetCache& cache, const FetchOptions& fetch = {},
                                        const AssetFetched& onFetched = {});

/// Step 3: records the study and its runs in the runner's store and decides each run's action.
LaunchPlan planLaunch(StudyRunner& runner, const Study& study, const QString& studyFile,
                      const std::vector<ExpandedRun>& runs, const PlanOptions& options);

/// Step 4: queues the runs to train or resume (LaunchError when there are some and the engine
/// is not usable). Returns the number queued.
int startLaunch(StudyRunner& runner, const LaunchPlan& plan);

}  // namespace adamix::app
