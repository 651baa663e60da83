// Engine calls outside training (`adamix-engine inspect …`, `--version`, `eval`, `export`): the one
// place besides RunProcess that starts engine processes, always on the executable locateEngine() finds.
// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QByteArray>
#include <QObject>
#include <QPointer>
#include <QProcess>
#include <QStringList>

#include <functional>

namespace adamix::app {

/// The beginning and the end of a background engine call's stderr that EngineResult::err keeps.
inline constexpr qsizetype kStderrHeadBytes = 64 * 1024;
inline constexpr qsizetype kStderrTailBytes = 64 * 1024;

/// How an engine call ended.
struct EngineResult {
  bool ok = false;  ///< started, exited normally with code 0
  /// Started and exited by itself (not killed by a signal): then exitCode is the engine's own
  /// code, whose kind docs/protocol.md names (7 io, …) also when it sent no `error` event.
  bool exited = false;
  int exitCode = -1;
  /// stdout (empty when streamed to a callback) and stderr. A background call keeps only the first
  /// kStderrHeadBytes and the last kStderrTailBytes of stderr, with a line saying how much was left
  /// out between them (BoundedBytes); a blocking one (runBlocking()) both channels so.
  QByteArray out, err;
  /// The last non-empty stderr line (the engine's one-line error message), or "".
  QString lastErrorLine() const;
};

/// Runs one engine call at a time in the background and hands its result to a callback.
class EngineClient : public QObject {
  Q_OBJECT
 public:
  /// Uses `enginePath`, or locateEngine()'s choice when empty.
  explicit EngineClient(const QString& enginePath = {}, QObject* parent = nullptr);
  ~EngineClient() override;

  /// The engine executable ("" when none was found: calls then fail at once).
  QString enginePath() const { return engine_; }
  void setEnginePath(const QString& path) { engine_ = path; }
  /// Starts `engine args…`, abandoning a call still running (its callback is not called);
  /// `done` runs once the process has ended or failed to start.
  void run(const QStringList& args, std::function<void(const EngineResult&)> done);
  /// As run(), streaming stdout: `onStdout` gets each chunk as it arrives (an event stream for
  /// EventParser), and the EngineResult handed to `done` then holds stderr only.
  void run(const QStringList& args, std::function<void(const QByteArray&)> onStdout,
           std::function<void(const EngineResult&)> done);
  /// Kills the running call without calling its callback.
  void cancel();
  /// Asks the running call to stop (SIGTERM: the engine stops cleanly, exit 8 `interrupted`) and
  /// goes on reading it: its callback still runs once it has ended. Nothing when idle.
  void terminate();
  /// Kills the running call (SIGKILL); its callback still runs. Nothing when idle.
  void kill();
  bool isBusy() const { return process_ != nullptr; }

  /// Runs `engine args…` to the end in the calling thread (killed `timeoutMs` after it started, then ok =
  /// false). For short calls outside an event loop, e.g. `--version` when a study starts.
  static EngineResult runBlocking(const QString& engine, const QStringList& args, int timeoutMs);

 private:
  QString engine_;
  QPointer<QProcess> process_;
};

}  // namespace adamix::app
