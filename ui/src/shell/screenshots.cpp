// SPDX-License-Identifier: GPL-3.0-or-later
#include "shell/screenshots.h"

#include "analysis/analysis_view.h"
#include "analysis/score_params_page.h"
#include "compare/compare_view.h"
#include "plot/parallel_coordinates.h"
#include "designer/designer_view.h"
#include "designer/own_task_dialog.h"
#include "monitor/monitor_view.h"
#include "outputs/outputs_view.h"
#include "results/results_view.h"
#include "runs/eval_dialog.h"
#include "runs/job_dialog.h"
#include "runs/run_actions.h"
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
#include <QComboBox>
#include <QFileDialog>
#include <QMenu>
#include <QPushButton>
#include <QTreeWidget>
#include <QPainter>
#include <QTabWidget>
#include <QTemporaryDir>
#include <QTableWidget>
#include <QTimer>
#include <QToolTip>
#include <QLabel>

#include <functional>

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

/// The window, dimmed when `dim`, with `top` (a dialog or popup) drawn over it: centred, or at
/// its own position relative to the window when `atPosition` (menus).
QString grabWithOverlay(MainWindow& w, QWidget* top, const QString& dir, const QString& name, bool atPosition) {
  settle(300);
  QPixmap shot = w.grab();
  QPainter painter(&shot);
  if (!atPosition) painter.fillRect(shot.rect(), QColor(0, 0, 0, 90));
  const QPixmap d = top->grab();
  const QPoint at = atPosition ? w.mapFromGlobal(top->mapToGlobal(QPoint(0, 0)))
                               : QPoint((shot.width() - d.width()) / 2, (shot.height() - d.height()) / 2);
  painter.drawPixmap(at, d);
  painter.end();
  const QString path = QDir(dir).filePath(name);
  return shot.save(path) ? path : QString();
}

/// "Add task from file…" filled in with a small three-class review dataset written for the shot
/// (a quoted field with a comma, a labelled test file beside it), over the designer.
void renderOwnTaskDialog(MainWindow& w, const QString& dir, QStringList& out) {
  QTemporaryDir tmp;
  if (!tmp.isValid()) return;
  const QString data = tmp.filePath(QStringLiteral("product-reviews"));
  QDir().mkpath(data);
  const char* texts[] = {"Works as described, would buy again", "Broke after two days", "It is fine, nothing special",
                         "Great value for the price", "\"Fast, quiet\" and easy to clean", "Arrived late and scratched",
                         "Does the job", "Terrible battery life", "Exactly what I needed", "Average build quality",
                         "Stopped charging, returned it", "Love it, the whole family uses it"};
  const char* labels[] = {"positive", "negative", "neutral", "positive", "positive", "negative",
                          "neutral",  "negative", "positive", "neutral",  "negative", "positive"};
  auto write = [&](const QString& name, int rows, int offset) {
    QFile f(QDir(data).filePath(name));
    if (!f.open(QIODevice::WriteOnly)) return;
    f.write("id,text,label\n");
    for (int i = 0; i < rows; ++i) {
      const int k = (i * 7 + offset) % 12;
      QByteArray text = texts[k];
      if (text.contains(',') || text.contains('"')) text = '"' + text.replace("\"", "\"\"") + '"';
      f.write(QByteArray::number(i + 1) + ',' + text + ',' + labels[k] + '\n');
    }
  };
  write(QStringLiteral("train.csv"), 240, 0);
  write(QStringLiteral("dev.csv"), 45, 5);
  write(QStringLiteral("test.csv"), 60, 3);
  OwnTaskDialog dlg(QString(), {}, &w);
  dlg.trainEdit()->setText(QDir(data).filePath(QStringLiteral("train.csv")));
  dlg.devEdit()->setText(QDir(data).filePath(QStringLiteral("dev.csv")));
  dlg.testEdit()->setText(QDir(data).filePath(QStringLiteral("test.csv")));
  dlg.reload();
  dlg.displayNameEdit()->setText(QStringLiteral("Product reviews"));
  dlg.metricCombo()->setCurrentText(QStringLiteral("macro_f1"));
  dlg.show();
  if (const QString p = grabWithOverlay(w, &dlg, dir, QStringLiteral("designer-own-task.png"), false); !p.isEmpty())
    out << p;
  dlg.close();
}

/// Waits (up to 10 min) for the last job dialog to finish.
JobDialog* waitForJob(MainWindow& w) {
  JobDialog* job = w.runActions()->lastJob();
  QElapsedTimer t;
  t.start();
  while (job && !job->isDone() && t.elapsed() < 10 * 60 * 1000) settle(200);
  return job;
}

/// Waits up to `ms` for `done`, keeping the GUI live; false on time-out.
bool waitFor(const std::function<bool()>& done, qint64 ms) {
  QElapsedTimer t;
  t.start();
  while (!done()) {
    if (t.elapsed() > ms) return false;
    settle(300);
  }
  return true;
}

/// A resumed run on the Monitor: the first running run past a checkpoint is cancelled with the
/// Monitor's Cancel run, selected in the workspace tree and resumed with the Monitor's Resume
/// (the Run menu's action); returns once it trains again past its checkpoint, its row selected
/// and its whole curve (the stored points before the cancel and the new ones) drawn.
bool resumeARun(MainWindow& w) {
  MonitorView* m = w.monitor();
  QString key;
  qint64 id = 0;
  const bool found = waitFor(
      [&] {
        if (!w.workspace()->isBusy()) return true;  // all ended: nothing left to resume
        for (const QString& k : m->runKeys()) {
          const MonitorView::LiveRun* r = m->liveRun(k);
          if (r && r->runId && r->progress.state == app::RunState::Running && app::hasCheckpoint(r->runDir) &&
              r->progress.step + 4 < r->progress.totalSteps) {
            key = k;
            id = r->runId;
            return true;
          }
        }
        return false;
      },
      10 * 60 * 1000);
  if (!found || key.isEmpty()) return false;
  m->selectRuns({id});
  const qint64 cancelledAt = m->liveRun(key)->progress.step;
  m->findChild<QPushButton*>(QStringLiteral("monitorCancel"))->click();
  if (!waitFor([&] { return m->liveRun(key)->progress.state == app::RunState::Cancelled; }, 60000)) return false;
  w.runTree()->refresh();
  w.runTree()->selectRuns({id});
  m->findChild<QPushButton*>(QStringLiteral("monitorResume"))->click();
  return waitFor(  // trained on past the step where it was cancelled
      [&] {
        const MonitorView::LiveRun* r = m->liveRun(key);
        if (app::isTerminal(r->progress.state) && r->progress.state != app::RunState::Cancelled) return true;
        return r->progress.state == app::RunState::Running && r->progress.step >= cancelledAt + 10;
      },
      20 * 60 * 1000);
}

/// 10-16: a finished run's context menu in the tree, Evaluate on… (dev, ensemble), the finished
/// job with its output folder, the results with the evaluation column and a cell's context menu,
/// Export adapters… (peft into the workspace's exports/) and its outcome; for an AdaMix run also
/// 28-29: Merge modules… and the finished merges (greedy soup, learned weights).
void renderRunActions(MainWindow& w, const QString& dir, qint64 runId, QStringList& out) {
  w.showScreen(MainWindow::Results);
  w.runTree()->refresh();
  w.runTree()->selectRuns({runId});
  QTreeWidget* tree = w.runTree()->tree();
  // Right-clicks the run's row; the menu that opens and its action `name` (the menu closes itself).
  auto openMenu = [&](const QString& name) -> std::pair<QMenu*, QAction*> {
    QTreeWidgetItem* item = tree->selectedItems().value(0);
    if (!item) return {nullptr, nullptr};
    tree->scrollToItem(item);
    emit tree->customContextMenuRequested(tree->visualItemRect(item).center());
    auto* menu = qobject_cast<QMenu*>(QApplication::activePopupWidget());
    if (!menu) return {nullptr, nullptr};
    for (QAction* a : menu->actions())
      if (a->objectName() == name) return {menu, a};
    return {menu, nullptr};
  };
  // Triggers `action` of `menu`; grabs the modal dialog it opens as `dialogShot` after `prepare`,
  // accepts it, waits for the job and grabs the job window as `doneShot`.
  auto runThroughDialog = [&](QMenu* menu, QAction* action, const QString& dialogShot, const QString& doneShot,
                              const std::function<void(QDialog*)>& prepare) {
    QTimer::singleShot(300, &w, [&] {
      auto* dlg = qobject_cast<QDialog*>(QApplication::activeModalWidget());
      if (!dlg) return;
      if (prepare) prepare(dlg);
      if (const QString p = grabWithOverlay(w, dlg, dir, dialogShot, false); !p.isEmpty()) out << p;
      dlg->accept();
    });
    action->trigger();
    menu->close();
    if (JobDialog* job = waitForJob(w)) {
      if (const QString p = grabWithOverlay(w, job, dir, doneShot, false); !p.isEmpty()) out << p;
      job->close();
    }
  };

  auto [menu, evaluate] = openMenu(QStringLiteral("evaluateRun"));
  if (!evaluate) return;
  menu->setActiveAction(evaluate);
  if (const QString p = grabWithOverlay(w, menu, dir, QStringLiteral("10-run-menu.png"), true); !p.isEmpty()) out << p;
  runThroughDialog(menu, evaluate, QStringLiteral("11-evaluate-dialog.png"), QStringLiteral("12-eval-done.png"),
                   [](QDialog* d) {
                     auto* dlg = qobject_cast<EvalDialog*>(d);
                     if (!dlg) return;
                     const int ensemble = dlg->inferenceCombo()->findData(QStringLiteral("ensemble"));
                     if (ensemble >= 0) dlg->inferenceCombo()->setCurrentIndex(ensemble);
                   });
  w.results()->setStudy(std::nullopt);
  out << grab(w, dir, QStringLiteral("13-results-eval.png"));
  {  // the same actions from a Results cell: one submenu per run behind it (one per seed)
    QTableWidget* table = w.results()->table();
    const auto run = w.workspace()->store().run(runId);
    int row = -1;
    for (int r = 0; r < table->rowCount() && run; ++r)
      if (w.results()->runsAt(r, 1).contains(runId)) row = r;
    if (row >= 0) {
      emit table->customContextMenuRequested(table->visualItemRect(table->item(row, 1)).center());
      if (auto* cellMenu = qobject_cast<QMenu*>(QApplication::activePopupWidget())) {
        QMenu* sub = cellMenu->findChild<QMenu*>(QStringLiteral("run-%1").arg(runId));
        if (sub) {
          cellMenu->setActiveAction(sub->menuAction());
          sub->popup(cellMenu->mapToGlobal(cellMenu->actionGeometry(sub->menuAction()).topRight()));
        }
        settle(300);
        QPixmap shot = w.grab();
        QPainter painter(&shot);
        for (QMenu* m : {cellMenu, sub})
          if (m && m->isVisible()) painter.drawPixmap(w.mapFromGlobal(m->mapToGlobal(QPoint(0, 0))), m->grab());
        painter.end();
        const QString path = QDir(dir).filePath(QStringLiteral("14-results-menu.png"));
        if (shot.save(path)) out << path;
        cellMenu->close();
      }
    }
  }

  auto [menu2, exportAct] = openMenu(QStringLiteral("exportRun"));
  if (!exportAct) return;
  runThroughDialog(menu2, exportAct, QStringLiteral("15-export-dialog.png"), QStringLiteral("16-export-done.png"), {});

  // 28-29: Merge modules… (an AdaMix run): the dialog with its defaults, then the finished merges
  auto [menu3, mergeAct] = openMenu(QStringLiteral("mergeRun"));
  if (!mergeAct || !mergeAct->isEnabled()) {
    if (menu3) menu3->close();
    return;
  }
  runThroughDialog(menu3, mergeAct, QStringLiteral("28-merge-dialog.png"), QStringLiteral("29-merge-done.png"), {});
}

/// 24-27: the Results with a baseline's significance marks (a cell's tooltip drawn over it), and
/// the Analyses pages: score vs % parameters, single modules vs merged, parallel coordinates with
/// a brush on the metric's upper half.
void renderAnalyses(MainWindow& w, const QString& dir, QStringList& out) {
  w.showScreen(MainWindow::Results);
  ResultsView* results = w.results();
  results->refresh();
  QComboBox* baseline = results->baselineBox();
  int row = baseline->findText(QStringLiteral("Adapter"));
  if (row < 0) row = baseline->count() > 1 ? 1 : -1;
  if (row > 0) {
    results->setBaseline(baseline->itemData(row).toInt());
    results->waitForSignificance();
    qInfo("significance against %s: %s", qPrintable(baseline->currentText()),
          qPrintable(results->significanceLegendLabel()->toolTip()));
    settle(300);
    // a tested cell's tooltip: the first cell of another row with a Welch result
    QTableWidget* table = results->table();
    QTableWidgetItem* cell = nullptr;
    for (int r = 0; r < table->rowCount() && !cell; ++r)
      for (int c = 0; c < table->columnCount() && !cell; ++c)
        if (QTableWidgetItem* it = table->item(r, c); it && it->toolTip().contains(QStringLiteral("Welch")))
          cell = it;
    QPixmap shot = w.grab();
    if (cell) {
      QLabel tip(cell->toolTip());
      tip.setFrameShape(QFrame::Box);
      tip.setMargin(6);
      tip.setAutoFillBackground(true);
      tip.setPalette(QToolTip::palette());
      tip.resize(tip.sizeHint());
      // under the table's last row, at the cell's column (a real tooltip would cover the rows below)
      const QRect r = table->visualItemRect(cell);
      const QRect last = table->visualItemRect(table->item(table->rowCount() - 1, 0));
      QPoint at = w.mapFromGlobal(table->viewport()->mapToGlobal(QPoint(r.left(), last.bottom() + 12)));
      at.setX(std::min(at.x(), shot.width() - tip.width() - 8));
      QPainter painter(&shot);
      painter.drawPixmap(at, tip.grab());
    }
    const QString path = QDir(dir).filePath(QStringLiteral("24-results-significance.png"));
    if (shot.save(path)) out << path;
  }
  w.showScreen(MainWindow::Analyses);
  AnalysisView* a = w.analyses();
  a->refresh();
  a->showPage(AnalysisView::ScoreVsParams);
  out << grab(w, dir, QStringLiteral("25-analysis-score-params.png"));
  a->showPage(AnalysisView::ModulesVsMerged);
  out << grab(w, dir, QStringLiteral("26-analysis-modules-vs-merged.png"));
  a->showPage(AnalysisView::ParallelCoordinatesPage);
  ParallelCoordinates* pc = a->findChild<ParallelCoordinates*>();
  if (pc && !pc->data().axes.empty()) pc->setBrush(int(pc->data().axes.size()) - 1, 0.5, 1.0);
  out << grab(w, dir, QStringLiteral("27-analysis-parallel.png"));
  if (pc) pc->clearBrushes();
  if (row > 0) results->setBaseline(-1);
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
    while ((!counted() || w.designer()->isInspectingModel()) && t.elapsed() < 60000);  // and the model summary
  }
  out << grab(w, o.dir, "02-designer.png");
  renderOwnTaskDialog(w, o.dir, out);

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
  if (!o.launchStudy.isEmpty()) resumeARun(w);  // else: while training
  out << grab(w, o.dir, "03-monitor.png");
  if (!o.launchStudy.isEmpty()) {
    QElapsedTimer t;
    t.start();
    while (w.workspace()->isBusy() && t.elapsed() < 20 * 60 * 1000) settle(500);
    settle(500);
  }

  // 4-5. compare as it opens: the newest study's finished runs, its tasks' primary metric, grouped
  // by variant
  w.showScreen(MainWindow::Compare);
  w.runTree()->refresh();
  w.compare()->refresh();
  w.compare()->setMode(CompareView::Mode::Curves);
  w.compare()->setSmoothing(0.6);
  const QList<qint64> ids = w.compare()->selectedRuns();  // finished runs, for the run actions below
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
  // 8b. a classification study's examples where the runs disagree (error analysis)
  if (w.outputs()->shown().kind == app::PredictionKind::Labels) {
    w.outputs()->setDisagreementsOnly(true);
    out << grab(w, o.dir, "08-outputs-disagreements.png");
    w.outputs()->setDisagreementsOnly(false);
  }

  // 24-27. significance against a baseline; the paper's analyses
  renderAnalyses(w, o.dir, out);

  // 10-16. a finished run's context menu (an AdaMix-LoRA run when there is one, so that every
  // export format applies): evaluate, the results beside the run's own, export
  if (o.runActions && !ids.isEmpty()) {
    qint64 pick = ids.front();
    int best = -1;
    for (qint64 id : ids) {
      const auto run = w.workspace()->store().run(id);
      if (!run) continue;
      const nlohmann::json::json_pointer modules("/peft/adamix/num_modules"), method("/peft/method");
      const bool mixture = run->config.contains(modules) && run->config.at(modules).is_number_integer() &&
                           run->config.at(modules).get<int>() > 1;
      const bool lora = run->config.contains(method) && run->config.at(method) == "lora";
      const int score = 2 * mixture + lora;
      if (score > best) {
        best = score;
        pick = id;
      }
    }
    renderRunActions(w, o.dir, pick, out);
  }
  return out;
}

}  // namespace adamix::ui
