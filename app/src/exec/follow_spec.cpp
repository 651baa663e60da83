// SPDX-License-Identifier: GPL-3.0-or-later
#include "exec/follow_spec.h"

#include "exec/study_runner.h"

#include <map>
#include <string>
#include <utility>

namespace adamix::app {

std::optional<ExecutorSpec> launchSpecOf(const RunRecord& run) {
  if (!run.launchExecutor.is_object()) return std::nullopt;
  ExecutorSpec spec = readExecutorSpecLeniently(run.launchExecutor);
  if (!spec.isSlurm()) return std::nullopt;  // only a scheduler's settings are stored
  return spec;
}

ExecutorSpec followSpecFor(const RunRecord& run, const StudyRecord& study) {
  if (auto stored = launchSpecOf(run)) return *stored;
  ExecutorSpec spec;
  if (study.json.is_object() && study.json.contains("executor")) {
    try {
      spec = parseExecutorSpec(study.json.at("executor"));
    } catch (const std::exception&) {
      spec = {};  // a section this build cannot read: Slurm's defaults
    }
  }
  spec.kind = QStringLiteral("slurm");
  return spec;
}

std::vector<FollowGroup> groupRunsToFollow(Store& store, const std::vector<RunRecord>& runs) {
  std::vector<FollowGroup> groups;
  std::map<std::pair<qint64, std::string>, size_t> index;  // (study, spec as JSON) → groups[i]
  std::map<qint64, std::optional<StudyRecord>> studies;
  for (const RunRecord& run : runs) {
    if (!run.studyId) continue;
    auto st = studies.find(*run.studyId);
    if (st == studies.end()) st = studies.emplace(*run.studyId, store.study(*run.studyId)).first;
    if (!st->second) continue;
    const ExecutorSpec spec = followSpecFor(run, *st->second);
    const auto key = std::make_pair(*run.studyId, executorSpecToJson(spec).dump());
    auto it = index.find(key);
    if (it == index.end()) {
      it = index.emplace(key, groups.size()).first;
      groups.push_back({*st->second, spec, {}});
    }
    groups[it->second].runs.push_back(run);
  }
  return groups;
}

std::vector<RunRecord> runsInFlightOnScheduler(Store& store, std::optional<qint64> studyId) {
  RunFilter f;
  f.studyId = studyId;
  f.statuses = {RunState::Queued, RunState::Running};
  std::vector<RunRecord> out;
  for (RunRecord& r : store.listRuns(f))
    if (StudyRunner::inFlightOnScheduler(r)) out.push_back(std::move(r));
  return out;
}

std::vector<RunRecord> takeRunsToFollow(Store& store, LaunchPlan& plan) {
  std::vector<RunRecord> taken;
  std::vector<PlannedRun> kept;
  for (PlannedRun& p : plan.runs) {
    if (p.action == PlannedRun::Action::Skip)
      if (auto rec = store.run(p.runId); rec && StudyRunner::inFlightOnScheduler(*rec)) {
        taken.push_back(std::move(*rec));
        continue;
      }
    kept.push_back(std::move(p));
  }
  plan.runs = std::move(kept);
  return taken;
}

}  // namespace adamix::app
