// SPDX-License-Identifier: GPL-3.0-or-later
#include "exec/slurm/slurm_script.h"

#include <QRegularExpression>

namespace adamix::app {

QString shellQuote(const QString& s) {
  QString q = s;
  q.replace(QLatin1String("'"), QLatin1String("'\\''"));
  return QLatin1Char('\'') + q + QLatin1Char('\'');
}

QString sbatchDirectiveQuote(const QString& s) {
  static const QRegularExpression special(QStringLiteral("[\\s'\"\\\\#]"));
  if (!s.isEmpty() && !s.contains(special)) return s;
  QString q = s;
  q.replace(QLatin1String("\\"), QLatin1String("\\\\"));
  q.replace(QLatin1String("\""), QLatin1String("\\\""));
  return QLatin1Char('"') + q + QLatin1Char('"');
}

QString slurmPatternLiteral(const QString& path) {
  QString p = path;
  p.replace(QLatin1String("%"), QLatin1String("%%"));
  return p;
}

QString slurmBatchScript(const SlurmScriptInput& in) {
  const SlurmOptions& o = in.options;
  QStringList lines{QStringLiteral("#!/bin/bash"),
                    QStringLiteral("# Written by adamix (AdaMix Studio): one array task per run of the list in"),
                    QStringLiteral("# %1 (docs/cluster.md).").arg(in.runsFile)};
  auto sbatch = [&](const QString& option) { lines << QStringLiteral("#SBATCH ") + option; };
  sbatch(QStringLiteral("--job-name=%1").arg(in.jobName));
  QString array = QStringLiteral("--array=0-%1").arg(std::max(0, in.runCount - 1));
  if (o.arrayLimit > 0) array += QStringLiteral("%%1").arg(o.arrayLimit);
  sbatch(array);
  sbatch(QStringLiteral("--output=") + sbatchDirectiveQuote(in.logPattern));
  sbatch(QStringLiteral("--open-mode=append"));
  sbatch(QStringLiteral("--ntasks=1"));
  sbatch(QStringLiteral("--cpus-per-task=%1").arg(o.cpusPerTask > 0 ? o.cpusPerTask : std::max(1, in.threads)));
  if (!o.partition.isEmpty()) sbatch(QStringLiteral("--partition=%1").arg(o.partition));
  if (!o.account.isEmpty()) sbatch(QStringLiteral("--account=%1").arg(o.account));
  if (!o.qos.isEmpty()) sbatch(QStringLiteral("--qos=%1").arg(o.qos));
  if (!o.timeLimit.isEmpty()) sbatch(QStringLiteral("--time=%1").arg(o.timeLimit));
  if (!o.gres.isEmpty()) sbatch(QStringLiteral("--gres=%1").arg(o.gres));
  if (!o.gpus.isEmpty()) sbatch(QStringLiteral("--gpus=%1").arg(o.gpus));
  if (!o.mem.isEmpty()) sbatch(QStringLiteral("--mem=%1").arg(o.mem));
  if (o.requeue) sbatch(QStringLiteral("--requeue"));
  if (o.signalSeconds > 0) sbatch(QStringLiteral("--signal=B:USR1@%1").arg(o.signalSeconds));
  for (const QString& a : o.sbatchArgs) sbatch(a);

  lines << QString() << QStringLiteral("set -u");
  QStringList engineArgs{QStringLiteral("--threads"), QString::number(std::max(1, in.threads))};
  for (const QString& a : in.engineArgs) engineArgs << shellQuote(a);
  const QString requeue = o.requeue ? QStringLiteral("1") : QStringLiteral("0");
  lines << QStringLiteral(R"(ENGINE=%1
RUN_DIR=$(sed -n "$((SLURM_ARRAY_TASK_ID + 1))p" %2)
if [ -z "$RUN_DIR" ] || [ ! -f "$RUN_DIR/run.json" ]; then
  echo "adamix: array task $SLURM_ARRAY_TASK_ID: no run directory with run.json in line $((SLURM_ARRAY_TASK_ID + 1)) of %2" >&2
  exit %3
fi
log() { echo "[adamix] $(date -Iseconds) $*" >> "$RUN_DIR/stderr.log"; })")
               .arg(shellQuote(in.enginePath), shellQuote(in.runsFile), QString::number(kScriptNoRunExitCode));
  if (!o.setup.isEmpty()) {
    lines << QStringLiteral("# set-up lines of the study's executor section: each must succeed");
    for (const QString& line : o.setup)
      lines << QStringLiteral("{ %1\n} || { log \"set-up line failed on $(hostname): \"%2; exit %3; }")
                   .arg(line, shellQuote(line), QString::number(kScriptSetupFailedExitCode));
  }
  lines << QStringLiteral(R"(ARGS=(train --config "$RUN_DIR/run.json" --run-dir "$RUN_DIR" %1)
if [ -f "$RUN_DIR/checkpoint/state.safetensors" ]; then ARGS+=(--resume); fi
log "start: Slurm job ${SLURM_ARRAY_JOB_ID}_${SLURM_ARRAY_TASK_ID} (job id $SLURM_JOB_ID, restart ${SLURM_RESTART_COUNT:-0}) on $(hostname): $ENGINE ${ARGS[*]}"
"$ENGINE" "${ARGS[@]}" > /dev/null 2>> "$RUN_DIR/stderr.log" &
ENGINE_PID=$!
# Slurm signals this shell (--signal=B:USR1@S, scancel's TERM): pass them on to the engine, which
# checkpoints and exits (USR1: code %2, TERM: code 8).
trap 'kill -USR1 "$ENGINE_PID" 2>/dev/null' USR1
trap 'kill -TERM "$ENGINE_PID" 2>/dev/null' TERM INT
while :; do
  wait "$ENGINE_PID"
  RC=$?
  # wait returns above 128 when a trapped signal interrupted it while the engine still runs
  if [ "$RC" -gt 128 ] && kill -0 "$ENGINE_PID" 2>/dev/null; then continue; fi
  break
done
log "engine exited with code $RC"
if [ "$RC" -eq %2 ] && [ %3 = 1 ]; then
  log "requeue: stopped on the time-limit/preemption warning; the job continues from its checkpoint"
  scontrol requeue "${SLURM_ARRAY_JOB_ID}_${SLURM_ARRAY_TASK_ID}"
fi
exit "$RC")")
               .arg(engineArgs.join(' '), QString::number(kEnginePreemptedExitCode), requeue);
  return lines.join('\n') + '\n';
}

}  // namespace adamix::app
