// SPDX-License-Identifier: GPL-3.0-or-later
#include "exec/study_launch.h"

#include "exec/local_executor.h"
#include "exec/slurm/slurm_executor.h"

#include <QRegularExpression>

#include <QFileInfo>

#include <algorithm>

namespace adamix::app {

LaunchError::LaunchError(Stage stage, QString subject, const QString& detail)
    : std::runtime_error((subject.isEmpty() ? detail : subject + QStringLiteral(": ") + detail).toStdString()),
      stage_(stage),
      subject_(std::move(subject)),
      detail_(detail) {}

int LaunchPlan::count(PlannedRun::Action action) const {
  return int(std::count_if(runs.begin(), runs.end(), [&](const PlannedRun& r) { return r.action == action; }));
}

bool LaunchPlan::needsEngine() const {
  return count(PlannedRun::Action::Train) + count(PlannedRun::Action::Resume) > 0;
}

int LaunchPlan::inFlight() const {
  return int(std::count_if(runs.begin(), runs.end(), [](const PlannedRun& r) {
    return r.action == PlannedRun::Action::Skip && r.previousState && !isTerminal(*r.previousState);
  }));
}

bool engineUsable(const ExecutorOptions& options) {
  return !options.enginePath.isEmpty() && QFileInfo(options.enginePath).isExecutable();
}

std::vector<ExpandedRun> fetchAndExpand(const Study& study, const AssetCache& cache, const FetchOptions& fetch,
                                        const AssetFetched& onFetched) {
  for (const QString& name : studyAssets(study)) {
    const FetchResult r = cache.fetch(name, fetch);
    if (onFetched) onFetched(name, r);
    if (!r.ok) throw LaunchError(LaunchError::Stage::Asset, name, r.error);
  }
  ExpandOptions eo;
  eo.assetRoot = cache.cacheDir();
  return expandStudy(study, eo);
}

int LaunchPlan::skippedFromOtherEngine(const QString& current) const {
  if (current.isEmpty()) return 0;
  return int(std::count_if(runs.begin(), runs.end(), [&](const PlannedRun& p) {
    return p.action == PlannedRun::Action::Skip && !p.previousEngineVersion.isEmpty() &&
           p.previousEngineVersion != current;
  }));
}

std::unique_ptr<Executor> createExecutor(const ExecutorSpec& spec, ExecutorOptions options, const QString& slurmScriptDir,
                                         const QString& studyName) {
  if (spec.jobs > 0) options.jobs = spec.jobs;
  if (spec.threads > 0) options.threadsPerRun = spec.threads;
  if (!spec.isSlurm()) return std::make_unique<LocalExecutor>(std::move(options));
  SlurmOptions slurm = spec.slurm;
  if (spec.jobs > 0) slurm.arrayLimit = spec.jobs;  // runs at once = the array's %K
  // a Slurm run is judged lost by slurm.heartbeatTimeoutS (its event log's silence); the options
  // say the same, so that options() does not report a local default nobody applies
  options.heartbeatTimeoutMs = slurm.heartbeatTimeoutS * 1000;
  auto ex = std::make_unique<SlurmExecutor>(std::move(options), slurm, slurmScriptDir);
  QString name = slurm.jobName;
  if (name.isEmpty()) {
    name = QStringLiteral("adamix-") + studyName;
    name.replace(QRegularExpression(QStringLiteral("[^A-Za-z0-9._-]+")), QStringLiteral("_"));
  }
  ex->setJobName(name);
  return ex;
}

LaunchPlan planLaunch(StudyRunner& runner, const Study& study, const QString& studyFile,
                      const std::vector<ExpandedRun>& runs, const PlanOptions& options) {
  LaunchPlan plan;
  plan.runs = runner.plan(study, studyFile, runs, options, &plan.studyId);
  return plan;
}

int startLaunch(StudyRunner& runner, const LaunchPlan& plan) {
  if (plan.needsEngine() && !engineUsable(runner.executor().options()))
    throw LaunchError(LaunchError::Stage::Engine, runner.executor().options().enginePath,
                      QStringLiteral("adamix-engine not found"));
  return runner.start(plan.runs);
}

}  // namespace adamix::app
