// Single modules vs merged (the paper's Fig. 5/6): per variant, the spread of its single modules'
// scores (module:k of every seed, a box plot with the points) beside the merged weights, random
// routing, the ensemble and any merge strategy (a point per seed and their mean), on one task.
// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "analysis/study_analysis.h"
#include "analysis/task_plot_page.h"

#include <vector>

namespace adamix::ui {

/// The page. setData() with app::analysis::modeDistributions().
class ModuleSpreadPage : public TaskPlotPage {
  Q_OBJECT
 public:
  explicit ModuleSpreadPage(QWidget* parent = nullptr);
  /// The task chooser's entries: the tasks on which some variant has single-module scores.
  void setData(std::vector<app::analysis::ModeDistribution> data);

 private:
  void redraw() override;
  /// What the box plot shows (the note's first line; the second, when the runs evaluated their
  /// modes as they ended, their cost per variant).
  static QString boxNote();

  std::vector<app::analysis::ModeDistribution> data_;
};

}  // namespace adamix::ui
