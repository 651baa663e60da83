// One adamix-engine child process for one run.
// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "exec/engine_events.h"
#include "exec/event_parser.h"
#include "exec/run_state.h"

#include <nlohmann/json.hpp>

#include <QElapsedTimer>
#include <QFile>
#include <QObject>
#include <QProcess>
#include <QProcessEnvironment>
#include <QTimer>

namespace adamix::app {

/// What to run: `adamix-engine train --config <configPath> --run-dir <runDir> [--resume] --threads N`.
struct RunSpec {
  QString runKey;       ///< identifies the run in signals and the store (e.g. the config hash)
  QString runDir;       ///< the engine's run directory (created if missing)
  QString configPath;   ///< defaults to <runDir>/run.json
  bool resume = false;  ///< pass --resume (continue from checkpoint/state.safetensors)
  int threads = 0;      ///< --threads N; 0 = the executor's default
};

/// Appends "[adamix] <ISO time> <text>" to <runDir>/stderr.log, the run's log of what the app
/// and its executors did (start, submission, end); nothing when the file cannot be opened.
void appendRunLog(const QString& runDir, const QString& text);
/// The log's end line of a run: "end: <state>" plus " (<kind>: <message>)" when there is an error.
QString runEndLogText(RunState state, const RunError& error);

/// Default seconds without engine output before a run is killed and marked lost (the CLI's
/// --heartbeat-timeout and the GUI's queue settings start from it).
inline constexpr int kDefaultHeartbeatTimeoutS = 30;

/// Settings shared by all runs of an executor.
struct ExecutorOptions {
  QString enginePath;     ///< resolved engine executable (see locateEngine)
  int jobs = 1;           ///< concurrent runs
  int threadsPerRun = 1;  ///< --threads passed when a RunSpec says 0; 0 = omit the flag
  int heartbeatTimeoutMs = kDefaultHeartbeatTimeoutS * 1000;  ///< silence on stdout longer than this → lost
  int cancelGraceMs = 5000;                                   ///< SIGTERM → wait this long → SIGKILL
  QStringList extraArgs;                                      ///< appended to every engine command line
  QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
};

/// Supervises one engine process: parses its event stream, appends its stderr to
/// `<run-dir>/stderr.log`, watches the heartbeat and decides the terminal state:
/// exit 0 after `finished` → finished; non-zero exit → failed (with the `error` event);
/// exit 0 without `finished` → failed; killed by a signal or heartbeat silence → lost;
/// cancel() → cancelled. Every run that ends without a real `error`/`finished` event gets a
/// synthetic `error` event (`"synthetic": true`) so consumers' state machines always terminate.
class RunProcess : public QObject {
  Q_OBJECT
 public:
  RunProcess(RunSpec spec, ExecutorOptions options, QObject* parent = nullptr);
  ~RunProcess() override;

  void start();
  /// Stops the run (SIGTERM, then SIGKILL after the grace period); it ends `cancelled`.
  void cancel();

  const RunSpec& spec() const { return spec_; }
  RunState state() const { return state_; }
  const RunError& error() const { return error_; }
  /// The `finished` event (nullopt until then).
  const std::optional<FinishedEvent>& finishedEvent() const { return finished_; }
  int garbageLines() const { return garbageLines_; }
  qint64 pid() const { return process_.processId(); }
  /// The full command line (program first) that start() runs.
  QStringList commandLine() const;

 signals:
  void started(const QString& runKey);
  /// A decoded event (stdout lines that fail to parse or decode are protocol warnings).
  void eventReceived(const QString& runKey, const adamix::app::EngineEvent& event);
  /// A stdout line that was not a valid event (reported, otherwise ignored).
  void protocolWarning(const QString& runKey, const QString& message);
  /// Emitted exactly once, after the process has exited (or failed to start).
  void ended(const QString& runKey, adamix::app::RunState state, const adamix::app::RunError& error);

 private:
  void onReadyRead();
  void onFinished(int exitCode, QProcess::ExitStatus status);
  void onErrorOccurred(QProcess::ProcessError err);
  void onHeartbeatTimeout();
  void handle(EventParser::Output out);
  void decide(RunState s, RunError e);  // first decision wins
  void terminate();
  void finalize();
  void appendLog(const QString& line);
  void emitSynthetic(const RunError& e);

  RunSpec spec_;
  ExecutorOptions options_;
  QProcess process_;
  EventParser parser_;
  QTimer heartbeat_;
  QTimer killTimer_;
  RunState state_ = RunState::Queued;
  bool decided_ = false;
  bool ended_ = false;
  RunState decidedState_ = RunState::Failed;
  RunError error_;
  RunError engineError_;
  std::optional<FinishedEvent> finished_;
  int garbageLines_ = 0;
};

}  // namespace adamix::app
