// "Merge modules…" dialog: which merge strategies to run on a finished AdaMix run's saved modules
// (uniform averaging, greedy soup, learned merge weights) and how many train examples form the
// held-out split they are fitted on. The result of each is scored on the run's dev set and stored
// as an evaluation named after the strategy (docs/artifacts.md, `adamix-engine merge`).
// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "exec/eval_request.h"

#include <QDialog>

class QCheckBox;
class QDialogButtonBox;
class QSpinBox;

namespace adamix::ui {

/// Asks which strategies to merge a run's modules with. OK is enabled while at least one is chosen.
class MergeDialog : public QDialog {
  Q_OBJECT
 public:
  MergeDialog(const app::RunRecord& run, QWidget* parent = nullptr);

  /// One merge request per chosen strategy, in the order of app::mergeStrategies().
  std::vector<app::EvalRequest> requests() const;

  /// The check box of a strategy ("uniform", "greedy-soup", "learned"); nullptr for others.
  QCheckBox* strategyBox(const QString& strategy) const;
  /// Held-out train examples; 0 = the engine's default, min(1000, train size).
  QSpinBox* heldoutSpin() const { return heldout_; }

 private:
  void updateState();
  std::vector<std::pair<QString, QCheckBox*>> boxes_;
  QSpinBox* heldout_;
  QDialogButtonBox* buttons_;
};

}  // namespace adamix::ui
