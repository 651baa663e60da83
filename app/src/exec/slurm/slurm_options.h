// What a study asks of Slurm: the sbatch resources, the job array's concurrency limit, the
// time-limit warning, and how the app follows the jobs (docs/cluster.md).
// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QString>
#include <QStringList>

namespace adamix::app {

/// The shortest heartbeat timeout a Slurm study may ask for (seconds): a poll every few seconds
/// must see the event log grow in time.
constexpr int kMinSlurmHeartbeatTimeoutS = 5;

/// Options of the Slurm executor. Each resource field is one sbatch option; an empty/zero field
/// is left to the cluster's defaults.
struct SlurmOptions {
  QString partition;        ///< --partition
  QString account;          ///< --account
  QString qos;              ///< --qos
  QString timeLimit;        ///< --time ("30", "04:00:00", "1-00:00:00")
  QString gres;             ///< --gres ("gpu:1", "gpu:a100:1")
  QString gpus;             ///< --gpus ("1", "a100:1")
  int cpusPerTask = 0;      ///< --cpus-per-task; 0 = the engine's threads per run
  QString mem;              ///< --mem ("16G")
  int arrayLimit = 0;       ///< K in --array=0-N%K: array tasks running at once; 0 = no limit
  QStringList sbatchArgs;   ///< further sbatch options, one per entry ("--constraint=a100")
  QStringList setup;        ///< shell lines run before the engine ("module load cuda/12.2")
  int signalSeconds = 120;  ///< --signal=B:USR1@S: warning before the time limit; 0 = none
  bool requeue = true;      ///< --requeue, and requeue the job when the engine stopped on that warning
  int pollSeconds = 5;      ///< how often squeue/scontrol are asked and the event logs read
  int heartbeatTimeoutS = 120;  ///< a running job whose events.jsonl stays silent this long is lost
  QString jobName;          ///< --job-name; empty = "adamix-<study name>"
};

}  // namespace adamix::app
