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

/// Bounds of the stderr excerpts in messages: a runaway engine can print megabytes on one line.
constexpr int kExcerptLines = 5;
constexpr int kExcerptChars = 300;

/// One stderr line for a message: trimmed, at most kExcerptChars characters (then "…"); decodes
/// only the bytes it can show.
QString excerptLine(QByteArrayView line) {
  const qsizetype maxBytes = qsizetype(kExcerptChars) * 4 + 4;  // UTF-8: ≤ 4 bytes a character
  const bool cutBytes = line.size() > maxBytes;
  QString s = QString::fromUtf8(line.first(std::min(line.size(), maxBytes))).trimmed();
  if (cutBytes || s.size() > kExcerptChars) s = s.left(kExcerptChars) + QStringLiteral("…");
  return s;
}

/// At most kExcerptLines non-empty lines of an engine's stderr, the first ones or (`last`) the last
/// ones, each cut by excerptLine(): the rest of a huge stderr is never decoded or copied.
QStringList stderrExcerpt(const QByteArray& err, bool last) {
  QStringList lines;
  qsizetype pos = last ? err.size() : 0;
  while (lines.size() < kExcerptLines) {
    qsizetype b = 0, e = 0;
    if (!last) {
      if (pos >= err.size()) break;
      b = pos;
      e = err.indexOf('\n', pos);
      if (e < 0) e = err.size();
      pos = e + 1;
    } else {
      if (pos <= 0) break;
      e = pos;
      b = err.lastIndexOf('\n', pos - 1) + 1;  // 0 when none
      pos = b - 1;                               // the newline before the line (or -1: done)
    }
    const QString line = excerptLine(QByteArrayView(err).sliced(b, e - b));
    if (line.isEmpty()) continue;
    if (last)
      lines.prepend(line);
    else
      lines.append(line);
  }
  return lines;
}

/// True when a failed engine call exited with the usage code but reported no usage error of its
/// own: no `error` event, and none of the "adamix-engine: usage error: …" lines the engine writes
/// on stderr for each (`export` reports on stderr only). Then its command-line parser (CLI11)
/// refused the arguments adamix built.
bool commandLineRejected(const EngineResult& r, bool sentErrorEvent) {
  if (sentErrorEvent || !r.exited || kindOfSilentExit(r.exitCode) != QLatin1String("usage")) return false;
  static const QByteArray usage("adamix-engine: usage error:");
  for (qsizetype pos = 0; pos < r.err.size();) {  // each line, leading blanks skipped, without copies
    qsizetype e = r.err.indexOf('\n', pos);
    if (e < 0) e = r.err.size();
    QByteArrayView line = QByteArrayView(r.err).sliced(pos, e - pos).trimmed();
    if (line.startsWith(usage)) return false;
    pos = e + 1;
  }
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
  interrupts_ = 0;
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
  if (interrupts_ > 0) {  // the step before ended well, but no further one starts
    end(false, QStringLiteral("interrupted: stopped before %1 (%2 of %3 step(s) done and recorded)")
                   .arg(describe(requests_[current_]))
                   .arg(current_)
                   .arg(requests_.size()));
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
  interrupts_ = 0;
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

void EngineJob::interrupt() {
  if (!running_) return;
  if (++interrupts_ == 1)
    client_.terminate();
  else
    client_.kill();
  if (!client_.isBusy())  // between steps or before the first: nothing to wait for
    QMetaObject::invokeMethod(
        this, [this] { end(false, QStringLiteral("interrupted")); }, Qt::QueuedConnection);
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
  if (exitKind_ == QLatin1String(kCommandLineRejected)) {
    QString excerpt = stderrExcerpt(r.err, false).join(QStringLiteral(" / "));
    if (excerpt.isEmpty()) excerpt = QStringLiteral("exit code %1, nothing on stderr").arg(r.exitCode);
    return QStringLiteral("the engine at %1 rejected the command line adamix built: %2; engine and adamix versions "
                          "differ?")
        .arg(client_.enginePath(), excerpt);
  }
  // No `error` event (a crash, `export`'s errors): the end of stderr says why.
  if (const QStringList lines = stderrExcerpt(r.err, true); !lines.isEmpty()) return lines.join(QLatin1Char('\n'));
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
  if (interrupts_ > 0 && !error_)  // killed by the second signal, or it stopped without its event
    end(false, result.exited ? QStringLiteral("interrupted: adamix-engine exited with code %1").arg(result.exitCode)
                             : QStringLiteral("interrupted: adamix-engine was killed"));
  else
    end(false, failureText(result));
}

void EngineJob::end(bool ok, const QString& message) {
  if (!running_) return;
  running_ = false;
  emit finished(ok, message);
}

}  // namespace adamix::app
