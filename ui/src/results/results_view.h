// Results table: the orchestrator's pivot (variants × task metrics, mean ± std, n, average,
// best in bold), sortable, with CSV / Markdown / LaTeX export and copy to clipboard; with a
// baseline row chosen, each cell's significance against it (marks, tooltip, legend), computed
// off the GUI thread.
// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "analysis/study_analysis.h"
#include "export/pivot.h"
#include "shell/deferred_refresh.h"

#include <QElapsedTimer>
#include <QFutureWatcher>
#include <QSet>
#include <QWidget>

#include <optional>
#include <vector>

class QCheckBox;
class QMenu;
class QComboBox;
class QLabel;
class QTableWidget;
class QPushButton;

namespace adamix::ui {

class RunActions;
class Workspace;

/// Export formats of the results table.
enum class TableFormat { Csv, Markdown, Latex };

/// The results screen. The table shows exactly what the exports contain.
class ResultsView : public QWidget {
  Q_OBJECT
 public:
  explicit ResultsView(Workspace* workspace, QWidget* parent = nullptr);
  /// Gives the cursor back if a significance computation was still running (it ends on its own).
  ~ResultsView() override;

  /// Shows one study (nullopt: every study's runs).
  void setStudy(std::optional<qint64> studyId);
  /// Restricts the table to these runs (empty: all finished runs of the study).
  void setRunFilter(const QList<qint64>& runIds);
  /// The pivot currently shown.
  const app::PivotTable& pivot() const { return pivot_; }
  /// The export text of the current pivot (same as `adamix export`). With a baseline's significance
  /// shown, as `adamix export --baseline`: Markdown / LaTeX with the marks and their legend line,
  /// CSV the significance report (p-values and 95 % intervals of every cell).
  QString exportText(TableFormat format) const;
  /// Writes the export to `path`; the format follows the suffix (.csv, .md, .tex). False on error.
  bool exportToFile(const QString& path, QString* error = nullptr) const;
  /// Copies the export text to the clipboard.
  void copyToClipboard(TableFormat format) const;
  QTableWidget* table() const { return table_; }
  /// The warning above the table when its rows were trained with different settings outside the
  /// study's axes (app::settingsNote()) or its runs computed by different devices or kernels
  /// (app::computeNote()); hidden otherwise.
  QLabel* settingsWarning() const { return settingsWarning_; }
  /// Gives the table's context menu the actions of the runs behind a row (Evaluate on…, …).
  void setRunActions(RunActions* actions) { actions_ = actions; }
  /// The runs behind a table cell: its row's runs, of the column's task for a task column.
  QList<qint64> runsAt(int row, int column) const;
  /// The context menu of a table cell (caller owns it): copy actions, then per run its actions.
  QMenu* cellMenu(int row, int column);
  /// The "Baseline" chooser: "none", then each row of the table (data = its pivot row).
  QComboBox* baselineBox() const { return baseline_; }
  /// Tests every cell against pivot row `row` (-1: none), in the background; marks follow when done.
  void setBaseline(int row);
  /// The significance shown now (none while no baseline is chosen or it is being computed).
  const std::optional<app::analysis::SignificanceTable>& significance() const { return significance_; }
  /// True while the significance of the current baseline is being computed.
  bool significanceRunning() const { return sigWatcher_->isRunning(); }
  /// Blocks until a running significance computation ends and shows it (tests, screenshots).
  void waitForSignificance();
  /// The legend line under the table (app::analysis::significanceLegend()); hidden without baseline.
  QLabel* significanceLegendLabel() const { return legend_; }
  /// Resamples of the paired bootstrap (default 10,000).
  void setBootstrapResamples(int resamples) { resamples_ = resamples; }
  /// Keeps only the rows of these runs (the parallel coordinates' brushes); nullopt: no brush.
  void setBrushedRuns(const std::optional<std::vector<qint64>>& runIds);
  /// While hidden, refresh() waits until the view is shown (the main window's screens; off for a
  /// view used on its own). See DeferredRefresh.
  void deferRefreshWhileHidden() { deferred_->enable(); }

 public slots:
  /// Rebuilds the pivot from the store.
  void refresh();
  /// Asks for a file name and exports (used by the Export action).
  void exportWithDialog();

 private:
  DeferredRefresh* deferred_;
  void fillTable();
  /// Refills the baseline chooser with the pivot's rows, keeping the chosen row's label.
  void fillBaselineBox();
  /// Starts computing the significance against the chosen baseline (or clears it).
  void startSignificance();
  void significanceDone();
  Workspace* ws_;
  RunActions* actions_ = nullptr;
  QAction* copyAct_;
  QComboBox* study_;
  QComboBox* kind_;
  QCheckBox* primaryOnly_;
  QComboBox* baseline_;
  QTableWidget* table_;
  QLabel* legend_;
  QLabel* settingsWarning_;
  QLabel* status_;
  app::PivotTable pivot_;
  app::ResultSet results_;  ///< the runs behind pivot_
  QList<qint64> runFilter_;
  std::optional<QSet<qint64>> brushed_;
  std::optional<app::analysis::SignificanceTable> significance_;
  QFutureWatcher<app::analysis::SignificanceTable>* sigWatcher_;
  int sigGeneration_ = 0;  ///< the computation whose result is still wanted
  QString sigKey_;         ///< baseline, resamples and table of the significance shown or computing
  bool busyCursor_ = false;
  QElapsedTimer sigClock_;  ///< how long the last significance took (the legend's tooltip)
  int resamples_ = 10000;
};

}  // namespace adamix::ui
