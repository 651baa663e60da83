// SPDX-License-Identifier: GPL-3.0-or-later
#include "workspace/cluster_runners.h"

#include "exec/study_launch.h"
#include "study/study.h"

#include <QDir>

#include <map>

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

int ClusterRunners::reattachAll() {
  app::RunFilter f;
  f.statuses = {app::RunState::Queued, app::RunState::Running};
  std::map<qint64, std::vector<app::RunRecord>> byStudy;
  for (app::RunRecord& r : store_.listRuns(f))
    if (app::StudyRunner::inFlightOnScheduler(r) && r.executor == QLatin1String("slurm") && r.studyId)
      byStudy[*r.studyId].push_back(std::move(r));
  int n = 0;
  for (const auto& [studyId, runs] : byStudy) {
    const auto study = store_.study(studyId);
    if (!study) continue;
    app::ExecutorSpec spec;
    try {  // the settings it was launched with (the study file as stored at its last launch)
      if (study->json.is_object() && study->json.contains("executor"))
        spec = app::parseExecutorSpec(study->json.at("executor"));
    } catch (const std::exception&) {
    }
    spec.kind = QStringLiteral("slurm");
    n += runnerFor(study->name, spec)->reattach(runs);
  }
  return n;
}

std::vector<app::StudyRunner*> ClusterRunners::all() const {
  std::vector<app::StudyRunner*> out;
  for (const Entry& e : runners_) out.push_back(e.runner.get());
  return out;
}

}  // namespace adamix::ui
