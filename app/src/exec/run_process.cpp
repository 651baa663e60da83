// SPDX-License-Identifier: GPL-3.0-or-later
#include "exec/run_process.h"

#include <QDateTime>
#include <QDir>
#include <QFileInfo>

#ifdef Q_OS_LINUX
#include <csignal>
#include <sys/prctl.h>
#include <unistd.h>
#endif

namespace adamix::app {

void appendRunLog(const QString& runDir, const QString& text) {
  QFile f(QDir(runDir).filePath(QStringLiteral("stderr.log")));
  if (f.open(QIODevice::Append | QIODevice::Text))
    f.write(QStringLiteral("[adamix] %1 %2\n").arg(QDateTime::currentDateTime().toString(Qt::ISODate), text).toUtf8());
}

QString runEndLogText(RunState state, const RunError& error) {
  return QStringLiteral("end: %1%2").arg(runStateName(state),
                                         error.isEmpty() ? QString() : QStringLiteral(" (%1: %2)").arg(error.kind, error.message));
}

RunProcess::RunProcess(RunSpec spec, ExecutorOptions options, QObject* parent)
    : QObject(parent), spec_(std::move(spec)), options_(std::move(options)) {
  if (spec_.configPath.isEmpty()) spec_.configPath = QDir(spec_.runDir).filePath("run.json");
  heartbeat_.setSingleShot(true);
  heartbeat_.setInterval(options_.heartbeatTimeoutMs);
  killTimer_.setSingleShot(true);
  connect(&heartbeat_, &QTimer::timeout, this, &RunProcess::onHeartbeatTimeout);
  connect(&killTimer_, &QTimer::timeout, this, [this] { process_.kill(); });
  connect(&process_, &QProcess::readyReadStandardOutput, this, &RunProcess::onReadyRead);
  connect(&process_, &QProcess::finished, this, &RunProcess::onFinished);
  connect(&process_, &QProcess::errorOccurred, this, &RunProcess::onErrorOccurred);
}

RunProcess::~RunProcess() {
  if (process_.state() != QProcess::NotRunning) {
    process_.disconnect(this);
    process_.kill();
    process_.waitForFinished(3000);
  }
}

QStringList RunProcess::commandLine() const {
  QStringList args{options_.enginePath, "train", "--config", spec_.configPath, "--run-dir", spec_.runDir};
  if (spec_.resume) args << "--resume";
  const int threads = spec_.threads > 0 ? spec_.threads : options_.threadsPerRun;
  if (threads > 0) args << "--threads" << QString::number(threads);
  args << options_.extraArgs;
  return args;
}

void RunProcess::start() {
  if (state_ != RunState::Queued) return;
  QDir().mkpath(spec_.runDir);
  const QStringList cmd = commandLine();
  process_.setProgram(cmd.first());
  process_.setArguments(cmd.mid(1));
  process_.setProcessEnvironment(options_.environment);
  process_.setWorkingDirectory(spec_.runDir);
  process_.setStandardErrorFile(QDir(spec_.runDir).filePath("stderr.log"), QIODevice::Append);
  process_.setProcessChannelMode(QProcess::SeparateChannels);
#ifdef Q_OS_LINUX
  // Own process group: a terminal Ctrl-C reaches the app, which cancels the runs in order.
  // Die with the app if it is killed (no orphaned training processes).
  process_.setChildProcessModifier([] {
    ::setpgid(0, 0);
    ::prctl(PR_SET_PDEATHSIG, SIGTERM);
  });
#endif
  appendRunLog(spec_.runDir, QStringLiteral("start: %1").arg(cmd.join(' ')));
  state_ = RunState::Running;
  process_.start();
  if (process_.waitForStarted(10000)) {
    heartbeat_.start();
    emit started(spec_.runKey);
  }
  // failure to start is handled in onErrorOccurred
}

void RunProcess::cancel() {
  if (ended_) return;
  if (state_ == RunState::Queued) {
    decide(RunState::Cancelled, {"cancelled", "cancelled before it started", {}, -1});
    finalize();
    return;
  }
  decide(RunState::Cancelled, {"cancelled", "cancelled by the user", {}, -1});
  terminate();
}

void RunProcess::terminate() {
  heartbeat_.stop();
  if (process_.state() == QProcess::NotRunning) return;
  process_.terminate();
  if (!killTimer_.isActive()) killTimer_.start(std::max(0, options_.cancelGraceMs));
}

void RunProcess::decide(RunState s, RunError e) {
  if (decided_) return;
  decided_ = true;
  decidedState_ = s;
  error_ = std::move(e);
}

void RunProcess::appendLog(const QString& line) {
  QFile f(QDir(spec_.runDir).filePath("stderr.log"));
  if (f.open(QIODevice::Append | QIODevice::Text)) f.write(line.toUtf8() + '\n');
}

void RunProcess::onReadyRead() { handle(parser_.feed(process_.readAllStandardOutput())); }

void RunProcess::handle(EventParser::Output out) {
  for (const QString& e : out.errors) {
    ++garbageLines_;
    appendLog(QStringLiteral("[adamix] ignored stdout line: %1").arg(e));
    emit protocolWarning(spec_.runKey, e);
  }
  if (out.schemaMismatch && !decided_) {
    decide(RunState::Failed,
           {"protocol", out.errors.isEmpty() ? "unsupported protocol schema" : out.errors.last(), {}, -1});
    process_.kill();
    return;
  }
  for (auto& json : out.events) {
    if (ended_) break;
    if (!decided_) heartbeat_.start();  // any valid event counts as a sign of life
    QString problem;
    const std::optional<EngineEvent> ev = tryDecodeEvent(json, &problem);
    if (!ev) {
      ++garbageLines_;
      appendLog(QStringLiteral("[adamix] ignored event: %1").arg(problem));
      emit protocolWarning(spec_.runKey, problem);
      continue;
    }
    if (const FinishedEvent* f = ev->as<FinishedEvent>()) {
      finished_ = *f;
    } else if (const ErrorEvent* e = ev->as<ErrorEvent>()) {
      engineError_ = {e->kind, e->message, e->location, -1};
    }
    emit eventReceived(spec_.runKey, *ev);
  }
}

void RunProcess::onHeartbeatTimeout() {
  if (decided_ || process_.state() == QProcess::NotRunning) return;
  decide(RunState::Lost,
         {"lost",
          QStringLiteral("no event from the engine for %1 s; process killed").arg(options_.heartbeatTimeoutMs / 1000.0),
          {},
          -1});
  appendLog(QStringLiteral("[adamix] %1").arg(error_.message));
  process_.kill();
}

void RunProcess::onErrorOccurred(QProcess::ProcessError err) {
  if (err != QProcess::FailedToStart) return;  // crashes arrive through finished()
  decide(RunState::Failed,
         {"launch", QStringLiteral("cannot start %1: %2").arg(process_.program(), process_.errorString()),
          process_.program(), -1});
  appendLog(QStringLiteral("[adamix] %1").arg(error_.message));
  finalize();
}

void RunProcess::onFinished(int exitCode, QProcess::ExitStatus status) {
  heartbeat_.stop();
  killTimer_.stop();
  handle(parser_.feed(process_.readAllStandardOutput()));
  handle(parser_.finish());
  const bool crashed = status == QProcess::CrashExit;
  if (!decided_) {
    if (!crashed && exitCode == 0 && finished_.has_value()) {
      decide(RunState::Finished, {});
    } else if (crashed) {
      decide(RunState::Lost, {"crashed",
                              "the engine process died without reporting an error "
                              "(crash, out-of-memory kill or kill -9)",
                              {},
                              -1});
    } else if (exitCode == 0) {
      decide(RunState::Failed, {"incomplete", "the engine exited with code 0 without a finished event", {}, 0});
    } else if (!engineError_.isEmpty()) {
      RunError e = engineError_;
      e.exitCode = exitCode;
      if (e.kind == "interrupted")
        decide(RunState::Interrupted, e);  // SIGINT/SIGTERM from outside the app
      else
        decide(RunState::Failed, e);
    } else {
      decide(RunState::Failed, {kindOfSilentExit(exitCode),
                                QStringLiteral("the engine exited with code %1 without an error event").arg(exitCode),
                                {},
                                exitCode});
    }
  }
  if (decidedState_ != RunState::Finished) {
    error_.exitCode = crashed ? -1 : exitCode;
    // keep the engine's own explanation when it gave one (e.g. a checkpoint note on SIGTERM)
    if (decidedState_ == RunState::Cancelled && !engineError_.isEmpty() && engineError_.kind != "interrupted")
      error_.message += QStringLiteral(" (engine: %1)").arg(engineError_.message);
  }
  appendRunLog(spec_.runDir, runEndLogText(decidedState_, error_));
  finalize();
}

void RunProcess::emitSynthetic(const RunError& e) {
  emit eventReceived(spec_.runKey, syntheticErrorEvent(spec_.runKey, e));
}

void RunProcess::finalize() {
  if (ended_) return;
  heartbeat_.stop();
  killTimer_.stop();
  // The engine already ended the stream with an error event only when it failed on its own.
  const bool engineReported =
      decidedState_ == RunState::Finished ||
      (!engineError_.isEmpty() && (decidedState_ == RunState::Failed || decidedState_ == RunState::Interrupted) &&
       error_.kind == engineError_.kind);
  if (!engineReported) emitSynthetic(error_);
  ended_ = true;
  state_ = decidedState_;
  emit ended(spec_.runKey, state_, error_);
}

}  // namespace adamix::app
