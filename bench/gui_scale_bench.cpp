// The GUI at study scale (issue 19, item 6). A benchmark program, not a test: it prints times and
// peak memory, the targets, and ratios against a reference measured in the same run.
//
// Setup: a workspace written by make_scale_workspace (default 1,000 finished runs × 5,000
// train/loss points + dev points), opened in the real MainWindow (offscreen works), 1440 × 900.
// Each phase is timed from the call to a painted window (QWidget::grab renders it):
//   open        openWorkspace() and the Designer shown
//   compare     the Compare screen as it opens (the study's finished runs, primary metric, by variant)
//   grouped     train/loss, smoothing 0.6, grouped by variant (mean ± std band per variant)
//   ungrouped   train/loss, smoothing 0.6, one curve per run
//   zoom        the x range set to its middle tenth (the curves are read again at that resolution)
//   export      the curves CSV (adamix export --curves) streamed to a file
// Reference: every train/loss point read through the Store (Store::forEachMetricPoint) — what
// drawing all points costs before any plotting; and (unless --no-old-export) the curves CSV built
// in memory as before (curvesToCsv(curvesFromStore())). Peak memory: VmHWM of /proc/self/status,
// reset before each export through /proc/self/clear_refs.
//
// Usage: gui_scale_bench DB [--no-old-export] [--screenshot PNG]
// SPDX-License-Identifier: GPL-3.0-or-later
#include "compare/compare_view.h"
#include "export/curves.h"
#include "shell/main_window.h"
#include "store/store.h"
#include "workspace/workspace.h"

#include <qcustomplot.h>

#include <QApplication>
#include <QCommandLineParser>
#include <QElapsedTimer>
#include <QFile>
#include <QTemporaryDir>

#include <cstdio>
#include <functional>

// Built on the commit before the decimation too (for the "before" column of docs/performance.md):
// what that commit lacks is left out there.
#if __has_include("plot/store_curve_source.h")
#define SCALE_BENCH_AFTER 1
#else
#define SCALE_BENCH_AFTER 0
#endif

using namespace adamix;

namespace {

/// A field of /proc/self/status in MiB (VmHWM: peak resident memory, VmRSS: now).
double statusMiB(const char* field) {
  QFile f("/proc/self/status");
  if (!f.open(QIODevice::ReadOnly)) return -1;
  for (const QByteArray& line : f.readAll().split('\n'))
    if (line.startsWith(field)) return line.mid(qstrlen(field) + 1).trimmed().split(' ').first().toDouble() / 1024;
  return -1;
}

/// Resets VmHWM to the current RSS (Linux: "5" to clear_refs).
void resetPeak() {
  QFile f("/proc/self/clear_refs");
  if (f.open(QIODevice::WriteOnly)) f.write("5");
}

struct Row {
  QString what;
  double seconds = 0, peakMiB = 0;
  QString note;
};

double timeIt(const std::function<void()>& fn) {
  QElapsedTimer t;
  t.start();
  fn();
  return t.nsecsElapsed() / 1e9;
}

}  // namespace

int main(int argc, char** argv) {
  QTemporaryDir tmp;
  qputenv("XDG_CONFIG_HOME", tmp.filePath("config").toUtf8());
  qputenv("XDG_DATA_HOME", tmp.filePath("data").toUtf8());
  QApplication app(argc, argv);
  QApplication::setOrganizationName("AdaMixBench");
  QApplication::setApplicationName("gui_scale_bench");
  QCommandLineParser p;
  p.addHelpOption();
  p.addPositionalArgument("DB", "A workspace written by make_scale_workspace.");
  p.addOption({"no-old-export", "Skip the reference export that builds the whole CSV in memory."});
  p.addOption({"screenshot", "Also save the grouped Compare screen to this PNG.", "PNG"});
  p.process(app);
  if (p.positionalArguments().size() != 1 || !QFile::exists(p.positionalArguments().first())) {
    std::fprintf(stderr, "gui_scale_bench: give an existing workspace database (make_scale_workspace DB)\n");
    return 2;
  }
  const QString db = p.positionalArguments().first();
  std::vector<Row> rows;

  // reference: all train/loss points read through the store
  qint64 runs = 0, points = 0;
  double readAll = 0;
  {
    app::Store store;
    store.open(db);
    readAll = timeIt([&] {
      for (const app::RunRecord& r : store.listRuns()) {
        ++runs;
#if SCALE_BENCH_AFTER
        store.forEachMetricPoint(r.id, "train", "loss", [&](const app::MetricPoint&) { ++points; });
#else
        points += qint64(store.metricSeries(r.id, "train", "loss").size());
#endif
      }
    });
  }
  std::printf("gui_scale_bench: %s: %lld runs, %lld train/loss points, platform %s\n", qPrintable(db),
              (long long)runs, (long long)points, qPrintable(QGuiApplication::platformName()));

  ui::MainWindow w;
  w.resize(1440, 900);
  w.show();
  QApplication::processEvents();
  auto painted = [&] {
    QApplication::processEvents();
    (void)w.grab();
  };
  rows.push_back({"open + Designer", timeIt([&] {
                    w.openWorkspace(db, true);
                    w.showScreen(ui::MainWindow::Designer);
                    painted();
                  }),
                  statusMiB("VmHWM"), {}});
  ui::CompareView* c = w.compare();
  rows.push_back({"Compare as it opens", timeIt([&] {
                    w.showScreen(ui::MainWindow::Compare);
                    painted();
                  }),
                  statusMiB("VmHWM"), c->metricBox()->currentText() + ", " + c->groupBox()->currentText()});
  c->setSmoothing(0.6);
  auto curveNote = [&] {
    QCPGraph* g = c->plot()->graphCount() > 0 ? c->plot()->graph(0) : nullptr;
    return QStringLiteral("%1 series, bucket %2 steps, %3 points in graph 0")
        .arg(c->adapter()->seriesLabels().size())
#if SCALE_BENCH_AFTER
        .arg(c->adapter()->bucketWidth())
#else
        .arg(1)
#endif
        .arg(g ? g->data()->size() : 0);
  };
  rows.push_back({"grouped by variant", timeIt([&] {
                    c->setGroupBy("variant");
                    c->setMetric("train/loss");
                    painted();
                  }),
                  statusMiB("VmHWM"), curveNote()});
  if (p.isSet("screenshot")) (void)w.grab().save(p.value("screenshot"));
  rows.push_back({"ungrouped", timeIt([&] {
                    c->setGroupBy("");
                    painted();
                  }),
                  statusMiB("VmHWM"), curveNote()});
  rows.push_back({"zoom to the middle tenth", timeIt([&] {
                    const QCPRange r = c->plot()->xAxis->range();
                    c->plot()->xAxis->setRange(r.center() - r.size() / 20, r.center() + r.size() / 20);
                    // the re-read waits for the range to settle (40 ms): wait for it, count it
                    QElapsedTimer t;
                    t.start();
                    while (t.elapsed() < 60) QApplication::processEvents(QEventLoop::AllEvents, 5);
                    painted();
                  }),
                  statusMiB("VmHWM"), curveNote()});
  c->setGroupBy("variant");
  w.workspace()->close();

  // the curves CSV, streamed, and (reference) built in memory as before
  {
    app::Store store;
    store.open(db);
#if SCALE_BENCH_AFTER
    qint64 lines = 0;
    QFile out(tmp.filePath("curves.csv"));
    out.open(QIODevice::WriteOnly);
    resetPeak();
    const double base = statusMiB("VmRSS");
    const double t = timeIt([&] { lines = app::writeCurvesCsv(store, std::nullopt, {}, {}, out); });
    out.close();
    rows.push_back({"curves CSV, streamed", t, statusMiB("VmHWM"),
                    QStringLiteral("%1 lines, %2 MB; peak %3 MiB above the RSS before")
                        .arg(lines)
                        .arg(out.size() / 1e6, 0, 'f', 0)
                        .arg(statusMiB("VmHWM") - base, 0, 'f', 0)});
#endif
    if (!p.isSet("no-old-export")) {
      resetPeak();
      const double base2 = statusMiB("VmRSS");
      qsizetype bytes = 0;
      const double t2 = timeIt([&] {
        bytes = app::curvesToCsv(app::curvesFromStore(store, std::nullopt)).toUtf8().size();
      });
      rows.push_back({"curves CSV, in memory (before)", t2, statusMiB("VmHWM"),
                      QStringLiteral("%1 MB; peak %2 MiB above the RSS before")
                          .arg(bytes / 1e6, 0, 'f', 0)
                          .arg(statusMiB("VmHWM") - base2, 0, 'f', 0)});
    }
  }

  std::printf("\n| phase | time (s) | ratio to reference | peak RSS (MiB) | target | notes |\n|---|---:|---:|---:|---|---|\n");
  std::printf("| reference: read all train/loss points (Store) | %.2f | 1.00 | | | %lld points |\n", readAll,
              (long long)points);
  for (const Row& r : rows) {
    const bool gui = !r.what.startsWith("curves");
    std::printf("| %s | %.2f | %.2f | %.0f | %s | %s |\n", qPrintable(r.what), r.seconds, r.seconds / readAll,
                r.peakMiB, gui ? (r.seconds < 1.0 ? "< 1 s: met" : "< 1 s: MISSED") : "streams", qPrintable(r.note));
  }
  return 0;
}
