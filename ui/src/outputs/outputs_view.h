// Outputs screen: generated text of generation runs side by side — each dev input, its
// references and every variant's output (the predictions of the engine's NLG runs).
// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "export/predictions.h"
#include "shell/deferred_refresh.h"

#include <QWidget>

class QComboBox;
class QLabel;
class QLineEdit;
class QTableWidget;

namespace adamix::ui {

class Workspace;

/// Input | References | one column per run (variant, with the seed when a variant has several),
/// rows joined on identical input (app::predictionsFromStore). A filter keeps the rows whose
/// input, references or outputs contain a text; Copy puts the shown rows on the clipboard as
/// Markdown (app::predictionsToMarkdown).
class OutputsView : public QWidget {
  Q_OBJECT
 public:
  explicit OutputsView(Workspace* workspace, QWidget* parent = nullptr);

  /// Shows one study (nullopt: every study's generation runs).
  void setStudy(std::optional<qint64> studyId);
  /// Keeps the rows containing `text` (case-insensitive; empty: all rows).
  void setFilter(const QString& text);
  /// The rows shown (after the filter).
  const app::PredictionTable& shown() const { return shown_; }
  /// Markdown of the rows shown.
  QString markdown() const;
  QTableWidget* table() const { return table_; }
  /// While hidden, refresh() waits until the view is shown (the main window's screens; off for a
  /// view used on its own). See DeferredRefresh.
  void deferRefreshWhileHidden() { deferred_->enable(); }

 public slots:
  /// Reloads the predictions from the store and the runs' predictions files.
  void refresh();

 private:
  DeferredRefresh* deferred_;
  void fillTable();
  Workspace* ws_;
  QComboBox* study_;
  QLineEdit* filter_;
  QTableWidget* table_;
  QLabel* status_;
  app::PredictionTable all_, shown_;
};

}  // namespace adamix::ui
