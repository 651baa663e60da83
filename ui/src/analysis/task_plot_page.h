// The frame that the Analyses screen's plot pages share: a "Task:" chooser in a bar (pages add
// their own controls after it), a plot drawn through PlotAdapter, and a note under it.
// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QWidget>

#include <utility>
#include <vector>

class QComboBox;
class QCustomPlot;
class QHBoxLayout;
class QLabel;

namespace adamix::ui {

class PlotAdapter;

/// A plot page: redraw() draws the task chosen in taskBox().
class TaskPlotPage : public QWidget {
  Q_OBJECT
 public:
  /// Shows the task (the combo's data: a task name as stored, "" for an average); false when the
  /// page has no such entry.
  bool setTask(const QString& task);
  QComboBox* taskBox() const { return task_; }
  PlotAdapter* adapter() const { return adapter_; }
  /// The note under the plot.
  QLabel* noteLabel() const { return note_; }

 protected:
  /// `taskHelp` is the chooser's tooltip, `empty` what the plot says before any data.
  TaskPlotPage(const QString& taskObjectName, const QString& taskHelp, const QString& empty, QWidget* parent);
  /// Refills the chooser with (text, task) entries, keeping the chosen task when it is still there,
  /// then redraws.
  void fillTasks(const std::vector<std::pair<QString, QString>>& entries);
  /// Draws the chosen task.
  virtual void redraw() = 0;

  QHBoxLayout* bar_;  ///< the controls' row: the task chooser, then the page's own
  QComboBox* task_;
  QCustomPlot* plot_;
  PlotAdapter* adapter_;
  QLabel* note_;
};

}  // namespace adamix::ui
