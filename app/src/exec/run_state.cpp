// SPDX-License-Identifier: GPL-3.0-or-later
#include "exec/run_state.h"

#include "io/errors.h"

namespace adamix::app {

QString runStateName(RunState s) {
  switch (s) {
    case RunState::Queued: return QStringLiteral("queued");
    case RunState::Running: return QStringLiteral("running");
    case RunState::Finished: return QStringLiteral("finished");
    case RunState::Failed: return QStringLiteral("failed");
    case RunState::Cancelled: return QStringLiteral("cancelled");
    case RunState::Lost: return QStringLiteral("lost");
    case RunState::Interrupted: return QStringLiteral("interrupted");
  }
  return QStringLiteral("unknown");
}

bool parseRunState(const QString& name, RunState* out) {
  for (RunState s : {RunState::Queued, RunState::Running, RunState::Finished, RunState::Failed, RunState::Cancelled,
                     RunState::Lost, RunState::Interrupted}) {
    if (runStateName(s) == name) {
      *out = s;
      return true;
    }
  }
  return false;
}

bool isTerminal(RunState s) { return s != RunState::Queued && s != RunState::Running; }

bool isResumable(RunState s) { return s == RunState::Cancelled || s == RunState::Lost || s == RunState::Interrupted; }

QString kindOfSilentExit(int exitCode) {
  const auto kind = errorKindOfExitCode(exitCode);
  return QString::fromLatin1(errorKindName(kind ? *kind : ErrorKind::Internal));
}

}  // namespace adamix::app
