// The live progress of one run, folded from its engine events: what the CLI's progress bars
// and the GUI's monitor show (step, total, loss, latest and best dev metric, ETA).
// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "exec/engine_events.h"
#include "exec/run_state.h"

#include <optional>

namespace adamix::app {

/// Progress of one run. `state` follows the events (started/progress → running); terminal
/// states are set by the owner from the executor's verdict.
struct RunProgress {
  RunState state = RunState::Queued;
  qint64 step = 0;
  qint64 totalSteps = 0;  ///< 0 while unknown
  double epoch = 0;
  std::optional<double> loss;       ///< training loss of the last progress event
  QString devName;                  ///< name of the latest dev metric (not loss/consistency)
  std::optional<double> dev;        ///< its value
  /// The run's selection metric: its task's primary split and metric (the engine keeps the
  /// checkpoint best in it; Results and the CLI report that best). Empty while the task is unknown.
  QString selectionSplit, selectionMetric;
  std::optional<double> best;  ///< best value of the selection metric so far (the `finished` event's at the end)
  qint64 bestStep = 0;         ///< the step of `best`
  std::optional<ErrorEvent> error;  ///< the run's `error` event, if any
  qint64 firstStep = -1;            ///< step of the first progress event since `started` (-1: none yet)
  double firstClockS = 0;           ///< caller's clock (seconds) at that event

  /// Fraction of the steps done, in [0, 1] (0 while the total is unknown).
  double fraction() const;
  /// Training speed since the first progress event, steps per second at `nowS` (the caller's
  /// clock, as passed to fold()); 0 while unknown.
  double stepsPerSecond(double nowS) const;
  /// Seconds left at the current speed; NaN while unknown.
  double etaSeconds(double nowS) const;
};

/// Applies one event to a run's progress. `clockS` is the caller's monotonic clock in seconds
/// (it only times the first progress event, for the speed and ETA).
RunProgress fold(RunProgress progress, const EngineEvent& event, double clockS);

/// The progress an events.jsonl (a run directory's event log) records: every decodable event
/// folded in order (a resumed segment's `started` sets the step back to its checkpoint).
/// Undecodable lines are skipped. The state is what the events say (running once started);
/// the caller sets the stored state. No speed is known (firstStep -1).
/// `task` (the stored run's), when given, names the selection metric before any event does.
RunProgress progressFromEventLog(const QByteArray& jsonLines, const QString& task = {});

/// Sets the selection metric of `progress` to `task`'s primary split and metric (taskFacts()).
void selectByTask(RunProgress& progress, const QString& task);

}  // namespace adamix::app
