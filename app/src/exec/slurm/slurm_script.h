// The batch script of one Slurm submission: a job array with one task per run, each task running
// `adamix-engine train` in its run directory, resuming from its checkpoint, and requeueing itself
// when the engine stopped on the time-limit warning (docs/cluster.md, "What is written where").
// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "exec/slurm/slurm_options.h"

#include <QString>
#include <QStringList>

namespace adamix::app {

/// Everything a submission's script is made of.
struct SlurmScriptInput {
  SlurmOptions options;
  QString jobName;         ///< --job-name
  QString enginePath;      ///< absolute path of adamix-engine on the cluster's shared filesystem
  int threads = 1;         ///< --threads of the engine (and --cpus-per-task unless options say)
  QStringList engineArgs;  ///< further engine arguments (ExecutorOptions::extraArgs)
  QString runsFile;        ///< text file: line i+1 = the run directory of array task i
  int runCount = 0;        ///< array tasks 0 … runCount-1
  QString logPattern;      ///< --output, e.g. "<dir>/slurm-%A_%a.out" (<dir> through slurmPatternLiteral())
};

/// Exit code of `adamix-engine train` after SIGUSR1 (checkpoint written; requeue and resume).
inline constexpr int kEnginePreemptedExitCode = 9;
/// Exit codes of the batch script itself (outside the engine's 0–9): its array task has no run
/// directory in runs.txt; a set-up line failed. 126/127 are bash's: the engine could not be run.
inline constexpr int kScriptNoRunExitCode = 64;
inline constexpr int kScriptSetupFailedExitCode = 65;

/// The bash batch script: `#SBATCH` lines for every option (so the file can be submitted again by
/// hand), the array task's run directory, the set-up lines (each must succeed, else the task ends
/// with kScriptSetupFailedExitCode and says which in the run's stderr.log), then the run: `--resume` when its run directory holds
/// checkpoint/state.safetensors, the engine in the background with USR1/TERM forwarded to it, and
/// `scontrol requeue` of the task when the engine exits with kEnginePreemptedExitCode. Engine
/// stderr and the script's own `[adamix]` lines go to <run dir>/stderr.log (stdout is dropped:
/// the events are in <run dir>/events.jsonl).
QString slurmBatchScript(const SlurmScriptInput& input);

/// Quotes `s` for bash (single quotes; embedded ones escaped).
QString shellQuote(const QString& s);

/// `s` as one argument of an `#SBATCH` line, as sbatch reads them (its _get_argument): unchanged
/// when it has no space, quote, backslash or `#` (which starts a comment there), else in double
/// quotes with `\` and `"` escaped by a backslash. (A line break cannot be written there at all.)
QString sbatchDirectiveQuote(const QString& s);

/// `path` as literal text in an sbatch file name pattern (--output): `%` doubled, so that
/// %A, %a, %j, %x … in it are not replaced.
QString slurmPatternLiteral(const QString& path);

}  // namespace adamix::app
