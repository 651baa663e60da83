// Store: the run_claims table (schema v6). A run is trained by the one launcher holding its
// claim; claims are taken in one BEGIN IMMEDIATE transaction, so two launchers never both win.
// SPDX-License-Identifier: GPL-3.0-or-later
#include "store/store.h"

#include <QSqlError>
#include <QSqlQuery>
#include <QVariant>

namespace adamix::app {

namespace {

/// Prepares and runs `sql` with `args`; throws StoreError naming the statement.
QSqlQuery execSql(const QSqlDatabase& db, const QString& sql, const QVariantList& args) {
  QSqlQuery q(db);
  if (!q.prepare(sql))
    throw StoreError(QStringLiteral("store: prepare '%1': %2").arg(sql, q.lastError().text()).toStdString());
  for (const QVariant& a : args) q.addBindValue(a);
  if (!q.exec()) throw StoreError(QStringLiteral("store: exec '%1': %2").arg(sql, q.lastError().text()).toStdString());
  return q;
}

const QString kClaimColumns = QStringLiteral("run_id, owner, host, pid, pid_start, claimed, lease_until");

RunClaim readClaim(const QSqlQuery& q) {
  RunClaim c;
  c.runId = q.value(0).toLongLong();
  c.owner.id = q.value(1).toString();
  c.owner.host = q.value(2).toString();
  c.owner.pid = q.value(3).toLongLong();
  c.owner.pidStart = q.value(4).toString();
  c.claimed = q.value(5).toDouble();
  c.leaseUntil = q.value(6).toDouble();
  return c;
}

}  // namespace

ClaimResult Store::claimRun(qint64 runId, const ClaimOwner& me, double leaseS,
                            const std::function<bool(const RunClaim&)>& holderGone) {
  ClaimResult result;
  writeTransaction([&] {
    QSqlQuery sel =
        execSql(db(), QStringLiteral("SELECT %1 FROM run_claims WHERE run_id = ?").arg(kClaimColumns), {runId});
    const double now = unixNow();
    if (sel.next()) {
      result.previous = readClaim(sel);
      if (result.previous->owner.id == me.id) {
        execSql(db(), QStringLiteral("UPDATE run_claims SET lease_until = ? WHERE run_id = ?"), {now + leaseS, runId});
        result.won = true;
        return;
      }
      if (!holderGone || !holderGone(*result.previous)) return;  // a live launcher holds it
      result.tookOver = true;
    }
    execSql(
        db(), QStringLiteral("INSERT OR REPLACE INTO run_claims (%1) VALUES (?, ?, ?, ?, ?, ?, ?)").arg(kClaimColumns),
        {runId, me.id, me.host, me.pid, me.pidStart.isNull() ? QStringLiteral("") : me.pidStart, now, now + leaseS});
    result.won = true;
  });
  return result;
}

int Store::renewClaims(const QString& ownerId, double leaseS) {
  int n = 0;
  writeTransaction([&] {
    n = execSql(db(), QStringLiteral("UPDATE run_claims SET lease_until = ? WHERE owner = ?"),
                {unixNow() + leaseS, ownerId})
            .numRowsAffected();
  });
  return n;
}

bool Store::releaseClaim(qint64 runId, const QString& ownerId) {
  int n = 0;
  writeTransaction([&] {
    n = execSql(db(), QStringLiteral("DELETE FROM run_claims WHERE run_id = ? AND owner = ?"), {runId, ownerId})
            .numRowsAffected();
  });
  return n > 0;
}

int Store::releaseClaims(const QString& ownerId) {
  int n = 0;
  writeTransaction([&] {
    n = execSql(db(), QStringLiteral("DELETE FROM run_claims WHERE owner = ?"), {ownerId}).numRowsAffected();
  });
  return n;
}

std::optional<RunClaim> Store::claim(qint64 runId) {
  QSqlQuery q = execSql(db(), QStringLiteral("SELECT %1 FROM run_claims WHERE run_id = ?").arg(kClaimColumns), {runId});
  if (!q.next()) return std::nullopt;
  return readClaim(q);
}

}  // namespace adamix::app
