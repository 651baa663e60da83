// Local run queue: runs adamix-engine child processes with a concurrency limit.
// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "exec/executor.h"
#include "exec/run_process.h"

#include <QHash>
#include <QObject>
#include <QQueue>

namespace adamix::app {

/// Finds the engine executable: `option` if non-empty, else $ADAMIX_ENGINE, else `adamix-engine`
/// next to the running binary (or in ../engine/ of a build tree), else the build tree's engine
/// (compiled-in path), else PATH. Returns an empty string when nothing is found.
QString locateEngine(const QString& option = {});

/// A FIFO queue of runs executed as local child processes, at most `options.jobs` at a time,
/// each with `options.threadsPerRun` threads. Signals report every event and state change;
/// allFinished() fires whenever the queue drains (nothing queued or running).
class LocalExecutor : public Executor {
  Q_OBJECT
 public:
  explicit LocalExecutor(ExecutorOptions options, QObject* parent = nullptr);
  ~LocalExecutor() override;

  QString kind() const override { return QStringLiteral("local"); }
  /// Queues a run (state `queued`); it starts as soon as a slot is free.
  /// Returns false if a run with the same key is already queued or running.
  bool enqueue(const RunSpec& spec) override;
  /// Cancels one run (queued: removed; running: SIGTERM, then SIGKILL after the grace period).
  void cancel(const QString& runKey) override;
  /// Cancels everything; queued runs end first, then running ones as their processes exit.
  void cancelAll() override;

  int runningCount() const override { return int(running_.size()); }
  int queuedCount() const override { return int(queue_.size()); }
  /// This host and the engine's pid.
  RunPlacement placement(const QString& runKey) const override;
  /// Highest number of simultaneously running runs seen so far.
  int peakConcurrency() const { return peak_; }
  const ExecutorOptions& options() const override { return options_; }
  /// The process of a running run (nullptr if not running).
  RunProcess* process(const QString& runKey) const { return running_.value(runKey); }

 private:
  void pump();
  void onEnded(const QString& runKey, RunState state, const RunError& error);

  ExecutorOptions options_;
  QQueue<RunSpec> queue_;
  QHash<QString, RunProcess*> running_;
  int peak_ = 0;
  bool pumping_ = false;
};

}  // namespace adamix::app
