// The main window: workspace tree (dock), and the Designer, Monitor, Compare, Results, Outputs and Analyses screens
// as tabs; menus with shortcuts; geometry, layout and the last workspace persist in QSettings.
// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QMainWindow>

class QStackedWidget;
class QTabWidget;
class QDockWidget;
class QAction;
class QLabel;

namespace adamix::ui {

class AnalysisView;
class CompareView;
class DesignerView;
class MonitorView;
class OutputsView;
class ResultsView;
class RunActions;
class RunTree;
class WelcomePage;
class Workspace;

/// The application window.
class MainWindow : public QMainWindow {
  Q_OBJECT
 public:
  enum Screen { Designer = 0, Monitor = 1, Compare = 2, Results = 3, Outputs = 4, Analyses = 5 };

  explicit MainWindow(QWidget* parent = nullptr);
  ~MainWindow() override;

  /// Opens (creating if needed) a workspace database; shows an error box unless `quiet`.
  bool openWorkspace(const QString& dbPath, bool quiet = false);
  /// Reopens the last workspace (QSettings "workspace/last"); false if none or it fails.
  bool restoreLastWorkspace();
  /// Opens the demo workspace and loads the demo study in the designer.
  bool openDemo();
  /// Loads a study file in the designer and shows it.
  bool openStudyFile(const QString& path);
  void showScreen(Screen s);
  /// Shows the first-run page instead of the screens.
  void showWelcome();

  Workspace* workspace() const { return ws_; }
  RunTree* runTree() const { return tree_; }
  DesignerView* designer() const { return designer_; }
  MonitorView* monitor() const { return monitor_; }
  CompareView* compare() const { return compare_; }
  ResultsView* results() const { return results_; }
  OutputsView* outputs() const { return outputs_; }
  AnalysisView* analyses() const { return analyses_; }
  QTabWidget* tabs() const { return tabs_; }
  WelcomePage* welcome() const { return welcome_; }
  /// The run context-menu actions (Evaluate on…, Predict test set…, Export adapters…).
  RunActions* runActions() const { return runActions_; }
  /// Run ▸ Resume selected runs, also behind the Monitor's Resume button: queues the stopped
  /// runs selected in the workspace tree again (the one selection; Monitor rows mirror it).
  QAction* resumeAction() const { return resume_; }

 protected:
  void closeEvent(QCloseEvent* event) override;

 private:
  void buildMenus();
  void createWorkspaceDialog();
  void openWorkspaceDialog();
  void updateTitle();
  void addRecent(const QString& path);
  void showSettings();
  void resumeSelectedRuns();
  void updateResumeAction();

  Workspace* ws_;
  QStackedWidget* stack_;
  WelcomePage* welcome_;
  QTabWidget* tabs_;
  QDockWidget* treeDock_;
  RunTree* tree_;
  DesignerView* designer_;
  MonitorView* monitor_;
  CompareView* compare_;
  ResultsView* results_;
  OutputsView* outputs_;
  AnalysisView* analyses_;
  RunActions* runActions_;
  QAction* resume_ = nullptr;
  bool syncingSelection_ = false;  ///< the Monitor's selection is being copied into the tree
  QLabel* wsLabel_;
  QString studyTitle_;
};

}  // namespace adamix::ui
