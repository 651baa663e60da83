// SPDX-License-Identifier: GPL-3.0-or-later
#include "exec/study_runner.h"

#include "exec/run_dir_copy.h"

#include "exec/engine_client.h"
#include "exec/eval_request.h"
#include "exec/event_replay.h"
#include "exec/launcher_identity.h"
#include "exec/local_executor.h"
#include "exec/slurm/slurm_job_state.h"

#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QSysInfo>
#include <QSaveFile>

#include <limits>
#include <set>
#include <tuple>

#include "io/run_dir_lock.h"

#ifdef Q_OS_UNIX
#include <csignal>
#endif

namespace adamix::app {

namespace {

/// First line of `engine --version`, or "" when it does not answer within 5 s.
QString versionOf(const QString& engine) {
  const EngineResult r = EngineClient::runBlocking(engine, {QStringLiteral("--version")}, 5000);
  return r.ok ? QString::fromUtf8(r.out).trimmed().section('\n', 0, 0) : QString();
}

bool pidAlive(qint64 pid) { return processAlive(pid); }

QString thisHost() { return thisHostName(); }

/// The pid of the engine holding `runDir` (0 when its lock file names none), or nullopt when free.
std::optional<qint64> runDirHolder(const QString& runDir) {
  const auto holder = adamix::runDirLockHolder(QFile::encodeName(runDir).toStdString());
  return holder ? std::optional<qint64>(*holder) : std::nullopt;
}

}  // namespace

NewRun newRunFor(const ExpandedRun& run, qint64 studyId, const QString& runDir, RunState status) {
  NewRun nr;
  nr.studyId = studyId;
  nr.runKey = run.configHash;
  nr.variant = run.variant;
  nr.task = run.task;
  nr.seed = run.seed;
  nr.axes = run.axesJson;
  nr.config = run.config;
  nr.status = status;
  nr.runDir = runDir;
  return nr;
}

bool hasCheckpoint(const QString& runDir) {
  return QFile::exists(QDir(runDir).filePath(QStringLiteral("checkpoint/state.safetensors")));
}

PlannedRun planRerun(const RunRecord& rec, const QString& runsDir) {
  PlannedRun p;
  p.runId = rec.id;
  p.run.config = rec.config;
  p.run.configHash = rec.runKey;
  p.run.runId = QString::fromStdString(rec.config.value("run_id", std::string()));
  p.run.variant = rec.variant;
  p.run.task = rec.task;
  p.run.seed = rec.seed;
  p.run.axesJson = rec.axes;
  p.runDir = rec.runDir.isEmpty() ? QDir(runsDir).filePath(p.run.runId) : rec.runDir;
  p.previousState = rec.status;
  p.previousEngineVersion = rec.engineVersion;
  p.action = hasCheckpoint(p.runDir) && rec.status != RunState::Finished ? PlannedRun::Action::Resume
                                                                         : PlannedRun::Action::Train;
  return p;
}

StudyRunner::StudyRunner(Store& store, ExecutorOptions options, QObject* parent)
    : StudyRunner(store, std::make_unique<LocalExecutor>(std::move(options)), parent) {}

StudyRunner::StudyRunner(Store& store, std::unique_ptr<Executor> executor, QObject* parent)
    : QObject(parent), store_(store), executor_(std::move(executor)) {
  executor_->setParent(this);
  host_ = thisHost();
  owner_ = newClaimOwner();
  clock_.start();
  flushTimer_.setInterval(metricFlushMs);
  connect(&flushTimer_, &QTimer::timeout, this, &StudyRunner::flushMetrics);
  connect(&renewTimer_, &QTimer::timeout, this, [this] {
    guarded("renew claims", [&] {
      if (store_.renewClaims(owner_.id, claimLeaseS) == 0) renewTimer_.stop();
    });
  });
  connect(&followTimer_, &QTimer::timeout, this, &StudyRunner::pollFollowed);
  connect(&waitTimer_, &QTimer::timeout, this, &StudyRunner::retryWaiting);
  connectExecutor();
}

void StudyRunner::connectExecutor() {
  Executor* ex = executor_.get();
  connect(ex, &Executor::eventReceived, this, &StudyRunner::onEvent);
  connect(ex, &Executor::runStateChanged, this, &StudyRunner::onState);
  connect(ex, &Executor::jobStatusChanged, this, &StudyRunner::onJobStatus);
  connect(ex, &Executor::eventLogRestarted, this, [this](const QString& key) {
    auto it = runs_.find(key);
    if (it == runs_.end()) return;
    flushMetrics();
    const qint64 id = it->id;
    guarded("reread event log", [&] { store_.deleteMetricPointsAfter(id, std::numeric_limits<qint64>::min()); });
  });
  connect(ex, &Executor::runStarted, this, [this](const QString& key) {
    const Tracked t = runs_.value(key);
    const RunPlacement where = executor_->placement(key);
    RunUpdate u;
    u.started = unixNow();
    u.lastHeartbeat = unixNow();
    u.host = where.host.isEmpty() ? host_ : where.host;
    if (!engineVersion_.isEmpty()) u.engineVersion = engineVersion_;
    if (where.pid > 0) u.pid = where.pid;
    if (!where.jobId.isEmpty()) u.jobId = where.jobId;
    guarded("run start", [&] { store_.setRunStatus(t.id, RunState::Running, u); });
    emit runStarted(key);
  });
  connect(ex, &Executor::allFinished, this, &StudyRunner::maybeAllFinished);
}

StudyRunner::~StudyRunner() {
  flushMetrics();
  guarded("release claims", [&] { store_.releaseClaims(owner_.id); });
}

void StudyRunner::maybeAllFinished() {
  if (!isIdle()) return;
  flushMetrics();
  emit allFinished();
}

template <class F>
void StudyRunner::guarded(const char* what, F&& fn) {
  try {
    fn();
  } catch (const std::exception& e) {
    emit storeError(QStringLiteral("%1: %2").arg(QLatin1String(what), QString::fromUtf8(e.what())));
  }
}

int StudyRunner::markDeadRunsInterrupted(Store& store, double heartbeatTimeoutS) {
  RunFilter f;
  f.statuses = {RunState::Running};
  int n = 0;
  const QString host = thisHost();
  const double now = unixNow();
  for (const RunRecord& r : store.listRuns(f)) {
    if (inFlightOnScheduler(r)) continue;  // followed through the scheduler (reattach)
    // a live launcher holds it (this host: its process runs; another host: its lease is current)
    if (const auto c = store.claim(r.id); c && !claimHolderGone(*c, host, now)) continue;
    const bool recent = r.lastHeartbeat && now - *r.lastHeartbeat < 2 * heartbeatTimeoutS;
    const bool alive = r.host == host && r.pid && pidAlive(*r.pid) && recent;
    if (alive) continue;
    RunUpdate u;
    u.errorKind = QStringLiteral("interrupted");
    u.errorMessage = QStringLiteral("the app that ran it exited while it was running");
    store.setRunStatus(r.id, RunState::Interrupted, u);
    // the log tail ends the run as a cancel does ("end: cancelled (…)"), so a resume's "start"
    // does not follow the previous "start" without a word
    if (!r.runDir.isEmpty() && QDir(r.runDir).exists() && otherWorkspaceOf(r.runDir, store.path()).isEmpty())
      appendRunLog(r.runDir, runEndLogText(RunState::Interrupted, {*u.errorKind, *u.errorMessage, {}, -1}));
    ++n;
  }
  return n;
}

bool StudyRunner::inFlightOnScheduler(const RunRecord& r) {
  return !r.jobId.isEmpty() && !r.executor.isEmpty() && r.executor != QLatin1String("local") &&
         (r.status == RunState::Queued || r.status == RunState::Running);
}

std::vector<PlannedRun> StudyRunner::plan(const Study& study, const QString& studyFile,
                                          const std::vector<ExpandedRun>& runs, const PlanOptions& options,
                                          qint64* studyIdOut) {
  const qint64 studyId = store_.upsertStudy(study.name, studyFile, study.raw);
  if (studyIdOut) *studyIdOut = studyId;
  std::vector<PlannedRun> out;
  std::optional<SiblingDatabases> siblings;  // the databases beside this one, read on first need
  for (const ExpandedRun& er : runs) {
    PlannedRun p;
    p.run = er;
    const NewRun nr = newRunFor(er, studyId, QDir(options.runsDir).filePath(er.runId));
    const EnsuredRun ens = store_.ensureRun(nr, options.force);
    p.runId = ens.id;
    std::optional<RunRecord> rec = store_.run(ens.id);
    if (rec && rec->studyId != studyId) {  // another study's identical run (or an imported one): this one's too,
                                           // under this study's label
      store_.includeRunInStudy(studyId, ens.id, er.variant, er.axesJson);
      rec = store_.run(ens.id);
    }
    p.runDir = rec && !rec->runDir.isEmpty() ? rec->runDir : nr.runDir;
    moveIntoThisWorkspace(p, options.runsDir);
    if (options.force && ens.created) {
      // a forced rerun of an existing config gets a fresh directory
      if (QDir(p.runDir).exists(QStringLiteral("run.json")))
        p.runDir = QDir(options.runsDir).filePath(QStringLiteral("%1-r%2").arg(er.runId).arg(ens.id));
      RunUpdate u;
      u.runDir = p.runDir;
      store_.setRunStatus(ens.id, RunState::Queued, u);
    }
    if (!ens.created && rec) {
      p.previousState = rec->status;
      p.previousEngineVersion = rec->engineVersion;
      if (rec->status == RunState::Finished || inFlightOnScheduler(*rec)) {
        p.action = PlannedRun::Action::Skip;  // done, or still queued/running on the cluster
      } else if ((isResumable(rec->status) || rec->errorKind == QLatin1String("timeout")) && hasCheckpoint(p.runDir)) {
        p.action = PlannedRun::Action::Resume;
      } else if (rec->status == RunState::Running) {
        p.action = PlannedRun::Action::Skip;  // alive in another invocation
      } else {
        p.action = PlannedRun::Action::Train;
      }
    }
    moveOffSharedLegacyDir(p, options.runsDir, siblings);
    if (p.action == PlannedRun::Action::Skip && !p.otherWorkspace.isEmpty()) {
      // nothing is written for it now: it keeps its stored directory (moved if it is launched after all)
      p.runDir = p.otherWorkspaceRunDir;
      p.otherWorkspace.clear();
      p.otherWorkspaceRunDir.clear();
    }
    out.push_back(std::move(p));
  }
  return out;
}

bool StudyRunner::startRun(const PlannedRun& p) {
  if (p.action == PlannedRun::Action::Skip) return false;
  return claimAndLaunch(p, false);
}

bool StudyRunner::claimAndLaunch(PlannedRun p, bool previousAttemptDied) {
  // already in flight here (a study launched again while it runs): nothing to claim or start
  if (launched_.contains(p.run.configHash) || waiting_.contains(p.run.configHash)) return false;
  ClaimResult c;
  bool ok = false;
  const QString host = host_;
  guarded("claim run", [&] {
    c = store_.claimRun(p.runId, owner_, claimLeaseS,
                        [&](const RunClaim& held) { return claimHolderGone(held, host, unixNow()); });
    ok = true;
  });
  if (!ok) return false;
  if (!c.won) {
    follow(p, *c.previous);
    return true;
  }
  followed_.remove(p.run.configHash);
  if (!renewTimer_.isActive()) renewTimer_.start(claimRenewMs);
  if (c.tookOver) emit runTakenOver(p.run.configHash, *c.previous);
  return launchClaimed(std::move(p), previousAttemptDied || c.tookOver);
}

bool StudyRunner::launchClaimed(PlannedRun p, bool previousAttemptDied) {
  const QString key = p.run.configHash;
  std::optional<RunRecord> rec;
  guarded("read run", [&] { rec = store_.run(p.runId); });
  if (rec) {
    const RunState planned = p.previousState.value_or(RunState::Queued);
    if (isTerminal(rec->status) && rec->status != planned) {
      // another launcher ended it after this one planned it: its outcome is this launch's too
      track(key, p.runId, p.runDir, p.run.task, p.run.variant, p.run.seed);
      releaseClaim(p.runId);
      endFollowed(key, *rec);
      return true;
    }
    if (previousAttemptDied && !isTerminal(rec->status)) {
      // its launcher died with it in flight: continue from the checkpoint its engine left, if any
      // (a resume moved off a shared directory has its checkpoint there until it is copied)
      const bool checkpoint = hasCheckpoint(p.runDir) || (!p.copyFrom.isEmpty() && hasCheckpoint(p.copyFrom));
      p.action = checkpoint ? PlannedRun::Action::Resume : PlannedRun::Action::Train;
      p.previousState = rec->status;
      p.takenOver = true;
    }
  }
  if (p.action == PlannedRun::Action::Skip) {  // nothing left to do for it
    releaseClaim(p.runId);
    return false;
  }
  // planned elsewhere (planRerun(), a takeover): never into another workspace's runs folder
  if (moveIntoThisWorkspace(p, workspaceRunsDir(store_.path())))
    p.action = hasCheckpoint(p.runDir) ? PlannedRun::Action::Resume : PlannedRun::Action::Train;
  std::optional<SiblingDatabases> siblings;
  moveOffSharedLegacyDir(p, QFileInfo(p.runDir).absolutePath(), siblings);
  return launchNow(p);
}

bool StudyRunner::launchNow(const PlannedRun& p) {
  const QString key = p.run.configHash;
  track(key, p.runId, p.runDir, p.run.task, p.run.variant, p.run.seed);
  // a directory to copy that an engine writes (the other database's resume): copied once it is done
  const bool copy = !p.copyFrom.isEmpty() && !hasCheckpoint(p.runDir);
  std::optional<qint64> holder = runDirHolder(p.runDir);
  if (!holder && copy) holder = runDirHolder(p.copyFrom);
  if (holder) {
    // an engine (of a launcher that is gone, or of an older app) still writes there: touch nothing
    const bool first = !waiting_.contains(key);
    waiting_.insert(key, p);
    if (!waitTimer_.isActive()) waitTimer_.start(busyRetryMs);
    if (first) emit runDirBusy(key, *holder);
    return true;
  }
  waiting_.remove(key);
  QDir().mkpath(p.runDir);
  claimRunDir(p.runDir, store_.path());  // this database's from now on (a copy of it will not write here)
  if (copy) {
    // claimed first: a copy cut short is this database's to make again, not a stranger's directory
    const QString why = copyRunDirectory(p.copyFrom, p.runDir);
    if (!why.isEmpty() || runDirHolder(p.copyFrom)) {
      // failed, or an engine took the directory meanwhile (the copy may mix two checkpoints)
      QDir(QDir(p.runDir).filePath(QStringLiteral("checkpoint"))).removeRecursively();
      if (why.isEmpty()) return launchNow(p);  // waits for that engine, then copies again
      emit storeError(QStringLiteral("run #%1 not resumed: its copy of %2 failed: %3").arg(p.runId).arg(p.copyFrom, why));
      releaseClaim(p.runId);
      return false;
    }
  }
  QSaveFile f(QDir(p.runDir).filePath("run.json"));
  if (!f.open(QIODevice::WriteOnly) || f.write(QByteArray::fromStdString(p.run.config.dump(2) + "\n")) < 0 ||
      !f.commit()) {
    emit storeError(QStringLiteral("cannot write %1").arg(f.fileName()));
    releaseClaim(p.runId);
    return false;
  }
  if (p.action == PlannedRun::Action::Train) {
    guarded("clear run", [&] { store_.clearRunData(p.runId); });
    // a fresh start must not pick up a stale checkpoint from an earlier attempt, nor a follower
    // the events of one: the old log is kept beside as events.jsonl.N
    QDir(QDir(p.runDir).filePath("checkpoint")).removeRecursively();
    const QString log = QDir(p.runDir).filePath(QStringLiteral("events.jsonl"));
    if (QFile::exists(log)) {
      int n = 1;
      while (QFile::exists(QStringLiteral("%1.%2").arg(log).arg(n))) ++n;
      QFile::rename(log, QStringLiteral("%1.%2").arg(log).arg(n));
    }
  }
  if (p.action == PlannedRun::Action::Resume) {
    // The event log is the record of the interrupted attempt; the store may lack its last points
    // (a launcher killed with a batch still buffered, or lines still in the engine's pipe) and
    // the resumed engine only sends the steps after its checkpoint. Its replay replaces them.
    if (const auto replay = replayForResume(p.runDir, "reread event log", QStringLiteral("its stored metric points"))) {
      flushMetrics();
      guarded("reread event log", [&] { store_.replaceMetricPoints(p.runId, replay->points); });
    }
  }
  launched_.insert(key, p);
  RunUpdate u;
  u.runDir = p.runDir;
  u.clearError = true;
  u.executor = executor_->kind();
  // the settings it is submitted with (a later session follows it with them); none for a local run
  const std::optional<ExecutorSpec> launch = executor_->launchSpec();
  u.launchExecutor = launch ? executorSpecToJson(*launch) : nlohmann::json();
  guarded("queue run", [&] { store_.setRunStatus(p.runId, RunState::Queued, u); });
  RunSpec spec;
  spec.runKey = key;
  spec.runDir = p.runDir;
  spec.resume = p.action == PlannedRun::Action::Resume;
  if (!flushTimer_.isActive()) flushTimer_.start();
  return executor_->enqueue(spec);
}

bool StudyRunner::moveIntoThisWorkspace(PlannedRun& p, const QString& runsDir) const {
  const QString other = otherWorkspaceOf(p.runDir, store_.path());
  if (other.isEmpty()) return false;
  p.otherWorkspace = other;
  p.otherWorkspaceRunDir = p.runDir;
  p.runDir = ownRunDirFor(p.runDir, store_.path(), runsDir);
  return true;
}

bool StudyRunner::moveOffSharedLegacyDir(PlannedRun& p, const QString& runsDir,
                                         std::optional<SiblingDatabases>& siblings) const {
  // a fresh start would clear the directory, a resume write into it (a run already moved here has
  // siblingsChecked set)
  const bool resume = p.action == PlannedRun::Action::Resume;
  if ((p.action != PlannedRun::Action::Train && !resume) || !p.otherWorkspace.isEmpty() || p.siblingsChecked ||
      p.runDir.isEmpty() ||
      !QFileInfo(p.runDir).isDir() || !runDirOwnerUnknown(p.runDir))
    return false;
  if (!siblings) siblings.emplace(store_.path());
  p.siblingsChecked = true;
  auto use = siblings->useOf(p.runDir);
  if (!use) return false;
  const QString base =
      QFileInfo(QDir::cleanPath(p.runDir)).fileName() + QLatin1Char('-') + QFileInfo(store_.path()).completeBaseName();
  QString own = QDir(runsDir).filePath(base);
  // a directory of that name that is not this database's (another copy's, or one before owner files)
  for (int n = 2; QFileInfo::exists(own) &&
                  (runDirOwnerUnknown(own) || !otherWorkspaceOf(own, store_.path()).isEmpty() || siblings->useOf(own));
       ++n)
    own = QDir(runsDir).filePath(QStringLiteral("%1-%2").arg(base, QString::number(n)));
  p.sharedWith = std::move(use);
  p.otherWorkspaceRunDir = p.runDir;
  if (resume) p.copyFrom = p.runDir;
  p.runDir = own;
  return true;
}

void StudyRunner::follow(const PlannedRun& p, const RunClaim& holder) {
  const QString key = p.run.configHash;
  track(key, p.runId, p.runDir, p.run.task, p.run.variant, p.run.seed);
  const bool first = !followed_.contains(key);
  followed_.insert(key, p);
  if (!followTimer_.isActive()) followTimer_.start(followPollMs);
  if (first) emit runFollowed(key, holder);
}

void StudyRunner::pollFollowed() {
  const QList<QString> keys = followed_.keys();
  for (const QString& key : keys) {
    auto it = followed_.find(key);
    if (it == followed_.end()) continue;
    const PlannedRun p = *it;
    std::optional<RunRecord> rec;
    bool ok = false;
    guarded("follow run", [&] {
      rec = store_.run(p.runId);
      ok = true;
    });
    if (!ok) continue;  // the store is busy or gone for now: look again at the next poll
    if (!rec) {
      followed_.remove(key);
      emit storeError(QStringLiteral("run %1 was deleted while another launcher trained it").arg(p.runId));
      continue;
    }
    if (isTerminal(rec->status)) {
      followed_.remove(key);
      endFollowed(key, *rec);
      continue;
    }
    if (rec->status != p.previousState.value_or(RunState::Queued)) {
      it->previousState = rec->status;
      emit followedRunStateChanged(key, rec->status);
    }
    // still in flight: is its launcher alive? Read first (no write lock while it is), then claim
    std::optional<RunClaim> held;
    guarded("follow run", [&] { held = store_.claim(p.runId); });
    if (held && !claimHolderGone(*held, host_, unixNow())) continue;
    PlannedRun again = p;
    again.previousState = rec->status;
    claimAndLaunch(again, true);
  }
  if (followed_.isEmpty()) followTimer_.stop();
  maybeAllFinished();
}

void StudyRunner::endFollowed(const QString& key, const RunRecord& rec) {
  RunError e{rec.errorKind, rec.errorMessage, rec.errorLocation, rec.exitCode.value_or(-1)};
  outcome_[rec.status] += 1;
  emit runEnded(key, rec.status, e);
}

void StudyRunner::retryWaiting() {
  const QList<PlannedRun> waiting = waiting_.values();
  for (const PlannedRun& p : waiting) launchNow(p);
  if (waiting_.isEmpty()) waitTimer_.stop();
  maybeAllFinished();
}

void StudyRunner::releaseClaim(qint64 runId) {
  guarded("release claim", [&] { store_.releaseClaim(runId, owner_.id); });
}

void StudyRunner::track(const QString& key, qint64 runId, const QString& runDir, const QString& task,
                        const QString& variant, int seed) {
  Tracked t;
  t.id = runId;
  t.runDir = runDir;
  t.label = QStringLiteral("%1 · %2 · s%3").arg(task, variantDisplayName(variant)).arg(seed);
  runs_.insert(key, t);
}

int StudyRunner::reattach(const std::vector<RunRecord>& records) {
  int n = 0;
  for (const RunRecord& r : records) {
    if (!inFlightOnScheduler(r) || r.executor != executor_->kind() || runs_.contains(r.runKey)) continue;
    track(r.runKey, r.id, r.runDir, r.task, r.variant, r.seed);
    RunSpec spec;
    spec.runKey = r.runKey;
    spec.runDir = r.runDir;
    if (!executor_->attach(spec, r.jobId)) {
      runs_.remove(r.runKey);
      continue;
    }
    if (!flushTimer_.isActive()) flushTimer_.start();
    ++n;
  }
  return n;
}

QString StudyRunner::engineVersion() {
  if (engineVersion_.isEmpty() && !executor_->options().enginePath.isEmpty())
    engineVersion_ = versionOf(executor_->options().enginePath);
  return engineVersion_;
}

int StudyRunner::start(const std::vector<PlannedRun>& planned) {
  engineVersion();
  int n = 0;
  std::vector<RunRecord> inFlight;
  for (const PlannedRun& p : planned) {
    n += startRun(p) ? 1 : 0;
    if (p.action == PlannedRun::Action::Skip && p.previousState && !isTerminal(*p.previousState)) {
      std::optional<RunRecord> rec;
      guarded("read run", [&] { rec = store_.run(p.runId); });
      if (!rec) continue;
      if (inFlightOnScheduler(*rec)) {
        inFlight.push_back(*rec);
      } else if (!isTerminal(rec->status)) {
        // in flight in another launcher: followed while it lives, taken over when it is gone
        n += claimAndLaunch(p, true) ? 1 : 0;
      }
    }
  }
  return n + reattach(inFlight);
}

void StudyRunner::cancelAll() {
  // followed runs belong to their launchers: stop following them (they go on there)
  followed_.clear();
  followTimer_.stop();
  // runs waiting for their directory never started: they end cancelled here
  const QList<QString> waiting = waiting_.keys();
  waiting_.clear();
  waitTimer_.stop();
  for (const QString& key : waiting)
    onState(key, RunState::Cancelled, {"cancelled", "cancelled before it started", {}, -1});
  executor_->cancelAll();
  QTimer::singleShot(0, this, &StudyRunner::maybeAllFinished);
}

int StudyRunner::endUnstarted(const std::vector<PlannedRun>& planned, RunState state, const RunError& why) {
  int n = 0;
  const QString host = host_;
  for (const PlannedRun& p : planned) {
    const QString key = p.run.configHash;
    if (p.action == PlannedRun::Action::Skip || launched_.contains(key) || waiting_.contains(key) ||
        followed_.contains(key))
      continue;
    bool queued = false;
    guarded("end unstarted run", [&] {
      const auto rec = store_.run(p.runId);
      const auto claim = store_.claim(p.runId);
      queued = rec && rec->status == RunState::Queued && !inFlightOnScheduler(*rec) &&
               (!claim || claimHolderGone(*claim, host, unixNow()));
    });
    if (!queued) continue;
    track(key, p.runId, p.runDir, p.run.task, p.run.variant, p.run.seed);
    onState(key, state, why);
    ++n;
  }
  return n;
}

void StudyRunner::onEvent(const QString& key, const EngineEvent& ev) {
  emit eventReceived(key, ev);
  auto it = runs_.find(key);
  if (it == runs_.end()) return;
  const qint64 id = it->id;
  if (const auto after = stalePointsAfter(ev)) {
    flushMetrics();
    const QString runDir = it->runDir;
    guarded("resume", [&] { restorePointsForResume(id, runDir, *after); });
  }
  if (const MetricEvent* m = ev.as<MetricEvent>()) {
    if (!m->value) return;
    pending_.push_back(toMetricPoint(id, ev, *m, unixNow()));
    if (int(pending_.size()) >= metricBatchSize) flushMetrics();
  } else if (ev.as<HeartbeatEvent>() || ev.as<ProgressEvent>()) {
    const qint64 now = clock_.elapsed();
    if (now - it->lastHeartbeatMs >= heartbeatWriteMs) {
      it->lastHeartbeatMs = now;
      guarded("heartbeat", [&] { store_.touchHeartbeat(id, unixNow()); });
    }
  } else if (const StartedEvent* s = ev.as<StartedEvent>()) {
    guarded("parameter counts", [&] {
      store_.writeTransaction([&] {
        store_.setRunParams(id, s->params.toJson());
        store_.setRunCompute(id, computeOf(*s));
      });
    });
  } else if (const EvaluationEvent* v = ev.as<EvaluationEvent>()) {
    guarded("evaluation", [&] { store_.addEvaluation(evaluationFromEvent(id, *v)); });
  } else if (const FinishedEvent* f = ev.as<FinishedEvent>()) {
    flushMetrics();
    guarded("results", [&] {
      store_.writeTransaction([&] {
        store_.setResults(id, f->results);
        store_.setRunParams(id, f->params.toJson());
      });
    });
  }
}

void StudyRunner::restorePointsForResume(qint64 runId, const QString& runDir, qint64 step) {
  // Points of the interrupted attempt up to the checkpoint that the launcher had not stored yet
  // (buffered when it was killed, or its engine checkpointed on the launcher's death) are in the
  // engine's own event log: take those the store lacks, so the resumed run's series has every step
  // exactly once. An unreadable log costs only those points: the stale ones after `step` go all
  // the same.
  std::vector<MetricPoint> missing;
  if (auto replayed =
          replayForResume(runDir, "resume", QStringLiteral("its stored metric points up to step %1").arg(step))) {
    dropPointsAfter(replayed->points, step);
    std::set<std::tuple<QString, QString, qint64>> stored;
    for (const MetricPoint& p : store_.metricPoints(runId)) stored.insert({p.split, p.name, p.step});
    for (MetricPoint& p : replayed->points) {
      if (!stored.insert({p.split, p.name, p.step}).second) continue;
      p.runId = runId;
      missing.push_back(std::move(p));
    }
  }
  store_.writeTransaction([&] {
    store_.deleteMetricPointsAfter(runId, step);
    store_.appendMetricPoints(missing);
  });
}

std::optional<ReplayedRun> StudyRunner::replayForResume(const QString& runDir, const char* what, const QString& kept) {
  if (runDir.isEmpty()) return std::nullopt;
  const QString file = QDir(runDir).filePath(QStringLiteral("events.jsonl"));
  if (!QFileInfo(file).exists() && !QFileInfo(file).isSymLink()) return std::nullopt;  // nothing logged yet
  try {
    return replayEventLogFile(file, maxEventLogBytes);
  } catch (const EngineError& e) {  // "<file>: cannot open event log: a directory", "… more than the limit …"
    emit storeError(
        QStringLiteral("%1: %2; the run keeps %3").arg(QLatin1String(what), QString::fromUtf8(e.what()), kept));
    return std::nullopt;
  }
}

void StudyRunner::flushMetrics() {
  if (pending_.empty()) return;
  std::vector<MetricPoint> batch;
  batch.swap(pending_);
  guarded("metric points", [&] { store_.appendMetricPoints(batch); });
}

void StudyRunner::onJobStatus(const QString& key, const JobStatus& status) {
  auto it = runs_.find(key);
  if (it == runs_.end()) return;
  const qint64 id = it->id;
  guarded("scheduler state", [&] {
    store_.recordJobStates({{id, status.time, status.jobId, status.state, status.reason}});
  });
  emit jobStatusChanged(key, status);
}

void StudyRunner::onState(const QString& key, RunState state, const RunError& error) {
  auto it = runs_.find(key);
  if (it == runs_.end()) return;
  if (state == RunState::Queued && !error.isEmpty()) {
    // requeued by the scheduler (time-limit warning, preemption): waiting again, to resume
    flushMetrics();
    guarded("requeue", [&] { store_.setRunStatus(it->id, RunState::Queued); });
    return;
  }
  if (state == RunState::Failed && error.kind == QLatin1String("busy")) {
    // another engine holds the run directory (protocol: `busy`, exit 10): not a failure of this
    // run; nothing was written there. It starts once the directory is free.
    flushMetrics();
    guarded("wait for run directory", [&] { store_.setRunStatus(it->id, RunState::Queued); });
    const PlannedRun p = launched_.value(key);
    if (p.runId) {
      waiting_.insert(key, p);
      if (!waitTimer_.isActive()) waitTimer_.start(busyRetryMs);
      emit runDirBusy(key, runDirHolder(p.runDir).value_or(0));
    }
    return;
  }
  if (!isTerminal(state)) return;
  flushMetrics();
  if (state == RunState::Lost) {
    // a guess (Slurm forgot the job, or its log went silent): another process following the run
    // that knew better (the one that cancelled it) may have ended it already; its word stands
    std::optional<RunRecord> rec;
    guarded("run end", [&] { rec = store_.run(it->id); });
    if (rec && isTerminal(rec->status)) {
      releaseClaim(rec->id);
      launched_.remove(key);
      endFollowed(key, *rec);
      return;
    }
  }
  RunUpdate u;
  u.finished = unixNow();
  if (error.exitCode >= 0 || state == RunState::Finished) u.exitCode = state == RunState::Finished ? 0 : error.exitCode;
  if (!error.isEmpty()) {
    u.errorKind = error.kind;
    u.errorMessage = error.message;
    u.errorLocation = error.location;
  }
  const qint64 id = it->id;
  const QDir dir(it->runDir);
  guarded("run end", [&] {
    // A run on a cluster is seen ending by every process that follows it. The one that asked for
    // the cancel knows it was the user's; another follower only sees Slurm's CANCELLED: its
    // "outside the app" does not replace the canceller's words.
    if (state == RunState::Cancelled && !error.isEmpty())
      if (const auto rec = store_.run(id); rec && rec->status == RunState::Cancelled && !rec->errorMessage.isEmpty() &&
                                           error.message.contains(QLatin1String(kCancelledOutsideTheApp))) {
        u.errorKind.reset();
        u.errorMessage.reset();
        u.errorLocation.reset();
      }
    store_.setRunStatus(id, state, u);
    if (state == RunState::Finished) {
      for (const auto& [kind, rel] : {std::pair<const char*, const char*>{"adapters", "adapters.safetensors"},
                                      {"merged", "merged.safetensors"},
                                      {"predictions", "predictions/dev.tsv"},
                                      {"results", "results.json"},
                                      {"events", "events.jsonl"},
                                      {"stderr", "stderr.log"}}) {
        if (QFile::exists(dir.filePath(rel))) store_.addArtifact(id, kind, dir.filePath(rel));
      }
    }
  });
  releaseClaim(id);  // after the terminal status: a follower that then wins the claim reads that status
  launched_.remove(key);
  outcome_[state] += 1;
  emit runEnded(key, state, error);
}

}  // namespace adamix::app
