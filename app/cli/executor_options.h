// `adamix study run` options that choose and configure the executor (local or Slurm), over the
// study file's `executor` section.
// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "exec/executor_spec.h"

#include <QCommandLineParser>

namespace adamix::cli {

/// Adds --executor, the Slurm resource options (--partition, --account, --qos, --time, --gres,
/// --gpus, --cpus-per-task, --mem, --sbatch-arg, --setup, --signal-seconds, --poll) and --detach.
void addExecutorOptions(QCommandLineParser& parser);
/// Applies the options given to `spec` (options win over the study file). Prints the error and
/// returns false for a bad value or a Slurm option without `--executor slurm` / a slurm section.
bool applyExecutorOptions(const QCommandLineParser& parser, app::ExecutorSpec* spec);

}  // namespace adamix::cli
