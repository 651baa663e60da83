// SPDX-License-Identifier: GPL-3.0-or-later
#include "shell/main_window.h"

#include "adamix_version.h"
#include "analysis/analysis_view.h"
#include "analysis/parallel_page.h"
#include "plot/parallel_coordinates.h"
#include "compare/compare_view.h"
#include "designer/designer_view.h"
#include "monitor/monitor_view.h"
#include "outputs/outputs_view.h"
#include "results/results_view.h"
#include "runs/job_dialog.h"
#include "runs/run_actions.h"
#include "shell/demo_locator.h"
#include "shell/file_dialogs.h"
#include "shell/theme.h"
#include "shell/welcome_page.h"
#include "workspace/run_tree.h"
#include "workspace/workspace.h"

#include <QAction>
#include <QApplication>
#include <QCloseEvent>
#include <QDialog>
#include <QDialogButtonBox>
#include <QDockWidget>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QLabel>
#include <QLineEdit>
#include <QMenuBar>
#include <QMessageBox>
#include <QSettings>
#include <QSpinBox>
#include <QStackedWidget>
#include <QStatusBar>
#include <QTabWidget>

namespace adamix::ui {

MainWindow::MainWindow(QWidget* parent) : QMainWindow(parent) {
  initResources();
  setObjectName(QStringLiteral("MainWindow"));
  setWindowIcon(QIcon(QStringLiteral(":/adamix/icon.png")));
  ws_ = new Workspace(this);
  stack_ = new QStackedWidget;
  welcome_ = new WelcomePage;
  tabs_ = new QTabWidget;
  tabs_->setDocumentMode(true);
  designer_ = new DesignerView(ws_);
  designer_->restoreLastStudy();  // the study last worked on (a fresh home: the template)
  monitor_ = new MonitorView(ws_);
  compare_ = new CompareView(ws_);
  results_ = new ResultsView(ws_);
  outputs_ = new OutputsView(ws_);
  analyses_ = new AnalysisView(ws_);
  // Screens not on display refresh when they are shown, not on every workspace change.
  monitor_->deferRefreshWhileHidden();
  results_->deferRefreshWhileHidden();
  outputs_->deferRefreshWhileHidden();
  analyses_->deferRefreshWhileHidden();
  tabs_->addTab(designer_, tr("&Designer"));
  tabs_->addTab(monitor_, tr("&Monitor"));
  tabs_->addTab(compare_, tr("C&ompare"));
  tabs_->addTab(results_, tr("&Results"));
  tabs_->addTab(outputs_, tr("O&utputs"));
  tabs_->addTab(analyses_, tr("&Analyses"));
  tabs_->setTabToolTip(0, tr("Design a study: base run, axes, seeds; preview its runs (Ctrl+1)."));
  tabs_->setTabToolTip(1, tr("Watch runs train, cancel or resume them (Ctrl+2)."));
  tabs_->setTabToolTip(2, tr("Overlay curves and compare final metrics of runs (Ctrl+3)."));
  tabs_->setTabToolTip(3, tr("The result table of a study, ready for a paper (Ctrl+4)."));
  tabs_->setTabToolTip(
      4, tr("Generation runs: each input, its references and every variant's output side by side (Ctrl+5)."));
  tabs_->setTabToolTip(5, tr("The paper's analyses of a study: score vs % parameters (Ctrl+6), single modules vs "
                             "merged (Ctrl+7), parallel coordinates with brushing (Ctrl+8)."));
  stack_->addWidget(welcome_);
  stack_->addWidget(tabs_);
  setCentralWidget(stack_);

  tree_ = new RunTree(ws_);
  treeDock_ = new QDockWidget(tr("Workspace"));
  treeDock_->setObjectName(QStringLiteral("WorkspaceDock"));
  treeDock_->setWidget(tree_);
  addDockWidget(Qt::LeftDockWidgetArea, treeDock_);
  resizeDocks({treeDock_}, {340}, Qt::Horizontal);  // room for "task · variant" labels; saved layouts win

  runActions_ = new RunActions(ws_, this);
  tree_->setRunActions(runActions_);
  results_->setRunActions(runActions_);
  connect(runActions_, &RunActions::jobStarted, this, [this](JobDialog* dlg) {
    connect(dlg, &JobDialog::jobFinished, this, [this, dlg](bool ok) {
      if (ok && !dlg->outputFolder().isEmpty())
        statusBar()->showMessage(tr("Written to %1").arg(QDir::toNativeSeparators(dlg->outputFolder())), 10000);
    });
  });

  wsLabel_ = new QLabel;
  statusBar()->addPermanentWidget(wsLabel_);

  buildMenus();

  connect(welcome_, &WelcomePage::demoRequested, this, &MainWindow::openDemo);
  connect(welcome_, &WelcomePage::createRequested, this, &MainWindow::createWorkspaceDialog);
  connect(welcome_, &WelcomePage::openRequested, this, &MainWindow::openWorkspaceDialog);
  connect(welcome_, &WelcomePage::recentRequested, this, [this](const QString& p) { openWorkspace(p); });
  connect(tree_, &RunTree::runsSelected, this, [this](const QList<qint64>& ids) {
    if (!ids.isEmpty()) compare_->setSelectedRuns(ids);
    if (!syncingSelection_) monitor_->selectRuns(ids);
    updateResumeAction();
  });
  // one selection: rows picked on the Monitor select those runs in the tree
  connect(monitor_, &MonitorView::runsSelected, this, [this](const QList<qint64>& ids) {
    syncingSelection_ = true;
    tree_->selectRuns(ids);
    syncingSelection_ = false;
  });
  connect(ws_, &Workspace::changed, this, &MainWindow::updateResumeAction);
  // the runs brushed on the parallel coordinates are the rows of the Results table and the tree's runs
  connect(analyses_->parallelPage(), &ParallelPage::brushedRunsChanged, this,
          [this](const std::vector<qint64>& ids, bool brushed) {
            results_->setBrushedRuns(brushed ? std::optional<std::vector<qint64>>(ids) : std::nullopt);
            QSet<qint64> outside;  // the plot's runs the brushes leave out go from the tree too
            if (brushed) {
              for (const ParallelRun& run : analyses_->parallelPage()->plot()->data().runs) outside.insert(run.id);
              for (qint64 id : ids) outside.remove(id);
            }
            tree_->setHiddenRuns(outside);
          });
  connect(tree_, &RunTree::studyActivated, this, [this](qint64 id) {
    results_->setStudy(id);
    analyses_->setStudy(id);
    outputs_->setStudy(id);
    if (monitor_->shownStudy() != id) {
      monitor_->showStudy(id);
      monitor_->selectRuns(tree_->selectedRuns());
    }
  });
  connect(tree_, &RunTree::runActivated, this, [this](qint64) { showScreen(Compare); });
  connect(designer_, &DesignerView::launchRequested, this, [this](const app::Study& s, const QString& path) {
    QApplication::setOverrideCursor(Qt::WaitCursor);
    QString err;
    const int n = ws_->launchStudy(s, path, false, &err);
    QApplication::restoreOverrideCursor();
    if (n < 0) {
      QMessageBox::warning(this, tr("Launch failed"), err);
      return;
    }
    try {  // the Monitor lists the launched study's runs (the finished ones too)
      if (const auto rec = ws_->store().findStudy(s.name)) monitor_->showStudy(rec->id);
    } catch (const std::exception&) {
    }
    statusBar()->showMessage(n == 0 ? tr("Study %1: every run already finished (see Results).").arg(s.name)
                                    : tr("Study %1: %2 runs queued.").arg(s.name).arg(n),
                             8000);
    showScreen(n == 0 ? Results : Monitor);
  });
  connect(designer_, &DesignerView::titleChanged, this, [this](const QString& t) {
    studyTitle_ = t;
    updateTitle();
  });
  connect(monitor_, &MonitorView::notice, this, [this](const QString& t) { statusBar()->showMessage(t, 6000); });
  connect(ws_, &Workspace::opened, this, [this](const QString& p) {
    addRecent(p);
    QSettings().setValue("workspace/last", p);
    stack_->setCurrentWidget(tabs_);
    treeDock_->show();
    updateTitle();
    results_->setStudy(std::nullopt);
    outputs_->setStudy(std::nullopt);
    analyses_->setStudy(std::nullopt);
    try {  // after a restart the Monitor shows the newest study, interrupted runs included
      std::optional<app::StudyRecord> newest;
      for (const app::StudyRecord& st : ws_->store().listStudies())
        if (!newest || st.created > newest->created || (st.created == newest->created && st.id > newest->id))
          newest = st;
      if (newest) monitor_->showStudy(newest->id);
    } catch (const std::exception&) {
    }
  });

  QSettings s;
  restoreGeometry(s.value("window/geometry").toByteArray());
  restoreState(s.value("window/state").toByteArray());
  tabs_->setCurrentIndex(s.value("window/tab", 0).toInt());
  if (!s.contains("window/geometry")) resize(1400, 900);
  showWelcome();
}

MainWindow::~MainWindow() = default;

void MainWindow::buildMenus() {
  QMenu* file = menuBar()->addMenu(tr("&File"));
  QAction* a =
      file->addAction(QIcon::fromTheme("folder-new"), tr("&New workspace…"), this, &MainWindow::createWorkspaceDialog);
  a->setShortcut(QKeySequence(QStringLiteral("Ctrl+Shift+N")));
  a = file->addAction(QIcon::fromTheme("folder-open"), tr("&Open workspace…"), this, &MainWindow::openWorkspaceDialog);
  a->setShortcut(QKeySequence::Open);
  file->addSeparator();
  a = file->addAction(QIcon::fromTheme("document-new"), tr("New s&tudy"), this, [this] {
    designer_->newStudy();
    showScreen(Designer);
  });
  a->setShortcut(QKeySequence::New);
  a = file->addAction(tr("Open st&udy…"), this, [this] {
    designer_->openWithDialog();
    showScreen(Designer);
  });
  a->setShortcut(QKeySequence(QStringLiteral("Ctrl+Shift+O")));
  a = file->addAction(QIcon::fromTheme("document-save"), tr("&Save study"), designer_, &DesignerView::save);
  a->setShortcut(QKeySequence::Save);
  a = file->addAction(tr("Save study &as…"), designer_, &DesignerView::saveAs);
  a->setShortcut(QKeySequence::SaveAs);
  file->addAction(tr("Open the &demo study"), this, &MainWindow::openDemo);
  file->addSeparator();
  a = file->addAction(tr("&Export table…"), results_, &ResultsView::exportWithDialog);
  a->setShortcut(QKeySequence(QStringLiteral("Ctrl+E")));
  a = file->addAction(tr("Export &plot…"), this, [this] {  // the plot on screen: an analysis, else Compare's
    if (tabs_->currentWidget() == analyses_)
      analyses_->exportWithDialog();
    else
      compare_->exportWithDialog();
  });
  a->setShortcut(QKeySequence(QStringLiteral("Ctrl+Shift+E")));
  file->addSeparator();
  file->addAction(tr("Se&ttings…"), this, &MainWindow::showSettings)->setShortcut(QKeySequence::Preferences);
  a = file->addAction(QIcon::fromTheme("application-exit"), tr("&Quit"), this, &QWidget::close);
  a->setShortcut(QKeySequence::Quit);

  QMenu* run = menuBar()->addMenu(tr("&Run"));
  a = run->addAction(QIcon::fromTheme("media-playback-start"), tr("&Launch study"), designer_, &DesignerView::launch);
  a->setShortcut(QKeySequence(QStringLiteral("Ctrl+R")));
  a = run->addAction(tr("&Cancel selected run"), monitor_, &MonitorView::cancelSelected);
  a->setShortcut(QKeySequence(QStringLiteral("Ctrl+.")));
  a = run->addAction(tr("Cancel &all runs"), monitor_, &MonitorView::cancelAll);
  a->setShortcut(QKeySequence(QStringLiteral("Ctrl+Shift+.")));
  resume_ = run->addAction(tr("&Resume selected runs"), this, &MainWindow::resumeSelectedRuns);
  resume_->setObjectName(QStringLiteral("resumeRuns"));
  resume_->setShortcut(QKeySequence(QStringLiteral("Ctrl+Shift+R")));
  resume_->setToolTip(tr("Queues the stopped runs selected in the workspace tree again, from their checkpoints."));
  resume_->setEnabled(false);
  monitor_->setResumeAction(resume_);

  QMenu* view = menuBar()->addMenu(tr("&View"));
  const char* names[] = {QT_TR_NOOP("&Designer"), QT_TR_NOOP("&Monitor"), QT_TR_NOOP("C&ompare"),
                         QT_TR_NOOP("&Results"), QT_TR_NOOP("O&utputs")};
  for (int i = 0; i < 5; ++i) {
    a = view->addAction(tr(names[i]), this, [this, i] { showScreen(Screen(i)); });
    a->setShortcut(QKeySequence(QStringLiteral("Ctrl+%1").arg(i + 1)));
  }
  QMenu* analysesMenu = view->addMenu(tr("&Analyses"));
  const char* pages[] = {QT_TR_NOOP("&Score vs % parameters"), QT_TR_NOOP("Single &modules vs merged"),
                         QT_TR_NOOP("&Parallel coordinates")};
  for (int i = 0; i < 3; ++i) {
    a = analysesMenu->addAction(tr(pages[i]), this, [this, i] {
      showScreen(Analyses);
      analyses_->showPage(AnalysisView::Page(i));
      analyses_->pages()->currentWidget()->setFocus();
    });
    a->setShortcut(QKeySequence(QStringLiteral("Ctrl+%1").arg(i + 6)));
  }
  view->addSeparator();
  a = view->addAction(tr("&Filter runs"), this, [this] {
    treeDock_->show();
    tree_->filterEdit()->setFocus();
    tree_->filterEdit()->selectAll();
  });
  a->setShortcut(QKeySequence::Find);
  a = view->addAction(tr("Re&fresh"), this, [this] {
    if (ws_->isOpen()) emit ws_->changed();
  });
  a->setShortcut(QKeySequence::Refresh);
  view->addAction(treeDock_->toggleViewAction());

  QMenu* help = menuBar()->addMenu(tr("&Help"));
  help->addAction(tr("&Keyboard shortcuts"), this,
                  [this] {
                    QMessageBox::information(
                        this, tr("Keyboard shortcuts"),
                        tr("<table>"
                           "<tr><td>Ctrl+1 … Ctrl+5</td><td>Designer, Monitor, Compare, Results, Outputs</td></tr>"
                           "<tr><td>Ctrl+6 / Ctrl+7 / Ctrl+8</td><td>Analyses: score vs % parameters, single "
                           "modules vs merged, parallel coordinates (Escape clears the brushes)</td></tr>"
                           "<tr><td>Ctrl+O / Ctrl+Shift+N</td><td>Open / create a workspace</td></tr>"
                           "<tr><td>Ctrl+N / Ctrl+Shift+O / Ctrl+S</td><td>New / open / save a study</td></tr>"
                           "<tr><td>Ctrl+R</td><td>Launch the study in the designer</td></tr>"
                           "<tr><td>Ctrl+. / Ctrl+Shift+.</td><td>Cancel the selected run / all runs</td></tr>"
                           "<tr><td>Ctrl+Shift+R</td><td>Resume the runs selected in the tree</td></tr>"
                           "<tr><td>Ctrl+E / Ctrl+Shift+E</td><td>Export the table / the plot on screen</td></tr>"
                           "<tr><td>Ctrl+F</td><td>Filter the run tree</td></tr>"
                           "<tr><td>F5</td><td>Refresh from the database</td></tr></table>"));
                  })
      ->setShortcut(QKeySequence::HelpContents);
  help->addAction(tr("&About AdaMix Studio"), this, [this] {
    QMessageBox::about(this, tr("About AdaMix Studio"),
                       tr("<b>AdaMix Studio</b> %1<br>A workbench for ablation studies of AdaMix "
                          "(mixture-of-adaptations PEFT, Wang et al., EMNLP 2022).")
                           .arg(QStringLiteral(ADAMIX_VERSION)));
  });
}

void MainWindow::resumeSelectedRuns() {
  const QList<qint64> ids = tree_->selectedRuns();
  QStringList errors;
  const int n = ws_->resumeRuns(ids, &errors);
  if (!errors.isEmpty()) QMessageBox::warning(this, tr("Resume"), errors.join(QLatin1Char('\n')));
  if (n > 0) statusBar()->showMessage(tr("%1 of the selected runs queued again.").arg(n), 6000);
  try {  // the Monitor lists the resumed runs' study
    if (const auto rec = n > 0 ? ws_->store().run(ids.first()) : std::nullopt;
        rec && rec->studyId && monitor_->shownStudy() != rec->studyId)
      monitor_->showStudy(*rec->studyId);
  } catch (const std::exception&) {
  }
  showScreen(Monitor);
  updateResumeAction();
}

void MainWindow::updateResumeAction() {
  bool any = false;
  for (qint64 id : tree_->selectedRuns()) any = any || ws_->canResume(id);
  resume_->setEnabled(any);
}

void MainWindow::showScreen(Screen s) {
  if (!ws_->isOpen() && s != Designer) return;
  stack_->setCurrentWidget(tabs_);
  tabs_->setCurrentIndex(int(s));
}

void MainWindow::showWelcome() {
  QSettings s;
  welcome_->setRecent(s.value("workspace/recent").toStringList());
  const QString demo = findDemoStudy();
  welcome_->setDemoAvailable(!demo.isEmpty(), demo);
  stack_->setCurrentWidget(welcome_);
  updateTitle();
}

bool MainWindow::openWorkspace(const QString& dbPath, bool quiet) {
  QString err;
  if (!ws_->open(dbPath, &err)) {
    if (!quiet) QMessageBox::warning(this, tr("Workspace"), err);
    return false;
  }
  wsLabel_->setText(QDir::toNativeSeparators(dbPath));
  return true;
}

bool MainWindow::restoreLastWorkspace() {
  const QString last = QSettings().value("workspace/last").toString();
  if (last.isEmpty() || !QFileInfo::exists(last)) return false;
  return openWorkspace(last, true);
}

bool MainWindow::openDemo() {
  const QString demo = findDemoStudy();
  if (demo.isEmpty()) {
    QMessageBox::information(this, tr("Demo study"), tr("The demo study experiments/demo.json was not found."));
    return false;
  }
  if (!ws_->isOpen() && !openWorkspace(defaultDemoWorkspace(demo))) return false;
  return openStudyFile(demo);
}

bool MainWindow::openStudyFile(const QString& path) {
  QString err;
  const bool ok = designer_->loadFile(path, &err);
  if (!ok && !err.isEmpty()) statusBar()->showMessage(err, 10000);
  stack_->setCurrentWidget(tabs_);
  tabs_->setCurrentIndex(Designer);
  return ok;
}

void MainWindow::createWorkspaceDialog() {
  const QString path = QFileDialog::getSaveFileName(this, tr("New workspace database"),
                                                    QDir::home().filePath("adamix-workspace/adamix.sqlite"),
                                                    tr("Workspace databases (*.sqlite)"));
  if (path.isEmpty()) return;
  openWorkspace(QFileInfo(path).suffix().isEmpty() ? path + ".sqlite" : path);
}

void MainWindow::openWorkspaceDialog() {
  const QString path = openFileDialog(this, tr("Open workspace"), workspaceFolder(ws_),
                                      tr("Workspace databases (*.sqlite *.db);;All files (*)"));
  if (!path.isEmpty()) openWorkspace(path);
}

void MainWindow::addRecent(const QString& path) {
  QSettings s;
  QStringList recent = s.value("workspace/recent").toStringList();
  recent.removeAll(path);
  recent.prepend(path);
  while (recent.size() > 8) recent.removeLast();
  s.setValue("workspace/recent", recent);
}

void MainWindow::updateTitle() {
  QString t = tr("AdaMix Studio");
  if (ws_->isOpen()) t = QFileInfo(ws_->dbPath()).fileName() + QStringLiteral(" — ") + t;
  if (!studyTitle_.isEmpty() && ws_->isOpen()) t = studyTitle_ + QStringLiteral(" · ") + t;
  setWindowTitle(t);
}

void MainWindow::showSettings() {
  QueueSettings q = QueueSettings::load();
  QDialog dlg(this);
  dlg.setWindowTitle(tr("Settings"));
  auto* form = new QFormLayout(&dlg);
  auto* jobs = new QSpinBox;
  jobs->setRange(1, 64);
  jobs->setValue(q.jobs);
  jobs->setToolTip(tr("How many runs train at the same time (default %1, the demo's setting: "
                      "experiments/demo.json trains with --jobs 2 --threads 1).")
                       .arg(QueueSettings::kDefaultJobs));
  auto* threads = new QSpinBox;
  threads->setRange(0, 256);
  threads->setValue(q.threadsPerRun);
  threads->setToolTip(tr("CPU threads per run (0 = the engine decides)."));
  auto* hb = new QSpinBox;
  hb->setRange(5, 3600);
  hb->setValue(q.heartbeatTimeoutS);
  hb->setToolTip(tr("A run silent for longer than this is stopped and marked lost."));
  auto* engine = new QLineEdit(q.enginePath);
  engine->setPlaceholderText(tr("automatic"));
  engine->setToolTip(tr("Path of adamix-engine; empty finds it next to this program or on PATH."));
  form->addRow(tr("Parallel runs"), jobs);
  form->addRow(tr("Threads per run"), threads);
  form->addRow(tr("Heartbeat timeout (s)"), hb);
  form->addRow(tr("Engine"), engine);
  auto* buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel);
  form->addRow(buttons);
  connect(buttons, &QDialogButtonBox::accepted, &dlg, &QDialog::accept);
  connect(buttons, &QDialogButtonBox::rejected, &dlg, &QDialog::reject);
  if (dlg.exec() != QDialog::Accepted) return;
  q.jobs = jobs->value();
  q.threadsPerRun = threads->value();
  q.heartbeatTimeoutS = hb->value();
  q.enginePath = engine->text().trimmed();
  q.save();
  statusBar()->showMessage(tr("Settings apply to the next workspace opened or the next app start."), 6000);
}

void MainWindow::closeEvent(QCloseEvent* event) {
  if (ws_->isBusy()) {
    const auto answer = QMessageBox::question(
        this, tr("Runs are training"),
        ws_->hasClusterRuns()
            ? tr("Quitting cancels the runs in progress on this machine; they stay resumable from their checkpoints. "
                 "Runs on Slurm go on and are followed again when the workspace is opened. Quit?")
            : tr("Quitting cancels the runs in progress; they stay resumable from their checkpoints. Quit?"));
    if (answer != QMessageBox::Yes) {
      event->ignore();
      return;
    }
  }
  QSettings s;
  s.setValue("window/geometry", saveGeometry());
  s.setValue("window/state", saveState());
  s.setValue("window/tab", tabs_->currentIndex());
  ws_->close();
  event->accept();
}

}  // namespace adamix::ui
