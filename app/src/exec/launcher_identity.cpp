// SPDX-License-Identifier: GPL-3.0-or-later
#include "exec/launcher_identity.h"

#include <QCoreApplication>
#include <QFile>
#include <QSysInfo>
#include <QUuid>

#ifdef Q_OS_UNIX
#include <cerrno>
#include <csignal>
#include <unistd.h>
#endif

namespace adamix::app {

namespace {

/// The fields of /proc/<pid>/stat after the command name ("S 1 2 …"), or "" when unreadable.
QByteArray statFields(qint64 pid) {
  QFile f(QStringLiteral("/proc/%1/stat").arg(pid));
  if (!f.open(QIODevice::ReadOnly)) return {};
  const QByteArray s = f.readAll();
  const qsizetype close = s.lastIndexOf(')');  // the name may hold spaces and parentheses
  return close < 0 ? QByteArray() : s.mid(close + 2);
}

}  // namespace

QString thisHostName() { return QSysInfo::machineHostName(); }

bool processAlive(qint64 pid) {
#ifdef Q_OS_UNIX
  if (pid <= 0 || (::kill(pid_t(pid), 0) != 0 && errno != EPERM)) return false;
  const QByteArray fields = statFields(pid);
  return fields.isEmpty() || fields.at(0) != 'Z';  // no /proc (not Linux): kill() is all we know
#else
  Q_UNUSED(pid);
  return false;
#endif
}

QString processStartTime(qint64 pid) {
  // after the name: state(3) ppid(4) … starttime(22), i.e. index 19 of the fields from state on
  const QList<QByteArray> fields = statFields(pid).split(' ');
  return fields.size() > 19 ? QString::fromLatin1(fields.at(19)) : QString();
}

ClaimOwner newClaimOwner() {
  ClaimOwner me;
  me.id = QUuid::createUuid().toString(QUuid::WithoutBraces);
  me.host = thisHostName();
  me.pid = QCoreApplication::applicationPid();
  me.pidStart = processStartTime(me.pid);
  return me;
}

bool claimHolderGone(const RunClaim& claim, const QString& thisHost, double now) {
  if (claim.owner.host != thisHost) return now > claim.leaseUntil;
  if (!processAlive(claim.owner.pid)) return true;
  const QString start = processStartTime(claim.owner.pid);
  return !claim.owner.pidStart.isEmpty() && !start.isEmpty() && start != claim.owner.pidStart;
}

}  // namespace adamix::app
