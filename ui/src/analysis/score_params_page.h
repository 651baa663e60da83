// Score vs % parameters (the paper's Fig. 1): each variant's mean score (± std over seeds) against
// its share of trainable or inference-time parameters, log x, the Pareto front as a staircase,
// every point labelled; one task at a time or the average over tasks.
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

/// The page. setData() with app::analysis::scoreVsParams() of a primary-metric pivot.
class ScoreParamsPage : public QWidget {
  Q_OBJECT
 public:
  /// Which parameter share is the x axis.
  enum class Cost { Trainable, Inference };

  explicit ScoreParamsPage(QWidget* parent = nullptr);
  void setData(std::vector<app::analysis::ScoreVsParams> data);
  /// Shows the task (`task` as stored, "" for the average); false when there is none.
  bool setTask(const QString& task);
  void setCost(Cost cost);
  QComboBox* taskBox() const { return task_; }
  QComboBox* costBox() const { return cost_; }
  PlotAdapter* adapter() const { return adapter_; }
  /// The note under the plot: the variants not drawn for want of parameter counts.
  QLabel* noteLabel() const { return note_; }

 private:
  void redraw();

  std::vector<app::analysis::ScoreVsParams> data_;
  QComboBox* task_;
  QComboBox* cost_;
  QCustomPlot* plot_;
  PlotAdapter* adapter_;
  QLabel* note_;
};

}  // namespace adamix::ui
