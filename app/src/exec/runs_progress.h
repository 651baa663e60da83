// The progress of several runs together (a study on the monitor): how many are in each state
// and the share of all their training steps that is done. Only finished runs and the steps
// of runs still queued or running count as done; failed, cancelled, lost and interrupted runs
// count as not done, so a study with failures never reads 100 %.
// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "exec/run_progress.h"

#include <map>
#include <vector>

namespace adamix::app {

/// Counts and step totals over several runs (see summarizeRuns()).
struct RunsProgress {
  std::map<RunState, int> counts;  ///< runs per state (states without runs are absent)
  double doneSteps = 0;            ///< steps of finished runs + steps reached by queued/running runs
  double totalSteps = 0;           ///< steps of all runs (unknown totals: the mean of the known ones)
  int runs = 0;

  int count(RunState s) const;
  /// doneSteps / totalSteps in [0, 1]; 0 without runs.
  double fraction() const;
  /// Queued or running runs remain.
  bool active() const { return count(RunState::Queued) + count(RunState::Running) > 0; }
  /// Every run finished (false without runs).
  bool allFinished() const { return runs > 0 && count(RunState::Finished) == runs; }
  /// Runs that ended without finishing (failed, cancelled, lost, interrupted).
  int unfinished() const {
    return runs - count(RunState::Finished) - count(RunState::Queued) - count(RunState::Running);
  }
};

/// Sums the progress of `runs`. A run whose total is unknown weighs the mean known total (one
/// step when no total is known at all; a finished run then counts its one step as done).
RunsProgress summarizeRuns(const std::vector<RunProgress>& runs);

}  // namespace adamix::app
