// One evaluation, prediction or export of a stored run, run through EngineClient: decodes the
// engine's events, records each finished evaluation in the store (table `evaluations`, never the
// run's own results or curves) and each export as an artifact, and reports progress.
// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "exec/engine_client.h"
#include "exec/eval_request.h"
#include "exec/event_parser.h"

#include <QObject>

#include <optional>
#include <vector>

namespace adamix::app {

/// EngineJob::failureKind() of an engine call that exited with the usage code (2) without reporting
/// a usage error itself (no `error` event, no "adamix-engine: usage error:" line on stderr): its
/// command-line parser refused the arguments adamix built, so engine and app versions differ. Not
/// one of the protocol's kinds: the user's input is not at fault.
inline constexpr char kCommandLineRejected[] = "command-line-rejected";

/// Runs `adamix-engine eval` once per request (one after the other) or `adamix-engine export`
/// once, for one stored run. Emits finished() exactly once per start.
class EngineJob : public QObject {
  Q_OBJECT
 public:
  /// `store` must outlive the job; `enginePath` empty: locateEngine() decides.
  EngineJob(Store& store, const RunRecord& run, const QString& enginePath = {}, QObject* parent = nullptr);

  /// Evaluates the run for each request in turn; stops at the first failure.
  void startEval(const std::vector<EvalRequest>& requests);
  /// Exports the run's weights as `format` into `outDir`.
  void startExport(const QString& format, const QString& outDir);
  /// Stops the engine; finished(false, "cancelled") follows.
  void cancel();
  /// Stops the job on a signal (SIGINT/SIGTERM to adamix): the first call sends the engine SIGTERM
  /// once and goes on reading it, so that it stops cleanly (exit 8, `interrupted`, no partial
  /// output); a later call kills it (SIGKILL). No further step starts; finished(false, …) follows
  /// once the engine has ended. A step the engine completed before it stopped is still recorded.
  void interrupt();
  /// True once interrupt() was called during this start.
  bool wasInterrupted() const { return interrupts_ > 0; }
  bool isRunning() const { return running_; }
  const RunRecord& run() const { return run_; }
  /// The evaluations recorded so far by this start.
  const std::vector<Evaluation>& evaluations() const { return done_; }
  /// The export's event, once it ended well.
  const std::optional<ExportedEvent>& exportedEvent() const { return exported_; }
  /// The engine's `error` event of the step that failed, if it sent one.
  const std::optional<ErrorEvent>& errorEvent() const { return error_; }
  /// The kind of the failed step's error: its `error` event's kind, else — the engine exited by
  /// itself with a non-zero code but sent no event (`export` reports its errors on stderr only) —
  /// the kind that code stands for (kindOfSilentExit: 7 → "io", …) — except the usage code without
  /// the engine's own usage report, kCommandLineRejected. "" when nothing failed, or the job was
  /// cancelled, refused before the engine started, or the engine never started or died by a signal.
  QString failureKind() const;
  /// The engine executable used.
  QString enginePath() const { return client_.enginePath(); }

 signals:
  /// Step `index` (0-based) of `count` begins; `what` is e.g. "eval test (merged)" or "export peft".
  void stepStarted(int index, int count, const QString& what);
  /// `done` of `total` batches of the current eval (total 0 while unknown).
  void progress(qint64 done, qint64 total);
  /// An evaluation ended and was stored (its id set).
  void evaluated(const adamix::app::Evaluation& evaluation);
  /// The export ended and was recorded.
  void exported(const adamix::app::ExportedEvent& event);
  /// The job ended: ok, or the error ("cancelled" after cancel()).
  void finished(bool ok, const QString& message);

 private:
  void nextEval();
  void onChunk(const QByteArray& chunk);
  void onEvent(const EngineEvent& event);
  void onEvalEnded(const EngineResult& result);
  void onExportEnded(const EngineResult& result);
  /// Ends the job after a failed engine call: records the kind of its exit (failureKind()) and
  /// reports failureText().
  void fail(const EngineResult& result);
  /// The reason an engine call failed: its `error` event; else, for a command line the engine
  /// refused (kCommandLineRejected), that, naming the engine and its stderr; else the last (≤ 5)
  /// lines of its stderr, else its exit code.
  QString failureText(const EngineResult& result) const;
  void end(bool ok, const QString& message);

  Store& store_;
  RunRecord run_;
  EngineClient client_;
  EventParser parser_;
  std::vector<EvalRequest> requests_;
  size_t current_ = 0;
  std::vector<Evaluation> done_;
  std::optional<FinishedEvent> finished_;
  std::optional<ErrorEvent> error_;
  QString exitKind_;  ///< kindOfSilentExit() of the failed step's exit code ("" when none)
  std::optional<ExportedEvent> exported_;
  QStringList protocolErrors_;
  bool running_ = false;
  int interrupts_ = 0;  ///< interrupt() calls during this start
};

}  // namespace adamix::app
