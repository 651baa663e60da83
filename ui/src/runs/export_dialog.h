// "Export adapters…" dialog: the export format and the output folder (starting in the workspace folder).
// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "store/store.h"

#include <QDialog>

class QComboBox;
class QLabel;
class QLineEdit;

namespace adamix::ui {

/// Asks how and where to export a run's weights.
class ExportDialog : public QDialog {
  Q_OBJECT
 public:
  /// `workspaceDir`: the folder of the workspace database; the output folder starts in its exports/.
  ExportDialog(const app::RunRecord& run, const QString& workspaceDir, QWidget* parent = nullptr);

  QString format() const;
  QString outDir() const;
  QComboBox* formatCombo() const { return format_; }
  QLineEdit* outEdit() const { return out_; }

 private:
  /// The default folder for the current format: <workspace>/exports/<run>-<format>.
  QString defaultOut() const;
  app::RunRecord run_;
  QString workspaceDir_;
  QComboBox* format_;
  QLabel* about_;
  QLineEdit* out_;
  QString lastDefault_;
};

}  // namespace adamix::ui
