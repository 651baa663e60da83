// SPDX-License-Identifier: GPL-3.0-or-later
#include "exec/study_runner.h"

#include "exec/engine_client.h"
#include "exec/event_replay.h"
#include "exec/local_executor.h"
#include "exec/slurm/slurm_job_state.h"

#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QSysInfo>
#include <QSaveFile>

#include <limits>
#include <set>
#include <tuple>

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

/// True while `pid` is a running process. An exited one that its parent has not reaped yet (a
/// zombie: the engine of a killed launcher, re-parented to an init that does not reap, as in many
/// containers) still answers kill(pid, 0) but runs nothing: it is dead (pins SkyRL#1516).
bool pidAlive(qint64 pid) {
#ifdef Q_OS_UNIX
  if (pid <= 0 || (::kill(pid_t(pid), 0) != 0 && errno != EPERM)) return false;
  QFile stat(QStringLiteral("/proc/%1/stat").arg(pid));
  if (!stat.open(QIODevice::ReadOnly)) return true;  // no procfs (macOS): kill() is all we know
  // "pid (comm) state …": the state follows the last ')' (comm may hold anything)
  const QByteArray s = stat.readAll();
  const qsizetype close = s.lastIndexOf(')');
  const char state = close >= 0 && s.size() > close + 2 ? s[close + 2] : 'R';
  return state != 'Z' && state != 'X';
#else
  Q_UNUSED(pid);
  return false;
#endif
}

QString thisHost() { return QSysInfo::machineHostName(); }

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
  clock_.start();
  flushTimer_.setInterval(metricFlushMs);
  connect(&flushTimer_, &QTimer::timeout, this, &StudyRunner::flushMetrics);
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
  connect(ex, &Executor::allFinished, this, [this] {
    flushMetrics();
    emit allFinished();
  });
}

StudyRunner::~StudyRunner() { flushMetrics(); }

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
    const bool recent = r.lastHeartbeat && now - *r.lastHeartbeat < 2 * heartbeatTimeoutS;
    const bool alive = r.host == host && r.pid && pidAlive(*r.pid) && recent;
    if (alive) continue;
    RunUpdate u;
    u.errorKind = QStringLiteral("interrupted");
    u.errorMessage = QStringLiteral("the app that ran it exited while it was running");
    store.setRunStatus(r.id, RunState::Interrupted, u);
    // the log tail ends the run as a cancel does ("end: cancelled (…)"), so a resume's "start"
    // does not follow the previous "start" without a word
    if (!r.runDir.isEmpty() && QDir(r.runDir).exists())
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
  for (const ExpandedRun& er : runs) {
    PlannedRun p;
    p.run = er;
    const NewRun nr = newRunFor(er, studyId, QDir(options.runsDir).filePath(er.runId));
    const EnsuredRun ens = store_.ensureRun(nr, options.force);
    p.runId = ens.id;
    const auto rec = store_.run(ens.id);
    p.runDir = rec && !rec->runDir.isEmpty() ? rec->runDir : nr.runDir;
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
    out.push_back(std::move(p));
  }
  return out;
}

bool StudyRunner::startRun(const PlannedRun& p) {
  if (p.action == PlannedRun::Action::Skip) return false;
  QDir().mkpath(p.runDir);
  QSaveFile f(QDir(p.runDir).filePath("run.json"));
  if (!f.open(QIODevice::WriteOnly) || f.write(QByteArray::fromStdString(p.run.config.dump(2) + "\n")) < 0 ||
      !f.commit()) {
    emit storeError(QStringLiteral("cannot write %1").arg(f.fileName()));
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
    QFile log(QDir(p.runDir).filePath(QStringLiteral("events.jsonl")));
    if (log.open(QIODevice::ReadOnly)) {
      const ReplayedRun replay = replayEventLog(log.readAll());
      guarded("reread event log", [&] { store_.replaceMetricPoints(p.runId, replay.points); });
    }
  }
  track(p.run.configHash, p.runId, p.runDir, p.run.task, p.run.variant, p.run.seed);
  RunUpdate u;
  u.runDir = p.runDir;
  u.clearError = true;
  u.executor = executor_->kind();
  guarded("queue run", [&] { store_.setRunStatus(p.runId, RunState::Queued, u); });
  RunSpec spec;
  spec.runKey = p.run.configHash;
  spec.runDir = p.runDir;
  spec.resume = p.action == PlannedRun::Action::Resume;
  if (!flushTimer_.isActive()) flushTimer_.start();
  return executor_->enqueue(spec);
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
      guarded("read run", [&] {
        if (auto rec = store_.run(p.runId); rec && inFlightOnScheduler(*rec)) inFlight.push_back(*rec);
      });
    }
  }
  return n + reattach(inFlight);
}

void StudyRunner::cancelAll() { executor_->cancelAll(); }

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
  } else if (const FinishedEvent* f = ev.as<FinishedEvent>()) {
    flushMetrics();
    guarded("results", [&] { store_.setResults(id, f->results); });
  }
}

void StudyRunner::restorePointsForResume(qint64 runId, const QString& runDir, qint64 step) {
  // Points of the interrupted attempt up to the checkpoint that the launcher had not stored yet
  // (buffered when it was killed, or its engine checkpointed on the launcher's death) are in the
  // engine's own event log: take those the store lacks, so the resumed run's series has every step
  // exactly once.
  std::vector<MetricPoint> missing;
  QFile log(QDir(runDir).filePath(QStringLiteral("events.jsonl")));
  if (!runDir.isEmpty() && log.open(QIODevice::ReadOnly)) {
    ReplayedRun replayed = replayEventLog(log.readAll());
    dropPointsAfter(replayed.points, step);
    std::set<std::tuple<QString, QString, qint64>> stored;
    for (const MetricPoint& p : store_.metricPoints(runId)) stored.insert({p.split, p.name, p.step});
    for (MetricPoint& p : replayed.points) {
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
  guarded("scheduler state", [&] { store_.recordJobStates({{id, status.time, status.jobId, status.state, status.reason}}); });
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
  if (!isTerminal(state)) return;
  flushMetrics();
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
  outcome_[state] += 1;
  emit runEnded(key, state, error);
}

}  // namespace adamix::app
