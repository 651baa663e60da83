// SPDX-License-Identifier: GPL-3.0-or-later
#include "workspace/workspace.h"

#include "assets/assets.h"
#include "exec/follow_spec.h"
#include "exec/study_launch.h"
#include "workspace/cluster_runners.h"

#include <QDir>
#include <QFileInfo>
#include <QSettings>
#include <QTimer>

namespace adamix::ui {

QueueSettings QueueSettings::load() {
  QSettings s;
  QueueSettings q;
  q.jobs = s.value("exec/jobs", kDefaultJobs).toInt();
  q.threadsPerRun = s.value("exec/threadsPerRun", 1).toInt();
  q.heartbeatTimeoutS = s.value("exec/heartbeatTimeoutS", app::kDefaultHeartbeatTimeoutS).toInt();
  q.enginePath = s.value("exec/enginePath").toString();
  return q;
}

void QueueSettings::save() const {
  QSettings s;
  s.setValue("exec/jobs", jobs);
  s.setValue("exec/threadsPerRun", threadsPerRun);
  s.setValue("exec/heartbeatTimeoutS", heartbeatTimeoutS);
  s.setValue("exec/enginePath", enginePath);
}

Workspace::Workspace(QObject* parent) : QObject(parent) {}

Workspace::~Workspace() { close(); }

bool Workspace::open(const QString& dbPath, QString* error) {
  if (isBusy()) {
    if (error) *error = tr("Runs are still training in the current workspace; cancel them first.");
    return false;
  }
  const QString abs = QFileInfo(dbPath).absoluteFilePath();
  auto store = std::make_unique<app::Store>();
  try {
    QDir().mkpath(QFileInfo(abs).absolutePath());
    store->open(abs);
    app::StudyRunner::markDeadRunsInterrupted(*store, QueueSettings::load().heartbeatTimeoutS);
  } catch (const std::exception& e) {
    if (error) *error = tr("Cannot open the workspace %1: %2").arg(abs, QString::fromUtf8(e.what()));
    return false;
  }
  runner_.reset();
  cluster_.reset();
  store_ = std::move(store);
  dbPath_ = abs;
  QDir().mkpath(runsDir());
  cluster_ = std::make_unique<ClusterRunners>(*store_, queueOptions(),
                                              QFileInfo(abs).absoluteDir().filePath(QStringLiteral("slurm")),
                                              [this](app::StudyRunner* r) { adopt(r); });
  emit opened(abs);
  emit changed();
  try {  // runs submitted to Slurm by an earlier session: followed again (the Monitor lists them)
    cluster_->reattachAll();
  } catch (const std::exception&) {
  }
  return true;
}

void Workspace::close() {
  if (!store_) return;
  if (runner_) runner_->cancelAll();
  runner_.reset();
  cluster_.reset();  // the Slurm jobs go on: nothing is cancelled
  store_.reset();
  dbPath_.clear();
  emit closed();
}

QString Workspace::runsDir() const { return dbPath_.isEmpty() ? QString() : app::workspaceRunsDir(dbPath_); }

QString Workspace::studiesDir() const {
  return dbPath_.isEmpty() ? QString() : QFileInfo(dbPath_).absoluteDir().filePath(QStringLiteral("studies"));
}

app::ExecutorOptions Workspace::queueOptions() {
  const QueueSettings q = QueueSettings::load();
  app::ExecutorOptions o;
  o.enginePath = app::locateEngine(q.enginePath);
  o.jobs = std::max(1, q.jobs);
  o.threadsPerRun = std::max(0, q.threadsPerRun);
  o.heartbeatTimeoutMs = q.heartbeatTimeoutS * 1000;
  return o;
}

void Workspace::adopt(app::StudyRunner* runner) {
  connect(runner, &app::StudyRunner::runStarted, this, &Workspace::notifyChanged);
  connect(runner, &app::StudyRunner::runEnded, this, &Workspace::notifyChanged);
  connect(runner, &app::StudyRunner::allFinished, this, &Workspace::notifyChanged);
  connect(runner, &app::StudyRunner::jobStatusChanged, this, &Workspace::notifyChanged);
  emit runnerCreated(runner);
}

app::StudyRunner* Workspace::runner() {
  if (!store_) return nullptr;
  if (!runner_) {
    runner_ = std::make_unique<app::StudyRunner>(*store_, queueOptions());
    adopt(runner_.get());
  }
  return runner_.get();
}

app::StudyRunner* Workspace::clusterRunner(const QString& studyName, const app::ExecutorSpec& spec) {
  return cluster_ ? cluster_->runnerFor(studyName, spec) : nullptr;
}

std::vector<app::StudyRunner*> Workspace::runners() const {
  std::vector<app::StudyRunner*> out;
  if (runner_) out.push_back(runner_.get());
  if (cluster_)
    for (app::StudyRunner* r : cluster_->all()) out.push_back(r);
  return out;
}

bool Workspace::hasClusterRuns() const {
  if (cluster_)
    for (app::StudyRunner* r : cluster_->all())
      if (!r->isIdle()) return true;
  return false;
}

void Workspace::notifyChanged() {
  if (changePending_) return;
  changePending_ = true;
  QTimer::singleShot(300, this, [this] {
    changePending_ = false;
    emit changed();
  });
}

int Workspace::launchStudy(const app::Study& study, const QString& studyFile, bool force, QString* error) {
  if (!store_) {
    if (error) *error = tr("Open or create a workspace first.");
    return -1;
  }
  try {
    app::PlanOptions po;
    po.runsDir = runsDir();
    po.force = force;
    app::StudyRunner* r = study.executor.isSlurm() ? clusterRunner(study.name, study.executor) : runner();
    const std::vector<app::ExpandedRun> runs = app::fetchAndExpand(study, app::AssetCache());
    app::LaunchPlan plan = app::planLaunch(*r, study, studyFile, runs, po);
    // runs an earlier submission left queued or running on Slurm: followed with the settings they
    // were submitted with (by the runner that may follow them since the workspace opened)
    const std::vector<app::RunRecord> inFlight = app::takeRunsToFollow(*store_, plan);
    int n = app::startLaunch(*r, plan);
    if (cluster_) n += cluster_->follow(inFlight);
    notifyChanged();
    return n;
  } catch (const app::LaunchError& e) {
    if (error)
      *error = e.stage() == app::LaunchError::Stage::Asset
                   ? tr("The asset %1 is not available: %2").arg(e.subject(), e.detail())
                   : tr("The training engine (adamix-engine) was not found. Set its path in Settings or the "
                        "ADAMIX_ENGINE environment variable.");
    return -1;
  } catch (const std::exception& e) {
    if (error) *error = QString::fromUtf8(e.what());
    return -1;
  }
}

QString Workspace::runKey(qint64 runId) {
  if (!store_) return {};
  const auto rec = store_->run(runId);
  return rec ? rec->runKey : QString();
}

bool Workspace::resumeRun(qint64 runId, QString* error) {
  if (!store_) return false;
  const auto rec = store_->run(runId);
  if (!rec) return false;
  if (rec->status == app::RunState::Running || rec->status == app::RunState::Queued) {
    if (error) *error = tr("The run is already queued or running.");
    return false;
  }
  app::StudyRunner* r = runner();
  if (rec->studyId) {  // a run last submitted to Slurm, or of a study that executes there, resumes there
    if (const auto st = store_->study(*rec->studyId)) {
      if (const auto launched = app::launchSpecOf(*rec)) {  // with the settings it was submitted with
        r = clusterRunner(st->name, *launched);
      } else if (st->json.is_object() && st->json.contains("executor")) {
        try {
          const app::ExecutorSpec spec = app::parseExecutorSpec(st->json.at("executor"));
          if (spec.isSlurm()) r = clusterRunner(st->name, spec);
        } catch (const std::exception&) {
        }
      }
    }
  }
  if (!app::engineUsable(r->executor().options())) {
    if (error) *error = tr("The training engine (adamix-engine) was not found.");
    return false;
  }
  const app::PlannedRun p = app::planRerun(*rec, runsDir());
  const bool ok = r->startRun(p);
  if (!ok && error) *error = tr("The run could not be queued.");
  notifyChanged();
  return ok;
}

bool Workspace::canResume(qint64 runId) {
  if (!store_) return false;
  try {
    const auto rec = store_->run(runId);
    return rec && app::isTerminal(rec->status) && rec->status != app::RunState::Finished;
  } catch (const std::exception&) {
    return false;
  }
}

int Workspace::resumeRuns(const QList<qint64>& runIds, QStringList* errors) {
  int queued = 0;
  for (qint64 id : runIds) {
    if (!canResume(id)) continue;
    QString err;
    if (resumeRun(id, &err)) {
      ++queued;
    } else if (errors) {
      const auto rec = store_->run(id);
      *errors << QStringLiteral("%1 · %2 · s%3: %4").arg(rec->task, rec->variant).arg(rec->seed).arg(err);
    }
  }
  return queued;
}

bool Workspace::cancelRun(qint64 runId) {
  const QString key = runKey(runId);
  if (key.isEmpty()) return false;
  const auto rec = store_->run(runId);
  app::StudyRunner* r = nullptr;
  if (rec && rec->executor == QLatin1String("slurm") && cluster_) r = cluster_->tracking(runId, key);
  if (!r && runner_ && runner_->runId(key) == runId) r = runner_.get();
  if (!r) return false;
  r->executor().cancel(key);
  notifyChanged();
  return true;
}

void Workspace::cancelAll() {
  for (app::StudyRunner* r : runners()) r->cancelAll();
  notifyChanged();
}

}  // namespace adamix::ui
