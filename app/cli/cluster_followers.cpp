// SPDX-License-Identifier: GPL-3.0-or-later
#include "cluster_followers.h"

#include "cli_common.h"

#include "exec/follow_spec.h"
#include "exec/study_launch.h"

#include <QDir>
#include <QFileInfo>

namespace adamix::cli {

std::unique_ptr<app::StudyRunner> clusterRunner(app::Store& store, const QString& studyName,
                                                const app::ExecutorSpec& spec) {
  app::ExecutorOptions eo;
  eo.enginePath = app::locateEngine();
  return std::make_unique<app::StudyRunner>(
      store, app::createExecutor(spec, eo, QFileInfo(store.path()).absoluteDir().filePath("slurm"), studyName));
}

ClusterFollowers::ClusterFollowers(app::Store& store, const std::vector<app::RunRecord>& runs, bool tty) {
  for (app::FollowGroup& g : app::groupRunsToFollow(store, runs)) {
    Follower f;
    f.runner = clusterRunner(store, g.study.name, g.spec);
    f.progress = std::make_unique<Progress>(*f.runner, tty);
    f.runs = std::move(g.runs);
    followers_.push_back(std::move(f));
  }
}

ClusterFollowers::~ClusterFollowers() = default;

int ClusterFollowers::reattach() {
  int n = 0;
  for (Follower& f : followers_) n += f.runner->reattach(f.runs);
  return n;
}

bool ClusterFollowers::isIdle() const {
  for (const Follower& f : followers_)
    if (!f.runner->isIdle()) return false;
  return true;
}

void ClusterFollowers::cancelAll() {
  for (Follower& f : followers_) f.runner->cancelAll();
}

void ClusterFollowers::onAllFinished(QObject* context, const std::function<void()>& done) {
  for (Follower& f : followers_) QObject::connect(f.runner.get(), &app::StudyRunner::allFinished, context, done);
}

std::map<app::RunState, int> ClusterFollowers::outcome() const {
  std::map<app::RunState, int> sum;
  for (const Follower& f : followers_)
    for (const auto& [state, n] : f.runner->outcome()) sum[state] += n;
  return sum;
}

void ClusterFollowers::log(const QString& line) {
  if (followers_.empty()) {
    out() << line << "\n";
    out().flush();
    return;
  }
  followers_.front().progress->log(line);
}

void ClusterFollowers::finish() {
  for (Follower& f : followers_) f.progress->finish();
}

}  // namespace adamix::cli
