// SPDX-License-Identifier: GPL-3.0-or-later
#include "exec/engine_client.h"

#include "exec/bounded_bytes.h"
#include "exec/local_executor.h"

#include <QElapsedTimer>

#include <algorithm>
#include <memory>

namespace adamix::app {

QString EngineResult::lastErrorLine() const {
  const QStringList lines = QString::fromUtf8(err).split(QLatin1Char('\n'), Qt::SkipEmptyParts);
  for (auto it = lines.crbegin(); it != lines.crend(); ++it)
    if (!it->trimmed().isEmpty()) return it->trimmed();
  return {};
}

EngineClient::EngineClient(const QString& enginePath, QObject* parent)
    : QObject(parent), engine_(enginePath.isEmpty() ? locateEngine() : enginePath) {}

EngineClient::~EngineClient() { cancel(); }

void EngineClient::cancel() {
  if (!process_) return;
  QProcess* p = process_;
  process_ = nullptr;
  p->disconnect(this);
  p->kill();
  p->waitForFinished(2000);
  p->deleteLater();
}

void EngineClient::terminate() {
  if (process_ && process_->state() != QProcess::NotRunning) process_->terminate();
}

void EngineClient::kill() {
  if (process_ && process_->state() != QProcess::NotRunning) process_->kill();
}

void EngineClient::run(const QStringList& args, std::function<void(const EngineResult&)> done) {
  run(args, {}, std::move(done));
}

void EngineClient::run(const QStringList& args, std::function<void(const QByteArray&)> onStdout,
                       std::function<void(const EngineResult&)> done) {
  cancel();
  auto* p = new QProcess(this);
  process_ = p;
  p->setProcessChannelMode(QProcess::SeparateChannels);
  // stderr as it arrives, bounded: an engine printing without end cannot grow the app's memory
  auto err = std::make_shared<BoundedBytes>(kStderrHeadBytes, kStderrTailBytes);
  connect(p, &QProcess::readyReadStandardError, this, [p, err] { err->append(p->readAllStandardError()); });
  auto finish = [this, p, done, onStdout, err](bool started) {
    if (process_ != p) return;  // already reported or abandoned
    process_ = nullptr;
    EngineResult r;
    r.exitCode = started ? p->exitCode() : -1;
    r.exited = started && p->exitStatus() == QProcess::NormalExit;
    r.ok = r.exited && r.exitCode == 0;
    r.out = p->readAllStandardOutput();
    if (onStdout) {
      if (!r.out.isEmpty()) onStdout(r.out);
      r.out.clear();
    }
    if (started) {
      err->append(p->readAllStandardError());
      r.err = err->bytes();
    } else {
      r.err = engine_.isEmpty() ? tr("adamix-engine not found").toUtf8() : p->errorString().toUtf8();
    }
    p->deleteLater();
    done(r);
  };
  if (onStdout)
    connect(p, &QProcess::readyReadStandardOutput, this, [p, onStdout] { onStdout(p->readAllStandardOutput()); });
  connect(p, &QProcess::finished, this, [finish] { finish(true); });
  connect(p, &QProcess::errorOccurred, this, [finish](QProcess::ProcessError e) {
    if (e == QProcess::FailedToStart) finish(false);
  });
  if (engine_.isEmpty()) {
    QMetaObject::invokeMethod(
        this, [finish] { finish(false); }, Qt::QueuedConnection);
    return;
  }
  p->start(engine_, args);
}

EngineResult EngineClient::runBlocking(const QString& engine, const QStringList& args, int timeoutMs) {
  EngineResult r;
  if (engine.isEmpty()) {
    r.err = tr("adamix-engine not found").toUtf8();
    return r;
  }
  QProcess p;
  p.setProcessChannelMode(QProcess::SeparateChannels);
  p.start(engine, args);
  if (!p.waitForStarted(30000)) {  // a missing executable fails at once; only the run is timed
    r.err = p.errorString().toUtf8();
    return r;
  }
  // both channels read as they arrive, bounded as run()'s stderr: an engine printing without end
  // within the timeout cannot fill the app's memory
  BoundedBytes out(kStderrHeadBytes, kStderrTailBytes), err(kStderrHeadBytes, kStderrTailBytes);
  const auto drain = [&] {
    out.append(p.readAllStandardOutput());
    err.append(p.readAllStandardError());
  };
  QElapsedTimer clock;
  clock.start();
  while (p.state() != QProcess::NotRunning) {
    const qint64 left = timeoutMs - clock.elapsed();
    if (left <= 0) {
      p.kill();
      p.waitForFinished(1000);
      r.err = tr("adamix-engine %1: no answer within %2 ms").arg(args.join(QLatin1Char(' '))).arg(timeoutMs).toUtf8();
      return r;
    }
    p.waitForReadyRead(int(std::min<qint64>(left, 50)));  // returns on stdout data, the exit, or 50 ms
    drain();
  }
  drain();
  r.exitCode = p.exitCode();
  r.exited = p.exitStatus() == QProcess::NormalExit;
  r.ok = r.exited && r.exitCode == 0;
  r.out = out.bytes();
  r.err = err.bytes();
  return r;
}

}  // namespace adamix::app
