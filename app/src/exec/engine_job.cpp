// SPDX-License-Identifier: GPL-3.0-or-later
#include "exec/engine_job.h"

#include "assets/assets.h"
#include "exec/run_state.h"

#include <QDir>
#include <QMetaObject>

#include <algorithm>

namespace adamix::app {

namespace {

QString describe(const EvalRequest& r) {
  if (!r.mergeStrategy.isEmpty()) return QStringLiteral("merge %1").arg(r.mergeStrategy);
  const QString target = r.dataFile.isEmpty() ? r.split : r.dataFile;
  return QStringLiteral("eval %1 (%2)").arg(target.isEmpty() ? QStringLiteral("dev") : target,
                                            r.inference.isEmpty() ? QStringLiteral("run's inference") : r.inference);
}

/// Completes the cached assets a run's config points into (task.data_dir, model.path): a run
/// trained before a file joined its asset (the GLUE test sets, issue 12) gets it from the mirror
/// or the download source before the engine needs it. "" or the first fetch error.
QString completeRunAssets(const nlohmann::json& config) {
  const AssetCache cache;
  for (const char* ptr : {"/task/data_dir", "/model/path"}) {
    const nlohmann::json::json_pointer p(ptr);
    if (!config.contains(p) || !config.at(p).is_string()) continue;
    const QString path = QDir::cleanPath(QString::fromStdString(config.at(p).get<std::string>()));
    for (const QString& name : cache.manifest().names()) {
      if (QDir::cleanPath(cache.assetDir(name)) != path || cache.isCached(name)) continue;
      const FetchResult r = cache.fetch(name);
      if (!r.ok) return QStringLiteral("asset %1: %2").arg(name, r.error);
    }
  }
  return {};
}

/// The non-empty, trimmed lines of an engine's stderr.
QStringList stderrLines(const EngineResult& r) {
  QStringList lines = QString::fromUtf8(r.err).split(QLatin1Char('\n'), Qt::SkipEmptyParts);
  for (QString& l : lines) l = l.trimmed();
  lines.removeAll(QString());
  return lines;
}

/// True when a failed engine call exited with the usage code but reported no usage error of its
/// own: no `error` event, and none of the "adamix-engine: usage error: …" lines the engine writes
/// on stderr for each (`export` reports on stderr only). Then its command-line parser (CLI11)
/// refused the arguments adamix built.
bool commandLineRejected(const EngineResult& r, bool sentErrorEvent) {
  if (sentErrorEvent || !r.exited || kindOfSilentExit(r.exitCode) != QLatin1String("usage")) return false;
  for (const QString& line : stderrLines(r))
    if (line.startsWith(QLatin1String("adamix-engine: usage error:"))) return false;
  return true;
}

}  // namespace

EngineJob::EngineJob(Store& store, const RunRecord& run, const QString& enginePath, QObject* parent)
    : QObject(parent), store_(store), run_(run), client_(enginePath) {}

void EngineJob::startEval(const std::vector<EvalRequest>& requests) {
  requests_ = requests;
  current_ = 0;
  done_.clear();
  error_.reset();
  exitKind_.clear();
  running_ = true;
  QString why = artifactBlocker(run_, store_.path());
  if (why.isEmpty()) why = completeRunAssets(run_.config);
  if (!why.isEmpty()) {
    QMetaObject::invokeMethod(this, [this, why] { end(false, why); }, Qt::QueuedConnection);
    return;
  }
  nextEval();
}

void EngineJob::nextEval() {
  if (current_ >= requests_.size()) {
    end(true, {});
    return;
  }
  const EvalRequest& r = requests_[current_];
  parser_ = EventParser();
  finished_.reset();
  error_.reset();
  exitKind_.clear();
  protocolErrors_.clear();
  emit stepStarted(int(current_), int(requests_.size()), describe(r));
  client_.run(
      evalArgs(run_.runDir, r, ownRunDirFor(run_.runDir, store_.path())),
      [this](const QByteArray& chunk) { onChunk(chunk); },
      [this](const EngineResult& result) { onEvalEnded(result); });
}

void EngineJob::startExport(const QString& format, const QString& outDir) {
  requests_.clear();
  done_.clear();
  exported_.reset();
  parser_ = EventParser();
  error_.reset();
  exitKind_.clear();
  protocolErrors_.clear();
  running_ = true;
  QString why = artifactBlocker(run_, store_.path());
  if (why.isEmpty() && !exportFormats().contains(format))
    why = QStringLiteral("unknown export format '%1' (expected %2)").arg(format, exportFormats().join(QStringLiteral(", ")));
  if (!why.isEmpty()) {
    QMetaObject::invokeMethod(this, [this, why] { end(false, why); }, Qt::QueuedConnection);
    return;
  }
  emit stepStarted(0, 1, QStringLiteral("export %1").arg(format));
  client_.run(
      exportArgs(run_.runDir, format, outDir), [this](const QByteArray& chunk) { onChunk(chunk); },
      [this](const EngineResult& result) { onExportEnded(result); });
}

QString EngineJob::failureKind() const { return error_ ? error_->kind : exitKind_; }

void EngineJob::cancel() {
  if (!running_) return;
  client_.cancel();
  end(false, QStringLiteral("cancelled"));
}

void EngineJob::onChunk(const QByteArray& chunk) {
  EventParser::Output out = parser_.feed(chunk);
  protocolErrors_ << out.errors;
  for (const nlohmann::json& j : out.events) {
    QString error;
    if (auto ev = tryDecodeEvent(j, &error))
      onEvent(*ev);
    else
      protocolErrors_ << error;
  }
}

void EngineJob::onEvent(const EngineEvent& ev) {
  if (const auto* p = ev.as<ProgressEvent>())
    emit progress(p->step, p->totalSteps);
  else if (const auto* s = ev.as<StartedEvent>())
    emit progress(0, s->totalSteps);
  else if (const auto* f = ev.as<FinishedEvent>())
    finished_ = *f;
  else if (const auto* e = ev.as<ErrorEvent>())
    error_ = *e;
  else if (const auto* x = ev.as<ExportedEvent>())
    exported_ = *x;
}

QString EngineJob::failureText(const EngineResult& r) const {
  if (error_) {
    QString s = QStringLiteral("%1: %2").arg(error_->kind, error_->message);
    if (!error_->location.isEmpty()) s += QStringLiteral(" (at %1)").arg(error_->location);
    return s;
  }
  const QStringList lines = stderrLines(r);
  if (exitKind_ == QLatin1String(kCommandLineRejected)) {
    QString excerpt = lines.mid(0, 5).join(QStringLiteral(" / "));
    if (excerpt.size() > 400) excerpt = excerpt.left(400) + QStringLiteral("…");
    if (excerpt.isEmpty()) excerpt = QStringLiteral("exit code %1, nothing on stderr").arg(r.exitCode);
    return QStringLiteral("the engine at %1 rejected the command line adamix built: %2; engine and adamix versions "
                          "differ?")
        .arg(client_.enginePath(), excerpt);
  }
  // No `error` event (a crash, `export`'s errors): the end of stderr says why.
  if (!lines.isEmpty()) return lines.mid(std::max<qsizetype>(0, lines.size() - 5)).join(QLatin1Char('\n'));
  return QStringLiteral("adamix-engine exited with code %1").arg(r.exitCode);
}

void EngineJob::onEvalEnded(const EngineResult& result) {
  for (const nlohmann::json& j : parser_.finish().events)
    if (auto ev = tryDecodeEvent(j, nullptr)) onEvent(*ev);
  if (!result.ok) {
    fail(result);
    return;
  }
  if (!finished_) {
    QString why = QStringLiteral("adamix-engine %1 ended without a 'finished' event")
                      .arg(requests_[current_].mergeStrategy.isEmpty() ? QStringLiteral("eval") : QStringLiteral("merge"));
    if (!protocolErrors_.isEmpty()) why += QStringLiteral(" (%1)").arg(protocolErrors_.first());
    end(false, why);
    return;
  }
  Evaluation e = evaluationFromFinished(run_.id, *finished_, requests_[current_]);
  try {
    e.id = store_.addEvaluation(e);
  } catch (const std::exception& ex) {
    end(false, QString::fromUtf8(ex.what()));
    return;
  }
  done_.push_back(e);
  emit evaluated(e);
  ++current_;
  nextEval();
}

void EngineJob::onExportEnded(const EngineResult& result) {
  for (const nlohmann::json& j : parser_.finish().events)
    if (auto ev = tryDecodeEvent(j, nullptr)) onEvent(*ev);
  if (!result.ok) {
    fail(result);
    return;
  }
  if (!exported_) {
    end(false, QStringLiteral("adamix-engine export did not report an 'exported' event"));
    return;
  }
  try {
    store_.addArtifact(run_.id, QStringLiteral("export-") + exported_->format, exported_->out);
  } catch (const std::exception& ex) {
    end(false, QString::fromUtf8(ex.what()));
    return;
  }
  emit exported(*exported_);
  end(true, {});
}

void EngineJob::fail(const EngineResult& result) {
  if (commandLineRejected(result, error_.has_value()))
    exitKind_ = QLatin1String(kCommandLineRejected);
  else if (result.exited && result.exitCode != 0)
    exitKind_ = kindOfSilentExit(result.exitCode);
  end(false, failureText(result));
}

void EngineJob::end(bool ok, const QString& message) {
  if (!running_) return;
  running_ = false;
  emit finished(ok, message);
}

}  // namespace adamix::app
