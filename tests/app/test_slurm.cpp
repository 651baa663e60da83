// The Slurm executor's pure parts: what squeue / scontrol / sacct print (lines copied from Slurm
// 22.05 on the CI machine, see docs/cluster.md), how ended jobs map to run states, the study
// file's executor section, the batch script run by bash with stand-in engine and scontrol, and
// the event-log tail.
// SPDX-License-Identifier: GPL-3.0-or-later
#include "exec/event_log_tail.h"
#include "exec/executor_spec.h"
#include "exec/follow_spec.h"
#include "exec/slurm/slurm_executor.h"
#include "exec/slurm/slurm_job_state.h"
#include "exec/slurm/slurm_script.h"
#include "exec/study_launch.h"
#include "exec/study_runner.h"
#include "store/store.h"
#include "study/study.h"

#include <QDir>
#include <QFile>
#include <QProcess>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

#include <csignal>

using namespace adamix::app;
using json = nlohmann::json;

namespace {

void writeFile(const QString& path, const QByteArray& text, bool executable = false) {
  QFile f(path);
  QVERIFY2(f.open(QIODevice::WriteOnly | QIODevice::Truncate), qPrintable(path));
  f.write(text);
  f.close();
  if (executable) f.setPermissions(f.permissions() | QFileDevice::ExeOwner | QFileDevice::ExeUser);
}

QByteArray readFile(const QString& path) {
  QFile f(path);
  return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

QString eventLine(const char* name, int step) {
  return QStringLiteral(R"({"event":"%1","schema":"1.0","run":"r","time":1.0,"step":%2})").arg(name).arg(step);
}

QString metricLine(int step, double value) {
  return QStringLiteral(R"({"event":"metric","schema":"1.0","run":"r","time":1.0,"step":%1,"epoch":0.5,"split":"train","name":"loss","value":%2})")
      .arg(step)
      .arg(value);
}

/// Stand-in Slurm commands in <dir>/bin: sbatch keeps the script as <dir>/submitted.sbatch and
/// answers job 55; squeue and scontrol print what the test wrote with squeue() / scontrol()
/// (scontrol: "Invalid job id" while that is empty); sacct has no accounting; scancel records its
/// arguments in <dir>/scancel.args.
struct FakeSlurm {
  explicit FakeSlurm(const QString& dir) : dir(dir), bin(dir + "/bin") {
    QDir().mkpath(bin);
    const QByteArray d = dir.toUtf8();
    stand("sbatch", "cp \"$2\" " + d + "/submitted.sbatch; echo 55\n");
    stand("squeue", "echo \"$@\" >> " + d + "/squeue.args; cat " + d + "/squeue.txt\n");
    stand("scontrol", "if [ -s " + d + "/scontrol.txt ]; then cat " + d +
                          "/scontrol.txt; else echo 'slurm_load_jobs error: Invalid job id specified' >&2; exit 1; fi\n");
    stand("sacct", "echo 'Slurm accounting storage is disabled' >&2; exit 1\n");
    stand("scancel", "echo \"$@\" >> " + d + "/scancel.args\n");
    squeue("");
    scontrol("");
  }
  void stand(const char* name, const QByteArray& body) { writeFile(bin + "/" + name, "#!/bin/bash\n" + body, true); }
  void squeue(const QByteArray& text) { writeFile(dir + "/squeue.txt", text); }
  void scontrol(const QByteArray& text) { writeFile(dir + "/scontrol.txt", text); }
  QString dir, bin;
};

/// What an engine's event log can say about a run when its Slurm job ends: the cases both tables
/// of the job-end decisions (slurmEndedRun, slurmForgottenRun) are built from.
struct EngineOutcomes {
  EngineOutcome finished, dataError, interrupted, preempted, silent;
  EngineOutcomes() {
    finished.finished = true;
    dataError.error = RunError{"data", "bad row", "train.tsv:17", -1};
    interrupted.error = RunError{"interrupted", "interrupted at step 7; continue with --resume", "", -1};
    preempted.error = RunError{"preempted", "preempted at step 7", "", -1};
  }
};

/// Runs one poll of `ex` and waits for its end.
void pollOnce(SlurmExecutor& ex) {
  QSignalSpy polled(&ex, &SlurmExecutor::pollFinished);
  ex.pollNow();
  QVERIFY(QTest::qWaitFor([&] { return polled.count() > 0; }, 10000));
}

}  // namespace

class TestSlurm : public QObject {
  Q_OBJECT
 private slots:
  void squeueListsEachArrayTask() {
    // squeue -h -r -o '%i|%T|%r|%N' -j 9 while two tasks run and two wait for the array's limit
    const auto jobs = parseSqueue(QStringLiteral("9_2|PENDING|JobArrayTaskLimit|\n"
                                                 "9_3|PENDING|JobArrayTaskLimit|\n"
                                                 "9_1|RUNNING|None|vm\n"
                                                 "9_0|RUNNING|None|vm\n"
                                                 "garbage line\n"));
    QCOMPARE(jobs.size(), 4);
    QCOMPARE(jobs["9_2"].state, QStringLiteral("PENDING"));
    QCOMPARE(jobs["9_2"].reason, QStringLiteral("JobArrayTaskLimit"));
    QCOMPARE(jobs["9_2"].node, QString());
    QCOMPARE(jobs["9_0"].state, QStringLiteral("RUNNING"));
    QCOMPARE(jobs["9_0"].reason, QString());  // "None"
    QCOMPARE(jobs["9_0"].node, QStringLiteral("vm"));
    QVERIFY(isSlurmJobWaiting(jobs["9_2"].state));
    QVERIFY(!isSlurmJobWaiting(jobs["9_0"].state) && !isSlurmJobEnded(jobs["9_0"].state));
  }

  void scontrolRecordsStandForEachTask() {
    // scontrol show job -o (cut to the keys that matter; the real lines carry ~60 more)
    const QString text = QStringLiteral(
        "JobId=18 ArrayJobId=17 ArrayTaskId=0 JobName=b.sh JobState=COMPLETED Reason=None Restarts=0 ExitCode=0:0 "
        "NodeList=vm BatchHost=vm Power=\n"
        "JobId=19 ArrayJobId=17 ArrayTaskId=1 JobState=FAILED Reason=NonZeroExitCode Restarts=2 ExitCode=3:0 "
        "NodeList=vm BatchHost=vm\n"
        "JobId=21 JobName=to.sh JobState=TIMEOUT Reason=TimeLimit ExitCode=0:9 RunTime=00:01:06 NodeList=vm\n"
        "JobId=26 ArrayJobId=26 ArrayTaskId=1-3%2 JobState=CANCELLED Reason=Resources ExitCode=0:0 NodeList=(null)\n");
    const auto jobs = parseScontrolJobs(text);
    QCOMPARE(jobs.size(), 6);
    QCOMPARE(jobs["17_0"].state, QStringLiteral("COMPLETED"));
    QCOMPARE(jobs["17_0"].exitCode, 0);
    QCOMPARE(jobs["17_1"].state, QStringLiteral("FAILED"));
    QCOMPARE(jobs["17_1"].reason, QStringLiteral("NonZeroExitCode"));
    QCOMPARE(jobs["17_1"].exitCode, 3);
    QCOMPARE(jobs["17_1"].restarts, 2);
    QCOMPARE(jobs["21"].state, QStringLiteral("TIMEOUT"));
    QCOMPARE(jobs["21"].exitSignal, 9);
    for (const char* id : {"26_1", "26_2", "26_3"}) {
      QCOMPARE(jobs[id].state, QStringLiteral("CANCELLED"));
      QCOMPARE(jobs[id].node, QString());
    }
  }

  void arrayTaskIndicesReadSlurmsLists() {
    QCOMPARE(arrayTaskIndices("3"), QList<int>({3}));
    QCOMPARE(arrayTaskIndices("1-3%2"), QList<int>({1, 2, 3}));
    QCOMPARE(arrayTaskIndices("0,4-8:2"), QList<int>({0, 4, 6, 8}));
    QCOMPARE(arrayTaskIndices(""), QList<int>());
    QCOMPARE(arrayTaskIndices("3-1"), QList<int>());
    QCOMPARE(arrayTaskIndices("x"), QList<int>());
    QCOMPARE(arrayTaskIndices("0-999999999"), QList<int>());  // bounded before anything is allocated
  }

  void sacctLinesAreJobsNotSteps() {
    const auto jobs = parseSacct(QStringLiteral("102_0|CANCELLED by 0|0:15|node1\n102_0.batch|CANCELLED|0:15|node1\n"
                                                "102_1|OUT_OF_MEMORY|0:125|node2\n102_2|PENDING|0:0|None assigned\n"));
    QCOMPARE(jobs.size(), 3);
    QCOMPARE(jobs["102_0"].state, QStringLiteral("CANCELLED"));
    QCOMPARE(jobs["102_0"].exitSignal, 15);
    QCOMPARE(jobs["102_1"].state, QStringLiteral("OUT_OF_MEMORY"));
    QCOMPARE(jobs["102_1"].node, QStringLiteral("node2"));
    QCOMPARE(jobs["102_2"].node, QString());
  }

  void endedJobsMapToRunStates() {
    auto job = [](const char* state, int exitCode = 0, int signal = 0) {
      SlurmJob j;
      j.jobId = QStringLiteral("40_2");
      j.state = QString::fromLatin1(state);
      j.exitCode = exitCode;
      j.exitSignal = signal;
      j.node = QStringLiteral("gpu07");
      return j;
    };
    const EngineOutcomes outcomes;
    const auto& [finished, dataError, interrupted, preempted, silent] = outcomes;

    struct Case {
      SlurmJob job;
      EngineOutcome engine;
      bool cancelRequested;
      RunState state;
      QString kind;
      QString messageContains;
    };
    QList<Case> cases{
        {job("COMPLETED"), finished, false, RunState::Finished, "", ""},
        {job("COMPLETED"), silent, false, RunState::Failed, "incomplete", "no finished event"},
        {job("CANCELLED", 0, 15), interrupted, true, RunState::Cancelled, "cancelled", "cancelled by the user (scancel 40_2)"},
        {job("CANCELLED"), silent, false, RunState::Cancelled, "cancelled", "cancelled outside the app"},
        {job("TIMEOUT", 0, 9), interrupted, false, RunState::Failed, "timeout", "hit its time limit (--time 00:30:00)"},
        {job("OUT_OF_MEMORY", 0, 125), silent, false, RunState::Failed, "out-of-memory", "ran out of memory"},
        {job("NODE_FAIL"), silent, false, RunState::Failed, "node-fail", "(gpu07) failed"},
        {job("FAILED", 4), dataError, false, RunState::Failed, "data", "bad row"},
        {job("FAILED", 137), silent, false, RunState::Lost, "crashed", "killed by signal 9"},
        {job("FAILED", 0, 9), silent, false, RunState::Lost, "crashed", "killed by signal 9"},
        {job("FAILED", 1), silent, false, RunState::Failed, "internal", "exit code 1 on gpu07 before the engine"},
        // the engine's io code without its error event (e.g. an unwritable run directory)
        {job("FAILED", 7), silent, false, RunState::Failed, "io", "exit code 7 on gpu07 before the engine"},
        {job("FAILED", 65), silent, false, RunState::Failed, "setup", "a set-up line of the study's executor section"},
        {job("FAILED", 127), silent, false, RunState::Failed, "launch", "could not run the engine on gpu07 (exit 127"},
        {job("FAILED", 64), silent, false, RunState::Failed, "launch", "no run directory"},
        {job("FAILED", 8), interrupted, false, RunState::Interrupted, "interrupted", "continue with --resume"},
        {job("PREEMPTED"), silent, false, RunState::Interrupted, "preempted", "not requeued"},
    };
    // Bug pinned: a node that could not start the batch script (Reason=JobLaunchFailure, ExitCode=0:53)
    // read as a crash "killed by signal 53"; an earlier attempt's error in the log does not count either
    SlurmJob launchFailure = job("FAILED", 0, 53);
    launchFailure.reason = QStringLiteral("JobLaunchFailure");
    cases.append({launchFailure, silent, false, RunState::Failed, "launch", "Slurm could not launch job 40_2 on gpu07 (JobLaunchFailure"});
    cases.append({launchFailure, interrupted, false, RunState::Failed, "launch", "JobLaunchFailure"});
    for (const Case& c : cases) {
      const auto [state, error] = slurmEndedRun(c.job, c.engine, c.cancelRequested, QStringLiteral("00:30:00"));
      const QString what = c.job.state + " " + c.kind;
      QVERIFY2(state == c.state, qPrintable(what + ": got " + runStateName(state)));
      QCOMPARE(error.kind, c.kind);
      QVERIFY2(error.message.contains(c.messageContains), qPrintable(what + ": " + error.message));
    }
    QCOMPARE(slurmReasonText("JobArrayTaskLimit"), QStringLiteral("waiting: the study's limit of runs at once"));
    QCOMPARE(slurmReasonText("SomethingNew"), QStringLiteral("SomethingNew"));
  }

  void executorSectionRoundTripsAndNamesBadFields() {
    const json section = json::parse(R"({"kind": "slurm", "jobs": 8, "threads": 4, "partition": "gpu",
        "account": "nlp", "qos": "normal", "time": "04:00:00", "gres": "gpu:a100:1", "mem": "32G",
        "cpus_per_task": 4, "sbatch_args": ["--constraint=a100"], "setup": ["module load cuda/12.2"],
        "signal_seconds": 300, "poll_seconds": 10})");
    const ExecutorSpec spec = parseExecutorSpec(section);
    QVERIFY(spec.isSlurm());
    QCOMPARE(spec.jobs, 8);
    QCOMPARE(spec.slurm.arrayLimit, 8);
    QCOMPARE(spec.slurm.partition, QStringLiteral("gpu"));
    QCOMPARE(spec.slurm.setup, QStringList({"module load cuda/12.2"}));
    QCOMPARE(spec.slurm.signalSeconds, 300);
    QCOMPARE(spec.slurm.heartbeatTimeoutS, 120);  // default
    QCOMPARE(QString::fromStdString(executorSpecToJson(spec).dump()), QString::fromStdString(section.dump()));

    auto errorOf = [](const char* text) -> QString {
      try {
        parseExecutorSpec(json::parse(text));
      } catch (const StudyError& e) {
        return QString::fromStdString(e.path() + " " + e.message());
      }
      return QStringLiteral("no error");
    };
    QCOMPARE(errorOf(R"({"kind": "pbs"})"), QStringLiteral("/executor/kind expected \"local\" or \"slurm\", got \"pbs\""));
    QCOMPARE(errorOf(R"({"kind": "local", "partition": "gpu"})"),
             QStringLiteral("/executor/partition 'partition' applies to \"kind\": \"slurm\" only"));
    QCOMPARE(errorOf(R"({"kind": "slurm", "time": "4 hours"})"),
             QStringLiteral("/executor/time must not contain spaces or quotes"));
    QCOMPARE(errorOf(R"({"kind": "slurm", "jobs": 0})"), QStringLiteral("/executor/jobs must be between 1 and 1000000"));
    QCOMPARE(errorOf(R"({"kind": "slurm", "time": "-5"})"),
             QStringLiteral("/executor/time expected minutes, MM:SS, HH:MM:SS, D-HH, D-HH:MM or D-HH:MM:SS, got \"-5\""));
    QCOMPARE(errorOf(R"({"kind": "slurm", "mem": "lots"})"),
             QStringLiteral("/executor/mem expected a size such as 16G or 4000M, got \"lots\""));
    // Bug pinned: a job name with % passed and broke the --output pattern: whatever sbatch reads
    // in file name patterns and #SBATCH lines, or that would make folders, is refused by name
    for (const char* bad : {"a%x", "a/b", "a\\\\b", "a#b"})
      QCOMPARE(errorOf(qPrintable(QStringLiteral(R"({"kind": "slurm", "job_name": "%1"})").arg(bad))),
               QStringLiteral("/executor/job_name must not contain %, /, \\ or # (sbatch reads them in file name "
                              "patterns and #SBATCH lines), got \"%1\"")
                   .arg(QString(bad).replace("\\\\", "\\")));
    QCOMPARE(parseExecutorSpec(json{{"kind", "slurm"}, {"job_name", "ablation-1.b_2"}}).slurm.jobName,
             QStringLiteral("ablation-1.b_2"));
    for (const char* ok : {"30", "04:00:00", "1-00:00:00", "2-12", "UNLIMITED"})
      QCOMPARE(parseExecutorSpec(json{{"kind", "slurm"}, {"time", ok}}).slurm.timeLimit, QString(ok));
    QCOMPARE(parseExecutorSpec(json::parse(R"({"kind": "slurm", "gpus": 2})")).slurm.gpus, QStringLiteral("2"));
    QCOMPARE(errorOf(R"({"kind": "slurm", "setup": ["a\nb"]})"), QStringLiteral("/executor/setup/0 one line per entry"));
    QCOMPARE(errorOf(R"({"kind": "slurm", "sbatch_args": ["constraint=a100"]})"),
             QStringLiteral("/executor/sbatch_args each entry is one sbatch option starting with '-', got \"constraint=a100\""));
    QCOMPARE(errorOf(R"({"kind": "slurm", "partitoin": "gpu"})"), QStringLiteral("/executor/partitoin unknown key 'partitoin'"));
    // an editor reads what it can: a bad string kept to be shown, wrong types and ranges skipped
    const ExecutorSpec lenient = readExecutorSpecLeniently(json::parse(
        R"({"kind": "slurm", "time": "4 h", "jobs": 0, "partitoin": "x", "gpus": true, "partition": "gpu"})"));
    QVERIFY(lenient.isSlurm());
    QCOMPARE(lenient.slurm.timeLimit, QStringLiteral("4 h"));
    QCOMPARE(lenient.jobs, 0);
    QCOMPARE(lenient.slurm.gpus, QString());
    QCOMPARE(lenient.slurm.partition, QStringLiteral("gpu"));
    // the study file carries it; it is not part of any run's config
    const Study study = parseStudy(json::parse(R"({"name": "s", "base": {"model": {"path": "/m"}},
        "tasks": [{"name": "rte", "data_dir": "/d"}],
        "executor": {"kind": "slurm", "partition": "gpu"}})"));
    QVERIFY(study.executor.isSlurm());
    QCOMPARE(study.executor.slurm.partition, QStringLiteral("gpu"));
    QVERIFY(!expandStudy(study).front().config.contains("executor"));
  }

  void batchScriptHasEveryOption() {
    SlurmScriptInput in;
    in.options.partition = "gpu";
    in.options.account = "nlp";
    in.options.qos = "high";
    in.options.timeLimit = "02:00:00";
    in.options.gpus = "1";
    in.options.mem = "16G";
    in.options.arrayLimit = 2;
    in.options.sbatchArgs = {"--constraint=a100"};
    in.options.setup = {"module load cuda/12.2"};
    in.options.signalSeconds = 90;
    in.jobName = "adamix-study";
    in.enginePath = "/opt/it's here/adamix-engine";
    in.threads = 4;
    in.runsFile = "/w/slurm/s-1/runs.txt";
    in.runCount = 4;
    in.logPattern = "/w/slurm/s-1/slurm-%A_%a.out";
    const QString script = slurmBatchScript(in);
    const QStringList sbatch = script.split('\n').filter(QRegularExpression("^#SBATCH "));
    QCOMPARE(sbatch, QStringList({"#SBATCH --job-name=adamix-study", "#SBATCH --array=0-3%2",
                                  "#SBATCH --output=/w/slurm/s-1/slurm-%A_%a.out", "#SBATCH --open-mode=append",
                                  "#SBATCH --ntasks=1", "#SBATCH --cpus-per-task=4", "#SBATCH --partition=gpu",
                                  "#SBATCH --account=nlp", "#SBATCH --qos=high", "#SBATCH --time=02:00:00",
                                  "#SBATCH --gpus=1", "#SBATCH --mem=16G", "#SBATCH --requeue",
                                  "#SBATCH --signal=B:USR1@90", "#SBATCH --constraint=a100"}));
    QVERIFY(script.contains("\n{ module load cuda/12.2\n} || { log \"set-up line failed on $(hostname): \"'module load cuda/12.2'; exit 65; }\n"));
    QVERIFY(script.contains("ENGINE='/opt/it'\\''s here/adamix-engine'\n"));
    QVERIFY(script.startsWith("#!/bin/bash\n"));
  }

  // Bug pinned: a workspace path with a space made every submission fail (`#SBATCH --output=` was
  // written unquoted, and sbatch ends an argument at a space). Each directive argument reads back,
  // by sbatch's own rules, as the text it was made from; a % of the path stays literal.
  void batchDirectivesReadBackAsWritten() {
    // sbatch's reading of an #SBATCH argument (Slurm 22.05 src/sbatch/opt.c, _get_argument): a
    // backslash escapes the next character, ' and " quote, an unquoted space or # ends it
    auto sbatchReads = [](const QString& text) {
      QString arg;
      QChar quote;
      bool escaped = false;
      for (const QChar c : text) {
        if (escaped) {
          escaped = false;
        } else if (c == '\\') {
          escaped = true;
          continue;
        } else if (!quote.isNull()) {
          if (c == quote) {
            quote = QChar();
            continue;
          }
        } else if (c == '"' || c == '\'') {
          quote = c;
          continue;
        } else if (c.isSpace() || c == '#') {
          break;
        }
        arg += c;
      }
      return arg;
    };
    for (const QString& path : {QStringLiteral("/w/slurm/s-1/slurm-%A_%a.out"), QStringLiteral("/home/a b/ws/slurm-%A_%a.out"),
                                QStringLiteral("/x/it's \"here\"/#1\\2/slurm-%A_%a.out")}) {
      SlurmScriptInput in;
      in.jobName = "adamix-s";
      in.runCount = 1;
      in.logPattern = path;
      const QStringList output = slurmBatchScript(in).split('\n').filter(QRegularExpression("^#SBATCH --output="));
      QCOMPARE(output.size(), 1);
      QCOMPARE(sbatchReads(output[0].mid(int(qstrlen("#SBATCH --output=")))), path);
    }
    QCOMPARE(sbatchDirectiveQuote("/home/a b/x"), QStringLiteral("\"/home/a b/x\""));
    QCOMPARE(slurmPatternLiteral("/w/100%/slurm"), QStringLiteral("/w/100%%/slurm"));

    // the executor: its submission folder in a workspace with a space and a %
    QTemporaryDir tmp;
    FakeSlurm fake(tmp.path());
    ExecutorOptions eo;
    eo.enginePath = "/opt/adamix-engine";
    SlurmOptions so;
    so.pollSeconds = 3600;
    SlurmExecutor ex(eo, so, tmp.filePath("my work 100%/slurm"));
    ex.setSlurmBinDir(fake.bin);
    ex.setJobName("adamix-s");
    QDir().mkpath(tmp.filePath("runs/a"));
    QVERIFY(ex.enqueue({"a", tmp.filePath("runs/a"), {}, false, 0}));
    QVERIFY(QTest::qWaitFor([&] { return QFile::exists(tmp.filePath("submitted.sbatch")); }, 5000));
    const QStringList output =
        QString(readFile(tmp.filePath("submitted.sbatch"))).split('\n').filter(QRegularExpression("^#SBATCH --output="));
    QCOMPARE(output.size(), 1);
    const QString read = sbatchReads(output[0].mid(int(qstrlen("#SBATCH --output="))));
    QVERIFY2(read.startsWith(tmp.filePath("my work 100%%/slurm/adamix-s-")), qPrintable(read));
    QVERIFY2(read.endsWith("/slurm-%A_%a.out"), qPrintable(read));
  }

  // The script as Slurm runs it (bash, SLURM_* set), with a stand-in engine and scontrol: the
  // run's line of the list, --resume only with a checkpoint, USR1 passed on, requeue on exit 9.
  void batchScriptRunsResumesAndRequeues() {
    QTemporaryDir tmp;
    const QString bin = tmp.filePath("bin");
    QDir().mkpath(bin);
    const QString runA = tmp.filePath("runs/a"), runB = tmp.filePath("runs/b b");
    for (const QString& d : {runA, runB}) {
      QDir().mkpath(d);
      writeFile(d + "/run.json", "{}");
    }
    writeFile(tmp.filePath("runs.txt"), (runA + "\n" + runB + "\n").toUtf8());
    // engine: records its arguments; exits with $ENGINE_RC, or waits for USR1 and exits 9
    writeFile(bin + "/engine",
              "#!/bin/bash\n"
              "echo \"$@\" >> \"" + tmp.filePath("engine.args").toUtf8() + "\"\n"
              "echo 'engine stderr line' >&2\n"
              "if [ \"$ENGINE_RC\" = wait ]; then trap 'echo got-usr1 >> \"" + tmp.filePath("engine.args").toUtf8() +
                  "\"; exit 9' USR1; touch \"" + tmp.filePath("ready").toUtf8() + "\"; while :; do sleep 0.05; done; fi\n"
              "exit $ENGINE_RC\n",
              true);
    writeFile(bin + "/scontrol", "#!/bin/bash\necho \"$@\" >> \"" + tmp.filePath("scontrol.args").toUtf8() + "\"\n", true);
    SlurmScriptInput in;
    in.jobName = "t";
    in.enginePath = bin + "/engine";
    in.threads = 2;
    in.runsFile = tmp.filePath("runs.txt");
    in.runCount = 2;
    in.logPattern = tmp.filePath("slurm-%A_%a.out");
    writeFile(tmp.filePath("job.sbatch"), slurmBatchScript(in).toUtf8());

    auto runTask = [&](int task, const QString& engineRc, bool sendUsr1 = false) {
      QProcess p;
      QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
      env.insert("PATH", bin + ":" + env.value("PATH"));
      env.insert("SLURM_ARRAY_TASK_ID", QString::number(task));
      env.insert("SLURM_ARRAY_JOB_ID", "77");
      env.insert("SLURM_JOB_ID", "80");
      env.insert("ENGINE_RC", engineRc);
      p.setProcessEnvironment(env);
      p.start("bash", {tmp.filePath("job.sbatch")});
      if (sendUsr1) {
        for (int i = 0; i < 200 && !QFile::exists(tmp.filePath("ready")); ++i) QTest::qWait(25);
        ::kill(pid_t(p.processId()), SIGUSR1);  // Slurm signals the batch shell (B:USR1)
      }
      if (!p.waitForFinished(20000)) p.kill();
      return p.exitCode();
    };

    QCOMPARE(runTask(1, "0"), 0);
    QCOMPARE(QString(readFile(tmp.filePath("engine.args"))),
             "train --config " + runB + "/run.json --run-dir " + runB + " --threads 2\n");
    QVERIFY(!QFile::exists(tmp.filePath("scontrol.args")));
    const QString log = readFile(runB + "/stderr.log");
    QVERIFY2(log.contains("start: Slurm job 77_1 (job id 80, restart 0)"), qPrintable(log));
    QVERIFY(log.contains("engine stderr line\n"));
    QVERIFY(log.contains("engine exited with code 0"));

    // a checkpoint: --resume; the engine stops on the warning (exit 9): the task requeues itself
    QDir().mkpath(runA + "/checkpoint");
    writeFile(runA + "/checkpoint/state.safetensors", "x");
    QFile::remove(tmp.filePath("engine.args"));
    QCOMPARE(runTask(0, "wait", /*sendUsr1=*/true), 9);
    QCOMPARE(QString(readFile(tmp.filePath("engine.args"))),
             "train --config " + runA + "/run.json --run-dir " + runA + " --threads 2 --resume\ngot-usr1\n");
    QCOMPARE(QString(readFile(tmp.filePath("scontrol.args"))), QStringLiteral("requeue 77_0\n"));

    // any other failure is the job's failure, not a requeue
    QFile::remove(tmp.filePath("scontrol.args"));
    QCOMPARE(runTask(0, "4"), 4);
    QVERIFY(!QFile::exists(tmp.filePath("scontrol.args")));
    // a task without a run: its own exit code (outside the engine's)
    QCOMPARE(runTask(5, "0"), kScriptNoRunExitCode);
    // a set-up line that fails stops the task before the engine, and says which in stderr.log
    in.options.setup = {"export ADAMIX_SETUP_RAN=1", "false"};
    writeFile(tmp.filePath("job.sbatch"), slurmBatchScript(in).toUtf8());
    QFile::remove(tmp.filePath("engine.args"));
    QCOMPARE(runTask(1, "0"), kScriptSetupFailedExitCode);
    QVERIFY(!QFile::exists(tmp.filePath("engine.args")));
    QVERIFY2(readFile(runB + "/stderr.log").contains("set-up line failed on "), readFile(runB + "/stderr.log").constData());
    QVERIFY(readFile(runB + "/stderr.log").contains(": false\n"));
    // set-up lines that succeed keep their effect on the engine's environment
    in.options.setup = {"export ENGINE_RC=7"};
    writeFile(tmp.filePath("job.sbatch"), slurmBatchScript(in).toUtf8());
    QCOMPARE(runTask(1, "0"), 7);
  }

  // The executor's state machine with stand-in Slurm commands (what squeue / scontrol print is
  // written by the test): submission, waiting with a reason, running, a requeue back to waiting
  // and running again, completion read from scontrol with the log's `finished`, and a job that
  // every command has forgotten, decided from its log's error.
  void executorFollowsJobsThroughTheirStates() {
    QTemporaryDir tmp;
    FakeSlurm fake(tmp.path());
    const QString bin = fake.bin;
    auto squeue = [&](const QByteArray& text) { fake.squeue(text); };
    auto scontrol = [&](const QByteArray& text) { fake.scontrol(text); };

    ExecutorOptions eo;
    eo.enginePath = "/opt/adamix-engine";
    SlurmOptions so;
    so.arrayLimit = 1;
    so.pollSeconds = 3600;  // polls only when the test asks
    SlurmExecutor ex(eo, so, tmp.filePath("slurm"));
    ex.setSlurmBinDir(bin);
    ex.setJobName("adamix-t");
    QStringList log;
    connect(&ex, &Executor::runStarted, this, [&](const QString& k) { log << k + " started"; });
    connect(&ex, &Executor::runStateChanged, this, [&](const QString& k, RunState s, const RunError& e) {
      log << QStringLiteral("%1 %2%3").arg(k, runStateName(s), e.kind.isEmpty() ? QString() : " " + e.kind);
    });
    connect(&ex, &Executor::jobStatusChanged, this, [&](const QString& k, const JobStatus& st) {
      log << QStringLiteral("%1 job %2 %3 %4").arg(k, st.jobId, st.state, st.reason).trimmed();
    });
    QSignalSpy polled(&ex, &SlurmExecutor::pollFinished);
    auto poll = [&] {
      const int before = int(polled.count());
      ex.pollNow();
      QVERIFY(QTest::qWaitFor([&] { return polled.count() > before; }, 10000));
    };
    RunSpec a{"a", tmp.filePath("runs/a"), {}, false, 0}, b{"b", tmp.filePath("runs/b"), {}, false, 0};
    for (const RunSpec& r : {a, b}) {
      QDir().mkpath(r.runDir);
      writeFile(r.runDir + "/run.json", "{}");
      QVERIFY(ex.enqueue(r));
    }
    QVERIFY(QTest::qWaitFor([&] { return QFile::exists(tmp.filePath("submitted.sbatch")); }, 5000));
    QVERIFY(readFile(tmp.filePath("submitted.sbatch")).contains("#SBATCH --array=0-1%1\n"));
    QCOMPARE(ex.placement("b").jobId, QStringLiteral("55_1"));
    QCOMPARE(log, QStringList({"a queued", "b queued", "a job 55_0 PENDING", "b job 55_1 PENDING"}));
    log.clear();

    squeue("55_0|RUNNING|None|n1\n55_1|PENDING|JobArrayTaskLimit|\n");
    poll();
    QCOMPARE(log, QStringList({"a job 55_0 RUNNING", "a started", "a running", "b job 55_1 PENDING JobArrayTaskLimit"}));
    QCOMPARE(ex.placement("a").host, QStringLiteral("n1"));
    QCOMPARE(ex.runningCount(), 1);
    QCOMPARE(readFile(tmp.filePath("squeue.args")).trimmed(), QByteArray("-h -r -o %i|%T|%r|%N -j 55"));
    log.clear();

    squeue("55_0|PENDING|BeginTime|\n55_1|PENDING|JobArrayTaskLimit|\n");  // requeued
    poll();
    QCOMPARE(log, QStringList({"a job 55_0 PENDING BeginTime", "a queued requeued"}));
    log.clear();
    squeue("55_0|RUNNING|None|n2\n55_1|PENDING|JobArrayTaskLimit|\n");
    poll();
    QCOMPARE(log, QStringList({"a job 55_0 RUNNING", "a started", "a running"}));
    log.clear();

    // a ends: squeue forgets it, scontrol says COMPLETED, its log holds `finished` (as its last
    // line, even without the newline: the job has ended, the line is whole)
    writeFile(a.runDir + "/events.jsonl",
              (eventLine("started", 0) + "\n" +
               R"({"event":"finished","schema":"1.0","run":"r","time":2.0,"final":{},"best":{}})").toUtf8());
    squeue("55_1|PENDING|JobArrayTaskLimit|\n");
    scontrol("JobId=56 ArrayJobId=55 ArrayTaskId=0 JobState=COMPLETED Reason=None ExitCode=0:0 NodeList=n2 BatchHost=n2\n");
    poll();
    QCOMPARE(log, QStringList({"a job 55_0 COMPLETED", "a finished"}));
    log.clear();

    // b ran and ended while nobody looked, and Slurm has forgotten it: its log says how, at once
    writeFile(b.runDir + "/events.jsonl",
              (eventLine("started", 0) + "\n" +
               R"({"event":"error","schema":"1.0","run":"r","time":2.0,"kind":"data","message":"bad row","location":"train.tsv:17"})" +
               "\n").toUtf8());
    squeue("");
    scontrol("");
    QSignalSpy idle(&ex, &Executor::allFinished);
    poll();
    QCOMPARE(log, QStringList({"b failed data"}));
    QVERIFY(ex.isIdle());
    QCOMPARE(idle.count(), 1);
    QVERIFY(readFile(b.runDir + "/stderr.log").contains("end: failed (data: bad row)"));
    QVERIFY(!QFile::exists(tmp.filePath("scancel.args")));
  }

  // Bug pinned: `study cancel --run N` of a pending array task ended `lost`: Slurm forgets a
  // cancelled task that never started, and the executor waited three polls and found an empty
  // log. The whole kind, a job Slurm no longer knows: slurmForgottenRun, then the executor.
  void forgottenJobsAreDecidedByTheCancelAndTheLog() {
    const EngineOutcomes outcomes;
    const auto& [finished, dataError, interrupted, preempted, silent] = outcomes;
    struct Case {
      EngineOutcome engine;
      bool cancelRequested;
      int missingPolls;
      std::optional<RunState> state;
      QString kind;
    };
    const QList<Case> cases{
        {finished, false, 1, RunState::Finished, ""},
        {finished, true, 1, RunState::Finished, ""},
        {dataError, false, 1, RunState::Failed, "data"},
        {silent, true, 1, RunState::Cancelled, "cancelled"},
        {interrupted, true, 1, RunState::Cancelled, "cancelled"},  // SIGTERM of the cancel: still the cancel
        {silent, false, 1, std::nullopt, ""},
        {interrupted, false, 2, std::nullopt, ""},
        {silent, false, 3, RunState::Lost, "lost"},
        {interrupted, false, 3, RunState::Interrupted, "interrupted"},
        {preempted, false, 3, RunState::Interrupted, "preempted"},
    };
    for (const Case& c : cases) {
      const auto got = slurmForgottenRun(QStringLiteral("40_2"), c.engine, c.cancelRequested, c.missingPolls);
      const QString what = QStringLiteral("%1 cancel=%2 polls=%3")
                               .arg(c.engine.finished ? "finished" : c.engine.error ? c.engine.error->kind : "silent")
                               .arg(c.cancelRequested)
                               .arg(c.missingPolls);
      QVERIFY2(got.has_value() == c.state.has_value(), qPrintable(what));
      if (!got) continue;
      QVERIFY2(got->first == *c.state, qPrintable(what + ": got " + runStateName(got->first)));
      QCOMPARE(got->second.kind, c.kind);
    }
    QCOMPARE(slurmForgottenRun("40_2", silent, true, 1)->second.message, QStringLiteral("cancelled by the user (scancel 40_2)"));
    QCOMPARE(slurmForgottenRun("40_2", silent, false, 3)->second.message,
             QStringLiteral("Slurm no longer knows job 40_2 and the run's events.jsonl does not say how it ended"));

    // in the executor: a pending task cancelled, which every Slurm command has forgotten at once,
    // and a silent one forgotten while nobody looked (three polls, then lost)
    QTemporaryDir tmp;
    FakeSlurm fake(tmp.path());
    ExecutorOptions eo;
    eo.enginePath = "/opt/adamix-engine";
    SlurmOptions so;
    so.pollSeconds = 3600;  // polls only when the test asks (and once after the cancel)
    SlurmExecutor ex(eo, so, tmp.filePath("slurm"));
    ex.setSlurmBinDir(fake.bin);
    QStringList ended;
    connect(&ex, &Executor::runStateChanged, this, [&](const QString& k, RunState s, const RunError& e) {
      if (isTerminal(s)) ended << QStringLiteral("%1 %2 %3").arg(k, runStateName(s), e.kind);
    });
    for (const char* key : {"a", "b"}) {
      const RunSpec r{key, tmp.filePath(QStringLiteral("runs/") + key), {}, false, 0};
      QDir().mkpath(r.runDir);
      QVERIFY(ex.enqueue(r));
    }
    QVERIFY(QTest::qWaitFor([&] { return QFile::exists(tmp.filePath("submitted.sbatch")); }, 5000));
    fake.squeue("55_0|PENDING|Priority|\n55_1|PENDING|Priority|\n");
    pollOnce(ex);
    QVERIFY(ended.isEmpty());
    fake.squeue("55_1|PENDING|Priority|\n");  // what squeue says once the cancel is done
    ex.cancel("a");
    QVERIFY(QTest::qWaitFor([&] { return !ended.isEmpty(); }, 10000));
    QCOMPARE(ended, QStringList({"a cancelled cancelled"}));
    QCOMPARE(readFile(tmp.filePath("scancel.args")), QByteArray("55_0\n"));
    QVERIFY(readFile(tmp.filePath("runs/a/stderr.log")).contains("end: cancelled (cancelled: cancelled by the user (scancel 55_0))"));
    ended.clear();
    fake.squeue("");
    pollOnce(ex);
    pollOnce(ex);
    QVERIFY(ended.isEmpty());
    pollOnce(ex);
    QCOMPARE(ended, QStringList({"b lost lost"}));
    QVERIFY(ex.isIdle());
  }

  // Bug pinned: two commands following one Slurm study (`study run` in one terminal, `study
  // follow` or the GUI in another) each stored every point of the run's events.jsonl. A run keeps
  // one point per (split, name, step) whatever the number of followers.
  void followersOfOneRunStoreEachPointOnce() {
    QTemporaryDir tmp;
    FakeSlurm fake(tmp.path());
    Store store;
    store.open(tmp.filePath("w.sqlite"));
    const QString runDir = tmp.filePath("runs/a");
    QDir().mkpath(runDir);
    NewRun nr;
    nr.runKey = "ka";
    nr.task = "rte";
    nr.config = json{{"run_id", "a"}};
    nr.runDir = runDir;
    const qint64 id = store.addRun(nr);
    RunUpdate u;
    u.executor = QStringLiteral("slurm");
    u.jobId = QStringLiteral("55_0");
    store.setRunStatus(id, RunState::Running, u);
    const QString log = runDir + "/events.jsonl";
    writeFile(log, (metricLine(1, 0.9) + "\n" + metricLine(2, 0.8) + "\n").toUtf8());
    fake.squeue("55_0|RUNNING|None|n1\n");

    ExecutorOptions eo;
    eo.enginePath = "/opt/adamix-engine";
    SlurmOptions so;
    so.pollSeconds = 3600;
    std::vector<std::unique_ptr<StudyRunner>> followers;
    for (int i = 0; i < 2; ++i) {
      auto ex = std::make_unique<SlurmExecutor>(eo, so, tmp.filePath("slurm"));
      ex->setSlurmBinDir(fake.bin);
      auto runner = std::make_unique<StudyRunner>(store, std::move(ex));
      runner->metricBatchSize = 1;  // stored as soon as read
      QCOMPARE(runner->reattach({*store.run(id)}), 1);
      pollOnce(static_cast<SlurmExecutor&>(runner->executor()));
      followers.push_back(std::move(runner));
    }
    auto steps = [&] {
      QList<qint64> out;
      for (const MetricPoint& p : store.metricPoints(id)) out << p.step;
      return out;
    };
    QCOMPARE(steps(), QList<qint64>({1, 2}));
    QFile f(log);
    QVERIFY(f.open(QIODevice::Append));
    f.write((metricLine(3, 0.7) + "\n" + metricLine(4, 0.6) + "\n").toUtf8());
    f.close();
    for (auto& runner : followers) pollOnce(static_cast<SlurmExecutor&>(runner->executor()));
    QCOMPARE(steps(), QList<qint64>({1, 2, 3, 4}));
    QCOMPARE(store.metricSeries(id, "train", "loss").back().value, 0.6);
  }

  // Bug pinned: `study follow`, `study cancel`, `study status`, a later `study run` and the GUI
  // rebuilt the executor of runs in flight on Slurm from the study document, which holds none of
  // the command line's overrides (--heartbeat-timeout, --poll, --partition, --jobs, …) and which a
  // later launch of the study rewrites: a run submitted with a one-hour heartbeat timeout was
  // followed with 120 s (and judged lost). Each run keeps the settings it was submitted with and
  // is followed with them; runs stored without them fall back to the study document's section.
  void runsAreFollowedWithTheSettingsTheyWereSubmittedWith() {
    QTemporaryDir tmp;
    FakeSlurm fake(tmp.path());
    Store store;
    store.open(tmp.filePath("w.sqlite"));
    const json doc = {{"name", "s"}, {"executor", {{"kind", "slurm"}, {"poll_seconds", 7}, {"heartbeat_timeout_s", 60}}}};
    const qint64 studyId = store.upsertStudy("s", tmp.filePath("s.json"), doc);
    auto addRun = [&](const char* key) {
      NewRun nr;
      nr.studyId = studyId;
      nr.runKey = key;
      nr.task = "rte";
      nr.config = json{{"run_id", key}};
      nr.runDir = tmp.filePath(QStringLiteral("runs/") + key);
      return store.addRun(nr);
    };
    const qint64 submitted = addRun("ka");
    const qint64 older = addRun("kb");

    // submitted with the study's section and the options of `adamix study run --poll 2
    // --heartbeat-timeout 3600 --partition gpu --jobs 2 --threads 3`
    ExecutorSpec launch = parseExecutorSpec(doc["executor"]);
    launch.slurm.pollSeconds = 2;
    launch.slurm.heartbeatTimeoutS = 3600;
    launch.slurm.partition = "gpu";
    launch.jobs = 2;
    launch.threads = 3;
    ExecutorOptions eo;
    eo.enginePath = "/opt/adamix-engine";
    {
      auto ex = createExecutor(launch, eo, tmp.filePath("slurm"), "s");
      static_cast<SlurmExecutor&>(*ex).setSlurmBinDir(fake.bin);
      StudyRunner runner(store, std::move(ex));
      QVERIFY(runner.startRun(planRerun(*store.run(submitted), tmp.filePath("runs"))));
      QTRY_COMPARE_WITH_TIMEOUT(store.run(submitted)->jobId, QStringLiteral("55_0"), 5000);
    }  // the session ends; the job goes on
    const json stored = store.run(submitted)->launchExecutor;
    QCOMPARE(stored.value("kind", ""), std::string("slurm"));
    QCOMPARE(stored.value("heartbeat_timeout_s", 0), 3600);
    QCOMPARE(stored.value("poll_seconds", 0), 2);
    QCOMPARE(stored.value("partition", ""), std::string("gpu"));
    QCOMPARE(stored.value("jobs", 0), 2);
    QCOMPARE(stored.value("threads", 0), 3);
    // a run submitted before the settings were stored: a job id, nothing else
    RunUpdate u;
    u.executor = QStringLiteral("slurm");
    u.jobId = QStringLiteral("54_0");
    store.setRunStatus(older, RunState::Running, u);
    QVERIFY(store.run(older)->launchExecutor.is_null());
    QVERIFY(!launchSpecOf(*store.run(older)));

    // The followers: one per (study, settings). `slurm(id)`: the options of the executor that
    // follows run `id`, as `study follow` / `status` / `run` and the GUI build it.
    std::vector<std::unique_ptr<Executor>> followers;
    auto slurm = [&](qint64 id) -> const SlurmExecutor* {
      for (const FollowGroup& g : groupRunsToFollow(store, runsInFlightOnScheduler(store, studyId)))
        for (const RunRecord& r : g.runs)
          if (r.id == id) {
            followers.push_back(createExecutor(g.spec, ExecutorOptions{}, tmp.filePath("slurm"), g.study.name));
            return qobject_cast<SlurmExecutor*>(followers.back().get());
          }
      return nullptr;
    };
    QCOMPARE(groupRunsToFollow(store, runsInFlightOnScheduler(store)).size(), size_t(2));
    const SlurmExecutor* f = slurm(submitted);
    QVERIFY(f);
    QCOMPARE(f->slurmOptions().heartbeatTimeoutS, 3600);
    QCOMPARE(f->options().heartbeatTimeoutMs, 3600 * 1000);  // the same, not the local default
    QCOMPARE(f->slurmOptions().pollSeconds, 2);
    QCOMPARE(f->slurmOptions().partition, QStringLiteral("gpu"));
    QCOMPARE(f->slurmOptions().arrayLimit, 2);
    QCOMPARE(f->options().threadsPerRun, 3);
    QVERIFY(executorSpecToJson(*f->launchSpec()) == stored);  // what it would store again
    // the older run: the study document's section (poll 7, heartbeat 60)
    f = slurm(older);
    QVERIFY(f);
    QCOMPARE(f->slurmOptions().heartbeatTimeoutS, 60);
    QCOMPARE(f->slurmOptions().pollSeconds, 7);
    QCOMPARE(f->slurmOptions().partition, QString());

    // a later launch of the study on this machine rewrites its document: the submitted run keeps
    // its settings; the older one has only Slurm's defaults left (as before settings were stored)
    store.upsertStudy("s", tmp.filePath("s.json"), json{{"name", "s"}, {"executor", {{"kind", "local"}}}});
    f = slurm(submitted);
    QVERIFY(f);
    QCOMPARE(f->slurmOptions().heartbeatTimeoutS, 3600);
    QCOMPARE(f->slurmOptions().pollSeconds, 2);
    f = slurm(older);
    QVERIFY(f);
    QCOMPARE(f->slurmOptions().heartbeatTimeoutS, SlurmOptions().heartbeatTimeoutS);
    QCOMPARE(f->slurmOptions().pollSeconds, SlurmOptions().pollSeconds);

    // queued again on this machine, the run forgets them (a local run is not followed by anyone)
    ExecutorOptions local;
    local.enginePath = "/bin/false";
    StudyRunner here(store, local);
    QVERIFY(here.startRun(planRerun(*store.run(submitted), tmp.filePath("runs"))));
    QCOMPARE(store.run(submitted)->executor, QStringLiteral("local"));
    QVERIFY(store.run(submitted)->launchExecutor.is_null());
    QTRY_VERIFY_WITH_TIMEOUT(here.isIdle(), 10000);
  }

  void eventLogTailFollowsAppendsAndReplacement() {
    QTemporaryDir tmp;
    const QString path = tmp.filePath("events.jsonl");
    EventLogTail tail(path);
    QCOMPARE(tail.read().output.events.size(), size_t(0));  // no file yet
    QFile f(path);
    QVERIFY(f.open(QIODevice::WriteOnly | QIODevice::Append | QIODevice::Unbuffered));
    f.write(eventLine("started", 0).toUtf8() + "\n" + eventLine("heartbeat", 1).left(20).toUtf8());
    auto c = tail.read();
    QVERIFY(c.restarted);  // the first read of a file with content
    QCOMPARE(c.output.events.size(), size_t(1));
    f.write(eventLine("heartbeat", 1).mid(20).toUtf8() + "\n");
    c = tail.read();
    QVERIFY(!c.restarted);
    QCOMPARE(c.output.events.size(), size_t(1));
    QCOMPARE(c.output.events[0]["step"].get<int>(), 1);
    QCOMPARE(tail.read().bytes, qint64(0));
    f.close();
    // replaced by another file (rotation): read from its start
    writeFile(path + ".new", (eventLine("started", 0) + "\n" + eventLine("heartbeat", 5) + "\n").toUtf8());
    QVERIFY(::rename(QFile::encodeName(path + ".new").constData(), QFile::encodeName(path).constData()) == 0);
    c = tail.read();
    QVERIFY(c.restarted);
    QCOMPARE(c.output.events.size(), size_t(2));
    QCOMPARE(c.output.events[1]["step"].get<int>(), 5);
    // cut shorter in place: read from its start
    writeFile(path, (eventLine("started", 0) + "\n").toUtf8());
    c = tail.read();
    QVERIFY(c.restarted);
    QCOMPARE(c.output.events.size(), size_t(1));
  }
};

QTEST_GUILESS_MAIN(TestSlurm)
#include "test_slurm.moc"
