// SPDX-License-Identifier: GPL-3.0-or-later
#include "exec/slurm/slurm_executor.h"

#include "exec/slurm/slurm_script.h"

#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QProcess>
#include <QSaveFile>

namespace adamix::app {

namespace {

double nowSeconds() { return double(QDateTime::currentMSecsSinceEpoch()) / 1000.0; }

QString arrayOf(const QString& jobId) { return jobId.section('_', 0, 0); }

bool writeFile(const QString& path, const QString& text, QString* error) {
  QSaveFile f(path);
  if (!f.open(QIODevice::WriteOnly | QIODevice::Text) || f.write(text.toUtf8()) < 0 || !f.commit()) {
    *error = QStringLiteral("cannot write %1: %2").arg(path, f.errorString());
    return false;
  }
  return true;
}

}  // namespace

struct SlurmExecutor::Run {
  enum class Phase { ToSubmit, Waiting, Running };
  RunSpec spec;
  QString jobId;
  Phase phase = Phase::ToSubmit;
  std::unique_ptr<EventLogTail> tail;
  EngineOutcome engine;  ///< of the engine's current attempt (reset by each `started`)
  JobStatus status;      ///< last reported
  QString node;
  bool cancelRequested = false;
  qint64 lastSignOfLifeMs = 0;  ///< clock_ time of the last log growth or of the start
  int missingPolls = 0;         ///< polls in a row in which Slurm did not know the job
};

SlurmExecutor::SlurmExecutor(ExecutorOptions options, SlurmOptions slurm, QString scriptDir, QObject* parent)
    : Executor(parent), options_(std::move(options)), slurm_(std::move(slurm)), scriptDir_(std::move(scriptDir)) {
  qRegisterMetaType<adamix::app::RunState>();
  qRegisterMetaType<adamix::app::RunError>();
  qRegisterMetaType<adamix::app::EngineEvent>();
  qRegisterMetaType<adamix::app::JobStatus>();
  binDir_ = qEnvironmentVariable("ADAMIX_SLURM_BIN");
  clock_.start();
  pollTimer_.setInterval(std::max(1, slurm_.pollSeconds) * 1000);
  connect(&pollTimer_, &QTimer::timeout, this, &SlurmExecutor::poll);
}

SlurmExecutor::~SlurmExecutor() = default;

QString SlurmExecutor::program(const char* name) const {
  return binDir_.isEmpty() ? QString::fromLatin1(name) : QDir(binDir_).filePath(QString::fromLatin1(name));
}

int SlurmExecutor::runningCount() const {
  int n = 0;
  for (const auto& [key, r] : runs_) n += r->phase == Run::Phase::Running;
  return n;
}

int SlurmExecutor::queuedCount() const { return int(runs_.size()) - runningCount(); }

RunPlacement SlurmExecutor::placement(const QString& runKey) const {
  RunPlacement p;
  if (auto it = runs_.find(runKey); it != runs_.end()) {
    p.host = it->second->node;
    p.jobId = it->second->jobId;
  }
  return p;
}

bool SlurmExecutor::enqueue(const RunSpec& spec) {
  if (runs_.count(spec.runKey)) return false;
  auto run = std::make_unique<Run>();
  run->spec = spec;
  if (run->spec.configPath.isEmpty()) run->spec.configPath = QDir(spec.runDir).filePath(QStringLiteral("run.json"));
  run->tail = std::make_unique<EventLogTail>(QDir(spec.runDir).filePath(QStringLiteral("events.jsonl")));
  runs_[spec.runKey] = std::move(run);
  toSubmit_ << spec.runKey;
  emit runQueued(spec.runKey);
  emit runStateChanged(spec.runKey, RunState::Queued, {});
  if (!submitScheduled_) {
    submitScheduled_ = true;
    QTimer::singleShot(0, this, &SlurmExecutor::submitQueued);
  }
  return true;
}

bool SlurmExecutor::attach(const RunSpec& spec, const QString& jobId) {
  if (runs_.count(spec.runKey) || jobId.isEmpty()) return false;
  auto run = std::make_unique<Run>();
  run->spec = spec;
  run->jobId = jobId;
  run->phase = Run::Phase::Waiting;  // until Slurm says otherwise
  run->lastSignOfLifeMs = clock_.elapsed();
  run->tail = std::make_unique<EventLogTail>(QDir(spec.runDir).filePath(QStringLiteral("events.jsonl")));
  runs_[spec.runKey] = std::move(run);
  emit runQueued(spec.runKey);
  if (!pollTimer_.isActive()) pollTimer_.start();
  QTimer::singleShot(0, this, &SlurmExecutor::pollNow);
  return true;
}

std::optional<ExecutorSpec> SlurmExecutor::launchSpec() const {
  ExecutorSpec spec;
  spec.kind = kind();
  spec.jobs = slurm_.arrayLimit;
  spec.threads = options_.threadsPerRun;
  spec.slurm = slurm_;
  return spec;
}

void SlurmExecutor::submitQueued() {
  submitScheduled_ = false;
  QStringList keys;
  for (const QString& k : std::as_const(toSubmit_))
    if (auto it = runs_.find(k); it != runs_.end() && it->second->phase == Run::Phase::ToSubmit) keys << k;
  toSubmit_.clear();
  // Slurm refuses arrays longer than MaxArraySize (1001 by default): larger studies go out as
  // several arrays, each with the same limit of tasks at once
  for (qsizetype from = 0; from < keys.size(); from += kMaxArrayTasks)
    submit(keys.mid(from, kMaxArrayTasks), int(from / kMaxArrayTasks));
}

void SlurmExecutor::submit(const QStringList& keys, int part) {
  const QString stamp = QDateTime::currentDateTime().toString(QStringLiteral("yyyyMMdd-HHmmss-zzz"));
  const QString dir = QDir(scriptDir_).filePath(jobName_ + QLatin1Char('-') + stamp +
                                                (part > 0 ? QStringLiteral("-%1").arg(part) : QString()));
  QString error;
  SlurmScriptInput in;
  in.options = slurm_;
  in.jobName = jobName_;
  in.enginePath = options_.enginePath;
  in.threads = std::max(1, options_.threadsPerRun);
  in.engineArgs = options_.extraArgs;
  in.runsFile = QDir(dir).filePath(QStringLiteral("runs.txt"));
  in.runCount = int(keys.size());
  in.logPattern = slurmPatternLiteral(dir) + QStringLiteral("/slurm-%A_%a.out");
  const QString script = QDir(dir).filePath(QStringLiteral("job.sbatch"));
  QStringList runDirs;
  for (const QString& k : keys) runDirs << QDir(runs_.at(k)->spec.runDir).absolutePath();
  bool ok = QDir().mkpath(dir) && writeFile(in.runsFile, runDirs.join('\n') + '\n', &error) &&
            writeFile(script, slurmBatchScript(in), &error);
  if (!ok && error.isEmpty()) error = QStringLiteral("cannot create %1").arg(dir);

  QString arrayId;
  if (ok) {
    QProcess p;
    p.setWorkingDirectory(dir);
    p.setProcessEnvironment(options_.environment);
    p.start(program("sbatch"), {QStringLiteral("--parsable"), script});
    const bool done = p.waitForStarted(10000) && p.waitForFinished(60000);
    const QString out = QString::fromUtf8(p.readAllStandardOutput()).trimmed();
    const QString err = QString::fromUtf8(p.readAllStandardError()).trimmed();
    arrayId = out.section('\n', -1).section(';', 0, 0).trimmed();
    bool numeric = false;
    arrayId.toLongLong(&numeric);
    if (!done || p.exitStatus() != QProcess::NormalExit || p.exitCode() != 0 || !numeric) {
      ok = false;
      // Slurm's own words first: they are what a truncated error column must still show
      error = !done ? QStringLiteral("sbatch did not answer (%1); script %2").arg(p.errorString(), script)
                    : QStringLiteral("%1 (sbatch exit %2; script %3)").arg(err.isEmpty() ? out : err).arg(p.exitCode()).arg(script);
      if (!done) p.kill();
    }
  }
  QStringList jobIds;
  for (int i = 0; i < keys.size(); ++i) {
    auto it = runs_.find(keys[i]);
    if (it == runs_.end()) continue;
    Run& r = *it->second;
    if (!ok) {
      end(r, RunState::Failed, {QStringLiteral("submit"), error, script, -1});
      continue;
    }
    r.jobId = QStringLiteral("%1_%2").arg(arrayId).arg(i);
    r.phase = Run::Phase::Waiting;
    r.lastSignOfLifeMs = clock_.elapsed();
    jobIds << r.jobId;
    appendRunLog(r.spec.runDir, QStringLiteral("submitted: Slurm job %1 (%2)").arg(r.jobId, script));
    r.status = {r.jobId, QStringLiteral("PENDING"), QString(), nowSeconds()};
    emit jobStatusChanged(keys[i], r.status);
  }
  if (!ok) {
    if (isIdle()) emit allFinished();
    return;
  }
  emit submitted(script, keys, jobIds);
  if (!pollTimer_.isActive()) pollTimer_.start();
}

void SlurmExecutor::runAsync(const char* name, const QStringList& args,
                             std::function<void(int, const QString&, const QString&)> done) {
  auto* p = new QProcess(this);
  p->setProcessEnvironment(options_.environment);
  auto called = std::make_shared<bool>(false);
  connect(p, &QProcess::finished, this, [p, done, called](int code, QProcess::ExitStatus status) {
    if (*called) return;
    *called = true;
    done(status == QProcess::NormalExit ? code : -1, QString::fromUtf8(p->readAllStandardOutput()),
         QString::fromUtf8(p->readAllStandardError()));
    p->deleteLater();
  });
  connect(p, &QProcess::errorOccurred, this, [p, done, called](QProcess::ProcessError e) {
    if (e != QProcess::FailedToStart || *called) return;
    *called = true;
    done(-1, QString(), p->errorString());
    p->deleteLater();
  });
  QTimer::singleShot(60000, p, [p] { p->kill(); });  // a controller that hangs: this poll gives up
  p->start(program(name), args);
}

void SlurmExecutor::warn(const QString& key, const QString& message) {
  if (message == lastWarning_) return;  // once per failure streak, not every poll
  lastWarning_ = message;
  emit protocolWarning(key, message);
}

void SlurmExecutor::pollNow() {
  if (!polling_) poll();
}

void SlurmExecutor::poll() {
  if (polling_) return;
  polling_ = true;
  pollTime_ = nowSeconds();
  readLogs();
  QStringList arrays;
  for (const auto& [key, r] : runs_)
    if (!r->jobId.isEmpty()) arrays << arrayOf(r->jobId);
  arrays.removeDuplicates();
  if (arrays.isEmpty()) {
    finishPoll();
    return;
  }
  runAsync("squeue", {QStringLiteral("-h"), QStringLiteral("-r"), QStringLiteral("-o"), QLatin1String(kSqueueFormat),
                      QStringLiteral("-j"), arrays.join(',')},
           [this](int rc, const QString& out, const QString& err) { afterSqueue(rc, out, err); });
}

void SlurmExecutor::readLogs() {
  for (auto& [key, r] : runs_)
    if (r->phase != Run::Phase::ToSubmit) readLog(*r);
}

void SlurmExecutor::readLog(Run& run, bool toTheEnd) {
  const QString key = run.spec.runKey;
  const EventLogTail::Chunk chunk = run.tail->read();
  if (chunk.restarted) {
    run.engine = {};
    emit eventLogRestarted(key);
  }
  if (chunk.bytes > 0) run.lastSignOfLifeMs = clock_.elapsed();
  EventParser::Output output = chunk.output;
  if (toTheEnd) {  // the job has ended: a last line without its newline counts too
    EventParser::Output rest = run.tail->finish();
    output.errors << rest.errors;
    for (auto& e : rest.events) output.events.push_back(std::move(e));
  }
  for (const QString& e : output.errors) emit protocolWarning(key, e);
  for (const nlohmann::json& json : output.events) {
    QString problem;
    const std::optional<EngineEvent> ev = tryDecodeEvent(json, &problem);
    if (!ev) {
      emit protocolWarning(key, problem);
      continue;
    }
    if (ev->as<StartedEvent>()) {
      run.engine = {};
    } else if (ev->as<FinishedEvent>()) {
      run.engine.finished = true;
    } else if (const ErrorEvent* e = ev->as<ErrorEvent>()) {
      run.engine.error = RunError{e->kind, e->message, e->location, -1};
    }
    emit eventReceived(key, *ev);
  }
}

void SlurmExecutor::afterSqueue(int rc, const QString& out, const QString& err) {
  // squeue exits 1 with "Invalid job id specified" when it knows none of the ids (all ended)
  if (rc != 0 && !err.contains(QLatin1String("Invalid job id"))) {
    warn(QString(), QStringLiteral("squeue failed (%1): %2; retrying at the next poll")
                        .arg(rc)
                        .arg(err.trimmed().isEmpty() ? QStringLiteral("no output") : err.trimmed()));
    finishPoll();
    return;
  }
  seen_ = rc == 0 ? parseSqueue(out) : QHash<QString, SlurmJob>();
  QStringList missing;
  for (const auto& [key, r] : runs_)
    if (!r->jobId.isEmpty() && !seen_.contains(r->jobId)) missing << arrayOf(r->jobId);
  missing.removeDuplicates();
  if (missing.isEmpty())
    decide();
  else
    askScontrol(missing);
}

void SlurmExecutor::askScontrol(QStringList arrays) {
  if (arrays.isEmpty()) {
    askSacct();
    return;
  }
  const QString array = arrays.takeFirst();
  runAsync("scontrol", {QStringLiteral("show"), QStringLiteral("job"), QStringLiteral("-o"), array},
           [this, arrays](int rc, const QString& out, const QString& err) {
             if (rc == 0) {
               const auto jobs = parseScontrolJobs(out);
               for (auto it = jobs.begin(); it != jobs.end(); ++it)
                 if (!seen_.contains(it.key())) seen_.insert(it.key(), it.value());
             } else if (!err.contains(QLatin1String("Invalid job id"))) {
               warn(QString(), QStringLiteral("scontrol show job failed (%1): %2").arg(rc).arg(err.trimmed()));
             }
             askScontrol(arrays);
           });
}

void SlurmExecutor::askSacct() {
  // jobs the controller has forgotten: the accounting database knows them, where there is one
  QStringList missing;
  for (const auto& [key, r] : runs_)
    if (!r->jobId.isEmpty() && !seen_.contains(r->jobId)) missing << arrayOf(r->jobId);
  missing.removeDuplicates();
  if (missing.isEmpty() || !sacctUsable_) {
    decide();
    return;
  }
  runAsync("sacct", {QStringLiteral("-n"), QStringLiteral("-P"), QStringLiteral("-X"), QStringLiteral("-o"),
                     QLatin1String(kSacctFormat), QStringLiteral("-j"), missing.join(',')},
           [this](int rc, const QString& out, const QString&) {
             if (rc == 0) {
               const auto jobs = parseSacct(out);
               for (auto it = jobs.begin(); it != jobs.end(); ++it)
                 if (!seen_.contains(it.key())) seen_.insert(it.key(), it.value());
             } else {
               sacctUsable_ = false;  // no accounting storage ("accounting storage is disabled")
             }
             decide();
           });
}

void SlurmExecutor::decide() {
  QStringList keys;
  for (const auto& [key, r] : runs_)
    if (!r->jobId.isEmpty()) keys << key;
  for (const QString& key : keys) {
    auto it = runs_.find(key);
    if (it == runs_.end()) continue;
    auto job = seen_.find(it->second->jobId);
    apply(*it->second, job == seen_.end() ? nullptr : &job.value());
  }
  finishPoll();
}

void SlurmExecutor::apply(Run& run, const SlurmJob* job) {
  const QString key = run.spec.runKey;
  if (!job) {
    // Slurm forgot the job (it ended longer ago than the controller keeps jobs, and there is no
    // accounting to ask; or it was a pending array task that was cancelled): the run's own log is
    // the only witness left. The last poll before giving up also takes a last line without newline.
    if (++run.missingPolls >= kForgottenJobPolls) readLog(run, /*toTheEnd=*/true);
    if (auto ended = slurmForgottenRun(run.jobId, run.engine, run.cancelRequested, run.missingPolls))
      end(run, ended->first, ended->second);
    return;
  }
  run.missingPolls = 0;
  if (job->state != run.status.state || job->reason != run.status.reason) {
    run.status = {run.jobId, job->state, job->reason, pollTime_};
    emit jobStatusChanged(key, run.status);
  }
  if (!job->node.isEmpty()) run.node = job->node;

  if (isSlurmJobWaiting(job->state)) {
    if (run.phase == Run::Phase::Running) {
      run.phase = Run::Phase::Waiting;
      emit runStateChanged(key, RunState::Queued,
                           {QStringLiteral("requeued"),
                            QStringLiteral("Slurm requeued job %1; it resumes from its checkpoint").arg(run.jobId),
                            run.jobId, -1});
    }
    return;
  }
  if (isSlurmJobEnded(job->state)) {
    readLog(run, /*toTheEnd=*/true);
    const auto [state, error] = slurmEndedRun(*job, run.engine, run.cancelRequested, slurm_.timeLimit);
    end(run, state, error);
    return;
  }
  // RUNNING, COMPLETING, SUSPENDED, STOPPED, …: on a node
  if (run.phase != Run::Phase::Running) {
    run.phase = Run::Phase::Running;
    run.lastSignOfLifeMs = clock_.elapsed();
    emit runStarted(key);
    emit runStateChanged(key, RunState::Running, {});
    return;
  }
  const qint64 silentMs = clock_.elapsed() - run.lastSignOfLifeMs;
  if (job->state == QLatin1String("RUNNING") && silentMs > qint64(slurm_.heartbeatTimeoutS) * 1000) {
    // detached: the run is decided now, and the follower may exit before scancel returns
    if (!QProcess::startDetached(program("scancel"), {run.jobId}))
      warn(QString(), QStringLiteral("cannot start scancel %1 for a lost run").arg(run.jobId));
    end(run, RunState::Lost,
        {QStringLiteral("lost"),
         QStringLiteral("no event in the run's events.jsonl for %1 s while Slurm says job %2 runs on %3; job cancelled")
             .arg(slurm_.heartbeatTimeoutS)
             .arg(run.jobId, run.node),
         run.jobId, -1});
  }
}

void SlurmExecutor::end(Run& run, RunState state, RunError error) {
  const QString key = run.spec.runKey;
  const bool engineSaidIt = state == RunState::Finished || (run.engine.error && run.engine.error->kind == error.kind &&
                                                            run.engine.error->message == error.message);
  if (!engineSaidIt) emit eventReceived(key, syntheticErrorEvent(key, error));
  appendRunLog(run.spec.runDir, runEndLogText(state, error));
  runs_.erase(key);  // `run` is gone from here on
  toSubmit_.removeAll(key);
  emit runStateChanged(key, state, error);
}

void SlurmExecutor::finishPoll() {
  polling_ = false;
  emit pollFinished();
  if (isIdle()) {
    pollTimer_.stop();
    emit allFinished();
  }
}

void SlurmExecutor::cancel(const QString& runKey) {
  auto it = runs_.find(runKey);
  if (it == runs_.end()) return;
  Run& r = *it->second;
  if (r.phase == Run::Phase::ToSubmit) {
    end(r, RunState::Cancelled, {QStringLiteral("cancelled"), QStringLiteral("cancelled before it was submitted"), {}, -1});
    if (isIdle()) emit allFinished();
    return;
  }
  r.cancelRequested = true;
  const QString jobId = r.jobId;
  runAsync("scancel", {jobId}, [this, jobId](int rc, const QString&, const QString& err) {
    if (rc != 0) warn(QString(), QStringLiteral("scancel %1 failed: %2").arg(jobId, err.trimmed()));
    QTimer::singleShot(500, this, &SlurmExecutor::pollNow);
  });
}

void SlurmExecutor::cancelAll() {
  QStringList keys;
  for (const auto& [key, r] : runs_) keys << key;
  for (const QString& k : keys) cancel(k);
}

}  // namespace adamix::app
