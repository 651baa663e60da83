// SPDX-License-Identifier: GPL-3.0-or-later
#include "exec/slurm/slurm_job_state.h"

#include "exec/slurm/slurm_script.h"

#include <QRegularExpression>
#include <QStringList>

namespace adamix::app {

namespace {

QString cleanReason(const QString& r) {
  const QString t = r.trimmed();
  return t == QLatin1String("None") || t == QLatin1String("(null)") ? QString() : t;
}

/// "0:9" → (0, 9); "1:0" → (1, 0).
void parseExitCode(const QString& text, SlurmJob* job) {
  const QStringList parts = text.split(':');
  bool ok = false;
  const int code = parts.value(0).toInt(&ok);
  if (ok) job->exitCode = code;
  if (parts.size() > 1) job->exitSignal = parts[1].toInt();
}

/// Strips a trailing '+' (CANCELLED+, shown by some versions) and words after a space
/// ("CANCELLED by 0").
QString baseState(const QString& s) {
  QString t = s.trimmed().section(' ', 0, 0);
  while (t.endsWith('+')) t.chop(1);
  return t;
}

}  // namespace

QHash<QString, SlurmJob> parseSqueue(const QString& text) {
  QHash<QString, SlurmJob> out;
  for (const QString& line : text.split('\n', Qt::SkipEmptyParts)) {
    const QStringList f = line.trimmed().split('|');
    if (f.size() < 4 || f[0].isEmpty()) continue;
    SlurmJob j;
    j.jobId = f[0].trimmed();
    j.state = baseState(f[1]);
    j.reason = cleanReason(f[2]);
    j.node = f[3].trimmed();
    out.insert(j.jobId, j);
  }
  return out;
}

QHash<QString, SlurmJob> parseScontrolJobs(const QString& text) {
  QHash<QString, SlurmJob> out;
  static const QRegularExpression pair(QStringLiteral("(?:^|\\s)([A-Za-z:/]+)=(\\S*)"));
  for (const QString& line : text.split('\n', Qt::SkipEmptyParts)) {
    QHash<QString, QString> kv;
    for (auto it = pair.globalMatch(line); it.hasNext();) {
      const auto m = it.next();
      if (!kv.contains(m.captured(1))) kv.insert(m.captured(1), m.captured(2));
    }
    if (!kv.contains(QStringLiteral("JobId")) || !kv.contains(QStringLiteral("JobState"))) continue;
    SlurmJob j;
    j.jobId = kv.value(QStringLiteral("JobId"));
    j.state = baseState(kv.value(QStringLiteral("JobState")));
    j.reason = cleanReason(kv.value(QStringLiteral("Reason")));
    j.node = kv.value(QStringLiteral("BatchHost"));
    if (j.node.isEmpty()) j.node = kv.value(QStringLiteral("NodeList"));
    if (j.node == QLatin1String("(null)")) j.node.clear();
    parseExitCode(kv.value(QStringLiteral("ExitCode")), &j);
    j.restarts = kv.value(QStringLiteral("Restarts")).toInt();
    const QString arrayJob = kv.value(QStringLiteral("ArrayJobId"));
    const QList<int> tasks = arrayTaskIndices(kv.value(QStringLiteral("ArrayTaskId")));
    if (arrayJob.isEmpty() || tasks.isEmpty()) {
      out.insert(j.jobId, j);
      continue;
    }
    for (int t : tasks) {
      j.jobId = QStringLiteral("%1_%2").arg(arrayJob).arg(t);
      out.insert(j.jobId, j);
    }
  }
  return out;
}

QList<int> arrayTaskIndices(const QString& field) {
  QList<int> out;
  const QString list = field.section('%', 0, 0).trimmed();
  if (list.isEmpty()) return out;
  static const QRegularExpression item(QStringLiteral("^(\\d+)(?:-(\\d+)(?::(\\d+))?)?$"));
  for (const QString& part : list.split(',')) {
    const auto m = item.match(part);
    if (!m.hasMatch()) return {};
    const long long from = m.captured(1).toLongLong();
    const long long to = m.captured(2).isEmpty() ? from : m.captured(2).toLongLong();
    const long long step = m.captured(3).isEmpty() ? 1 : m.captured(3).toLongLong();
    if (to < from || step < 1 || from > 100000000 || (to - from) / step + out.size() >= 100000) return {};
    for (long long i = from; i <= to; i += step) out << int(i);
  }
  return out;
}

QHash<QString, SlurmJob> parseSacct(const QString& text) {
  QHash<QString, SlurmJob> out;
  for (const QString& line : text.split('\n', Qt::SkipEmptyParts)) {
    const QStringList f = line.trimmed().split('|');
    if (f.size() < 3 || f[0].isEmpty() || f[0].contains('.')) continue;  // job steps (123.batch) are not jobs
    SlurmJob j;
    j.jobId = f[0].trimmed();
    j.state = baseState(f[1]);
    parseExitCode(f[2], &j);
    if (f.size() > 3 && f[3] != QLatin1String("None assigned")) j.node = f[3].trimmed();
    out.insert(j.jobId, j);
  }
  return out;
}

bool isSlurmJobWaiting(const QString& state) {
  static const QStringList waiting{"PENDING",       "REQUEUED",      "REQUEUE_HOLD", "REQUEUE_FED",
                                   "RESV_DEL_HOLD", "CONFIGURING",   "RESIZING",     "SIGNALING",
                                   "STAGE_OUT",     "POWER_UP_NODE", "UPDATE_DB"};
  return waiting.contains(state);
}

bool isSlurmJobEnded(const QString& state) {
  static const QStringList ended{"COMPLETED", "FAILED",    "CANCELLED", "TIMEOUT",  "OUT_OF_MEMORY", "NODE_FAIL",
                                 "BOOT_FAIL", "DEADLINE",  "PREEMPTED", "REVOKED", "SPECIAL_EXIT"};
  return ended.contains(state);
}

std::pair<RunState, RunError> slurmEndedRun(const SlurmJob& job, const EngineOutcome& engine, bool cancelRequested,
                                            const QString& timeLimit) {
  const QString id = job.jobId;
  const QString& s = job.state;
  auto failed = [&](const QString& kind, const QString& words) {
    QString message = words;
    if (engine.error && !engine.error->message.isEmpty()) message += QStringLiteral(" (engine: %1)").arg(engine.error->message);
    return std::pair{RunState::Failed, RunError{kind, message, id, job.exitCode}};
  };
  if (s == QLatin1String("COMPLETED")) {
    if (engine.finished) return {RunState::Finished, {}};
    return {RunState::Failed,
            {QStringLiteral("incomplete"),
             QStringLiteral("Slurm job %1 completed but the run's events.jsonl has no finished event").arg(id), id,
             job.exitCode}};
  }
  if (s == QLatin1String("CANCELLED")) {
    RunError e{QStringLiteral("cancelled"),
               cancelRequested ? QStringLiteral("cancelled by the user (scancel %1)").arg(id)
                               : QStringLiteral("Slurm job %1 %2 (scancel or an administrator)")
                                     .arg(id, QLatin1String(kCancelledOutsideTheApp)),
               id, job.exitCode};
    return {RunState::Cancelled, e};
  }
  if (s == QLatin1String("TIMEOUT"))
    return failed("timeout", QStringLiteral("Slurm job %1 hit its time limit%2 before the engine stopped on the "
                                            "warning signal; a checkpoint was written if there was time")
                                 .arg(id, timeLimit.isEmpty() ? QString() : QStringLiteral(" (--time %1)").arg(timeLimit)));
  if (s == QLatin1String("OUT_OF_MEMORY"))
    return failed("out-of-memory",
                  QStringLiteral("Slurm job %1 ran out of memory and was killed; ask for more with \"mem\"").arg(id));
  if (s == QLatin1String("NODE_FAIL"))
    return failed("node-fail", QStringLiteral("the node running Slurm job %1 (%2) failed").arg(id, job.node));
  if (s == QLatin1String("BOOT_FAIL"))
    return failed("boot-fail", QStringLiteral("the node for Slurm job %1 failed to boot").arg(id));
  if (s == QLatin1String("DEADLINE"))
    return failed("deadline", QStringLiteral("Slurm job %1 reached its deadline").arg(id));
  if (s == QLatin1String("PREEMPTED") || s == QLatin1String("REVOKED"))
    return {RunState::Interrupted,
            {QStringLiteral("preempted"),
             QStringLiteral("Slurm job %1 was preempted and not requeued; run the study again to resume it").arg(id), id,
             job.exitCode}};
  // the node could not start the batch script: the engine never ran (an error in the log is an
  // earlier attempt's), and no signal ended anything (scontrol then shows exit code 0:53)
  if (job.reason == QLatin1String("JobLaunchFailure")) {
    const QString where = job.node.isEmpty() ? QString() : QStringLiteral(" on %1").arg(job.node);
    return {RunState::Failed,
            {QStringLiteral("launch"),
             QStringLiteral("Slurm could not launch job %1%2 (JobLaunchFailure: the node could not start the batch "
                            "script; see the job's slurm-*.out and the node's slurmd log)")
                 .arg(id, where),
             id, job.exitCode}};
  }
  // FAILED and anything else: the engine's own error when it reported one
  if (engine.error) {
    RunError e = *engine.error;
    e.exitCode = job.exitCode;
    if (e.location.isEmpty()) e.location = id;
    return {e.kind == QLatin1String("interrupted") ? RunState::Interrupted : RunState::Failed, e};
  }
  if (job.exitSignal > 0 || job.exitCode > 128)
    return {RunState::Lost,
            {QStringLiteral("crashed"),
             QStringLiteral("the engine of Slurm job %1 died without reporting an error (killed by signal %2: "
                            "scancel --signal=KILL, an out-of-memory kill or a crash)")
                 .arg(id)
                 .arg(job.exitSignal > 0 ? job.exitSignal : job.exitCode - 128),
             id, -1}};
  // the batch script's own failures (slurm_script.h), before the engine said anything
  const QString where = job.node.isEmpty() ? QString() : QStringLiteral(" on %1").arg(job.node);
  if (job.exitCode == kScriptSetupFailedExitCode)
    return failed("setup", QStringLiteral("a set-up line of the study's executor section failed in Slurm job %1%2 "
                                          "(the run's stderr.log names it)")
                               .arg(id, where));
  if (job.exitCode == 126 || job.exitCode == 127)
    return failed("launch", QStringLiteral("Slurm job %1 could not run the engine%2 (exit %3: not found or not "
                                           "executable there; is its path on the filesystem the nodes share? see "
                                           "the run's stderr.log)")
                                .arg(id, where)
                                .arg(job.exitCode));
  if (job.exitCode == kScriptNoRunExitCode)
    return failed("launch", QStringLiteral("Slurm job %1 found no run directory in its runs.txt line (see the "
                                           "job's slurm-*.out)")
                                .arg(id));
  // the engine's own exit code without its error event (e.g. 7: it could not write its run directory)
  return failed(kindOfSilentExit(job.exitCode),
                QStringLiteral("Slurm job %1 failed with exit code %2%3 before the engine reported an error (see the "
                               "run's stderr.log and the job's slurm-*.out)")
                    .arg(id)
                    .arg(job.exitCode)
                    .arg(where));
}

std::optional<std::pair<RunState, RunError>> slurmForgottenRun(const QString& jobId, const EngineOutcome& engine,
                                                               bool cancelRequested, int missingPolls) {
  if (engine.finished) return std::pair{RunState::Finished, RunError{}};
  const bool stoppedToResume =
      engine.error && (engine.error->kind == QLatin1String("interrupted") || engine.error->kind == QLatin1String("preempted"));
  if (engine.error && !stoppedToResume) return std::pair{RunState::Failed, *engine.error};
  if (cancelRequested)
    return std::pair{RunState::Cancelled,
                     RunError{QStringLiteral("cancelled"), QStringLiteral("cancelled by the user (scancel %1)").arg(jobId),
                              jobId, -1}};
  if (missingPolls < kForgottenJobPolls) return std::nullopt;
  if (stoppedToResume) return std::pair{RunState::Interrupted, *engine.error};
  return std::pair{RunState::Lost,
                   RunError{QStringLiteral("lost"),
                            QStringLiteral("Slurm no longer knows job %1 and the run's events.jsonl does not say how it "
                                           "ended")
                                .arg(jobId),
                            jobId, -1}};
}

QString slurmReasonText(const QString& reason) {
  static const QHash<QString, QString> words{
      {QStringLiteral("JobArrayTaskLimit"), QStringLiteral("waiting: the study's limit of runs at once")},
      {QStringLiteral("Resources"), QStringLiteral("waiting for free resources")},
      {QStringLiteral("Priority"), QStringLiteral("waiting: other jobs have priority")},
      {QStringLiteral("BeginTime"), QStringLiteral("waiting for its start time (requeued jobs wait a moment)")},
      {QStringLiteral("Dependency"), QStringLiteral("waiting for a dependency")},
      {QStringLiteral("QOSMaxJobsPerUserLimit"), QStringLiteral("waiting: the QOS limit of jobs per user")},
      {QStringLiteral("AssocMaxJobsLimit"), QStringLiteral("waiting: the account's job limit")},
      {QStringLiteral("ReqNodeNotAvail"), QStringLiteral("waiting: the requested nodes are not available")},
      {QStringLiteral("PartitionTimeLimit"), QStringLiteral("held: the time limit exceeds the partition's")},
      {QStringLiteral("JobHeldUser"), QStringLiteral("held by the user (scontrol release)")},
      {QStringLiteral("JobHeldAdmin"), QStringLiteral("held by an administrator")},
  };
  return words.value(reason, reason);
}

}  // namespace adamix::app
