// SPDX-License-Identifier: GPL-3.0-or-later
#include "shell/screenshots.h"

#include "compare/compare_view.h"
#include "designer/designer_view.h"
#include "monitor/monitor_view.h"
#include "outputs/outputs_view.h"
#include "results/results_view.h"
#include "shell/demo_locator.h"
#include "shell/main_window.h"
#include "workspace/run_tree.h"
#include "workspace/workspace.h"

#include <qcustomplot.h>

#include <QApplication>
#include <QDir>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QFile>
#include <QFileDialog>
#include <QPainter>
#include <QTabWidget>
#include <QTableWidget>
#include <QTimer>

namespace adamix::ui {

namespace {

void settle(int ms) {
  QElapsedTimer t;
  t.start();
  while (t.elapsed() < ms) {
    QApplication::processEvents(QEventLoop::AllEvents, 50);
    QEventLoop loop;
    QTimer::singleShot(20, &loop, &QEventLoop::quit);
    loop.exec();
  }
}

QString grab(MainWindow& w, const QString& dir, const QString& name) {
  settle(300);
  const QString path = QDir(dir).filePath(name);
  w.grab().save(path);
  return path;
}

}  // namespace

QStringList renderScreenshots(MainWindow& w, const ScreenshotOptions& o) {
  QDir().mkpath(o.dir);
  QStringList out;
  w.resize(1440, 900);
  w.show();
  settle(200);

  // 1. first-run page
  w.showWelcome();
  out << grab(w, o.dir, "01-welcome.png");
  if (!w.workspace()->isOpen()) return out;
  w.showScreen(MainWindow::Designer);

  // 2. designer with the demo (or given) study
  const QString study = !o.studyFile.isEmpty()     ? o.studyFile
                        : !o.launchStudy.isEmpty() ? o.launchStudy
                                                   : findDemoStudy();
  if (!study.isEmpty()) w.designer()->loadFile(study);
  {  // parameter counts arrive from `adamix-engine inspect` (give them up to 60 s)
    QElapsedTimer t;
    t.start();
    const QTableWidget* preview = w.designer()->previewTable();
    auto counted = [&] {
      for (int row = 0; row < preview->rowCount(); ++row) {
        const QTableWidgetItem* it = preview->item(row, preview->columnCount() - 1);
        if (!it || it->text().isEmpty() || !it->text().at(0).isDigit()) return false;
      }
      return true;
    };
    do settle(500);
    while (!counted() && t.elapsed() < 60000);
  }
  out << grab(w, o.dir, "02-designer.png");

  // 3. monitor (optionally while a study trains)
  if (!o.launchStudy.isEmpty()) {
    w.designer()->launch();
    QElapsedTimer t;
    t.start();
    while (t.elapsed() < o.monitorWaitS * 1000) {
      settle(500);
      const auto& s = w.monitor()->series();
      bool dev = false;
      for (const QString& k : w.monitor()->runKeys()) dev |= s.series(k, "dev", "accuracy") != nullptr;
      if (dev && s.pointCount() > 40) break;
    }
  }
  w.showScreen(MainWindow::Monitor);
  out << grab(w, o.dir, "03-monitor.png");
  if (!o.launchStudy.isEmpty()) {
    QElapsedTimer t;
    t.start();
    while (w.workspace()->isBusy() && t.elapsed() < 20 * 60 * 1000) settle(500);
    settle(500);
  }

  // 4-5. compare every finished run of the workspace
  QList<qint64> ids;
  try {
    app::RunFilter f;
    f.statuses = {app::RunState::Finished};
    for (const auto& r : w.workspace()->store().listRuns(f)) ids << r.id;
  } catch (const std::exception&) {
  }
  w.showScreen(MainWindow::Compare);
  w.runTree()->refresh();
  w.runTree()->selectRuns(ids);
  w.compare()->setSelectedRuns(ids);
  w.compare()->setMode(CompareView::Mode::Curves);
  w.compare()->setMetric("train/loss");
  w.compare()->setGroupBy("variant");
  w.compare()->setSmoothing(0.6);
  out << grab(w, o.dir, "04-compare-curves.png");
  w.compare()->setMode(CompareView::Mode::Bars);
  out << grab(w, o.dir, "05-compare-bars.png");
  w.compare()->setMode(CompareView::Mode::Curves);

  // 6. results
  w.showScreen(MainWindow::Results);
  w.results()->refresh();
  out << grab(w, o.dir, "06-results.png");

  // 7. Export… to LaTeX: the Results screen's real dialog, filled in, captured and accepted
  const QString tex = QDir(o.dir).absoluteFilePath(QStringLiteral("demo.tex"));
  QFile::remove(tex);
  QTimer::singleShot(300, &w, [&] {
    auto* dlg = qobject_cast<QFileDialog*>(QApplication::activeModalWidget());
    if (!dlg) return;
    for (const QString& f : dlg->nameFilters())
      if (f.contains(QLatin1String("*.tex"))) dlg->selectNameFilter(f);
    dlg->selectFile(tex);
    settle(400);
    QPixmap shot = w.grab();
    QPainter painter(&shot);
    painter.fillRect(shot.rect(), QColor(0, 0, 0, 90));
    const QPixmap d = dlg->grab();
    painter.drawPixmap((shot.width() - d.width()) / 2, (shot.height() - d.height()) / 2, d);
    painter.end();
    const QString path = QDir(o.dir).filePath(QStringLiteral("07-export-latex.png"));
    if (shot.save(path)) out << path;
    QMetaObject::invokeMethod(dlg, "accept");  // the Save button
  });
  w.results()->exportWithDialog();
  if (QFile::exists(tex)) out << tex;

  // 8. generated outputs side by side (generation studies)
  w.showScreen(MainWindow::Outputs);
  w.outputs()->refresh();
  out << grab(w, o.dir, "08-outputs.png");
  return out;
}

}  // namespace adamix::ui
