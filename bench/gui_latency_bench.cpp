// GUI event-loop latency while runs stream events (issue: "the window stays responsive while 8
// runs stream events"). A benchmark program, not a test: it prints measurements and the ratio
// against a reference measured in the same run.
//
// Setup: the real MainWindow (offscreen works) with a temporary workspace, the Monitor screen in
// front (live curves redrawing), and the real run queue (StudyRunner → store ingest) launching
// N runs of the scripted fake engine at once, each streaming a `progress` and a `metric` event
// every STEP_MS milliseconds (defaults: 8 runs, 600 steps, 5 ms: ~3,200 events/s in total,
// far more than real engines send).
//
// Probe: a 10 ms precise QTimer on the GUI thread; each tick's lateness = (time since the
// previous tick) − 10 ms. This is the event-loop lag a user feels as input delay; the longest
// gap is the longest freeze. Reference: the same probe, same window, with no run streaming.
//
// Usage: gui_latency_bench [--runs N] [--steps S] [--step-ms T] [--engine FAKE_ENGINE]
// SPDX-License-Identifier: GPL-3.0-or-later
#include "monitor/monitor_view.h"
#include "shell/main_window.h"
#include "study/study.h"
#include "workspace/workspace.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QDir>
#include <QElapsedTimer>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTimer>

#include <algorithm>
#include <cstdio>
#include <vector>

using namespace adamix;

namespace {

constexpr int kTickMs = 10;

/// Lateness of each probe tick in milliseconds while `busy()` holds (or for `minMs` at least).
template <class Busy>
std::vector<double> probe(int minMs, Busy busy) {
  std::vector<double> late;
  QElapsedTimer clock;
  clock.start();
  qint64 last = clock.nsecsElapsed();
  QTimer tick;
  tick.setTimerType(Qt::PreciseTimer);
  tick.setInterval(kTickMs);
  QEventLoop loop;
  QObject::connect(&tick, &QTimer::timeout, [&] {
    const qint64 now = clock.nsecsElapsed();
    late.push_back(std::max(0.0, (now - last) / 1e6 - kTickMs));
    last = now;
    if (clock.elapsed() >= minMs && !busy()) loop.quit();
  });
  tick.start();
  loop.exec();
  return late;
}

double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const size_t i = std::min(v.size() - 1, size_t(p / 100.0 * double(v.size())));
  return v[i];
}

void report(const char* label, const std::vector<double>& v) {
  std::printf("%-28s ticks %6zu  p50 %7.2f ms  p95 %7.2f ms  p99 %7.2f ms  max %7.2f ms\n", label, v.size(),
              percentile(v, 50), percentile(v, 95), percentile(v, 99),
              v.empty() ? 0.0 : *std::max_element(v.begin(), v.end()));
}

}  // namespace

int main(int argc, char** argv) {
  QTemporaryDir tmp;
  // settings and app data of this program go to the temporary folder, never the user's
  qputenv("XDG_CONFIG_HOME", tmp.filePath("config").toUtf8());
  qputenv("XDG_DATA_HOME", tmp.filePath("data").toUtf8());
  QApplication app(argc, argv);
  QApplication::setOrganizationName("AdaMixBench");
  QApplication::setApplicationName("gui_latency_bench");

  QCommandLineParser p;
  p.addHelpOption();
  p.addOption({"runs", "Runs streaming at once.", "N", "8"});
  p.addOption({"steps", "Training steps per run (one progress + one metric event each).", "S", "600"});
  p.addOption({"step-ms", "Milliseconds between steps of one run.", "T", "5"});
  p.addOption({"engine", "The scripted fake engine.", "PATH", QStringLiteral(FAKE_ENGINE_EXE)});
  p.process(app);
  const int runs = p.value("runs").toInt();
  const int steps = p.value("steps").toInt();
  if (runs < 1 || steps < 1 || p.value("step-ms").toInt() < 0) {
    std::fprintf(stderr, "gui_latency_bench: --runs and --steps must be >= 1, --step-ms >= 0\n");
    return 2;
  }

  ui::QueueSettings q;
  q.jobs = runs;
  q.threadsPerRun = 1;
  q.enginePath = p.value("engine");
  q.save();
  qputenv("FAKE_ENGINE_MODE", "normal");
  qputenv("FAKE_ENGINE_STEPS", QByteArray::number(steps));
  qputenv("FAKE_ENGINE_STEP_MS", p.value("step-ms").toUtf8());

  ui::MainWindow w;
  w.resize(1440, 900);
  w.show();
  if (!w.openWorkspace(tmp.filePath("ws/bench.sqlite"), true)) {
    std::fprintf(stderr, "gui_latency_bench: cannot open the workspace in %s\n", qPrintable(tmp.path()));
    return 1;
  }
  w.showScreen(ui::MainWindow::Monitor);
  QDir().mkpath(tmp.filePath("model"));
  QDir().mkpath(tmp.filePath("rte"));

  std::printf("gui_latency_bench: %d runs x %d steps, a step every %s ms per run, probe tick %d ms, platform %s\n",
              runs, steps, qPrintable(p.value("step-ms")), kTickMs, qPrintable(QGuiApplication::platformName()));

  // reference: the same window with nothing streaming
  const std::vector<double> idle = probe(3000, [] { return false; });

  nlohmann::json seeds = nlohmann::json::array();
  for (int s = 1; s <= runs; ++s) seeds.push_back(s);
  const nlohmann::json doc = {
      {"name", "latency"},
      {"base", {{"model", {{"path", tmp.filePath("model").toStdString()}}}}},
      {"tasks", nlohmann::json::array({{{"name", "rte"}, {"data_dir", tmp.filePath("rte").toStdString()}}})},
      {"seeds", seeds}};
  QString error;
  QElapsedTimer wall;
  wall.start();
  const int queued = w.workspace()->launchStudy(app::parseStudy(doc), {}, false, &error);
  if (queued != runs) {
    std::fprintf(stderr, "gui_latency_bench: launch queued %d runs: %s\n", queued, qPrintable(error));
    return 1;
  }
  const std::vector<double> streaming = probe(1000, [&] { return w.workspace()->isBusy(); });
  const double seconds = wall.elapsed() / 1000.0;

  size_t points = 0, finished = 0;
  for (const auto& r : w.workspace()->store().listRuns()) {
    points += w.workspace()->store().metricPoints(r.id).size();
    finished += r.status == app::RunState::Finished;
  }
  report("idle (reference)", idle);
  report(qPrintable(QStringLiteral("%1 runs streaming").arg(runs)), streaming);
  std::printf(
      "runs finished %zu/%d in %.1f s; metric points stored %zu (%.0f/s); events shown in the monitor: %lld points\n",
      finished, runs, seconds, points, points / seconds, (long long)w.monitor()->series().pointCount());
  std::printf("ratio streaming/idle: p50 %.2f  p99 %.2f  (lag added by streaming: p99 +%.2f ms, max %.2f ms)\n",
              percentile(streaming, 50) / std::max(0.01, percentile(idle, 50)),
              percentile(streaming, 99) / std::max(0.01, percentile(idle, 99)),
              percentile(streaming, 99) - percentile(idle, 99),
              streaming.empty() ? 0.0 : *std::max_element(streaming.begin(), streaming.end()));
  w.workspace()->close();
  return finished == size_t(runs) ? 0 : 1;
}
