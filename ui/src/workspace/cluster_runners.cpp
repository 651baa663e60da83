// SPDX-License-Identifier: GPL-3.0-or-later
#include "workspace/cluster_runners.h"

#include "exec/follow_spec.h"
#include "exec/study_launch.h"

#include <QDir>

namespace adamix::ui {

ClusterRunners::ClusterRunners(app::Store& store, app::ExecutorOptions base, QString scriptDir,
                               std::function<void(app::StudyRunner*)> onCreated)
    : store_(store), base_(std::move(base)), scriptDir_(std::move(scriptDir)), onCreated_(std::move(onCreated)) {}

ClusterRunners::~ClusterRunners() = default;

app::StudyRunner* ClusterRunners::runnerFor(const QString& studyName, const app::ExecutorSpec& spec) {
  const nlohmann::json key = app::executorSpecToJson(spec);
  for (const Entry& e : runners_)
    if (e.study == studyName && e.spec == key) return e.runner.get();
  QDir().mkpath(scriptDir_);
  auto runner = std::make_unique<app::StudyRunner>(store_, app::createExecutor(spec, base_, scriptDir_, studyName));
  app::StudyRunner* r = runner.get();
  runners_.push_back({studyName, key, std::move(runner)});
  if (onCreated_) onCreated_(r);
  return r;
}

app::StudyRunner* ClusterRunners::tracking(qint64 runId, const QString& runKey) const {
  // newest first: a study relaunched with other settings is followed by its newest runner
  for (auto it = runners_.rbegin(); it != runners_.rend(); ++it)
    if (it->runner->runId(runKey) == runId) return it->runner.get();
  return nullptr;
}

int ClusterRunners::follow(const std::vector<app::RunRecord>& runs) {
  int n = 0;
  for (app::FollowGroup& g : app::groupRunsToFollow(store_, runs)) {
    std::vector<app::RunRecord> untracked;
    for (app::RunRecord& r : g.runs)
      if (!tracking(r.id, r.runKey)) untracked.push_back(std::move(r));
    if (!untracked.empty()) n += runnerFor(g.study.name, g.spec)->reattach(untracked);
  }
  return n;
}

int ClusterRunners::reattachAll() { return follow(app::runsInFlightOnScheduler(store_)); }

std::vector<app::StudyRunner*> ClusterRunners::all() const {
  std::vector<app::StudyRunner*> out;
  for (const Entry& e : runners_) out.push_back(e.runner.get());
  return out;
}

}  // namespace adamix::ui
