// The Slurm executor against a real single-node Slurm (scripts/slurm-local.sh start; CI starts it
// before the tests, see scripts/test.sh): the `adamix` CLI and the real engine train tiny runs as
// job arrays. Skipped when no Slurm answers, unless $ADAMIX_REQUIRE_SLURM=1 (CI), which fails
// then. Every check reads the store or the run directories, never a clock.
// SPDX-License-Identifier: GPL-3.0-or-later
#include "store/store.h"

#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QProcess>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QTest>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <csignal>
#include <functional>
#include <map>
#include <set>
#include <vector>

using namespace adamix::app;
using json = nlohmann::json;

namespace {

struct Result {
  int rc = -1;
  QString out, err;
};

QString readText(const QString& path) {
  QFile f(path);
  return f.open(QIODevice::ReadOnly) ? QString::fromUtf8(f.readAll()) : QString();
}

bool slurmAnswers() {
  QProcess p;
  p.start(QStringLiteral("sinfo"), {QStringLiteral("-h"), QStringLiteral("-o"), QStringLiteral("%T")});
  if (!p.waitForFinished(10000) || p.exitCode() != 0) return false;
  const QString s = QString::fromUtf8(p.readAllStandardOutput());
  return s.contains(QLatin1String("idle")) || s.contains(QLatin1String("mix")) || s.contains(QLatin1String("alloc"));
}

/// Waits (processing events) until `done` holds; false after `limitMs` (a failure guard only).
bool waitFor(const std::function<bool()>& done, int limitMs) {
  QElapsedTimer t;
  t.start();
  while (!done()) {
    if (t.elapsed() > limitMs) return false;
    QTest::qWait(250);
  }
  return true;
}

/// The metric events of an event log, as the store keeps them: a resume's `started` drops the
/// points after its step; (split, name, step) → value.
std::map<std::tuple<std::string, std::string, qint64>, double> metricsOfLog(const QString& path) {
  std::map<std::tuple<std::string, std::string, qint64>, double> out;
  for (const QString& line : readText(path).split('\n', Qt::SkipEmptyParts)) {
    const json e = json::parse(line.toStdString());
    if (e["event"] == "started" && e.value("resumed_from_step", 0) > 0) {
      const qint64 after = e["resumed_from_step"];
      for (auto it = out.begin(); it != out.end();) it = std::get<2>(it->first) > after ? out.erase(it) : std::next(it);
    }
    if (e["event"] == "metric" && e["value"].is_number())
      out[{e["split"], e["name"], e["step"].get<qint64>()}] = e["value"].get<double>();
  }
  return out;
}

}  // namespace

class TestSlurmCluster : public QObject {
  Q_OBJECT
 private:
  QTemporaryDir tmp_;
  QString model_;

  Result cli(const QStringList& args, int timeoutMs = 600000) {
    QProcess p;
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert("ADAMIX_ENGINE", ADAMIX_ENGINE_EXE);
    p.setProcessEnvironment(env);
    p.start(ADAMIX_CLI_EXE, args);
    Result r;
    if (!p.waitForFinished(timeoutMs)) {
      p.kill();
      p.waitForFinished();
      r.err = "timed out\n";
    }
    r.rc = p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1;
    r.out += QString::fromUtf8(p.readAllStandardOutput());
    r.err += QString::fromUtf8(p.readAllStandardError());
    return r;
  }

  QProcess* startCli(const QStringList& args) {
    auto* p = new QProcess(this);
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert("ADAMIX_ENGINE", ADAMIX_ENGINE_EXE);
    p->setProcessEnvironment(env);
    p->start(ADAMIX_CLI_EXE, args);
    p->waitForStarted();
    return p;
  }

  /// A study of tiny AdaMix-adapter runs on RTE (64 train / 32 dev examples); `epochs` sets the
  /// length (about 0.1 s per epoch on one core).
  QString writeStudy(const QString& name, int epochs, const json& seeds, const json& executor, const json& moduleValues) {
    json study = {{"name", name.toStdString()},
                  {"base",
                   {{"model", {{"path", model_.toStdString()}}},
                    {"task", {{"max_seq_length", 48}, {"max_train_examples", 64}, {"max_dev_examples", 32}}},
                    {"peft", {{"method", "adapter"}, {"adapter", {{"bottleneck", 4}}}}},
                    {"train", {{"epochs", epochs}, {"batch_size", 8}, {"learning_rate", 1e-3}, {"log_every_steps", 2}}}}},
                  {"tasks", {{{"name", "rte"}, {"data_dir", (QStringLiteral(ADAMIX_SHARED_DIR) + "/data/glue/RTE").toStdString()}}}},
                  {"axes", {{{"path", "/peft/adamix/num_modules"}, {"values", moduleValues}}}},
                  {"seeds", seeds},
                  {"executor", executor}};
    const QString path = tmp_.filePath(name + "-" + QString::fromStdString(executor.value("kind", "local")) + ".json");
    QFile f(path);
    f.open(QIODevice::WriteOnly);
    f.write(QByteArray::fromStdString(study.dump(2)));
    return path;
  }

  std::vector<RunRecord> runsOf(const QString& db, const QString& study) {
    if (!QFile::exists(db)) return {};  // not created yet by the CLI under test
    Store s;
    s.open(db);
    const auto st = s.findStudy(study);
    if (!st) return {};
    RunFilter f;
    f.studyId = st->id;
    return s.listRuns(f);
  }

 private slots:
  void cleanupTestCase() {
    // nothing of these tests keeps a node busy after them
    for (const char* name : {"adamix-array", "adamix-control", "adamix-limit", "adamix-reattach"})
      QProcess::execute("scancel", {QStringLiteral("--name=") + name});
  }

  void initTestCase() {
    if (!slurmAnswers()) {
      if (qEnvironmentVariable("ADAMIX_REQUIRE_SLURM") == QLatin1String("1"))
        QFAIL("no Slurm answers (sinfo); start one with scripts/slurm-local.sh start");
      QSKIP("no Slurm here (scripts/slurm-local.sh start starts one; CI does)");
    }
    QVERIFY(tmp_.isValid());
    model_ = tmp_.filePath("tiny");
    QProcess p;
    p.start(ADAMIX_ENGINE_EXE, {"init-model", "--arch", "llama", "--out", model_, "--hidden", "64", "--layers", "2",
                                "--heads", "4", "--kv-heads", "4", "--ffn", "128", "--max-positions", "64",
                                "--tokenizer-from", QStringLiteral(ADAMIX_SHARED_DIR) + "/models/stories260K"});
    QVERIFY(p.waitForFinished(60000));
    QCOMPARE(p.exitCode(), 0);
  }

  // Four runs as one array with at most two at once; the same study on the local executor gives
  // the same metrics.
  void arrayOfFourAtMostTwoAtOnceEqualsLocal() {
    const QString db = tmp_.filePath("array/adamix.db");
    const QString file = writeStudy("array", 12, {1, 2}, {{"kind", "slurm"}, {"jobs", 2}, {"poll_seconds", 1}}, {1, 4});
    const Result r = cli({"study", "run", file, "--db", db});
    qInfo().noquote() << r.out;
    QVERIFY2(r.rc == 0, qPrintable(r.out + r.err));
    QVERIFY2(r.out.contains("Slurm job array (at most 2 run(s) at once)"), qPrintable(r.out));
    // (Whether a poll sees a task "PENDING (JobArrayTaskLimit)" depends on how fast the runs are:
    // the throttle itself is checked in Slurm's record of the array below.)
    QVERIFY(r.out.contains("done: 4 finished, 0 failed, 0 lost, 0 cancelled"));

    const auto runs = runsOf(db, "array");
    QCOMPARE(runs.size(), size_t(4));
    std::set<QString> arrays;
    Store store;
    store.open(db);
    std::map<double, std::map<qint64, QString>> polls;  // poll time → run → state seen
    for (const RunRecord& run : runs) {
      QCOMPARE(run.status, RunState::Finished);
      QCOMPARE(run.executor, QStringLiteral("slurm"));
      QVERIFY2(run.jobId.contains(QRegularExpression(R"(^\d+_[0-3]$)")), qPrintable(run.jobId));
      arrays.insert(run.jobId.section('_', 0, 0));
      for (const JobStateRecord& s : store.jobStates(run.id)) polls[s.time][run.id] = s.state;
    }
    QCOMPARE(arrays.size(), size_t(1));  // one submission
    // Slurm's record of it (kept MinJobAge = 600 s after the end): four tasks, at most two at once.
    QProcess sc;
    sc.start("scontrol", {"show", "job", *arrays.begin()});
    QVERIFY(sc.waitForFinished(20000));
    const QString record = QString::fromUtf8(sc.readAllStandardOutput());
    QCOMPARE(int(record.count(QStringLiteral("ArrayTaskThrottle=2"))), 4);
    // replay the recorded states poll by poll: never more than two running (a 12-step run can go
    // from PENDING to COMPLETED between two polls, so a poll need not see any RUNNING at all)
    std::map<qint64, QString> state;
    int mostPolled = 0;
    for (const auto& [time, seen] : polls) {
      for (const auto& [id, s] : seen) state[id] = s;
      const int running = int(std::count_if(state.begin(), state.end(), [](const auto& kv) { return kv.second == "RUNNING"; }));
      mostPolled = std::max(mostPolled, running);
    }
    QVERIFY(mostPolled <= 2);
    // The engines' own clocks: each run's `started` .. `finished` event times (events.jsonl), at
    // most two of those intervals overlapping at any time.
    std::vector<std::pair<double, int>> edges;  // (time, +1 start / -1 end)
    for (const RunRecord& run : runs) {
      QFile log(QDir(run.runDir).filePath("events.jsonl"));
      QVERIFY2(log.open(QIODevice::ReadOnly), qPrintable(log.fileName()));
      double started = -1, finished = -1;
      for (const QByteArray& line : log.readAll().split('\n')) {
        if (line.trimmed().isEmpty()) continue;
        const auto e = nlohmann::json::parse(line.toStdString());
        if (e.value("event", "") == "started") started = e.at("time").get<double>();
        if (e.value("event", "") == "finished") finished = e.at("time").get<double>();
      }
      QVERIFY2(started >= 0 && finished >= started, qPrintable(run.runDir));
      edges.push_back({started, +1});
      edges.push_back({finished, -1});
    }
    std::sort(edges.begin(), edges.end());  // at equal times an end (-1) comes before a start
    int running = 0, most = 0;
    for (const auto& [time, delta] : edges) most = std::max(most, running += delta);
    qInfo() << "polls with a state change:" << polls.size() << "most running in a poll:" << mostPolled
            << "most engines running at once:" << most;
    QVERIFY(most >= 1 && most <= 2);

    // the same runs on this machine: identical results and curves
    const QString localDb = tmp_.filePath("array-local/adamix.db");
    const QString localFile = writeStudy("array", 12, {1, 2}, {{"kind", "local"}}, {1, 4});
    const Result l = cli({"study", "run", localFile, "--db", localDb, "--jobs", "2"});
    QVERIFY2(l.rc == 0, qPrintable(l.out + l.err));
    Store local;
    local.open(localDb);
    for (const RunRecord& run : runs) {
      const auto twin = local.findRunByHash(run.runKey);
      QVERIFY(twin);
      QCOMPARE(twin->executor, QStringLiteral("local"));
      const auto a = store.results(run.id), b = local.results(twin->id);
      QCOMPARE(a.size(), b.size());
      QVERIFY(!a.empty());
      for (size_t i = 0; i < a.size(); ++i) {
        QCOMPARE(a[i].name, b[i].name);
        QCOMPARE(a[i].value, b[i].value);  // bit-equal
      }
      const auto pa = store.metricPoints(run.id), pb = local.metricPoints(twin->id);
      QCOMPARE(pa.size(), pb.size());
      for (size_t i = 0; i < pa.size(); ++i) QCOMPARE(pa[i].value, pb[i].value);
      qInfo().noquote() << QStringLiteral("%1 (Slurm job %2): %3 results and %4 metric points bit-equal to the local executor's")
                               .arg(run.runDir.section('/', -1), run.jobId)
                               .arg(a.size())
                               .arg(pa.size());
    }
  }

  // A cancelled run, a task killed with scancel --signal=KILL and an engine that hangs (SIGSTOP)
  // each end in an honest state while `study follow` watches.
  void cancelledKilledAndSilentRunsEndHonestly() {
    const QString db = tmp_.filePath("control/adamix.db");
    const QString file = writeStudy("control", 800, {1, 2, 3},
                                    {{"kind", "slurm"}, {"poll_seconds", 1}, {"heartbeat_timeout_s", 10}}, {2});
    const Result sub = cli({"study", "run", file, "--db", db, "--detach"});
    QVERIFY2(sub.rc == 0, qPrintable(sub.out + sub.err));
    QVERIFY(sub.out.contains("submitted; the jobs run on the cluster"));
    QProcess* follow = startCli({"study", "follow", "control", "--db", db});
    auto byStatus = [&](RunState s) {
      const auto runs = runsOf(db, "control");
      return int(std::count_if(runs.begin(), runs.end(), [&](const RunRecord& r) { return r.status == s; }));
    };
    // two CPUs: two runs start, the third waits for resources
    QVERIFY2(waitFor([&] { return byStatus(RunState::Running) == 2; }, 120000), "two runs running");
    auto runs = runsOf(db, "control");
    std::sort(runs.begin(), runs.end(), [](const RunRecord& a, const RunRecord& b) { return a.seed < b.seed; });
    auto training = [&](const RunRecord& r) {
      return waitFor([&] { return readText(r.runDir + "/events.jsonl").contains("\"event\":\"progress\""); }, 120000);
    };
    QVERIFY(training(runs[0]) && training(runs[1]));
    QCOMPARE(runs[2].status, RunState::Queued);
    QVERIFY2(waitFor([&] {
      for (const RunRecord& r : runsOf(db, "control"))
        if (r.id == runs[2].id) return r.jobState == "PENDING" && !r.jobReason.isEmpty();
      return false;
    }, 60000), "pending with Slurm's reason for the wait");

    // 1. cancelled from the app
    const Result c = cli({"study", "cancel", "control", "--db", db, "--run", QString::number(runs[0].id)}, 120000);
    QVERIFY2(c.rc == 0, qPrintable(c.out + c.err));
    QVERIFY(c.out.contains("done: 0 finished, 0 failed, 0 lost, 1 cancelled"));
    // 2. killed behind the app's back
    QProcess::execute("scancel", {"--signal=KILL", runs[1].jobId});
    // 3. an engine that stops answering: Slurm still says RUNNING, its log stays silent
    const qint64 third = runs[2].id;
    QVERIFY2(waitFor([&] {
      for (const RunRecord& r : runsOf(db, "control"))
        if (r.id == third) return r.status == RunState::Running;
      return false;
    }, 120000), "third run started");
    QVERIFY(training(runs[2]));
    QString pid;
    for (const QString& proc : QDir("/proc").entryList(QDir::Dirs)) {
      const QString cmd = readText("/proc/" + proc + "/cmdline").replace(QChar('\0'), QChar(' '));
      if (cmd.contains("adamix-engine train") && cmd.contains(runs[2].runDir + " ")) pid = proc;
    }
    QVERIFY2(!pid.isEmpty(), "the engine process of the third run");
    QElapsedTimer silent;
    silent.start();
    ::kill(pid.toInt(), SIGSTOP);

    QVERIFY(follow->waitForFinished(300000));
    const QString out = QString::fromUtf8(follow->readAllStandardOutput());
    qInfo().noquote() << out;
    qInfo() << "the stopped engine was marked lost" << silent.elapsed() / 1000.0 << "s after SIGSTOP (heartbeat timeout 10 s)";
    QCOMPARE(follow->exitCode(), 1);  // a lost run
    runs = runsOf(db, "control");
    std::sort(runs.begin(), runs.end(), [](const RunRecord& a, const RunRecord& b) { return a.seed < b.seed; });
    QCOMPARE(runs[0].status, RunState::Cancelled);
    QCOMPARE(runs[0].errorKind, QStringLiteral("cancelled"));
    // the follower saw only Slurm's CANCELLED; the canceller's words stay, whichever wrote first
    QVERIFY2(runs[0].errorMessage.contains("cancelled by the user (scancel " + runs[0].jobId + ")"),
             qPrintable(runs[0].errorMessage));
    QCOMPARE(runs[1].status, RunState::Cancelled);
    QVERIFY2(runs[1].errorMessage.contains("cancelled outside the app"), qPrintable(runs[1].errorMessage));
    QCOMPARE(runs[2].status, RunState::Lost);
    QVERIFY2(runs[2].errorMessage.contains("no event in the run's events.jsonl for 10 s while Slurm says job " +
                                           runs[2].jobId + " runs"),
             qPrintable(runs[2].errorMessage));
    // the lost run's job was cancelled, not left holding the allocation
    QVERIFY(waitFor([&] {
      QProcess s;
      s.start("squeue", {"-h", "-j", runs[2].jobId});
      s.waitForFinished();
      return s.readAllStandardOutput().trimmed().isEmpty();
    }, 60000));
    // cancelled runs checkpointed on SIGTERM: a new `study run` resumes them
    QVERIFY(QFile::exists(runs[0].runDir + "/checkpoint/state.safetensors"));
  }

  // A time limit: the engine checkpoints on the warning signal, the task requeues itself and
  // resumes, and the run ends with the metrics of an uninterrupted run (the same study run on
  // this machine at the same time). The run must outlast the warning (60 s before the 2-minute
  // limit, or up to a minute earlier): 6,000 epochs of 8 steps, about 100 s on this 2-core machine
  // beside its local twin (3,000 took ~50 s once AdamW ran in one pass, and finished first).
  void timeLimitRequeuesAndResumesToTheSameMetrics() {
    const QString db = tmp_.filePath("limit/adamix.db");
    const QString file = writeStudy("limit", 6000, {1},
                                    {{"kind", "slurm"}, {"time", "2"}, {"signal_seconds", 60}, {"poll_seconds", 2}}, {4});
    const QString localDb = tmp_.filePath("limit-local/adamix.db");
    const QString localFile = writeStudy("limit", 6000, {1}, {{"kind", "local"}}, {4});
    QProcess* local = startCli({"study", "run", localFile, "--db", localDb});
    const Result r = cli({"study", "run", file, "--db", db});
    qInfo().noquote() << r.out;
    QVERIFY2(r.rc == 0, qPrintable(r.out + r.err));
    QVERIFY(local->waitForFinished(600000));
    QCOMPARE(local->exitCode(), 0);

    const auto runs = runsOf(db, "limit");
    QCOMPARE(runs.size(), size_t(1));
    const RunRecord& run = runs[0];
    QCOMPARE(run.status, RunState::Finished);
    const QString log = readText(run.runDir + "/stderr.log");
    QVERIFY2(log.contains("requeue: stopped on the time-limit/preemption warning"),
             "the run finished before Slurm's warning: make it longer");
    QVERIFY(log.contains("(job id") && log.contains("restart 1)"));
    const QString events = readText(run.runDir + "/events.jsonl");
    QVERIFY(events.contains("\"kind\":\"preempted\""));
    QVERIFY(events.contains("\"resumed_from_step\":"));
    Store store;
    store.open(db);
    QStringList sequence;
    for (const JobStateRecord& s : store.jobStates(run.id))
      if (sequence.isEmpty() || sequence.last() != s.state) sequence << s.state;
    qInfo() << "job states:" << sequence.join(" → ");
    QVERIFY2(sequence.join(' ').contains(QRegularExpression("RUNNING .*PENDING .*RUNNING")), qPrintable(sequence.join(' ')));

    Store localStore;
    localStore.open(localDb);
    const auto twin = localStore.findRunByHash(run.runKey);
    QVERIFY(twin);
    const auto a = store.results(run.id), b = localStore.results(twin->id);
    QCOMPARE(a.size(), b.size());
    for (size_t i = 0; i < a.size(); ++i) QCOMPARE(a[i].value, b[i].value);
    // the store holds each point of the resumed run once: the log's points, superseded ones dropped
    const auto points = store.metricPoints(run.id);
    const auto expected = metricsOfLog(run.runDir + "/events.jsonl");
    QCOMPARE(points.size(), expected.size());
    const auto localPoints = localStore.metricPoints(twin->id);
    QCOMPARE(points.size(), localPoints.size());
    for (size_t i = 0; i < points.size(); ++i) QCOMPARE(points[i].value, localPoints[i].value);
    qInfo().noquote() << QStringLiteral("requeued and resumed run (Slurm job %1): %2 results and %3 metric points "
                                        "bit-equal to the uninterrupted local run")
                             .arg(run.jobId)
                             .arg(a.size())
                             .arg(points.size());
  }

  // The CLI that submitted a study is killed mid-study; `study status` and `study follow` pick
  // the jobs up again from the stored job ids and every metric ends in the store exactly once.
  void reattachAfterTheAppWasClosed() {
    const QString db = tmp_.filePath("reattach/adamix.db");
    const QString file = writeStudy("reattach", 150, {1, 2}, {{"kind", "slurm"}, {"jobs", 1}, {"poll_seconds", 1}}, {2});
    QProcess* first = startCli({"study", "run", file, "--db", db});
    QVERIFY(waitFor([&] {
      if (!QFile::exists(db)) return false;
      Store s;
      s.open(db);
      for (const RunRecord& r : runsOf(db, "reattach"))
        if (r.status == RunState::Running && !s.metricPoints(r.id).empty()) return true;
      return false;
    }, 120000));
    ::kill(pid_t(first->processId()), SIGKILL);
    first->waitForFinished();

    const Result st = cli({"study", "status", "--db", db, "--study", "reattach"});
    qInfo().noquote() << st.out;
    QVERIFY2(st.rc == 0, qPrintable(st.out + st.err));
    QVERIFY(st.out.contains("slurm job") && st.out.contains("slurm state"));
    QVERIFY(st.out.contains(QRegularExpression(R"(\d+_\d)")));

    const Result f = cli({"study", "follow", "reattach", "--db", db});
    qInfo().noquote() << f.out;
    QVERIFY2(f.rc == 0, qPrintable(f.out + f.err));
    QVERIFY(f.out.contains("following 2 run(s) of study reattach on Slurm") ||
            f.out.contains("following 1 run(s) of study reattach on Slurm"));
    Store store;
    store.open(db);
    for (const RunRecord& run : runsOf(db, "reattach")) {
      QCOMPARE(run.status, RunState::Finished);
      const auto points = store.metricPoints(run.id);
      const auto expected = metricsOfLog(run.runDir + "/events.jsonl");
      QCOMPARE(points.size(), expected.size());
      for (const MetricPoint& p : points)
        QCOMPARE(p.value, expected.at({p.split.toStdString(), p.name.toStdString(), p.step}));
      QVERIFY(!store.results(run.id).empty());
    }
  }
};

QTEST_GUILESS_MAIN(TestSlurmCluster)
#include "test_slurm_cluster.moc"
