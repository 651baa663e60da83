// Terminal progress for `adamix study run` (one redrawn progress bar per running run on a TTY,
// plain log lines otherwise) and for `adamix run eval|predict|export` (one bar for the job).
// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "exec/engine_job.h"
#include "exec/run_progress.h"
#include "exec/study_runner.h"
#include "exec/warning_filter.h"

#include <QElapsedTimer>
#include <QMap>
#include <QObject>
#include <QTimer>

#include <functional>

namespace adamix::cli {

/// Follows a StudyRunner's signals and reports on stdout; its executor's warnings (a Slurm command
/// that failed, …) go to stderr, each once (app::WarningFilter).
class Progress : public QObject {
  Q_OBJECT
 public:
  Progress(app::StudyRunner& runner, bool tty, QObject* parent = nullptr);
  /// Prints a line above the live bars (or plainly).
  void log(const QString& line);
  /// Removes the bars (call before the final summary).
  void finish();

 private:
  struct Bar {
    QString label;
    app::RunProgress progress;
    double lastLogS = -1e9;  // plain mode: last printed progress line
  };
  void onEvent(const QString& key, const app::EngineEvent& ev);
  void onEnded(const QString& key, app::RunState state, const app::RunError& error);
  void redraw();
  void clearBars();
  QString barLine(const Bar& b) const;
  double nowS() const { return clock_.elapsed() / 1000.0; }

  app::StudyRunner& runner_;
  bool tty_;
  QMap<QString, Bar> bars_;  // running runs by key
  int drawnLines_ = 0;
  QTimer timer_;
  QElapsedTimer clock_;
  int done_ = 0;
};

/// Prints the warnings of `runner`'s executor (a Slurm command that failed, a log line that does
/// not parse) on stderr as "warning: <kind>: <run>: <message>", each once and not a flood
/// (app::WarningFilter), while `context` lives. `around(true)` runs before each line, `around(false)`
/// after it (a live display steps aside).
void reportExecutorWarnings(app::StudyRunner& runner, QObject* context,
                            std::function<void(bool before)> around = {});

/// Follows an EngineJob: `started …` per step, a redrawn bar on a TTY (else a `progress` line
/// every 10 s and at the end), `evaluated …` per stored evaluation.
class JobProgress : public QObject {
  Q_OBJECT
 public:
  JobProgress(app::EngineJob& job, const QString& label, bool tty, QObject* parent = nullptr);
  /// Removes the bar (call before the final summary).
  void finish();
  /// Prints a line above the bar.
  void log(const QString& line);

 private:
  void draw(qint64 done, qint64 total);

  QString label_;
  bool tty_;
  bool drawn_ = false;
  QElapsedTimer clock_;
  double lastLogS_ = -1e9;
};

}  // namespace adamix::cli
