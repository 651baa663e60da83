// Score vs % parameters (the paper's Fig. 1): each variant's mean score (± std over seeds) against
// its share of trainable or inference-time parameters, log x, the Pareto front as a staircase,
// every point labelled; one task at a time or the average over tasks.
// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "analysis/study_analysis.h"
#include "analysis/task_plot_page.h"

#include <vector>

namespace adamix::ui {

/// The page (its note lists the variants not drawn for want of parameter counts). setData() with app::analysis::scoreVsParams() of a primary-metric pivot.
class ScoreParamsPage : public TaskPlotPage {
  Q_OBJECT
 public:
  /// Which parameter share is the x axis.
  enum class Cost { Trainable, Inference };

  explicit ScoreParamsPage(QWidget* parent = nullptr);
  /// The task chooser's entries: each task, and "Average" (data "").
  void setData(std::vector<app::analysis::ScoreVsParams> data);
  void setCost(Cost cost);
  QComboBox* costBox() const { return cost_; }

 private:
  void redraw() override;

  std::vector<app::analysis::ScoreVsParams> data_;
  QComboBox* cost_;
};

}  // namespace adamix::ui
