// SPDX-License-Identifier: GPL-3.0-or-later
#include "executor_options.h"

#include "cli_common.h"

namespace adamix::cli {

namespace {
const QStringList kSlurmStringOptions{"partition", "account", "qos", "time", "gres", "gpus", "mem"};
}

void addExecutorOptions(QCommandLineParser& p) {
  p.addOptions({
      {"executor", "Where runs execute: local (default) or slurm (a job array; docs/cluster.md).", "KIND"},
      {"partition", "Slurm: --partition.", "NAME"},
      {"account", "Slurm: --account.", "NAME"},
      {"qos", "Slurm: --qos.", "NAME"},
      {"time", "Slurm: --time limit per run (e.g. 04:00:00); the engine checkpoints before it and the job requeues.",
       "LIMIT"},
      {"gres", "Slurm: --gres (e.g. gpu:1).", "SPEC"},
      {"gpus", "Slurm: --gpus (e.g. 1).", "SPEC"},
      {"cpus-per-task", "Slurm: --cpus-per-task (default: --threads).", "N"},
      {"mem", "Slurm: --mem (e.g. 16G).", "SIZE"},
      {"sbatch-arg", "Slurm: one more sbatch option (repeatable), e.g. --sbatch-arg=--constraint=a100.", "OPTION"},
      {"setup", "Slurm: a shell line run before the engine (repeatable), e.g. 'module load cuda'.", "LINE"},
      {"signal-seconds", "Slurm: seconds before the time limit at which the engine checkpoints (default 120).", "S"},
      {"poll", "Slurm: seconds between reads of squeue and the event logs (default 5).", "S"},
      {"detach", "Slurm: submit and return; `adamix study follow` follows the jobs later."},
  });
}

bool applyExecutorOptions(const QCommandLineParser& p, app::ExecutorSpec* spec) {
  if (p.isSet("executor")) {
    const QString kind = p.value("executor");
    if (kind != "local" && kind != "slurm") {
      err() << "adamix: --executor: expected local or slurm, got '" << kind << "'\n";
      return false;
    }
    spec->kind = kind;
  }
  QStringList slurmOnly = kSlurmStringOptions;
  slurmOnly << "cpus-per-task" << "sbatch-arg" << "setup" << "signal-seconds" << "poll" << "detach";
  if (!spec->isSlurm()) {
    for (const QString& o : slurmOnly)
      if (p.isSet(o)) {
        err() << "adamix: --" << o << " needs --executor slurm (or \"kind\": \"slurm\" in the study's executor section)\n";
        return false;
      }
    return true;
  }
  app::SlurmOptions& s = spec->slurm;
  QString* fields[] = {&s.partition, &s.account, &s.qos, &s.timeLimit, &s.gres, &s.gpus, &s.mem};
  for (int i = 0; i < kSlurmStringOptions.size(); ++i)
    if (p.isSet(kSlurmStringOptions[i])) *fields[i] = p.value(kSlurmStringOptions[i]);
  if (p.isSet("cpus-per-task") && !intOption(p, "cpus-per-task", 1, &s.cpusPerTask)) return false;
  if (p.isSet("signal-seconds") && !intOption(p, "signal-seconds", 0, &s.signalSeconds)) return false;
  if (p.isSet("poll") && !intOption(p, "poll", 1, &s.pollSeconds)) return false;
  if (p.isSet("sbatch-arg")) s.sbatchArgs << p.values("sbatch-arg");
  if (p.isSet("setup")) s.setup << p.values("setup");
  // the same checks as the study file's section
  try {
    app::ExecutorSpec checked = app::parseExecutorSpec(app::executorSpecToJson(*spec), "options");
    checked.jobs = spec->jobs;
    *spec = checked;
  } catch (const std::exception& e) {
    err() << "adamix: " << e.what() << "\n";
    return false;
  }
  return true;
}

}  // namespace adamix::cli
