// Chaos test (issue 16, item 3): tiny real runs through the real `adamix` CLI and `adamix-engine`,
// with faults injected at random (seeded) times: kill -9 of an engine, kill -9 of the CLI while it
// streams metric points into the store, SIGSTOP of an engine (a hang), a full disk under the run
// directories, and a second concurrent launcher of the same study. A second process reads the
// database all along. After each fault the study is continued until every run finished; then the
// store is checked against the runs' event logs and the final results against a fault-free
// reference run of the same configs. Run by scripts/chaos.sh; docs/reliability.md "Chaos test".
// SPDX-License-Identifier: GPL-3.0-or-later

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QDateTime>
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QSqlRecord>
#include <QTextStream>
#include <QThread>

#include <algorithm>
#include <cmath>
#include <functional>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <vector>

#include <csignal>
#include <sys/mount.h>
#include <unistd.h>

namespace {

QTextStream& out() {
  static QTextStream s(stdout);
  return s;
}

// ---------------------------------------------------------------------------------------------
// processes

/// Pids of the live processes whose parent is `ppid` and whose command name is `comm`.
QList<qint64> childrenOf(qint64 ppid, const QByteArray& comm) {
  QList<qint64> pids;
  for (const QString& name : QDir("/proc").entryList(QDir::Dirs | QDir::NoDotAndDotDot)) {
    bool isPid = false;
    const qint64 pid = name.toLongLong(&isPid);
    if (!isPid) continue;
    QFile f(QStringLiteral("/proc/%1/stat").arg(pid));
    if (!f.open(QIODevice::ReadOnly)) continue;
    const QByteArray stat = f.readAll();
    // pid (comm) state ppid ...
    const int open = stat.indexOf('('), close = stat.lastIndexOf(')');
    if (open < 0 || close < 0) continue;
    const QByteArray c = stat.mid(open + 1, close - open - 1);
    const QList<QByteArray> rest = stat.mid(close + 2).split(' ');
    if (rest.size() < 2 || rest[0] == "Z") continue;
    if (rest[1].toLongLong() == ppid && c == comm) pids << pid;
  }
  return pids;
}

/// True while `pid` exists and is not a zombie.
bool processAlive(qint64 pid) {
  QFile f(QStringLiteral("/proc/%1/stat").arg(pid));
  if (!f.open(QIODevice::ReadOnly)) return false;
  const QByteArray stat = f.readAll();
  const int close = stat.lastIndexOf(')');
  return close > 0 && stat.mid(close + 2, 1) != "Z";
}

/// Pids of live adamix-engine processes whose `--run-dir` is `runDir` (exactly), or, with
/// `anyUnder`, whose command line mentions `runDir` anywhere.
QList<qint64> enginesUnder(const QString& runDir, bool anyUnder = false) {
  QList<qint64> pids;
  for (const QString& name : QDir("/proc").entryList(QDir::Dirs | QDir::NoDotAndDotDot)) {
    bool isPid = false;
    const qint64 pid = name.toLongLong(&isPid);
    if (!isPid || pid == ::getpid()) continue;
    QFile f(QStringLiteral("/proc/%1/cmdline").arg(pid));
    if (!f.open(QIODevice::ReadOnly)) continue;
    const QByteArray cmd = f.readAll();
    if (!cmd.contains("adamix-engine") || !processAlive(pid)) continue;
    const QList<QByteArray> args = cmd.split('\0');
    const int i = args.indexOf("--run-dir");
    const bool match =
        anyUnder ? cmd.contains(runDir.toUtf8()) : i >= 0 && i + 1 < args.size() && args[i + 1] == runDir.toUtf8();
    if (match) pids << pid;
  }
  return pids;
}

// ---------------------------------------------------------------------------------------------
// the database, read directly (read-only checks; the reader process)

/// A private read connection to `db`; closed and removed when it goes out of scope.
class ReadDb {
 public:
  explicit ReadDb(const QString& path, const QString& name) : name_(name) {
    QSqlDatabase d = QSqlDatabase::addDatabase("QSQLITE", name_);
    d.setDatabaseName(path);
    d.setConnectOptions("QSQLITE_BUSY_TIMEOUT=5000");
    ok_ = d.open();
    if (!ok_) error_ = d.lastError().text();
  }
  ~ReadDb() {
    { QSqlDatabase::database(name_, false).close(); }
    QSqlDatabase::removeDatabase(name_);
  }
  bool ok() const { return ok_; }
  QString error() const { return error_; }
  /// Rows of `sql`; on failure returns nothing and sets `*err`.
  QList<QVariantList> rows(const QString& sql, QString* err = nullptr) {
    QList<QVariantList> r;
    QSqlQuery q(QSqlDatabase::database(name_, false));
    if (!q.exec(sql)) {
      if (err) *err = q.lastError().text();
      return r;
    }
    while (q.next()) {
      QVariantList row;
      for (int i = 0; i < q.record().count(); ++i) row << q.value(i);
      r << row;
    }
    return r;
  }

 private:
  QString name_, error_;
  bool ok_ = false;
};

/// Reader mode: until `stopFile` exists, query the database every 20 ms through its own
/// connection and run `adamix runs list` once a second; count every failure and the "database is
/// locked" / busy ones. Writes a JSON summary to `outFile`.
int readerMain(const QString& db, const QString& adamix, const QString& stopFile, const QString& outFile) {
  qint64 queries = 0, queryErrors = 0, queryLocked = 0, lists = 0, listErrors = 0, listLocked = 0;
  QStringList samples;
  auto isLocked = [](const QString& s) {
    return s.contains("locked", Qt::CaseInsensitive) || s.contains("busy", Qt::CaseInsensitive);
  };
  QElapsedTimer sinceList;
  sinceList.start();
  std::unique_ptr<QProcess> list;
  while (!QFile::exists(stopFile)) {
    if (QFile::exists(db)) {
      ReadDb r(db, "reader");
      for (int i = 0; i < 25 && r.ok() && !QFile::exists(stopFile); ++i) {
        for (const char* sql :
             {"SELECT count(*) FROM metric_points", "SELECT id, status, last_heartbeat FROM runs",
              "SELECT run_id, split, name, max(step) FROM metric_points GROUP BY run_id, split, name"}) {
          QString err;
          ++queries;
          r.rows(sql, &err);
          if (!err.isEmpty()) {
            ++queryErrors;
            if (isLocked(err)) ++queryLocked;
            if (samples.size() < 5) samples << err;
          }
        }
        QThread::msleep(20);
      }
    } else {
      QThread::msleep(100);
    }
    if (list && list->state() == QProcess::NotRunning) {
      const QString err = QString::fromUtf8(list->readAllStandardError());
      if (list->exitCode() != 0 || list->exitStatus() != QProcess::NormalExit) {
        ++listErrors;
        if (samples.size() < 5) samples << "runs list: " + err.trimmed();
      }
      if (isLocked(err)) ++listLocked;
      list.reset();
    }
    if (!list && QFile::exists(db) && sinceList.elapsed() > 1000) {
      sinceList.restart();
      list = std::make_unique<QProcess>();
      list->start(adamix, {"runs", "list", "--db", db});
      ++lists;
    }
    if (list) list->waitForFinished(0);
  }
  if (list) list->waitForFinished(30000);
  QJsonObject o{{"queries", queries},
                {"query_errors", queryErrors},
                {"query_locked", queryLocked},
                {"runs_list", lists},
                {"runs_list_errors", listErrors},
                {"runs_list_locked", listLocked},
                {"samples", QJsonArray::fromStringList(samples)}};
  QFile f(outFile);
  if (!f.open(QIODevice::WriteOnly)) return 1;
  f.write(QJsonDocument(o).toJson());
  return 0;
}

// ---------------------------------------------------------------------------------------------
// the run's event log against the store

using SeriesKey = std::tuple<QString, QString, qint64>;  // split, name, step

struct LogSummary {
  std::map<SeriesKey, double> points;  ///< every metric key in events.jsonl, with its replayed value
  bool finished = false;               ///< the last terminal event is `finished`
  bool resumed = false;                ///< a `started` event resumed from a checkpoint
  int badLines = 0;                    ///< lines that are not JSON objects (torn writes)
  int startedEvents = 0;
};

/// Reads <runDir>/events.jsonl. A resumed segment supersedes the values after its checkpoint
/// (the app's replay rule), so each key's value is the last one written.
LogSummary readLog(const QString& runDir) {
  LogSummary s;
  QFile f(QDir(runDir).filePath("events.jsonl"));
  if (!f.open(QIODevice::ReadOnly)) return s;
  for (const QByteArray& line : f.readAll().split('\n')) {
    if (line.trimmed().isEmpty()) continue;
    const QJsonDocument d = QJsonDocument::fromJson(line);
    if (!d.isObject()) {
      ++s.badLines;
      continue;
    }
    const QJsonObject e = d.object();
    const QString ev = e["event"].toString();
    if (ev == "started") {
      ++s.startedEvents;
      if (e["resumed_from_step"].toInteger() > 0) s.resumed = true;
    } else if (ev == "metric" && e["value"].isDouble()) {
      s.points[{e["split"].toString(), e["name"].toString(), e["step"].toInteger()}] = e["value"].toDouble();
    } else if (ev == "finished") {
      s.finished = true;
    } else if (ev == "error") {
      s.finished = false;
    }
  }
  return s;
}

struct PointCheck {
  qint64 expected = 0, lost = 0, duplicates = 0, extra = 0, valueDiffers = 0;
  QStringList examples;
};

/// Compares every run of `studyNames` (all when empty) in `db` with its events.jsonl.
PointCheck checkPoints(const QString& db, const QStringList& studyNames) {
  PointCheck c;
  ReadDb r(db, "check-points");
  QString where;
  if (!studyNames.isEmpty()) where = QStringLiteral(" WHERE s.name IN ('%1')").arg(studyNames.join("','"));
  const auto runs = r.rows("SELECT r.id, r.run_dir FROM runs r JOIN studies s ON s.id = r.study_id" + where);
  for (const QVariantList& run : runs) {
    const qint64 id = run[0].toLongLong();
    const LogSummary log = readLog(run[1].toString());
    std::map<SeriesKey, std::vector<double>> stored;
    for (const QVariantList& p :
         r.rows(QStringLiteral("SELECT split, name, step, value FROM metric_points WHERE run_id = %1").arg(id)))
      stored[{p[0].toString(), p[1].toString(), p[2].toLongLong()}].push_back(p[3].toDouble());
    for (const auto& [key, value] : log.points) {
      ++c.expected;
      const auto it = stored.find(key);
      const QString name =
          QStringLiteral("run %1 %2/%3@%4").arg(id).arg(std::get<0>(key), std::get<1>(key)).arg(std::get<2>(key));
      if (it == stored.end()) {
        ++c.lost;
        if (c.examples.size() < 8) c.examples << "lost " + name;
        continue;
      }
      c.duplicates += qint64(it->second.size()) - 1;
      if (it->second.size() > 1 && c.examples.size() < 8)
        c.examples << QStringLiteral("%1 x %2").arg(it->second.size()).arg(name);
      if (it->second.back() != value) {
        ++c.valueDiffers;
        if (c.examples.size() < 8) c.examples << "value differs " + name;
      }
    }
    for (const auto& [key, values] : stored)
      if (!log.points.count(key)) {
        c.extra += qint64(values.size());
        if (c.examples.size() < 8)
          c.examples << QStringLiteral("not in events.jsonl: run %1 %2/%3@%4")
                            .arg(id)
                            .arg(std::get<0>(key), std::get<1>(key))
                            .arg(std::get<2>(key));
      }
  }
  return c;
}

// ---------------------------------------------------------------------------------------------
// the test

enum class Fault { KillEngine, KillCli, StopEngine, DiskFull, TwoLaunchers };
const char* faultName(Fault f) {
  switch (f) {
    case Fault::KillEngine: return "kill -9 engine";
    case Fault::KillCli: return "kill -9 CLI mid-ingest";
    case Fault::StopEngine: return "SIGSTOP engine (hang)";
    case Fault::DiskFull: return "disk full";
    case Fault::TwoLaunchers: return "two launchers";
  }
  return "?";
}
const std::vector<Fault> kAllFaults{Fault::KillEngine, Fault::KillCli, Fault::StopEngine, Fault::DiskFull,
                                    Fault::TwoLaunchers};

struct Config {
  int runs = 100;
  quint64 seed = 1;
  QString report, work, adamix, engine, model, data;
  int heartbeatS = 20;
  int jobs = 2;
  int runsPerStudy = 5;
  int steps = 24;
  std::vector<Fault> faults = kAllFaults;  ///< the kinds drawn for the rounds
};

struct Counters {
  std::map<Fault, int> injected;
  std::map<Fault, int> missed;  ///< fault drawn but nothing to inject it into (the round ended first)
  int hangsDetected = 0, hangsUndetected = 0;
  int stopsOnExitingEngines = 0;  ///< SIGSTOPs that hit an engine already exiting (gone within 0.5 s)
  double maxHangDetectS = 0;
  int orphanEngines = 0;      ///< engines still alive 30 s after their CLI was killed
  int diskFullIoErrors = 0;   ///< runs that ended failed with kind io under a full disk
  int diskFullOtherEnds = 0;  ///< runs that ended otherwise under a full disk (state, kind)
  QStringList diskFullNotes;
  PointCheck diskFullPoints;            ///< store vs logs right after the disk-full attempt
  int twoLauncherDuplicateEngines = 0;  ///< runs that had two engines at once (two launchers)
  int cliLocked = 0;                    ///< "database is locked" in a CLI's stderr
  int cliStoreErrors = 0;               ///< other database errors in a CLI's stderr
  QStringList cliErrorSamples;
  int cliInvocations = 0;
  int heartbeatLost = 0;  ///< runs the CLIs marked lost for missing events (SIGSTOP or a slow start)
  int lies = 0;
  QStringList lieExamples;
  int stuckRounds = 0;
};

class Chaos {
 public:
  explicit Chaos(Config c) : c_(std::move(c)), rng_(c_.seed) {}

  int run();

 private:
  QString studyFile(int round) const {
    return QDir(c_.work).filePath(QStringLiteral("studies/chaos-%1.json").arg(round));
  }
  QString studyName(int round) const { return QStringLiteral("chaos-%1").arg(round); }
  void writeStudy(int round, int nRuns);
  std::unique_ptr<QProcess> launch(int round, const QString& db, const QString& runsDir, const QString& tag);
  void finishCli(QProcess& p, const QString& tag, bool killed);
  double uniform(double a, double b) { return std::uniform_real_distribution<double>(a, b)(rng_); }
  void attempt(int round, std::optional<Fault> fault);
  bool studyDone(const QString& db, int round);
  void checkLies(const QString& db, const QStringList& studies, const QString& when, bool final);
  void waitGone(const QList<qint64>& pids, int ms);
  QString runsDirOf(int round) const {
    return diskFullRounds_.count(round) ? QDir(c_.work).filePath(QStringLiteral("full-%1").arg(round))
                                        : QDir(c_.work).filePath("runs");
  }
  /// Waits (serving `cli`) until cond() or the CLI ended or `ms` passed; returns cond().
  bool waitFor(QProcess& cli, const std::function<bool()>& cond, int ms);
  QString report(const QJsonObject& reader, const PointCheck& final, int resumed, int compared, int differ,
                 double maxDiff, const QStringList& differExamples, qint64 seconds, int unfinished);

  Config c_;
  std::mt19937_64 rng_;
  Counters n_;
  std::set<int> diskFullRounds_;
  std::map<int, QStringList> roundFaults_;
  QStringList pointRounds_;
  QStringList notes_;  ///< said at the end of the report  ///< rounds with point problems, with their faults  ///< the
                       ///< faults injected in each round (for the report)
  int cliSeq_ = 0;
  QString db_, refDb_;
};

void Chaos::writeStudy(int round, int nRuns) {
  // one task, up to five variants (adapter, AdaMix, LoRA, AdaMix-LoRA, AdaMix without consistency), a seed per round
  const QList<QPair<QString, QString>> variants{
      {"Adapter", R"({"/peft/method": "adapter", "/peft/adamix/num_modules": 1})"},
      {"AdaMix",
       R"({"/peft/method": "adapter", "/peft/adamix/num_modules": 2, "/peft/adamix/consistency_weight": 1.0})"},
      {"LoRA", R"({"/peft/method": "lora", "/peft/adamix/num_modules": 1})"},
      {"AdaMix-LoRA",
       R"({"/peft/method": "lora", "/peft/adamix/num_modules": 2, "/peft/adamix/consistency_weight": 1.0})"},
      {"AdaMix w/o consistency",
       R"({"/peft/method": "adapter", "/peft/adamix/num_modules": 2, "/peft/adamix/consistency_weight": 0.0})"},
  };
  QStringList values;
  for (int i = 0; i < nRuns; ++i)
    values << QStringLiteral(R"({"label": "%1", "set": %2})")
                  .arg(variants[i % variants.size()].first, variants[i % variants.size()].second);
  const int batch = 8;
  const QString text = QStringLiteral(R"JSON({
  "name": "%1",
  "description": "chaos test round %2 (bench/chaos_test.cpp)",
  "base": {
    "model": { "path": "%3" },
    "task": { "max_seq_length": 32, "max_train_examples": %4, "max_dev_examples": 64 },
    "train": { "learning_rate": 5e-3, "epochs": 1, "batch_size": %5, "eval_every_steps": 8,
               "checkpoint_every_steps": 4, "log_every_steps": 1, "threads": 1, "device": "cpu" }
  },
  "tasks": [ { "name": "sst2", "data_dir": "%6" } ],
  "axes": [ { "name": "variant", "values": [ %7 ] } ],
  "seeds": [ %8 ]
}
)JSON")
                           .arg(studyName(round))
                           .arg(round)
                           .arg(c_.model)
                           .arg(c_.steps * batch)
                           .arg(batch)
                           .arg(c_.data)
                           .arg(values.join(",\n      "))
                           .arg(round + 1);
  QFile f(studyFile(round));
  f.open(QIODevice::WriteOnly);
  f.write(text.toUtf8());
}

std::unique_ptr<QProcess> Chaos::launch(int round, const QString& db, const QString& runsDir, const QString& tag) {
  auto p = std::make_unique<QProcess>();
  const QString logs = QDir(c_.work).filePath("logs");
  p->setStandardOutputFile(QStringLiteral("%1/%2.out").arg(logs, tag));
  p->setStandardErrorFile(QStringLiteral("%1/%2.err").arg(logs, tag));
  p->setProgram(c_.adamix);
  p->setArguments({"study", "run", studyFile(round), "--db", db, "--runs-dir", runsDir, "--jobs",
                   QString::number(c_.jobs), "--threads", "1", "--heartbeat-timeout", QString::number(c_.heartbeatS),
                   "--engine", c_.engine, "--no-export"});
  p->setProperty("tag", tag);
  p->start();
  p->waitForStarted(10000);
  ++n_.cliInvocations;
  return p;
}

void Chaos::finishCli(QProcess& p, const QString& tag, bool killed) {
  if (p.state() != QProcess::NotRunning && !p.waitForFinished(15 * 60 * 1000)) {
    p.kill();
    p.waitForFinished(5000);
  }
  for (const char* ext : {"err", "out"}) {
    QFile f(QDir(c_.work).filePath(QStringLiteral("logs/%1.%2").arg(tag, QLatin1String(ext))));
    if (!f.open(QIODevice::ReadOnly)) continue;
    for (const QByteArray& line : f.readAll().split('\n')) {
      const QString l = QString::fromUtf8(line);
      if (l.contains("locked", Qt::CaseInsensitive) || l.contains("database is busy", Qt::CaseInsensitive)) {
        ++n_.cliLocked;
        if (n_.cliErrorSamples.size() < 6) n_.cliErrorSamples << tag + ": " + l;
      } else if (l.contains("lost: no event from the engine")) {
        ++n_.heartbeatLost;
      } else if (l.contains("store error") || l.contains("adamix: database")) {
        ++n_.cliStoreErrors;
        if (n_.cliErrorSamples.size() < 6) n_.cliErrorSamples << tag + ": " + l;
      }
    }
  }
  Q_UNUSED(killed);
}

bool Chaos::waitFor(QProcess& cli, const std::function<bool()>& cond, int ms) {
  QElapsedTimer t;
  t.start();
  while (t.elapsed() < ms) {
    if (cond()) return true;
    if (cli.state() == QProcess::NotRunning) return cond();
    cli.waitForFinished(25);
  }
  return cond();
}

void Chaos::waitGone(const QList<qint64>& pids, int ms) {
  QElapsedTimer t;
  t.start();
  while (t.elapsed() < ms) {
    if (std::none_of(pids.begin(), pids.end(), processAlive)) return;
    QThread::msleep(50);
  }
  for (qint64 pid : pids)
    if (processAlive(pid)) {
      ++n_.orphanEngines;
      ::kill(pid_t(pid), SIGCONT);
      ::kill(pid_t(pid), SIGKILL);
    }
}

bool Chaos::studyDone(const QString& db, int round) {
  ReadDb r(db, "done");
  const auto rows = r.rows(QStringLiteral("SELECT count(*), sum(r.status = 'finished') FROM runs r JOIN studies s ON "
                                          "s.id = r.study_id WHERE s.name = '%1'")
                               .arg(studyName(round)));
  return !rows.isEmpty() && rows[0][0].toInt() > 0 && rows[0][0].toInt() == rows[0][1].toInt();
}

void Chaos::checkLies(const QString& db, const QStringList& studies, const QString& when, bool final) {
  ReadDb r(db, "lies");
  const auto rows =
      r.rows(QStringLiteral("SELECT r.id, r.status, r.run_dir, r.pid, s.name, r.error_kind FROM runs r JOIN studies s "
                            "ON s.id = r.study_id WHERE s.name IN ('%1')")
                 .arg(studies.join("','")));
  for (const QVariantList& row : rows) {
    const QString status = row[1].toString(), dir = row[2].toString();
    QString lie;
    const bool engineAlive = !enginesUnder(dir).isEmpty();
    if ((status == "running" || status == "queued") && !engineAlive)
      lie = status + " but no engine runs";
    else if (status != "running" && engineAlive)
      lie = status + " but an engine still runs";
    else if (status == "finished" && !readLog(dir).finished)
      lie = "finished but events.jsonl does not end with `finished`";
    else if (status == "finished" && !QFile::exists(QDir(dir).filePath("results.json")))
      lie = "finished without results.json";
    else if (final && status != "finished")
      lie = status + " (" + row[5].toString() + ") at the end";
    if (lie.isEmpty()) continue;
    ++n_.lies;
    if (n_.lieExamples.size() < 10)
      n_.lieExamples << QStringLiteral("%1: %2 run %3: %4").arg(when, row[4].toString(), row[0].toString(), lie);
  }
}

void Chaos::attempt(int round, std::optional<Fault> fault) {
  const QString tag = QStringLiteral("r%1-%2").arg(round).arg(++cliSeq_);
  const QString runsDir = runsDirOf(round);
  auto cli = launch(round, db_, runsDir, tag);
  const qint64 cliPid = cli->processId();
  bool killed = false;
  std::unique_ptr<QProcess> second;
  auto engines = [&] { return childrenOf(cliPid, "adamix-engine"); };
  if (fault) {
    const Fault f = *fault;
    bool injected = false;
    if (f == Fault::KillEngine || f == Fault::StopEngine) {
      // a random moment of a run's life: its start, its training, its evaluation or its end
      const int delayMs = int(uniform(200, 4000));
      cli->waitForFinished(delayMs);
      if (waitFor(
              *cli, [&] { return !engines().isEmpty(); }, 60000)) {
        const QList<qint64> e = engines();
        const qint64 pid = e[int(rng_() % e.size())];
        if (f == Fault::KillEngine) {
          injected = ::kill(pid_t(pid), SIGKILL) == 0;
        } else if (::kill(pid_t(pid), SIGSTOP) == 0) {
          injected = true;
          QElapsedTimer t;
          t.start();
          const int limitMs = (c_.heartbeatS + 20) * 1000;
          QThread::msleep(500);
          if (!processAlive(pid)) {
            ++n_.stopsOnExitingEngines;  // it had written `finished` and was exiting: no hang
          } else if (waitFor(
                         *cli, [&] { return !processAlive(pid); }, limitMs)) {
            ++n_.hangsDetected;
            n_.maxHangDetectS = std::max(n_.maxHangDetectS, t.elapsed() / 1000.0);
          } else {
            ++n_.hangsUndetected;
            ::kill(pid_t(pid), SIGCONT);
            ::kill(pid_t(pid), SIGKILL);
          }
        }
      }
    } else if (f == Fault::KillCli) {
      // mid-ingest: engines are streaming and the CLI has stored some of their points
      ReadDb r(db_, "ingest");
      auto streaming = [&] {
        if (engines().isEmpty()) return false;
        const auto rows = r.rows(QStringLiteral("SELECT count(*) FROM metric_points m JOIN runs r ON r.id = m.run_id "
                                                "JOIN studies s ON s.id = r.study_id WHERE s.name = '%1'")
                                     .arg(studyName(round)));
        return !rows.isEmpty() && rows[0][0].toLongLong() > 0;
      };
      if (waitFor(*cli, streaming, 120000)) {
        cli->waitForFinished(int(uniform(0, 2500)));
        waitFor(
            *cli, [&] { return !engines().isEmpty(); }, 60000);  // an engine streams at the kill
        const QList<qint64> e = engines();
        if (cli->state() != QProcess::NotRunning && ::kill(pid_t(cliPid), SIGKILL) == 0) {
          injected = true;
          killed = true;
          cli->waitForFinished(5000);
          // the engines get SIGTERM (parent-death signal), checkpoint and exit
          waitGone(e, 30000);
        }
      }
    } else if (f == Fault::TwoLaunchers) {
      cli->waitForFinished(int(uniform(0, 1500)));
      second = launch(round, db_, runsDir, tag + "b");
      injected = true;
      // a run with two engines at once is a duplicate launch
      std::map<QString, std::set<qint64>> seen;
      QProcess& s = *second;
      while (cli->state() != QProcess::NotRunning || s.state() != QProcess::NotRunning) {
        std::map<QString, int> now;
        for (qint64 pid : engines() + childrenOf(s.processId(), "adamix-engine")) {
          QFile cmd(QStringLiteral("/proc/%1/cmdline").arg(pid));
          if (!cmd.open(QIODevice::ReadOnly)) continue;
          const QList<QByteArray> args = cmd.readAll().split('\0');
          const int i = args.indexOf("--run-dir");
          if (i >= 0 && i + 1 < args.size()) ++now[QString::fromUtf8(args[i + 1])];
        }
        for (const auto& [dir, count] : now)
          if (count > 1 && !seen.count(dir)) {
            seen[dir] = {};
            ++n_.twoLauncherDuplicateEngines;
          }
        cli->waitForFinished(50);
        s.waitForFinished(1);
      }
    } else if (f == Fault::DiskFull) {
      injected = true;  // the round's runs directory is a small filesystem from the start
    }
    if (injected)
      ++n_.injected[f];
    else
      ++n_.missed[f];
  }
  finishCli(*cli, tag, killed);
  if (second) finishCli(*second, tag + "b", false);
  if (fault == Fault::DiskFull) {
    ReadDb r(db_, "disk");
    for (const QVariantList& row :
         r.rows(QStringLiteral("SELECT r.status, coalesce(r.error_kind, ''), coalesce(r.error_message, '') FROM runs r "
                               "JOIN studies s ON s.id = r.study_id WHERE s.name = '%1' AND r.status != 'finished'")
                    .arg(studyName(round)))) {
      if (row[0].toString() == "failed" && row[1].toString() == "io")
        ++n_.diskFullIoErrors;
      else
        ++n_.diskFullOtherEnds;
      if (n_.diskFullNotes.size() < 8)
        n_.diskFullNotes
            << QStringLiteral("%1 (%2: %3)").arg(row[0].toString(), row[1].toString(), row[2].toString().left(120));
    }
    const PointCheck pc = checkPoints(db_, {studyName(round)});
    n_.diskFullPoints.expected += pc.expected;
    n_.diskFullPoints.lost += pc.lost;
    n_.diskFullPoints.duplicates += pc.duplicates;
    n_.diskFullPoints.extra += pc.extra;
    n_.diskFullPoints.valueDiffers += pc.valueDiffers;
    n_.diskFullPoints.examples += pc.examples;
    // the user frees space
    const QByteArray target = runsDir.toUtf8();
    ::mount("tmpfs", target.constData(), "tmpfs", MS_REMOUNT, "size=256m");
  }
  if (!killed && !second) checkLies(db_, {studyName(round)}, tag, false);
}

int Chaos::run() {
  QElapsedTimer clock;
  clock.start();
  QDir().mkpath(c_.work);
  QDir work(c_.work);
  for (const char* d : {"studies", "logs", "runs", "ref-runs"}) work.mkpath(d);
  db_ = work.filePath("chaos.db");
  refDb_ = work.filePath("ref.db");
  const int rounds = (c_.runs + c_.runsPerStudy - 1) / c_.runsPerStudy;

  // the fault of each round: every kind equally often, in a seeded random order
  std::vector<Fault> plan;
  while (int(plan.size()) < rounds)
    for (Fault f : c_.faults) plan.push_back(f);
  plan.resize(rounds);
  std::shuffle(plan.begin(), plan.end(), rng_);
  bool canMount = true;
  for (int round = 0; round < rounds; ++round) {
    if (plan[round] != Fault::DiskFull) continue;
    const QString dir = work.filePath(QStringLiteral("full-%1").arg(round));
    work.mkpath(dir);
    // small enough to fill during the round's runs (each run writes ~0.2-1 MB)
    const int kb = 64 + int(rng_() % 1024);
    const QByteArray opts = QStringLiteral("size=%1k").arg(kb).toUtf8();
    if (::mount("tmpfs", dir.toUtf8().constData(), "tmpfs", 0, opts.constData()) != 0) {
      canMount = false;
      break;
    }
    diskFullRounds_.insert(round);
  }
  if (!canMount) {
    notes_ << "no tmpfs could be mounted (needs root): the disk-full rounds killed an engine instead";
    out() << "chaos: cannot mount a tmpfs (needs root): disk-full rounds become kill -9 engine rounds\n";
    for (int round = 0; round < rounds; ++round)
      if (plan[round] == Fault::DiskFull) plan[round] = Fault::KillEngine;
    diskFullRounds_.clear();
  }

  const QString stop = work.filePath("reader.stop"), readerOut = work.filePath("reader.json");
  QFile::remove(stop);
  QProcess reader;
  reader.setProcessChannelMode(QProcess::ForwardedChannels);
  reader.start(QCoreApplication::applicationFilePath(),
               {"--reader", db_, "--adamix", c_.adamix, "--stop", stop, "--out", readerOut});
  reader.waitForStarted();

  QStringList studies;
  int made = 0;
  for (int round = 0; round < rounds; ++round) {
    const int nRuns = std::min(c_.runsPerStudy, c_.runs - made);
    made += nRuns;
    writeStudy(round, nRuns);
    studies << studyName(round);
    out() << QStringLiteral("[%1 s] round %2/%3: %4 runs, fault: %5\n")
                 .arg(clock.elapsed() / 1000)
                 .arg(round + 1)
                 .arg(rounds)
                 .arg(nRuns)
                 .arg(faultName(plan[round]));
    out().flush();
    roundFaults_[round] << faultName(plan[round]);
    attempt(round, plan[round]);
    // continue the study until every run finished; the first continuation may take a second fault
    int tries = 0;
    while (!studyDone(db_, round) && tries < 8) {
      std::optional<Fault> again;
      if (tries == 0 && uniform(0, 1) < 0.4) {
        std::vector<Fault> kinds;  // engine kill, CLI kill or hang, of those asked for
        for (Fault f : {Fault::KillEngine, Fault::KillCli, Fault::StopEngine})
          if (std::count(c_.faults.begin(), c_.faults.end(), f)) kinds.push_back(f);
        if (!kinds.empty()) again = kinds[rng_() % kinds.size()];
      }
      if (again) {
        out() << "  continuing with a second fault: " << faultName(*again) << "\n";
        out().flush();
        roundFaults_[round] << faultName(*again);
      }
      attempt(round, again);
      ++tries;
    }
    if (!studyDone(db_, round)) ++n_.stuckRounds;
  }
  QFile(stop).open(QIODevice::WriteOnly);
  reader.waitForFinished(60000);
  QJsonObject readerJson;
  {
    QFile f(readerOut);
    if (f.open(QIODevice::ReadOnly)) readerJson = QJsonDocument::fromJson(f.readAll()).object();
  }
  checkLies(db_, studies, "end", true);
  for (qint64 pid : enginesUnder(c_.work, /*anyUnder=*/true)) {
    ++n_.orphanEngines;
    ::kill(pid_t(pid), SIGCONT);
    ::kill(pid_t(pid), SIGKILL);
  }
  const PointCheck final = checkPoints(db_, {});
  // where the point problems are: the faults of the rounds they are in
  for (int round = 0; round < rounds; ++round) {
    const PointCheck pc = checkPoints(db_, {studyName(round)});
    if (pc.lost + pc.duplicates + pc.extra + pc.valueDiffers == 0) continue;
    pointRounds_ << QStringLiteral("round %1 (%2): %3 lost, %4 duplicates, %5 not in the log, %6 values differ")
                        .arg(round)
                        .arg(roundFaults_[round].join(" + "))
                        .arg(pc.lost)
                        .arg(pc.duplicates)
                        .arg(pc.extra)
                        .arg(pc.valueDiffers);
  }

  // the reference: the same studies once, without faults
  out() << QStringLiteral("[%1 s] reference run of the same %2 runs without faults\n")
               .arg(clock.elapsed() / 1000)
               .arg(c_.runs);
  out().flush();
  for (int round = 0; round < rounds; ++round) {
    auto p = std::make_unique<QProcess>();
    p->setStandardOutputFile(work.filePath(QStringLiteral("logs/ref-%1.out").arg(round)));
    p->setStandardErrorFile(work.filePath(QStringLiteral("logs/ref-%1.err").arg(round)));
    p->start(c_.adamix, {"study", "run", studyFile(round), "--db", refDb_, "--runs-dir", work.filePath("ref-runs"),
                         "--jobs", QString::number(c_.jobs), "--threads", "1", "--engine", c_.engine, "--no-export"});
    p->waitForFinished(15 * 60 * 1000);
  }

  // final results against the reference
  int resumed = 0, compared = 0, differ = 0;
  double maxDiff = 0;
  QStringList differExamples;
  {
    auto results = [](const QString& db, const QString& conn) {
      std::map<QString, std::map<QString, double>> m;  // run key -> "split/name/kind" -> value
      ReadDb r(db, conn);
      for (const QVariantList& row :
           r.rows("SELECT r.run_key, x.split, x.name, x.kind, x.value FROM results x JOIN runs r "
                  "ON r.id = x.run_id WHERE r.status = 'finished'"))
        m[row[0].toString()][row[1].toString() + "/" + row[2].toString() + "/" + row[3].toString()] = row[4].toDouble();
      return m;
    };
    const auto chaos = results(db_, "res-chaos"), ref = results(refDb_, "res-ref");
    std::map<QString, QPair<QString, bool>> runs;  // run key -> (label, resumed)
    {
      ReadDb r(db_, "res-runs");
      for (const QVariantList& row : r.rows("SELECT r.run_key, s.name || ' ' || r.variant, r.run_dir FROM runs r JOIN "
                                            "studies s ON s.id = r.study_id"))
        runs[row[0].toString()] = {row[1].toString(), readLog(row[2].toString()).resumed};
    }
    for (const auto& [key, info] : runs) {
      if (info.second) ++resumed;
      const auto a = chaos.find(key), b = ref.find(key);
      if (a == chaos.end() || b == ref.end()) continue;
      ++compared;
      bool same = a->second.size() == b->second.size();
      for (const auto& [name, v] : a->second) {
        const auto w = b->second.find(name);
        if (w == b->second.end()) {
          same = false;
          continue;
        }
        maxDiff = std::max(maxDiff, std::abs(v - w->second));
        if (v != w->second) same = false;
      }
      if (!same) {
        ++differ;
        if (differExamples.size() < 8) differExamples << info.first + (info.second ? " (resumed)" : "");
      }
    }
  }
  const int unfinished = c_.runs - compared;
  const QString md =
      report(readerJson, final, resumed, compared, differ, maxDiff, differExamples, clock.elapsed() / 1000, unfinished);
  out() << "\n" << md;
  out().flush();
  if (!c_.report.isEmpty()) {
    QFile f(c_.report);
    if (f.open(QIODevice::WriteOnly)) f.write(md.toUtf8());
  }
  for (int round : diskFullRounds_) ::umount(runsDirOf(round).toUtf8().constData());
  const qint64 locked =
      readerJson["query_locked"].toInteger() + readerJson["runs_list_locked"].toInteger() + n_.cliLocked;
  const bool pass = final.lost == 0 && final.duplicates == 0 && final.extra == 0 && final.valueDiffers == 0 &&
                    n_.lies == 0 && locked == 0 && differ == 0 && unfinished == 0 && n_.hangsUndetected == 0 &&
                    n_.orphanEngines == 0 && n_.diskFullPoints.lost == 0 && n_.stuckRounds == 0;
  return pass ? 0 : 1;
}

QString Chaos::report(const QJsonObject& reader, const PointCheck& final, int resumed, int compared, int differ,
                      double maxDiff, const QStringList& differExamples, qint64 seconds, int unfinished) {
  QString s;
  QTextStream t(&s);
  t << "### Chaos test report\n\n";
  t << QStringLiteral(
           "%1 runs (%2 studies of %3 variants of stories260K on SST-2, %4 steps each), seed %5, "
           "%6 CLI invocations, heartbeat timeout %7 s, %8 jobs per CLI, %9 min %10 s in all.\n\n")
           .arg(c_.runs)
           .arg((c_.runs + c_.runsPerStudy - 1) / c_.runsPerStudy)
           .arg(c_.runsPerStudy)
           .arg(c_.steps)
           .arg(c_.seed)
           .arg(n_.cliInvocations)
           .arg(c_.heartbeatS)
           .arg(c_.jobs)
           .arg(seconds / 60)
           .arg(seconds % 60);
  t << "| fault | injected | not injected (the attempt ended first) |\n|---|---:|---:|\n";
  int total = 0;
  for (Fault f : kAllFaults) {
    t << "| " << faultName(f) << " | " << n_.injected[f] << " | " << n_.missed[f] << " |\n";
    total += n_.injected[f];
  }
  t << "| **all** | **" << total << "** | |\n\n";
  const qint64 readerLocked = reader["query_locked"].toInteger(), listLocked = reader["runs_list_locked"].toInteger();
  auto pf = [](qint64 v) { return v == 0 ? QStringLiteral("0") : QStringLiteral("**%1**").arg(v); };
  t << "| check (must be 0) | count |\n|---|---:|\n";
  t << "| points lost (metric lines of events.jsonl missing from the store) | " << pf(final.lost) << " |\n";
  t << "| points stored twice or more (extra copies) | " << pf(final.duplicates) << " |\n";
  t << "| stored points not in events.jsonl | " << pf(final.extra) << " |\n";
  t << "| stored points whose value differs from events.jsonl | " << pf(final.valueDiffers) << " |\n";
  t << "| runs in a state that lies (after every CLI that exited on its own, and at the end) | " << pf(n_.lies)
    << " |\n";
  t << "| runs not finished at the end | " << pf(unfinished) << " |\n";
  t << "| \"database is locked\" errors: reader queries | " << pf(readerLocked) << " |\n";
  t << "| \"database is locked\" errors: `adamix runs list` loop | " << pf(listLocked) << " |\n";
  t << "| \"database is locked\" errors: CLIs' stderr | " << pf(n_.cliLocked) << " |\n";
  t << "| resumed runs whose final results differ from the fault-free run (exact comparison) | " << pf(differ)
    << " |\n";
  t << "| hangs (SIGSTOP) not detected within timeout + 20 s | " << pf(n_.hangsUndetected) << " |\n";
  t << "| engines alive 30 s after their CLI was killed | " << pf(n_.orphanEngines) << " |\n";
  t << "| points lost by a full disk (store vs events.jsonl right after the failed attempt) | "
    << pf(n_.diskFullPoints.lost) << " |\n";
  t << "\nOther counts:\n\n";
  t << "- metric keys checked: " << final.expected << "; runs compared with the reference: " << compared << " ("
    << resumed << " of them resumed at least once); largest difference of a final result: " << maxDiff << "\n";
  t << "- hangs detected: " << n_.hangsDetected << " (slowest " << n_.maxHangDetectS << " s after SIGSTOP; "
    << n_.stopsOnExitingEngines
    << " more SIGSTOPs hit an engine that was exiting); runs the CLIs marked lost for missing events: "
    << n_.heartbeatLost
    << " (the SIGSTOP ones, and engines that were silent that long otherwise, e.g. a slow start on a loaded machine)\n";
  t << "- full disk: " << n_.diskFullIoErrors << " run(s) failed with kind `io`, " << n_.diskFullOtherEnds
    << " ended otherwise" << (n_.diskFullNotes.isEmpty() ? QString() : ": " + n_.diskFullNotes.join("; ")) << "\n";
  t << "- two launchers: " << n_.twoLauncherDuplicateEngines << " run(s) seen with two engines at once\n";
  t << "- reader: " << reader["queries"].toInteger() << " queries (" << reader["query_errors"].toInteger()
    << " failed), " << reader["runs_list"].toInteger() << " `runs list` (" << reader["runs_list_errors"].toInteger()
    << " failed); other database errors in CLIs' stderr: " << n_.cliStoreErrors << "\n";
  for (const QString& e : pointRounds_) t << "  - " << e << "\n";
  for (const QString& e : final.examples) t << "  - points: " << e << "\n";
  for (const QString& e : n_.diskFullPoints.examples) t << "  - disk full: " << e << "\n";
  for (const QString& e : n_.lieExamples) t << "  - lie: " << e << "\n";
  for (const QString& e : differExamples) t << "  - differs: " << e << "\n";
  for (const QString& e : n_.cliErrorSamples) t << "  - CLI: " << e << "\n";
  for (const QJsonValue& e : reader["samples"].toArray()) t << "  - reader: " << e.toString() << "\n";
  for (const QString& e : notes_) t << "- note: " << e << "\n";
  t.flush();
  return s;
}

}  // namespace

int main(int argc, char** argv) {
  QCoreApplication app(argc, argv);
  QCommandLineParser p;
  p.setApplicationDescription("Chaos test of the adamix CLI and adamix-engine (docs/reliability.md).");
  p.addHelpOption();
  p.addOptions({
      {"runs", "Runs in all (default 100).", "N"},
      {"seed", "Seed of the fault schedule (default 1).", "S"},
      {"report", "Also write the Markdown report to this file.", "FILE"},
      {"work", "Working directory (default /tmp/adamix-chaos-<seed>; emptied first).", "DIR"},
      {"adamix", "The adamix CLI.", "PATH"},
      {"engine", "adamix-engine.", "PATH"},
      {"model", "Model directory (default ../shared/models/stories260K).", "DIR"},
      {"data", "SST-2 directory (default ../shared/data/glue/SST-2).", "DIR"},
      {"heartbeat-timeout", "The CLI's --heartbeat-timeout in seconds (default 20).", "S"},
      {"faults",
       "Comma-separated fault kinds to draw from (default all): kill-engine, kill-cli, stop-engine, disk-full, "
       "two-launchers.",
       "LIST"},
      {"reader", "(internal) reader mode on this database.", "DB"},
      {"stop", "(internal) reader: stop when this file exists.", "FILE"},
      {"out", "(internal) reader: summary file.", "FILE"},
  });
  p.process(app);
  if (p.isSet("reader")) return readerMain(p.value("reader"), p.value("adamix"), p.value("stop"), p.value("out"));
  Config c;
  if (p.isSet("runs")) c.runs = std::max(1, p.value("runs").toInt());
  if (p.isSet("seed")) c.seed = p.value("seed").toULongLong();
  if (p.isSet("heartbeat-timeout")) c.heartbeatS = std::max(1, p.value("heartbeat-timeout").toInt());
  c.report = p.value("report");
  if (p.isSet("faults")) {
    const std::map<QString, Fault> names{{"kill-engine", Fault::KillEngine},
                                         {"kill-cli", Fault::KillCli},
                                         {"stop-engine", Fault::StopEngine},
                                         {"disk-full", Fault::DiskFull},
                                         {"two-launchers", Fault::TwoLaunchers}};
    c.faults.clear();
    for (const QString& n : p.value("faults").split(',', Qt::SkipEmptyParts)) {
      const auto it = names.find(n.trimmed());
      if (it == names.end()) {
        QTextStream(stderr) << "chaos_test: --faults: unknown kind '" << n << "'\n";
        return 2;
      }
      c.faults.push_back(it->second);
    }
    if (c.faults.empty()) {
      QTextStream(stderr) << "chaos_test: --faults: no kind given\n";
      return 2;
    }
  }
  c.work = p.isSet("work") ? QDir(p.value("work")).absolutePath() : QStringLiteral("/tmp/adamix-chaos-%1").arg(c.seed);
  c.adamix = QFileInfo(p.value("adamix")).absoluteFilePath();
  c.engine = QFileInfo(p.value("engine")).absoluteFilePath();
  const QString shared = QStringLiteral(ADAMIX_SHARED_DIR);
  c.model = QFileInfo(p.isSet("model") ? p.value("model") : shared + "/models/stories260K").absoluteFilePath();
  c.data = QFileInfo(p.isSet("data") ? p.value("data") : shared + "/data/glue/SST-2").absoluteFilePath();
  for (const QString& exe : {c.adamix, c.engine})
    if (!QFileInfo(exe).isExecutable()) {
      QTextStream(stderr) << "chaos_test: not an executable: '" << exe << "' (--adamix and --engine are required)\n";
      return 2;
    }
  if (QDir(c.work).exists()) {
    // an earlier run's small filesystems first
    for (const QString& d : QDir(c.work).entryList({"full-*"}, QDir::Dirs))
      ::umount(QDir(c.work).filePath(d).toUtf8().constData());
    QDir(c.work).removeRecursively();
  }
  return Chaos(c).run();
}
