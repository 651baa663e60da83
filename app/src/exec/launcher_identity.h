// Who a launcher is (host, process, start time) and when a run's claim holder is provably gone:
// the rules behind Store::claimRun() takeovers, shared by the CLI and the GUI (StudyRunner).
// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "store/store.h"

#include <QString>

namespace adamix::app {

/// This machine's name as claims record it.
QString thisHostName();
/// True when a process with this pid exists on this host and is not a zombie (a process of
/// another user counts as alive).
bool processAlive(qint64 pid);
/// The start time of a process (/proc/<pid>/stat field 22, clock ticks since boot), which tells a
/// reused pid from the process that had it; "" when unknown (no such process, or not Linux).
QString processStartTime(qint64 pid);
/// A new launcher identity for this process: a random id, this host, pid and start time.
ClaimOwner newClaimOwner();
/// True when `claim`'s owner is provably gone at UNIX time `now`: on this host (`thisHost`), its
/// pid no longer runs, or runs another process (start time differs); on another host, its lease
/// has expired.
bool claimHolderGone(const RunClaim& claim, const QString& thisHost, double now);

}  // namespace adamix::app
