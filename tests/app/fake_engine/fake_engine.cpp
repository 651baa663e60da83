// A scripted stand-in for adamix-engine, used by the executor and CLI tests.
// It speaks protocol 1.0 (docs/protocol.md) and misbehaves on request.
//
// Behaviour: config field "fake": {"mode": M, "steps": N, "step_ms": T} in run.json, or the
// environment variables FAKE_ENGINE_MODE / FAKE_ENGINE_STEPS / FAKE_ENGINE_STEP_MS (the config
// wins). Modes:
//   normal    started, progress + train-loss metric per step, dev metrics, checkpoint, finished; exit 0
//   crash     a few progress events, then abort()
//   hang      started, then silence forever (no heartbeat)
//   garbage   like normal, with non-JSON and non-event lines mixed into stdout
//   partial   like normal, each line written in several flushed pieces with pauses in between
//   error     started, then an `error` event (kind data, location file:line) and exit 4
//   nofinish  a few progress events, then exit 0 without `finished`
//   badschema events with schema "2.0", then silence
//   stubborn  ignores SIGTERM, sends heartbeats forever (only SIGKILL ends it)
// FAKE_ENGINE_FAIL_TASK=<task>: runs whose task.name matches use mode "error".
// SIGTERM/SIGINT: writes a checkpoint, an `error` event of kind interrupted, exits 8.
// --resume continues from checkpoint/state.json.
// SPDX-License-Identifier: GPL-3.0-or-later
#include <QCommandLineParser>
#include <QCoreApplication>
#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QThread>

#include <csignal>
#include <cstdio>
#include <cstdlib>

namespace {

volatile std::sig_atomic_t g_stop = 0;
void onSignal(int) { g_stop = 1; }

QString g_run;
QString g_runDir;
QString g_schema = "1.0";
bool g_partial = false;

double now() { return QDateTime::currentMSecsSinceEpoch() / 1000.0; }

void writeRaw(const QByteArray& bytes) {
  std::fwrite(bytes.constData(), 1, size_t(bytes.size()), stdout);
  std::fflush(stdout);
}

void emitEvent(const char* name, QJsonObject fields) {
  fields["event"] = name;
  fields["schema"] = g_schema;
  fields["run"] = g_run;
  fields["time"] = now();
  const QByteArray line = QJsonDocument(fields).toJson(QJsonDocument::Compact) + '\n';
  if (g_partial) {
    const int n = 3;
    const qsizetype piece = line.size() / n + 1;
    for (qsizetype i = 0; i < line.size(); i += piece) {
      writeRaw(line.mid(i, piece));
      QThread::msleep(15);
    }
  } else {
    writeRaw(line);
  }
  QFile f(QDir(g_runDir).filePath("events.jsonl"));
  if (f.open(QIODevice::Append)) f.write(line);
}

void writeJson(const QString& path, const QJsonObject& o) {
  QFile f(path);
  if (f.open(QIODevice::WriteOnly | QIODevice::Truncate)) f.write(QJsonDocument(o).toJson());
}

void checkpoint(int step) {
  QDir(g_runDir).mkpath("checkpoint");
  writeJson(QDir(g_runDir).filePath("checkpoint/state.json"), {{"step", step}});
  QFile f(QDir(g_runDir).filePath("checkpoint/state.safetensors"));
  if (f.open(QIODevice::WriteOnly | QIODevice::Truncate)) f.write("fake");
  emitEvent("checkpoint", {{"step", step}, {"path", "checkpoint/state.safetensors"}});
}

[[noreturn]] void interrupted(int step) {
  checkpoint(step);
  emitEvent("error", {{"kind", "interrupted"}, {"message", "stopped by signal; checkpoint written"}, {"location", ""}});
  std::fprintf(stderr, "fake-engine: interrupted at step %d\n", step);
  std::exit(8);
}

void sleepMs(int ms, int step) {
  for (int waited = 0; waited < ms; waited += 10) {
    if (g_stop) interrupted(step);
    QThread::msleep(10);
  }
}

}  // namespace

int main(int argc, char** argv) {
  QCoreApplication app(argc, argv);
  std::signal(SIGTERM, onSignal);
  std::signal(SIGINT, onSignal);

  QCommandLineParser p;
  p.addPositionalArgument("command", "train");
  p.addOption({"config", "run config", "FILE"});
  p.addOption({"run-dir", "run directory", "DIR"});
  p.addOption({"threads", "threads", "N"});
  p.addOption({"resume", "resume"});
  p.addOption({"version", "version"});
  p.process(app);
  if (p.isSet("version")) {
    std::printf("adamix-engine 0.0.0-fake\n");
    return 0;
  }
  if (p.positionalArguments().value(0) != "train" || !p.isSet("config") || !p.isSet("run-dir")) {
    std::fprintf(stderr, "usage: fake_engine train --config FILE --run-dir DIR\n");
    return 2;
  }

  g_runDir = p.value("run-dir");
  QDir().mkpath(g_runDir);
  QFile cf(p.value("config"));
  QJsonObject config;
  if (cf.open(QIODevice::ReadOnly)) config = QJsonDocument::fromJson(cf.readAll()).object();
  const QJsonObject fake = config.value("fake").toObject();
  auto setting = [&](const char* key, const char* env, const QString& def) {
    if (fake.contains(key)) return fake.value(key).toVariant().toString();
    const QString e = qEnvironmentVariable(env);
    return e.isEmpty() ? def : e;
  };
  QString mode = setting("mode", "FAKE_ENGINE_MODE", "normal");
  // FAKE_ENGINE_FAIL_TASK=<task name>: runs of that task use mode "error" (per-run failures in CLI tests)
  const QString failTask = qEnvironmentVariable("FAKE_ENGINE_FAIL_TASK");
  if (!failTask.isEmpty() && config.value("task").toObject().value("name").toString() == failTask) mode = "error";
  const int steps = setting("steps", "FAKE_ENGINE_STEPS", "5").toInt();
  const int stepMs = setting("step_ms", "FAKE_ENGINE_STEP_MS", "20").toInt();
  g_run = config.value("run_id").toString(QFileInfo(QDir::cleanPath(g_runDir)).fileName());
  g_partial = mode == "partial";
  if (mode == "badschema") g_schema = "2.0";

  std::fprintf(stderr, "fake-engine: mode=%s steps=%d threads=%s\n", qPrintable(mode), steps,
               qPrintable(p.value("threads")));
  writeJson(QDir(g_runDir).filePath("config.json"), config);

  int step = 0;
  if (p.isSet("resume")) {
    QFile sf(QDir(g_runDir).filePath("checkpoint/state.json"));
    if (sf.open(QIODevice::ReadOnly)) step = QJsonDocument::fromJson(sf.readAll()).object().value("step").toInt();
  }
  const QJsonObject params{
      {"total", 1000}, {"trainable", 100}, {"trainable_peft", 80}, {"inference_peft", 20}, {"head", 20}};
  emitEvent("started", {{"config", config},
                        {"device", "cpu"},
                        {"threads", p.value("threads").toInt()},
                        {"params", params},
                        {"total_steps", steps},
                        {"resumed_from_step", step}});

  if (mode == "hang" || mode == "badschema") {
    for (;;) sleepMs(1000, step);
  }
  if (mode == "stubborn") {
    std::signal(SIGTERM, SIG_IGN);
    std::signal(SIGINT, SIG_IGN);
    for (;;) {
      emitEvent("heartbeat", {{"step", step}});
      QThread::msleep(100);
    }
  }
  if (mode == "error") {
    emitEvent("error", {{"kind", "data"}, {"message", "bad label 'maybe'"}, {"location", "train.tsv:12"}});
    std::fprintf(stderr, "fake-engine: data error\n");
    return 4;
  }

  const int seed = config.value("seed").toInt(1);
  const double base = 0.6 + 0.01 * seed +
                      0.05 * config.value("peft").toObject().value("adamix").toObject().value("num_modules").toInt(1);
  for (++step; step <= steps; ++step) {
    sleepMs(stepMs, step - 1);
    if (mode == "garbage") {
      writeRaw("this is not json\n");
      writeRaw("{\"no_event_field\": 1}\n");
      writeRaw("[1,2,3]\n");
    }
    const double loss = 1.0 / step;
    emitEvent("progress", {{"step", step},
                           {"total_steps", steps},
                           {"epoch", double(step) / steps},
                           {"loss", loss},
                           {"lr", 1e-3},
                           {"examples_per_s", 100.0},
                           {"tokens_per_s", 1000.0}});
    emitEvent("metric",
              {{"step", step}, {"epoch", double(step) / steps}, {"split", "train"}, {"name", "loss"}, {"value", loss}});
    emitEvent("heartbeat", {{"step", step}});
    if (mode == "crash" && step == 2) {
      std::fprintf(stderr, "fake-engine: crashing\n");
      std::abort();
    }
    if (mode == "nofinish" && step == 2) return 0;
    if (step == steps / 2) checkpoint(step);
  }
  const double acc = base;
  emitEvent("metric", {{"step", steps}, {"epoch", 1.0}, {"split", "dev"}, {"name", "accuracy"}, {"value", acc}});
  const QJsonObject dev{{"dev", QJsonObject{{"accuracy", acc}, {"loss", 0.5}}}};
  const QJsonObject finished{{"final", dev},  {"best", dev},     {"best_step", steps}, {"primary_metric", "accuracy"},
                             {"wall_s", 0.1}, {"params", params}};
  writeJson(QDir(g_runDir).filePath("results.json"), finished);
  emitEvent("finished", finished);
  return 0;
}
