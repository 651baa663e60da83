// Single modules vs merged (the paper's Fig. 5/6): per variant, the spread of its single modules'
// scores (module:k of every seed, a box plot with the points) beside the merged weights, random
// routing, the ensemble and any merge strategy (a point per seed and their mean), on one task.
// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "analysis/study_analysis.h"

#include <QWidget>

#include <vector>

class QComboBox;
class QCustomPlot;
class QLabel;

namespace adamix::ui {

class PlotAdapter;

/// The page. setData() with app::analysis::modeDistributions().
class ModuleSpreadPage : public QWidget {
  Q_OBJECT
 public:
  explicit ModuleSpreadPage(QWidget* parent = nullptr);
  void setData(std::vector<app::analysis::ModeDistribution> data);
  /// Shows the task (as stored); false when no variant has single-module scores on it.
  bool setTask(const QString& task);
  QComboBox* taskBox() const { return task_; }
  PlotAdapter* adapter() const { return adapter_; }

 private:
  void redraw();

  std::vector<app::analysis::ModeDistribution> data_;
  QComboBox* task_;
  QCustomPlot* plot_;
  PlotAdapter* adapter_;
  QLabel* note_;
};

}  // namespace adamix::ui
