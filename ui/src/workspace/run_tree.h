// The workspace tree: studies and their runs with state icons, a text filter and a status filter.
// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QSet>
#include <QWidget>

#include <optional>

class QComboBox;
class QMenu;
class QLineEdit;
class QTreeWidget;
class QTreeWidgetItem;
class QLabel;

namespace adamix::ui {

class RunActions;
class Workspace;

/// Tree of the workspace's studies (top level) and runs (children; "Imported runs" for runs
/// without a study). Multi-selection; `refresh()` keeps expansion and selection.
class RunTree : public QWidget {
  Q_OBJECT
 public:
  explicit RunTree(Workspace* workspace, QWidget* parent = nullptr);

  /// Store ids of the selected runs (a selected study contributes all its runs).
  QList<qint64> selectedRuns() const;
  /// The study of the current item, if any.
  std::optional<qint64> currentStudy() const;
  /// Selects these runs (and nothing else), expanding their collapsed studies; emits runsSelected().
  void selectRuns(const QList<qint64>& runIds);
  /// Number of runs shown after filtering (a run under two studies counts once).
  int visibleRunCount() const;
  QTreeWidget* tree() const { return tree_; }
  /// Gives run rows a context menu with these actions (Evaluate on…, Predict test set…, Export adapters…,
  /// Delete… of the selected runs) and study rows one with Delete study….
  void setRunActions(RunActions* actions) { actions_ = actions; }
  /// The context menu of one run row (caller owns it); nullptr without run actions.
  QMenu* runMenu(qint64 runId);
  QLineEdit* filterEdit() const { return filter_; }
  /// Hides these runs besides what the filters hide (the runs outside the parallel coordinates'
  /// brushes); empty: none.
  void setHiddenRuns(const QSet<qint64>& runIds);

 public slots:
  /// Reloads studies and runs from the store.
  void refresh();

 signals:
  /// The selection changed (run ids as selectedRuns()).
  void runsSelected(const QList<qint64>& runIds);
  /// A study (or one of its runs) became current.
  void studyActivated(qint64 studyId);
  /// A run was double-clicked.
  void runActivated(qint64 runId);

 private:
  void applyFilter();
  void showContextMenu(const QPoint& pos);
  Workspace* ws_;
  RunActions* actions_ = nullptr;
  QTreeWidget* tree_;
  QLineEdit* filter_;
  QComboBox* status_;
  QLabel* summary_;
  QSet<qint64> hidden_;
};

}  // namespace adamix::ui
