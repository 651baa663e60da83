// SQLite store through Qt Sql.
#include "store/store.h"

#include "store/schema.h"
#include "study/task_catalog.h"

#include <QAtomicInteger>
#include <QDateTime>
#include <QDir>
#include <QFileInfo>
#include <QSqlError>
#include <QSqlQuery>
#include <QThread>
#include <QVariant>

#include <algorithm>
#include <limits>
#include <cmath>

namespace adamix::app {

using nlohmann::json;

namespace {

QAtomicInteger<quint64> g_connectionCounter{0};

[[noreturn]] void throwSql(const QString& what, const QSqlError& err) {
  throw StoreError(QStringLiteral("store: %1: %2").arg(what, err.text()).toStdString());
}

QVariant optVar(const std::optional<double>& v) { return v ? QVariant(*v) : QVariant(QMetaType(QMetaType::Double)); }
QVariant strOrNull(const QString& s) { return s.isNull() ? QVariant(QMetaType(QMetaType::QString)) : QVariant(s); }

std::optional<double> optDouble(const QVariant& v) {
  if (v.isNull()) return std::nullopt;
  return v.toDouble();
}

json parseJson(const QVariant& v) {
  const QString s = v.toString();
  if (s.isEmpty()) return json::object();
  try {
    return json::parse(s.toStdString());
  } catch (const json::exception&) {
    return json(s.toStdString());  // keep unparsable text visible rather than dropping it
  }
}

/// Prepared query helper that throws on failure.
class Query {
 public:
  Query(const QSqlDatabase& db, const QString& sql) : q_(db), sql_(sql) {
    if (!q_.prepare(sql)) throwSql(QStringLiteral("prepare '%1'").arg(sql), q_.lastError());
  }
  Query& bind(const QVariant& v) {
    q_.addBindValue(v);
    return *this;
  }
  QSqlQuery& exec() {
    if (!q_.exec()) throwSql(QStringLiteral("exec '%1'").arg(sql_), q_.lastError());
    return q_;
  }
  QSqlQuery& q() { return q_; }

 private:
  QSqlQuery q_;
  QString sql_;
};

void execDirect(const QSqlDatabase& db, const QString& sql) {
  QSqlQuery q(db);
  if (!q.exec(sql)) throwSql(QStringLiteral("exec '%1'").arg(sql), q.lastError());
}

const QString kRunColumns = QStringLiteral(
    "id, study_id, run_key, variant, task, seed, axes, config, status, run_dir, created, started, finished,"
    " host, engine_version, exit_code, error_kind, error_message, error_location, pid, last_heartbeat,"
    " executor, job_id, job_state, job_reason, params, compute, launch_executor");

RunRecord readRun(const QSqlQuery& q) {
  RunRecord r;
  r.id = q.value(0).toLongLong();
  if (!q.value(1).isNull()) r.studyId = q.value(1).toLongLong();
  r.runKey = q.value(2).toString();
  r.variant = q.value(3).toString();
  r.task = q.value(4).toString();
  r.seed = q.value(5).toInt();
  r.axes = parseJson(q.value(6));
  r.config = parseJson(q.value(7));
  rememberTaskConfig(r.config);  // own tasks' display names and metrics for every view (study/task_catalog.h)
  if (!parseRunState(q.value(8).toString(), &r.status)) r.status = RunState::Failed;
  r.runDir = q.value(9).toString();
  r.created = q.value(10).toDouble();
  r.started = optDouble(q.value(11));
  r.finished = optDouble(q.value(12));
  r.host = q.value(13).toString();
  r.engineVersion = q.value(14).toString();
  if (!q.value(15).isNull()) r.exitCode = q.value(15).toInt();
  r.errorKind = q.value(16).toString();
  r.errorMessage = q.value(17).toString();
  r.errorLocation = q.value(18).toString();
  if (!q.value(19).isNull()) r.pid = q.value(19).toLongLong();
  r.lastHeartbeat = optDouble(q.value(20));
  r.executor = q.value(21).toString();
  r.jobId = q.value(22).toString();
  r.jobState = q.value(23).toString();
  r.jobReason = q.value(24).toString();
  if (!q.value(25).isNull()) r.params = parseJson(q.value(25));
  if (!q.value(26).isNull()) r.compute = parseJson(q.value(26));
  if (!q.value(27).isNull()) r.launchExecutor = parseJson(q.value(27));
  return r;
}

StudyRecord readStudy(const QSqlQuery& q) {
  StudyRecord s;
  s.id = q.value(0).toLongLong();
  s.name = q.value(1).toString();
  s.filePath = q.value(2).toString();
  s.json = parseJson(q.value(3));
  s.created = q.value(4).toDouble();
  return s;
}

}  // namespace

double unixNow() { return static_cast<double>(QDateTime::currentMSecsSinceEpoch()) / 1000.0; }

Store::Store()
    : connection_(QStringLiteral("adamix-store-%1-%2")
                      .arg(++g_connectionCounter)
                      .arg(reinterpret_cast<quintptr>(this), 0, 16)) {}

Store::~Store() { close(); }

QSqlDatabase Store::db() const { return QSqlDatabase::database(connection_, false); }

bool Store::isOpen() const { return QSqlDatabase::contains(connection_) && db().isOpen(); }

void Store::open(const QString& path, int busyTimeoutMs) {
  close();
  path_ = path;
  {
    QSqlDatabase d = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), connection_);
    d.setDatabaseName(path);
    d.setConnectOptions(QStringLiteral("QSQLITE_BUSY_TIMEOUT=%1").arg(busyTimeoutMs));
    if (!d.open()) {
      const QSqlError err = d.lastError();
      d = QSqlDatabase();
      QSqlDatabase::removeDatabase(connection_);
      throwSql(QStringLiteral("open '%1'").arg(path), err);
    }
    execDirect(d, QStringLiteral("PRAGMA busy_timeout = %1").arg(busyTimeoutMs));
    execDirect(d, QStringLiteral("PRAGMA foreign_keys = ON"));
    // journal_mode needs a moment without other writers; the busy handler covers it. Retry anyway.
    for (int attempt = 0;; ++attempt) {
      QSqlQuery q(d);
      if (q.exec(QStringLiteral("PRAGMA journal_mode = WAL"))) break;
      if (attempt >= 20) throwSql(QStringLiteral("enable WAL"), q.lastError());
      QThread::msleep(50);
    }
    execDirect(d, QStringLiteral("PRAGMA synchronous = NORMAL"));
  }
  try {
    migrate();
  } catch (...) {
    close();
    throw;
  }
}

void Store::close() {
  if (!QSqlDatabase::contains(connection_)) return;
  {
    QSqlDatabase d = db();
    d.close();
  }
  QSqlDatabase::removeDatabase(connection_);
}

int Store::schemaVersion() {
  QSqlQuery q(db());
  if (!q.exec(QStringLiteral("PRAGMA user_version")) || !q.next())
    throwSql(QStringLiteral("user_version"), q.lastError());
  return q.value(0).toInt();
}

void Store::begin() {
  QSqlDatabase d = db();
  for (int attempt = 0;; ++attempt) {
    QSqlQuery q(d);
    if (q.exec(QStringLiteral("BEGIN IMMEDIATE"))) return;
    // SQLITE_BUSY (5) / SQLITE_LOCKED (6) survive the busy handler only under heavy contention.
    const QString code = q.lastError().nativeErrorCode();
    if ((code == QLatin1String("5") || code == QLatin1String("6")) && attempt < 50) {
      QThread::msleep(20 + 10 * attempt);
      continue;
    }
    throwSql(QStringLiteral("BEGIN IMMEDIATE"), q.lastError());
  }
}

void Store::commit() {
  QSqlDatabase d = db();
  for (int attempt = 0;; ++attempt) {
    QSqlQuery q(d);
    if (q.exec(QStringLiteral("COMMIT"))) return;
    const QString code = q.lastError().nativeErrorCode();
    if (code == QLatin1String("5") && attempt < 50) {
      QThread::msleep(20);
      continue;
    }
    const QSqlError err = q.lastError();
    rollback();
    throwSql(QStringLiteral("COMMIT"), err);
  }
}

void Store::rollback() {
  QSqlQuery q(db());
  q.exec(QStringLiteral("ROLLBACK"));  // may fail if nothing is open; nothing to do then
}

void Store::migrate() {
  QSqlDatabase d = db();
  // Each step in its own transaction; user_version is re-read under the write lock so that two
  // processes opening a fresh database at once do not both apply a step.
  for (;;) {
    bool done = false;
    writeTransaction([&] {
      const int version = schemaVersion();
      if (version > schema::kCurrentVersion)
        throw StoreError(QStringLiteral("store: '%1' has schema version %2, newer than this build's %3")
                             .arg(path_)
                             .arg(version)
                             .arg(schema::kCurrentVersion)
                             .toStdString());
      if (version == schema::kCurrentVersion) {
        done = true;
        return;
      }
      const int to = version + 1;
      const QStringList statements = to == 1 ? schema::v1Statements() : schema::migrationStatements(to);
      for (const QString& sql : statements) execDirect(d, sql);
      execDirect(d, QStringLiteral("PRAGMA user_version = %1").arg(to));
    });
    if (done) return;
  }
}

// --- studies ---------------------------------------------------------------------------------

qint64 Store::upsertStudy(const QString& name, const QString& filePath, const json& doc) {
  qint64 id = 0;
  writeTransaction([&] {
    Query sel(db(), QStringLiteral("SELECT id FROM studies WHERE name = ?"));
    auto& q = sel.bind(name).exec();
    if (q.next()) {
      id = q.value(0).toLongLong();
      Query(db(), QStringLiteral("UPDATE studies SET file_path = ?, json = ? WHERE id = ?"))
          .bind(filePath)
          .bind(QString::fromStdString(doc.dump()))
          .bind(id)
          .exec();
    } else {
      Query ins(db(), QStringLiteral("INSERT INTO studies(name, file_path, json, created) VALUES (?, ?, ?, ?)"));
      ins.bind(name).bind(filePath).bind(QString::fromStdString(doc.dump())).bind(unixNow());
      id = ins.exec().lastInsertId().toLongLong();
    }
  });
  return id;
}

std::optional<StudyRecord> Store::findStudy(const QString& name) {
  Query sel(db(), QStringLiteral("SELECT id, name, file_path, json, created FROM studies WHERE name = ?"));
  auto& q = sel.bind(name).exec();
  if (!q.next()) return std::nullopt;
  return readStudy(q);
}

std::optional<StudyRecord> Store::study(qint64 id) {
  Query sel(db(), QStringLiteral("SELECT id, name, file_path, json, created FROM studies WHERE id = ?"));
  auto& q = sel.bind(id).exec();
  if (!q.next()) return std::nullopt;
  return readStudy(q);
}

std::vector<StudyRecord> Store::listStudies() {
  Query sel(db(), QStringLiteral("SELECT id, name, file_path, json, created FROM studies ORDER BY id"));
  auto& q = sel.exec();
  std::vector<StudyRecord> out;
  while (q.next()) out.push_back(readStudy(q));
  return out;
}

// --- runs ------------------------------------------------------------------------------------

qint64 Store::insertRun(const NewRun& run) {
  Query ins(db(), QStringLiteral("INSERT INTO runs(study_id, run_key, variant, task, seed, axes, config, status,"
                                 " run_dir, created) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"));
  ins.bind(run.studyId ? QVariant(*run.studyId) : QVariant(QMetaType(QMetaType::LongLong)))
      .bind(run.runKey)
      // a study without axes has one unnamed variant: QString() must be stored as '', not NULL
      .bind(run.variant.isNull() ? QStringLiteral("") : run.variant)
      .bind(run.task)
      .bind(run.seed)
      .bind(QString::fromStdString(run.axes.dump()))
      .bind(QString::fromStdString(run.config.dump()))
      .bind(runStateName(run.status))
      .bind(strOrNull(run.runDir))
      .bind(unixNow());
  return ins.exec().lastInsertId().toLongLong();
}

qint64 Store::addRun(const NewRun& run) {
  qint64 id = 0;
  writeTransaction([&] { id = insertRun(run); });
  return id;
}

EnsuredRun Store::ensureRun(const NewRun& run, bool force) {
  if (force) return {addRun(run), true};
  EnsuredRun result;
  writeTransaction([&] {
    Query sel(db(), QStringLiteral("SELECT id FROM runs WHERE run_key = ?"
                                   " ORDER BY (status = 'finished') DESC, id DESC LIMIT 1"));
    auto& q = sel.bind(run.runKey).exec();
    if (q.next()) {
      result = {q.value(0).toLongLong(), false};
      return;
    }
    result = {insertRun(run), true};
  });
  return result;
}

std::optional<RunRecord> Store::findRunByHash(const QString& runKey) {
  Query sel(db(), QStringLiteral("SELECT %1 FROM runs WHERE run_key = ? ORDER BY (status = 'finished') DESC, id DESC"
                                 " LIMIT 1")
                      .arg(kRunColumns));
  auto& q = sel.bind(runKey).exec();
  if (!q.next()) return std::nullopt;
  return readRun(q);
}

void Store::includeRunInStudy(qint64 studyId, qint64 runId, const QString& variant, const json& axes) {
  writeTransaction([&] {
    // a run of no study (imported): the study's own from now on
    Query(db(), QStringLiteral("UPDATE runs SET study_id = ? WHERE id = ? AND study_id IS NULL"))
        .bind(studyId)
        .bind(runId)
        .exec();
    Query(db(), QStringLiteral("INSERT INTO study_runs (study_id, run_id, variant, axes) SELECT ?, id, ?, ? FROM runs"
                               " WHERE id = ? AND study_id != ? ON CONFLICT (study_id, run_id)"
                               " DO UPDATE SET variant = excluded.variant, axes = excluded.axes"))
        .bind(studyId)
        .bind(variant.isNull() ? QStringLiteral("") : variant)  // a null QString binds NULL
        .bind(axes.is_null() ? QVariant(QMetaType(QMetaType::QString)) : QVariant(QString::fromStdString(axes.dump())))
        .bind(runId)
        .bind(studyId)
        .exec();
  });
}

std::vector<qint64> Store::otherStudiesOf(qint64 runId, qint64 studyId) {
  Query sel(db(), QStringLiteral("SELECT study_id FROM runs WHERE id = ? AND study_id IS NOT NULL AND study_id != ?"
                                 " UNION SELECT study_id FROM study_runs WHERE run_id = ? AND study_id != ?"
                                 " ORDER BY 1"));
  auto& q = sel.bind(runId).bind(studyId).bind(runId).bind(studyId).exec();
  std::vector<qint64> out;
  while (q.next()) out.push_back(q.value(0).toLongLong());
  return out;
}

std::vector<Store::StudyInclusion> Store::studyInclusions() {
  Query sel(db(), QStringLiteral("SELECT study_id, run_id, variant FROM study_runs ORDER BY study_id, run_id"));
  auto& q = sel.exec();
  std::vector<StudyInclusion> out;
  while (q.next()) out.push_back({q.value(0).toLongLong(), q.value(1).toLongLong(), q.value(2).toString()});
  return out;
}

std::optional<RunRecord> Store::run(qint64 id) {
  Query sel(db(), QStringLiteral("SELECT %1 FROM runs WHERE id = ?").arg(kRunColumns));
  auto& q = sel.bind(id).exec();
  if (!q.next()) return std::nullopt;
  return readRun(q);
}

std::vector<RunRecord> Store::listRuns(const RunFilter& filter) {
  QStringList where;
  QVariantList args;
  QString from = QStringLiteral("runs");
  if (filter.studyId) {
    // its own runs and those it includes, the included ones as this study's with its label for them
    QStringList columns;
    for (const QString& c : kRunColumns.split(u',')) {
      const QString name = c.trimmed();
      if (name == QLatin1String("study_id"))
        columns << QStringLiteral("COALESCE(sr.study_id, r.study_id) AS study_id");
      else if (name == QLatin1String("variant"))
        columns << QStringLiteral("COALESCE(NULLIF(sr.variant, ''), r.variant) AS variant");
      else if (name == QLatin1String("axes"))
        columns << QStringLiteral("COALESCE(sr.axes, r.axes) AS axes");
      else
        columns << QStringLiteral("r.") + name;
    }
    from = QStringLiteral(
               "(SELECT %1 FROM runs r LEFT JOIN study_runs sr ON sr.run_id = r.id AND sr.study_id = ?"
               " WHERE r.study_id = ? OR sr.run_id IS NOT NULL)")
               .arg(columns.join(QStringLiteral(", ")));
    args << *filter.studyId << *filter.studyId;
  }
  if (!filter.statuses.empty()) {
    QStringList marks;
    for (RunState s : filter.statuses) {
      marks << QStringLiteral("?");
      args << runStateName(s);
    }
    where << QStringLiteral("status IN (%1)").arg(marks.join(u','));
  }
  if (filter.task) {
    where << QStringLiteral("task = ?");
    args << *filter.task;
  }
  if (filter.variant) {
    where << QStringLiteral("variant = ?");
    args << *filter.variant;
  }
  if (filter.runKey) {
    where << QStringLiteral("run_key = ?");
    args << *filter.runKey;
  }
  QString sql = QStringLiteral("SELECT %1 FROM %2").arg(kRunColumns, from);
  if (!where.isEmpty()) sql += QStringLiteral(" WHERE ") + where.join(QStringLiteral(" AND "));
  sql += QStringLiteral(" ORDER BY id");
  Query sel(db(), sql);
  for (const QVariant& a : args) sel.bind(a);
  auto& q = sel.exec();
  std::vector<RunRecord> out;
  while (q.next()) out.push_back(readRun(q));
  return out;
}

void Store::setRunStatus(qint64 runId, RunState status, const RunUpdate& u) {
  QStringList sets{QStringLiteral("status = ?")};
  QVariantList args{runStateName(status)};
  auto add = [&](const char* column, const QVariant& v) {
    sets << QStringLiteral("%1 = ?").arg(QLatin1String(column));
    args << v;
  };
  if (u.clearError) {
    sets << QStringLiteral("exit_code = NULL") << QStringLiteral("error_kind = NULL")
         << QStringLiteral("error_message = NULL") << QStringLiteral("error_location = NULL");
  }
  if (u.started) add("started", *u.started);
  if (u.finished) add("finished", *u.finished);
  if (u.lastHeartbeat) add("last_heartbeat", *u.lastHeartbeat);
  if (u.runDir) add("run_dir", *u.runDir);
  if (u.host) add("host", *u.host);
  if (u.engineVersion) add("engine_version", *u.engineVersion);
  if (u.exitCode) add("exit_code", *u.exitCode);
  if (u.errorKind) add("error_kind", *u.errorKind);
  if (u.errorMessage) add("error_message", *u.errorMessage);
  if (u.errorLocation) add("error_location", *u.errorLocation);
  if (u.pid) add("pid", *u.pid);
  if (u.executor) add("executor", *u.executor);
  if (u.jobId) add("job_id", *u.jobId);
  if (u.jobState) add("job_state", *u.jobState);
  if (u.jobReason) add("job_reason", *u.jobReason);
  if (u.launchExecutor)
    add("launch_executor",
        u.launchExecutor->is_null() ? QVariant() : QVariant(QString::fromStdString(u.launchExecutor->dump())));
  writeTransaction([&] {
    Query upd(db(), QStringLiteral("UPDATE runs SET %1 WHERE id = ?").arg(sets.join(QStringLiteral(", "))));
    for (const QVariant& a : args) upd.bind(a);
    upd.bind(runId);
    auto& q = upd.exec();
    if (q.numRowsAffected() == 0) throw StoreError("store: setRunStatus: no run with id " + std::to_string(runId));
    // an ended run's points no longer change: summarise them for plots now, once
    if (isTerminal(status)) {
      Query has(db(), QStringLiteral("SELECT 1 FROM metric_lod WHERE run_id = ? LIMIT 1"));
      if (!has.bind(runId).exec().next()) buildMetricSummaries(runId);
    }
  });
}

void Store::setRunJsonColumn(qint64 runId, const char* column, const json& value) {
  writeTransaction([&] {
    Query(db(), QStringLiteral("UPDATE runs SET %1 = ? WHERE id = ?").arg(QLatin1String(column)))
        .bind(value.is_null() ? QVariant() : QVariant(QString::fromStdString(value.dump())))
        .bind(runId)
        .exec();
  });
}

void Store::setRunParams(qint64 runId, const json& params) { setRunJsonColumn(runId, "params", params); }

void Store::setRunCompute(qint64 runId, const json& compute) { setRunJsonColumn(runId, "compute", compute); }

void Store::touchHeartbeat(qint64 runId, double time) {
  writeTransaction([&] {
    Query(db(), QStringLiteral("UPDATE runs SET last_heartbeat = ? WHERE id = ?")).bind(time).bind(runId).exec();
  });
}

void Store::recordJobStates(const std::vector<JobStateRecord>& states) {
  if (states.empty()) return;
  writeTransaction([&] {
    for (const JobStateRecord& r : states) {
      Query(db(), QStringLiteral("INSERT INTO job_states (run_id, time, job_id, state, reason) VALUES (?, ?, ?, ?, ?)"))
          .bind(r.runId)
          .bind(r.time)
          .bind(r.jobId)
          .bind(r.state)
          .bind(r.reason.isNull() ? QStringLiteral("") : r.reason)  // a null QString binds as NULL
          .exec();
      Query(db(), QStringLiteral("UPDATE runs SET job_id = ?, job_state = ?, job_reason = ? WHERE id = ?"))
          .bind(r.jobId)
          .bind(r.state)
          .bind(r.reason)
          .bind(r.runId)
          .exec();
    }
  });
}

std::vector<JobStateRecord> Store::jobStates(qint64 runId) {
  Query sel(db(), QStringLiteral("SELECT run_id, time, job_id, state, reason FROM job_states WHERE run_id = ?"
                                 " ORDER BY time, rowid"));
  auto& q = sel.bind(runId).exec();
  std::vector<JobStateRecord> out;
  while (q.next())
    out.push_back({q.value(0).toLongLong(), q.value(1).toDouble(), q.value(2).toString(), q.value(3).toString(),
                   q.value(4).toString()});
  return out;
}

int Store::markInFlightAsInterrupted() {
  int n = 0;
  writeTransaction([&] {
    Query upd(db(), QStringLiteral("UPDATE runs SET status = 'interrupted', error_kind = 'interrupted',"
                                   " error_message = 'the app stopped while the run was in flight'"
                                   " WHERE status = 'running'"));
    n = upd.exec().numRowsAffected();
  });
  return n;
}

// --- metrics, results, artifacts -------------------------------------------------------------

void Store::dropMetricSummaries(const std::vector<qint64>& runIds) {
  Query del(db(), QStringLiteral("DELETE FROM metric_lod WHERE run_id = ?"));
  for (qint64 id : runIds) {
    del.q().bindValue(0, id);
    if (!del.q().exec()) throwSql(QStringLiteral("drop metric summaries"), del.q().lastError());
  }
}

void Store::appendMetricPoints(const std::vector<MetricPoint>& points) {
  if (points.empty()) return;
  writeTransaction([&] {
    std::vector<qint64> runs;
    for (const MetricPoint& p : points)
      if (std::find(runs.begin(), runs.end(), p.runId) == runs.end()) runs.push_back(p.runId);
    dropMetricSummaries(runs);
    // one point per (run, split, name, step) (the unique index metric_points_series): the last written wins
    Query ins(db(), QStringLiteral("INSERT INTO metric_points(run_id, step, epoch, split, name, value, time)"
                                   " VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT(run_id, split, name, step) DO UPDATE"
                                   " SET epoch = excluded.epoch, value = excluded.value, time = excluded.time"));
    for (const MetricPoint& p : points) {
      QSqlQuery& q = ins.q();
      q.bindValue(0, p.runId);
      q.bindValue(1, p.step);
      q.bindValue(2, p.epoch);
      q.bindValue(3, p.split);
      q.bindValue(4, p.name);
      q.bindValue(5, p.value);
      q.bindValue(6, p.time);
      if (!q.exec()) throwSql(QStringLiteral("insert metric point"), q.lastError());
    }
  });
}

void Store::deleteMetricPointsAfter(qint64 runId, qint64 step) {
  writeTransaction([&] {
    dropMetricSummaries({runId});
    Query(db(), QStringLiteral("DELETE FROM metric_points WHERE run_id = ? AND step > ?"))
        .bind(runId)
        .bind(step)
        .exec();
  });
}

void Store::replaceMetricPoints(qint64 runId, std::vector<MetricPoint> points) {
  for (MetricPoint& p : points) p.runId = runId;
  writeTransaction([&] {
    deleteMetricPointsAfter(runId, std::numeric_limits<qint64>::min());
    appendMetricPoints(points);
  });
}

/// The current row of a "SELECT run_id, step, epoch, split, name, value, time" query into `p`.
static void readPoint(const QSqlQuery& q, MetricPoint& p) {
  p.runId = q.value(0).toLongLong();
  p.step = q.value(1).toLongLong();
  p.epoch = q.value(2).toDouble();
  p.split = q.value(3).toString();
  p.name = q.value(4).toString();
  p.value = q.value(5).toDouble();
  p.time = q.value(6).toDouble();
}

static std::vector<MetricPoint> readPoints(QSqlQuery& q) {
  std::vector<MetricPoint> out;
  while (q.next()) {
    MetricPoint p;
    readPoint(q, p);
    out.push_back(std::move(p));
  }
  return out;
}

std::vector<MetricPoint> Store::metricSeries(qint64 runId, const QString& split, const QString& name) {
  Query sel(db(), QStringLiteral("SELECT run_id, step, epoch, split, name, value, time FROM metric_points"
                                 " WHERE run_id = ? AND split = ? AND name = ? ORDER BY step, time, rowid"));
  return readPoints(sel.bind(runId).bind(split).bind(name).exec());
}

std::vector<MetricPoint> Store::metricPoints(qint64 runId) {
  Query sel(db(), QStringLiteral("SELECT run_id, step, epoch, split, name, value, time FROM metric_points"
                                 " WHERE run_id = ? ORDER BY split, name, step, time, rowid"));
  return readPoints(sel.bind(runId).exec());
}

void Store::forEachMetricPoint(qint64 runId, const QString& split, const QString& name,
                               const std::function<void(const MetricPoint&)>& fn) {
  QString sql = QStringLiteral("SELECT run_id, step, epoch, split, name, value, time FROM metric_points WHERE run_id = ?");
  if (!split.isEmpty()) sql += QStringLiteral(" AND split = ?");
  if (!name.isEmpty()) sql += QStringLiteral(" AND name = ?");
  sql += QStringLiteral(" ORDER BY split, name, step, time, rowid");
  Query sel(db(), sql);
  sel.q().setForwardOnly(true);
  sel.bind(runId);
  if (!split.isEmpty()) sel.bind(split);
  if (!name.isEmpty()) sel.bind(name);
  QSqlQuery& q = sel.exec();
  MetricPoint p;
  while (q.next()) {
    readPoint(q, p);
    fn(p);
  }
}

namespace {

/// A recursive skip scan over metric_points_series(run_id, split, name, step): one row per series
/// (the rowid of its first index entry), each step seeking the entry after the current series —
/// the next name of the same split, else the next split of the same run, else (acrossRuns) the
/// next run. A single row-value comparison (split, name) > (…) would make SQLite walk every point
/// of the series before the next one. `start` selects the first series' rowid.
QString seriesSkipScan(const QString& start, bool acrossRuns, const QString& columns) {
  const QString nextRun = acrossRuns ? QStringLiteral(
                                           ", (SELECT m.rowid FROM metric_points m INDEXED BY metric_points_series"
                                           "   WHERE m.run_id > c.run_id ORDER BY m.run_id, m.split, m.name LIMIT 1)")
                                     : QString();
  return QStringLiteral(
             "WITH RECURSIVE series(rid) AS (SELECT (%1) UNION ALL SELECT COALESCE("
             " (SELECT m.rowid FROM metric_points m INDEXED BY metric_points_series"
             "   WHERE m.run_id = c.run_id AND m.split = c.split AND m.name > c.name ORDER BY m.name LIMIT 1),"
             " (SELECT m.rowid FROM metric_points m INDEXED BY metric_points_series"
             "   WHERE m.run_id = c.run_id AND m.split > c.split ORDER BY m.split, m.name LIMIT 1)%2)"
             " FROM series JOIN metric_points c ON c.rowid = series.rid)"
             " SELECT %3 FROM series JOIN metric_points p ON p.rowid = series.rid")
      .arg(start, nextRun, columns);
}

}  // namespace

std::vector<std::pair<QString, QString>> Store::metricNames(qint64 runId) {
  Query q(db(), seriesSkipScan(QStringLiteral("SELECT rowid FROM metric_points INDEXED BY metric_points_series"
                                              " WHERE run_id = ? ORDER BY split, name LIMIT 1"),
                               false, QStringLiteral("p.split, p.name")));
  QSqlQuery& r = q.bind(runId).exec();
  std::vector<std::pair<QString, QString>> out;
  while (r.next()) out.emplace_back(r.value(0).toString(), r.value(1).toString());
  return out;
}

std::map<qint64, std::vector<std::pair<QString, QString>>> Store::metricNamesOfAllRuns() {
  Query q(db(), seriesSkipScan(QStringLiteral("SELECT rowid FROM metric_points INDEXED BY metric_points_series"
                                              " ORDER BY run_id, split, name LIMIT 1"),
                               true, QStringLiteral("p.run_id, p.split, p.name")));
  QSqlQuery& r = q.exec();
  std::map<qint64, std::vector<std::pair<QString, QString>>> out;
  while (r.next()) out[r.value(0).toLongLong()].emplace_back(r.value(1).toString(), r.value(2).toString());
  return out;
}

namespace {

SeriesSample readSample(const QSqlQuery& q) {
  return {q.value(0).toDouble(), q.value(1).toDouble(), q.value(2).toDouble(), q.value(3).toDouble()};
}

}  // namespace

std::optional<std::pair<SeriesSample, SeriesSample>> Store::metricSeriesEnds(qint64 runId, const QString& split,
                                                                             const QString& name) {
  std::pair<SeriesSample, SeriesSample> ends;
  for (bool last : {false, true}) {
    Query sel(db(), QStringLiteral("SELECT step, epoch, time, value FROM metric_points"
                                   " WHERE run_id = ? AND split = ? AND name = ? ORDER BY step %1, rowid %1 LIMIT 1")
                        .arg(last ? QStringLiteral("DESC") : QStringLiteral("ASC")));
    QSqlQuery& q = sel.bind(runId).bind(split).bind(name).exec();
    if (!q.next()) return std::nullopt;
    (last ? ends.second : ends.first) = readSample(q);
  }
  return ends;
}

std::optional<double> Store::metricStartTime(qint64 runId) {
  Query sel(db(), QStringLiteral("SELECT MIN(time) FROM metric_points WHERE run_id = ? AND time > 0"));
  QSqlQuery& q = sel.bind(runId).exec();
  if (!q.next() || q.value(0).isNull()) return std::nullopt;
  return q.value(0).toDouble();
}

std::vector<SeriesSample> Store::metricSamples(qint64 runId, const QString& split, const QString& name,
                                               double stepLo, double stepHi) {
  Query sel(db(), QStringLiteral("SELECT step, epoch, time, value FROM metric_points"
                                 " WHERE run_id = ? AND split = ? AND name = ? AND step >= ? AND step <= ?"
                                 " ORDER BY step, rowid"));
  sel.q().setForwardOnly(true);
  QSqlQuery& q = sel.bind(runId).bind(split).bind(name).bind(stepLo).bind(stepHi).exec();
  std::vector<SeriesSample> out;
  while (q.next()) out.push_back(readSample(q));
  return out;
}

void Store::buildMetricSummaries(qint64 runId) {
  writeTransaction([&] {
    dropMetricSummaries({runId});
    Query ins(db(), QStringLiteral("INSERT INTO metric_lod(run_id, split, name, width, buckets) VALUES (?, ?, ?, ?, ?)"));
    QString split, name;
    std::vector<SeriesSample> points;
    auto flush = [&] {
      if (points.empty()) return;
      std::vector<SeriesBucket> level;
      for (double width : pyramidWidths(points.back().step - points.front().step)) {
        level = level.empty() ? bucketSeries(points, width) : mergeBuckets(level, width);
        QSqlQuery& q = ins.q();
        q.bindValue(0, runId);
        q.bindValue(1, split);
        q.bindValue(2, name);
        q.bindValue(3, qint64(width));
        q.bindValue(4, encodeBuckets(level));
        if (!q.exec()) throwSql(QStringLiteral("insert metric summary"), q.lastError());
      }
      points.clear();
    };
    forEachMetricPoint(runId, {}, {}, [&](const MetricPoint& p) {
      if (p.split != split || p.name != name) {
        flush();
        split = p.split;
        name = p.name;
      }
      points.push_back({double(p.step), p.epoch, p.time, p.value});
    });
    flush();
  });
}

std::vector<SeriesBucket> Store::storedBuckets(qint64 runId, const QString& split, const QString& name,
                                               double width, double* storedWidth, bool* any) {
  Query sel(db(), QStringLiteral("SELECT width, buckets FROM metric_lod WHERE run_id = ? AND split = ? AND name = ?"
                                 " ORDER BY width"));
  QSqlQuery& q = sel.bind(runId).bind(split).bind(name).exec();
  *any = false;
  QByteArray best;
  while (q.next()) {
    *any = true;
    if (q.value(0).toDouble() > width) break;
    *storedWidth = q.value(0).toDouble();
    best = q.value(1).toByteArray();
  }
  bool ok = false;
  std::vector<SeriesBucket> out = decodeBuckets(best, &ok);
  if (!ok) *any = false;  // another format: treated as none, rebuilt
  return out;
}

std::vector<SeriesBucket> Store::metricBuckets(qint64 runId, const QString& split, const QString& name,
                                               double stepLo, double stepHi, double width, bool positiveOnly) {
  // wide buckets from the stored summaries (aligned: their width divides `width`, a power of two)
  if (width >= 8 && !positiveOnly && std::exp2(std::round(std::log2(width))) == width) {
    double storedWidth = 0;
    bool any = false;
    std::vector<SeriesBucket> stored = storedBuckets(runId, split, name, width, &storedWidth, &any);
    if (!any) {
      // a run that ended before summaries existed (or whose summary was dropped): make them now
      const auto r = run(runId);
      if (r && isTerminal(r->status)) {
        buildMetricSummaries(runId);
        stored = storedBuckets(runId, split, name, width, &storedWidth, &any);
      }
    }
    if (any && storedWidth > 0) {
      SeriesBucketer out(width);
      for (const SeriesBucket& b : stored)
        if (b.first.step >= stepLo && b.last.step <= stepHi) out.addBucket(b);
      return out.take();
    }
  }
  Query sel(db(), QStringLiteral("SELECT step, epoch, time, value FROM metric_points"
                                 " WHERE run_id = ? AND split = ? AND name = ? AND step >= ? AND step <= ?%1"
                                 " ORDER BY step, rowid")
                      .arg(positiveOnly ? QStringLiteral(" AND value > 0") : QString()));
  sel.q().setForwardOnly(true);
  QSqlQuery& q = sel.bind(runId).bind(split).bind(name).bind(stepLo).bind(stepHi).exec();
  SeriesBucketer buckets(width);
  while (q.next()) buckets.add(readSample(q));
  return buckets.take();
}

void Store::setResults(qint64 runId, const std::vector<ResultValue>& results) {
  writeTransaction([&] {
    Query(db(), QStringLiteral("DELETE FROM results WHERE run_id = ?")).bind(runId).exec();
    Query ins(db(), QStringLiteral(
                        "INSERT OR REPLACE INTO results(run_id, split, name, value, kind) VALUES (?, ?, ?, ?, ?)"));
    for (const ResultValue& r : results) {
      QSqlQuery& q = ins.q();
      q.bindValue(0, runId);
      q.bindValue(1, r.split);
      q.bindValue(2, r.name);
      q.bindValue(3, r.value);
      q.bindValue(4, r.kind);
      if (!q.exec()) throwSql(QStringLiteral("insert result"), q.lastError());
    }
  });
}

std::vector<ResultValue> Store::results(qint64 runId) {
  Query sel(db(), QStringLiteral("SELECT split, name, value, kind FROM results WHERE run_id = ?"
                                 " ORDER BY kind, split, name"));
  auto& q = sel.bind(runId).exec();
  std::vector<ResultValue> out;
  while (q.next())
    out.push_back({q.value(0).toString(), q.value(1).toString(), q.value(2).toDouble(), q.value(3).toString()});
  return out;
}

void Store::addArtifact(qint64 runId, const QString& kind, const QString& path, const QString& sha256) {
  writeTransaction([&] {
    Query(db(), QStringLiteral("INSERT INTO artifacts(run_id, kind, path, sha256) VALUES (?, ?, ?, ?)"))
        .bind(runId)
        .bind(kind)
        .bind(path)
        .bind(sha256.isEmpty() ? QVariant(QMetaType(QMetaType::QString)) : QVariant(sha256))
        .exec();
  });
}

std::vector<Artifact> Store::artifacts(qint64 runId) {
  Query sel(db(), QStringLiteral("SELECT id, run_id, kind, path, sha256 FROM artifacts WHERE run_id = ? ORDER BY id"));
  auto& q = sel.bind(runId).exec();
  std::vector<Artifact> out;
  while (q.next())
    out.push_back({q.value(0).toLongLong(), q.value(1).toLongLong(), q.value(2).toString(), q.value(3).toString(),
                   q.value(4).toString()});
  return out;
}

QString Evaluation::target() const { return split.isEmpty() ? QFileInfo(dataFile).fileName() : split; }

qint64 Store::addEvaluation(const Evaluation& e) {
  json metrics = json::object();
  for (const auto& [name, value] : e.metrics) metrics[name.toStdString()] = value;
  qint64 id = 0;
  writeTransaction([&] {
    Query ins(db(), QStringLiteral("INSERT INTO evaluations(run_id, split, data_file, inference, weights_step,"
                                   " examples, metrics, primary_metric, out_dir, predictions, submission, created, details)"
                                   " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"));
    ins.bind(e.runId)
        .bind(e.split.isNull() ? QStringLiteral("") : e.split)
        .bind(e.dataFile.isNull() ? QStringLiteral("") : e.dataFile)
        .bind(e.inference)
        .bind(e.weightsStep ? QVariant(*e.weightsStep) : QVariant(QMetaType(QMetaType::LongLong)))
        .bind(e.examples)
        .bind(QString::fromStdString(metrics.dump()))
        .bind(e.primaryMetric.isNull() ? QStringLiteral("") : e.primaryMetric)
        .bind(e.outDir)
        .bind(e.predictions.isNull() ? QStringLiteral("") : e.predictions)
        .bind(e.submission.isNull() ? QStringLiteral("") : e.submission)
        .bind(unixNow())
        .bind(QString::fromStdString((e.details.is_object() ? e.details : json::object()).dump()));
    id = ins.exec().lastInsertId().toLongLong();
  });
  return id;
}

std::vector<Evaluation> Store::evaluations(qint64 runId) {
  Query sel(db(), QStringLiteral("SELECT id, run_id, split, data_file, inference, weights_step, examples, metrics,"
                                 " primary_metric, out_dir, predictions, submission, created, details FROM evaluations"
                                 " WHERE run_id = ? ORDER BY created, id"));
  auto& q = sel.bind(runId).exec();
  std::vector<Evaluation> out;
  while (q.next()) {
    Evaluation e;
    e.id = q.value(0).toLongLong();
    e.runId = q.value(1).toLongLong();
    e.split = q.value(2).toString();
    e.dataFile = q.value(3).toString();
    e.inference = q.value(4).toString();
    if (!q.value(5).isNull()) e.weightsStep = q.value(5).toLongLong();
    e.examples = q.value(6).toLongLong();
    const json metrics = parseJson(q.value(7));
    if (metrics.is_object())
      for (auto it = metrics.begin(); it != metrics.end(); ++it)
        if (it->is_number()) e.metrics.emplace_back(QString::fromStdString(it.key()), it->get<double>());
    e.primaryMetric = q.value(8).toString();
    e.outDir = q.value(9).toString();
    e.predictions = q.value(10).toString();
    e.submission = q.value(11).toString();
    e.created = q.value(12).toDouble();
    if (json details = parseJson(q.value(13)); details.is_object()) e.details = std::move(details);
    out.push_back(std::move(e));
  }
  return out;
}

void Store::clearRunData(qint64 runId) {
  writeTransaction([&] {
    dropMetricSummaries({runId});
    for (const QString& table : runDataTables())
      Query(db(), QStringLiteral("DELETE FROM %1 WHERE run_id = ?").arg(table)).bind(runId).exec();
    Query(db(), QStringLiteral("UPDATE runs SET exit_code = NULL, error_kind = NULL, error_message = NULL,"
                               " error_location = NULL, started = NULL, finished = NULL, pid = NULL,"
                               " last_heartbeat = NULL, job_id = NULL, job_state = NULL, job_reason = NULL,"
                               " params = NULL, compute = NULL, launch_executor = NULL WHERE id = ?"))
        .bind(runId)
        .exec();
  });
}

// --- deleting runs and studies ----------------------------------------------------------------

const QStringList& Store::runDataTables() {
  static const QStringList tables{QStringLiteral("metric_points"), QStringLiteral("results"),
                                  QStringLiteral("artifacts"), QStringLiteral("evaluations"),
                                  QStringLiteral("job_states")};
  return tables;
}

RowCounts Store::runRowCounts(const std::vector<qint64>& runIds) {
  RowCounts counts;
  for (const QString& table : runDataTables() + QStringList{QStringLiteral("runs")}) {
    const QString column = table == QLatin1String("runs") ? QStringLiteral("id") : QStringLiteral("run_id");
    Query sel(db(), QStringLiteral("SELECT count(*) FROM %1 WHERE %2 = ?").arg(table, column));
    qint64 n = 0;
    for (qint64 id : runIds) {
      QSqlQuery& q = sel.q();
      q.bindValue(0, id);
      if (!q.exec() || !q.next()) throwSql(QStringLiteral("count %1").arg(table), q.lastError());
      n += q.value(0).toLongLong();
    }
    counts[table] = n;
  }
  return counts;
}

void Store::deleteRunsLocked(const std::vector<qint64>& runIds, RowCounts* counts) {
  std::vector<qint64> busy;
  QStringList missing;
  Query sel(db(), QStringLiteral("SELECT status FROM runs WHERE id = ?"));
  for (qint64 id : runIds) {
    QSqlQuery& q = sel.q();
    q.bindValue(0, id);
    if (!q.exec()) throwSql(QStringLiteral("read run status"), q.lastError());
    if (!q.next()) {
      missing << QString::number(id);
      continue;
    }
    RunState st = RunState::Failed;
    parseRunState(q.value(0).toString(), &st);
    if (st == RunState::Queued || st == RunState::Running) busy.push_back(id);
  }
  if (!missing.isEmpty())
    throw StoreError(QStringLiteral("store: no run with id %1").arg(missing.join(QStringLiteral(", "))).toStdString());
  if (!busy.empty()) {
    QStringList ids;
    for (qint64 id : busy) ids << QString::number(id);
    throw RunBusyError(QStringLiteral("store: run %1 is queued or running; cancel it before deleting it")
                           .arg(ids.join(QStringLiteral(", ")))
                           .toStdString(),
                       busy);
  }
  // plot summaries: a cache (no foreign key, not counted), dropped with the points
  dropMetricSummaries(runIds);
  // claims: leases of launchers, not run data (no foreign key); a reused run id must not inherit one
  for (qint64 id : runIds) Query(db(), QStringLiteral("DELETE FROM run_claims WHERE run_id = ?")).bind(id).exec();
  // children first: the foreign keys cascade too, but the counts are the point here
  for (const QString& table : runDataTables() + QStringList{QStringLiteral("runs")}) {
    const QString column = table == QLatin1String("runs") ? QStringLiteral("id") : QStringLiteral("run_id");
    Query del(db(), QStringLiteral("DELETE FROM %1 WHERE %2 = ?").arg(table, column));
    qint64 n = 0;
    for (qint64 id : runIds) {
      QSqlQuery& q = del.q();
      q.bindValue(0, id);
      if (!q.exec()) throwSql(QStringLiteral("delete from %1").arg(table), q.lastError());
      n += q.numRowsAffected();
    }
    (*counts)[table] += n;
  }
}

RowCounts Store::deleteRuns(const std::vector<qint64>& runIds) {
  RowCounts counts;
  // each id once: a repeated id would count as missing the second time
  std::vector<qint64> ids;
  for (qint64 id : runIds)
    if (std::find(ids.begin(), ids.end(), id) == ids.end()) ids.push_back(id);
  writeTransaction([&] { deleteRunsLocked(ids, &counts); });
  return counts;
}

RowCounts Store::deleteStudy(qint64 studyId, const std::optional<std::vector<qint64>>& planned) {
  RowCounts counts;
  writeTransaction([&] {
    Query sel(db(), QStringLiteral("SELECT id FROM runs WHERE study_id = ? ORDER BY id"));
    auto& q = sel.bind(studyId).exec();
    std::vector<qint64> own;
    while (q.next()) own.push_back(q.value(0).toLongLong());
    std::vector<qint64> ids;
    for (qint64 id : own) {
      const std::vector<qint64> others = otherStudiesOf(id, studyId);
      if (others.empty()) {
        ids.push_back(id);
        continue;
      }
      // another study includes it: it becomes that study's own run
      Query(db(), QStringLiteral("UPDATE runs SET study_id = ? WHERE id = ?")).bind(others.front()).bind(id).exec();
      Query(db(), QStringLiteral("DELETE FROM study_runs WHERE study_id = ? AND run_id = ?"))
          .bind(others.front())
          .bind(id)
          .exec();
    }
    if (planned) {  // the runs a plan shows (and whose directories it removes) are the runs that go
      std::vector<qint64> want = *planned;
      std::sort(want.begin(), want.end());
      if (want != ids)
        throw StoreError("store: the runs of study " + std::to_string(studyId) +
                         " changed since the deletion was planned (another study now has some of them, or has no "
                         "longer); nothing was deleted");
    }
    deleteRunsLocked(ids, &counts);  // the runs it included stay theirs (its study_runs rows cascade)
    Query del(db(), QStringLiteral("DELETE FROM studies WHERE id = ?"));
    const int n = del.bind(studyId).exec().numRowsAffected();
    if (n == 0) throw StoreError("store: no study with id " + std::to_string(studyId));
    counts[QStringLiteral("studies")] = n;
  });
  return counts;
}

}  // namespace adamix::app
