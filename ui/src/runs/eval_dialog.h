// "Evaluate on…" / "Predict test set…" dialog: a split of the run's task or a data file, and the
// inference mode (merged, random, ensemble, one module K).
// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "exec/eval_request.h"

#include <QDialog>

class QComboBox;
class QLineEdit;
class QRadioButton;
class QSpinBox;
class QDialogButtonBox;

namespace adamix::ui {

/// Asks what to evaluate a run on. `predict`: only the inference mode (the test split(s) are fixed).
class EvalDialog : public QDialog {
  Q_OBJECT
 public:
  EvalDialog(const app::RunRecord& run, bool predict, QWidget* parent = nullptr);

  /// The requests to run: one (evaluate), or one per test split of the task (predict).
  std::vector<app::EvalRequest> requests() const;
  /// The chosen inference mode ("" = the run's own setting).
  QString inference() const;

  QRadioButton* splitButton() const { return splitButton_; }
  QRadioButton* fileButton() const { return fileButton_; }
  QComboBox* splitCombo() const { return split_; }
  QLineEdit* fileEdit() const { return file_; }
  QComboBox* inferenceCombo() const { return inference_; }
  QSpinBox* moduleSpin() const { return module_; }

 private:
  void updateState();
  app::RunRecord run_;
  bool predict_;
  QRadioButton* splitButton_ = nullptr;
  QRadioButton* fileButton_ = nullptr;
  QComboBox* split_ = nullptr;
  QLineEdit* file_ = nullptr;
  QComboBox* inference_;
  QSpinBox* module_;
  QDialogButtonBox* buttons_;
};

}  // namespace adamix::ui
