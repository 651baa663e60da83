// A scheduler run's state in plain words for the Monitor: Slurm's state and reason while it
// waits, the node while it runs, always with the Slurm job id.
// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "exec/executor.h"
#include "exec/run_state.h"

#include <QString>

namespace adamix::ui {

/// The State column's text of a run: runStateName(state), and for a queued or running run with
/// a scheduler job the why or where, e.g. "queued — waiting: the study's limit of runs at once
/// (Slurm job 77_1)", "running on node1 (Slurm job 77_0)".
QString runStateText(app::RunState state, const app::JobStatus& job, const QString& node);

}  // namespace adamix::ui
