// SPDX-License-Identifier: GPL-3.0-or-later
#include "monitor/job_text.h"

#include "exec/slurm/slurm_job_state.h"

#include <QCoreApplication>

namespace adamix::ui {

namespace {
QString tr(const char* text) { return QCoreApplication::translate("adamix::ui::MonitorView", text); }
}  // namespace

QString runStateText(app::RunState state, const app::JobStatus& job, const QString& node) {
  const QString name = app::runStateName(state);
  if (job.jobId.isEmpty() || app::isTerminal(state)) return name;
  const QString id = tr("Slurm job %1").arg(job.jobId);
  if (state == app::RunState::Running)
    return node.isEmpty() ? QStringLiteral("%1 (%2)").arg(name, id) : tr("%1 on %2 (%3)").arg(name, node, id);
  QString why;
  if (job.state == QLatin1String("REQUEUED") || job.state == QLatin1String("REQUEUE_HOLD"))
    why = tr("requeued, resumes from its checkpoint");
  else if (!job.reason.isEmpty())
    why = app::slurmReasonText(job.reason);
  else if (!job.state.isEmpty())
    why = job.state.toLower();
  return why.isEmpty() ? QStringLiteral("%1 (%2)").arg(name, id) : QStringLiteral("%1 — %2 (%3)").arg(name, why, id);
}

}  // namespace adamix::ui
