// A separate process on one workspace database, for the concurrency tests of
// test_field_failures_store (optuna#820): writers and a live reader through app::Store.
//   store_hammer write DB WRITER RUNS STEPS BATCH
//       adds RUNS runs (run key "w<WRITER>-r<k>"), then per run appends STEPS steps of two series
//       (train/loss = value(writer, run, step), dev/accuracy = -value) in batches of BATCH points,
//       the runs interleaved, and marks each run finished with one result. Prints "wrote N".
//   store_hammer read DB STOPFILE
//       until STOPFILE exists (and at least once): lists the runs and reads every run's points,
//       series names and a count through the store. Prints "reads N points P".
// Any store error: "store error: <what>" on stderr, exit 1.
// SPDX-License-Identifier: GPL-3.0-or-later
#include "store/store.h"

#include <QCoreApplication>
#include <QFile>
#include <QSqlError>
#include <QSqlQuery>

#include <cstdio>

using namespace adamix::app;

namespace {

/// The train/loss value a writer stores: distinct per (writer, run, step), so a lost or doubled
/// point is visible in the values too.
double value(int writer, int run, qint64 step) { return writer * 1000.0 + run + step / 100000.0; }

int write(const QString& db, int writer, int runs, int steps, int batch) {
  Store store;
  store.open(db);
  std::vector<qint64> ids;
  for (int r = 0; r < runs; ++r) {
    NewRun nr;
    nr.runKey = QStringLiteral("w%1-r%2").arg(writer).arg(r);
    nr.variant = QStringLiteral("v");
    nr.task = QStringLiteral("rte");
    nr.status = RunState::Running;
    ids.push_back(store.addRun(nr));
  }
  qint64 written = 0;
  for (int first = 1; first <= steps; first += batch) {
    for (int r = 0; r < runs; ++r) {
      std::vector<MetricPoint> points;
      for (int step = first; step < first + batch && step <= steps; ++step) {
        const double v = value(writer, r, step);
        points.push_back({ids[r], step, 0.0, QStringLiteral("train"), QStringLiteral("loss"), v, unixNow()});
        points.push_back({ids[r], step, 0.0, QStringLiteral("dev"), QStringLiteral("accuracy"), -v, unixNow()});
      }
      store.appendMetricPoints(points);
      written += qint64(points.size());
      store.touchHeartbeat(ids[r], unixNow());
    }
  }
  for (int r = 0; r < runs; ++r) {
    store.setResults(ids[r], {{QStringLiteral("dev"), QStringLiteral("accuracy"), double(r), QStringLiteral("final")}});
    RunUpdate u;
    u.finished = unixNow();
    u.exitCode = 0;
    store.setRunStatus(ids[r], RunState::Finished, u);
  }
  std::printf("wrote %lld\n", static_cast<long long>(written));
  return 0;
}

int read(const QString& db, const QString& stopFile) {
  Store store;
  store.open(db);
  qint64 reads = 0, points = 0;
  do {
    for (const RunRecord& r : store.listRuns()) {
      points += qint64(store.metricPoints(r.id).size());
      store.metricNames(r.id);
      store.results(r.id);
    }
    QSqlQuery q(QSqlDatabase::database(store.connectionName()));
    if (!q.exec(QStringLiteral("SELECT count(*) FROM metric_points")) || !q.next())
      throw StoreError("count: " + q.lastError().text().toStdString());
    ++reads;
  } while (!QFile::exists(stopFile));
  std::printf("reads %lld points %lld\n", static_cast<long long>(reads), static_cast<long long>(points));
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  QCoreApplication app(argc, argv);
  const QStringList a = app.arguments();
  try {
    if (a.size() == 7 && a[1] == QLatin1String("write"))
      return write(a[2], a[3].toInt(), a[4].toInt(), a[5].toInt(), a[6].toInt());
    if (a.size() == 4 && a[1] == QLatin1String("read")) return read(a[2], a[3]);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "store error: %s\n", e.what());
    return 1;
  }
  std::fprintf(stderr, "usage: store_hammer write DB WRITER RUNS STEPS BATCH | read DB STOPFILE\n");
  return 2;
}
