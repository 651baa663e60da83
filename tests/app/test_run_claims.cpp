// Run claims (schema v6): two Store connections on one file, the claim / renew / release rules,
// takeover of a dead or reused pid and of an expired lease on another host, and many launchers
// claiming one run at once (exactly one wins).
// SPDX-License-Identifier: GPL-3.0-or-later
#include "exec/launcher_identity.h"
#include "store/store.h"

#include <QCoreApplication>
#include <QProcess>
#include <QSemaphore>
#include <QTemporaryDir>
#include <QThread>
#include <QtTest>

#include <atomic>
#include <memory>

using namespace adamix::app;
using nlohmann::json;

namespace {

NewRun newRun(const QString& key) {
  NewRun r;
  r.runKey = key;
  r.task = QStringLiteral("rte");
  r.config = json{{"run_id", key.toStdString()}};
  r.runDir = QStringLiteral("/runs/") + key;
  return r;
}

/// A launcher of this process (this host, this pid and its start time) with its own id.
ClaimOwner launcher(const QString& id) {
  ClaimOwner o = newClaimOwner();
  o.id = id;
  return o;
}

/// The test of a takeover that launchers use (StudyRunner): the holder is provably gone.
bool gone(const RunClaim& c) { return claimHolderGone(c, thisHostName(), unixNow()); }

/// The pid of a process that has exited and been reaped (QProcess waits for it).
qint64 deadPid() {
  QProcess p;
  p.start(QStringLiteral("sleep"), {QStringLiteral("0.2")});
  if (!p.waitForStarted(10000)) qFatal("cannot run sleep");
  const qint64 pid = p.processId();
  if (!p.waitForFinished(10000)) qFatal("sleep 0.2 did not end");
  return pid;
}

}  // namespace

class TestRunClaims : public QObject {
  Q_OBJECT
  QTemporaryDir tmp_;

 private slots:
  void initTestCase() { QVERIFY(tmp_.isValid()); }

  void claimRenewReleaseAcrossTwoConnections() {
    const QString path = tmp_.filePath(QStringLiteral("a.sqlite"));
    Store first, second;
    first.open(path);
    second.open(path);
    const qint64 run = first.addRun(newRun(QStringLiteral("k1")));
    const ClaimOwner a = launcher(QStringLiteral("launcher-a")), b = launcher(QStringLiteral("launcher-b"));

    const ClaimResult won = first.claimRun(run, a, 60, gone);
    QVERIFY(won.won);
    QVERIFY(!won.tookOver);
    QVERIFY(!won.previous);
    // the other connection sees the claim and loses: its holder (this very process) is alive
    const ClaimResult lost = second.claimRun(run, b, 60, gone);
    QVERIFY(!lost.won);
    QVERIFY(lost.previous);
    QCOMPARE(lost.previous->owner.id, QStringLiteral("launcher-a"));
    QCOMPARE(lost.previous->owner.pid, QCoreApplication::applicationPid());
    QCOMPARE(lost.previous->owner.host, thisHostName());
    QVERIFY(!lost.previous->owner.pidStart.isEmpty());
    QCOMPARE(second.claim(run)->owner.id, QStringLiteral("launcher-a"));
    // the owner claiming again renews its lease
    const double leaseBefore = second.claim(run)->leaseUntil;
    const ClaimResult again = first.claimRun(run, a, 600, gone);
    QVERIFY(again.won);
    QVERIFY(!again.tookOver);
    QVERIFY(second.claim(run)->leaseUntil > leaseBefore + 500);
    // renewClaims extends every claim of its owner, and only its owner's
    const qint64 run2 = first.addRun(newRun(QStringLiteral("k2")));
    QVERIFY(second.claimRun(run2, b, 60, gone).won);
    QCOMPARE(first.renewClaims(QStringLiteral("launcher-a"), 3600), 1);
    QVERIFY(second.claim(run)->leaseUntil > unixNow() + 3500);
    QVERIFY(second.claim(run2)->leaseUntil < unixNow() + 61);
    QCOMPARE(first.renewClaims(QStringLiteral("nobody"), 60), 0);
    // only the owner releases; then the other launcher wins it plainly
    QVERIFY(!second.releaseClaim(run, QStringLiteral("launcher-b")));
    QVERIFY(first.claim(run));
    QVERIFY(first.releaseClaim(run, QStringLiteral("launcher-a")));
    QVERIFY(!second.claim(run));
    const ClaimResult next = second.claimRun(run, b, 60, gone);
    QVERIFY(next.won);
    QVERIFY(!next.tookOver);
    QCOMPARE(second.releaseClaims(QStringLiteral("launcher-b")), 2);
    QVERIFY(!first.claim(run) && !first.claim(run2));
  }

  void deadOrReusedPidIsTakenOverLiveOneIsNot() {
    Store first, second;
    first.open(tmp_.filePath(QStringLiteral("b.sqlite")));
    second.open(tmp_.filePath(QStringLiteral("b.sqlite")));
    const qint64 run = first.addRun(newRun(QStringLiteral("k1")));
    // a launcher on this host whose process has exited
    ClaimOwner dead = launcher(QStringLiteral("dead"));
    dead.pid = deadPid();
    QVERIFY(dead.pid > 0);
    QVERIFY(!processAlive(dead.pid));
    QVERIFY(first.claimRun(run, dead, 3600, gone).won);  // a long lease does not keep a dead pid's claim
    const ClaimResult taken = second.claimRun(run, launcher(QStringLiteral("b")), 60, gone);
    QVERIFY(taken.won);
    QVERIFY(taken.tookOver);
    QCOMPARE(taken.previous->owner.pid, dead.pid);
    QCOMPARE(second.claim(run)->owner.id, QStringLiteral("b"));
    // a live pid whose start time differs from the recorded one is another process: taken over
    const qint64 run2 = first.addRun(newRun(QStringLiteral("k2")));
    ClaimOwner reused = launcher(QStringLiteral("reused"));
    reused.pidStart = QStringLiteral("1");  // this pid, but a process started at another time
    QVERIFY(first.claimRun(run2, reused, 3600, gone).won);
    const ClaimResult taken2 = second.claimRun(run2, launcher(QStringLiteral("c")), 60, gone);
    QVERIFY(taken2.won);
    QVERIFY(taken2.tookOver);
    // the same live process (pid and start time) keeps its claim even with an expired lease
    const qint64 run3 = first.addRun(newRun(QStringLiteral("k3")));
    QVERIFY(first.claimRun(run3, launcher(QStringLiteral("alive")), -5, gone).won);
    QVERIFY(second.claim(run3)->leaseUntil < unixNow());
    const ClaimResult kept = second.claimRun(run3, launcher(QStringLiteral("d")), 60, gone);
    QVERIFY(!kept.won);
    QCOMPARE(kept.previous->owner.id, QStringLiteral("alive"));
  }

  void anotherHostIsTakenOverOnlyAfterItsLease() {
    Store first, second;
    first.open(tmp_.filePath(QStringLiteral("c.sqlite")));
    second.open(tmp_.filePath(QStringLiteral("c.sqlite")));
    const qint64 run = first.addRun(newRun(QStringLiteral("k1")));
    ClaimOwner remote = launcher(QStringLiteral("remote"));
    remote.host = QStringLiteral("another-host.invalid");
    remote.pid = deadPid();  // a pid on another host says nothing here: only the lease counts
    QVERIFY(first.claimRun(run, remote, 60, gone).won);
    const ClaimResult early = second.claimRun(run, launcher(QStringLiteral("b")), 60, gone);
    QVERIFY(!early.won);
    QCOMPARE(early.previous->owner.host, QStringLiteral("another-host.invalid"));
    // its lease expires (claimed again with a lease in the past, as if not renewed)
    QVERIFY(first.claimRun(run, remote, -1, gone).won);
    const ClaimResult late = second.claimRun(run, launcher(QStringLiteral("b")), 60, gone);
    QVERIFY(late.won);
    QVERIFY(late.tookOver);
    QCOMPARE(late.previous->owner.id, QStringLiteral("remote"));
  }

  // Many launchers (threads, one connection each) claim the same runs at the same moment:
  // every run is won by exactly one of them.
  void concurrentClaimsHaveExactlyOneWinner() {
    const QString path = tmp_.filePath(QStringLiteral("d.sqlite"));
    constexpr int kLaunchers = 6, kRuns = 20;
    std::vector<qint64> runs;
    {
      Store setup;
      setup.open(path);
      for (int i = 0; i < kRuns; ++i) runs.push_back(setup.addRun(newRun(QStringLiteral("r%1").arg(i))));
    }
    QSemaphore ready, go;
    std::atomic<int> failures{0};
    std::vector<std::atomic<int>> winners(kRuns);
    std::vector<std::unique_ptr<QThread>> threads;
    for (int t = 0; t < kLaunchers; ++t) {
      threads.emplace_back(QThread::create([&, t] {
        try {
          Store s;
          s.open(path);
          const ClaimOwner me = launcher(QStringLiteral("launcher-%1").arg(t));
          ready.release();
          go.acquire();
          for (int i = 0; i < kRuns; ++i)
            if (s.claimRun(runs[size_t(i)], me, 60, gone).won) ++winners[size_t(i)];
        } catch (const std::exception& e) {
          qWarning("launcher %d failed: %s", t, e.what());
          ++failures;
          ready.release();
        }
      }));
      threads.back()->start();
    }
    ready.acquire(kLaunchers);
    go.release(kLaunchers);
    for (auto& th : threads) QVERIFY(th->wait(120000));
    QCOMPARE(failures.load(), 0);
    for (int i = 0; i < kRuns; ++i) QCOMPARE(winners[size_t(i)].load(), 1);
  }

  void deletingARunDropsItsClaim() {
    Store s;
    s.open(tmp_.filePath(QStringLiteral("e.sqlite")));
    const qint64 run = s.addRun(newRun(QStringLiteral("k1")));
    s.setRunStatus(run, RunState::Failed);
    QVERIFY(s.claimRun(run, launcher(QStringLiteral("a")), 60, gone).won);
    s.deleteRuns({run});
    QVERIFY(!s.claim(run));
  }
};

QTEST_GUILESS_MAIN(TestRunClaims)
#include "test_run_claims.moc"
