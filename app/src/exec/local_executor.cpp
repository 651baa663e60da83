// SPDX-License-Identifier: GPL-3.0-or-later
#include "exec/local_executor.h"

#include <QCoreApplication>
#include <QDateTime>
#include <QDir>
#include <QFileInfo>
#include <QStandardPaths>
#include <QSysInfo>
#include <QTimer>

namespace adamix::app {

namespace {
bool isExecutable(const QString& path) {
  const QFileInfo fi(path);
  return fi.isFile() && fi.isExecutable();
}
}  // namespace

QString locateEngine(const QString& option) {
  if (!option.isEmpty()) return QFileInfo(option).absoluteFilePath();
  const QString env = qEnvironmentVariable("ADAMIX_ENGINE");
  if (!env.isEmpty()) return QFileInfo(env).absoluteFilePath();
  const QString exe = QStringLiteral("adamix-engine");
  if (QCoreApplication::instance()) {
    const QDir here(QCoreApplication::applicationDirPath());
    for (const QString& rel : {exe, QStringLiteral("../engine/") + exe, QStringLiteral("../../engine/") + exe,
                               QStringLiteral("../bin/") + exe}) {
      if (isExecutable(here.filePath(rel))) return QFileInfo(here.filePath(rel)).canonicalFilePath();
    }
  }
#ifdef ADAMIX_ENGINE_BUILD_PATH
  if (isExecutable(QStringLiteral(ADAMIX_ENGINE_BUILD_PATH))) return QStringLiteral(ADAMIX_ENGINE_BUILD_PATH);
#endif
  return QStandardPaths::findExecutable(exe);
}

LocalExecutor::LocalExecutor(ExecutorOptions options, QObject* parent) : Executor(parent), options_(std::move(options)) {
  qRegisterMetaType<adamix::app::RunState>();
  qRegisterMetaType<adamix::app::JobStatus>();
  qRegisterMetaType<adamix::app::RunError>();
  qRegisterMetaType<adamix::app::EngineEvent>();
  if (options_.jobs < 1) options_.jobs = 1;
}

LocalExecutor::~LocalExecutor() {
  for (RunProcess* p : std::as_const(running_)) {
    p->disconnect(this);
    delete p;  // kills a live process
  }
}

bool LocalExecutor::enqueue(const RunSpec& spec) {
  if (running_.contains(spec.runKey)) return false;
  for (const RunSpec& q : std::as_const(queue_))
    if (q.runKey == spec.runKey) return false;
  queue_.enqueue(spec);
  emit runQueued(spec.runKey);
  emit runStateChanged(spec.runKey, RunState::Queued, {});
  QTimer::singleShot(0, this, &LocalExecutor::pump);
  return true;
}

void LocalExecutor::pump() {
  if (pumping_) return;
  pumping_ = true;
  while (running_.size() < options_.jobs && !queue_.isEmpty()) {
    const RunSpec spec = queue_.dequeue();
    auto* p = new RunProcess(spec, options_, this);
    running_.insert(spec.runKey, p);
    peak_ = std::max(peak_, int(running_.size()));
    connect(p, &RunProcess::started, this, [this](const QString& key) {
      emit runStarted(key);
      emit runStateChanged(key, RunState::Running, {});
    });
    connect(p, &RunProcess::eventReceived, this, &LocalExecutor::eventReceived);
    connect(p, &RunProcess::protocolWarning, this, &LocalExecutor::protocolWarning);
    // queued: `ended` may fire inside start() (launch failure); handle it after start returns
    connect(p, &RunProcess::ended, this, &LocalExecutor::onEnded, Qt::QueuedConnection);
    p->start();
  }
  pumping_ = false;
  if (isIdle()) emit allFinished();
}

void LocalExecutor::onEnded(const QString& runKey, RunState state, const RunError& error) {
  RunProcess* p = running_.take(runKey);
  if (p) p->deleteLater();
  emit runStateChanged(runKey, state, error);
  pump();
}

void LocalExecutor::cancel(const QString& runKey) {
  for (qsizetype i = 0; i < queue_.size(); ++i) {
    if (queue_[i].runKey != runKey) continue;
    queue_.removeAt(i);
    RunError e{"cancelled", "cancelled before it started", {}, -1};
    emit eventReceived(runKey, syntheticErrorEvent(runKey, e));
    emit runStateChanged(runKey, RunState::Cancelled, e);
    if (isIdle()) emit allFinished();
    return;
  }
  if (RunProcess* p = running_.value(runKey)) p->cancel();
}

RunPlacement LocalExecutor::placement(const QString& runKey) const {
  RunPlacement p;
  p.host = QSysInfo::machineHostName();
  if (RunProcess* proc = running_.value(runKey)) p.pid = proc->pid();
  return p;
}

void LocalExecutor::cancelAll() {
  const QList<RunSpec> queued = queue_;
  for (const RunSpec& s : queued) cancel(s.runKey);
  const QList<QString> keys = running_.keys();
  for (const QString& k : keys) cancel(k);
}

}  // namespace adamix::app
