// Outputs screen: each dev example side by side across a study's runs — generation runs' input,
// references and every variant's generated text (predictions/dev.jsonl), classification /
// regression runs' input text, gold label and every variant's predicted label (predictions/<dev
// split>.tsv joined on the example index, one table per dev file: MNLI's dev_matched and
// dev_mismatched each), for error analysis.
// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "export/predictions.h"
#include "shell/deferred_refresh.h"

#include <QWidget>

#include <vector>

class QCheckBox;
class QComboBox;
class QLabel;
class QLineEdit;
class QTableWidget;

namespace adamix::ui {

class Workspace;

/// Input | References (Gold label) | one column per run (variant, with the seed when a variant has
/// several), from app::predictionTablesFromStore; a "Table" picker when a study has several
/// (generation, and one per classification dev file: "mnli · dev_matched.tsv", "mnli ·
/// dev_mismatched.tsv"). A filter keeps the rows whose input, references or outputs contain a
/// text; "Disagreements only" the rows whose runs do not all predict the same; both look at every
/// row of the table before the first 2000 matching ones are listed. A wrong predicted label is red
/// and marked ✗. Copy puts the shown rows on the clipboard as Markdown (app::predictionsToMarkdown).
class OutputsView : public QWidget {
  Q_OBJECT
 public:
  explicit OutputsView(Workspace* workspace, QWidget* parent = nullptr);

  /// Shows one study (nullopt: every study's runs).
  void setStudy(std::optional<qint64> studyId);
  /// Keeps the rows containing `text` (case-insensitive; empty: all rows).
  void setFilter(const QString& text);
  /// Keeps only the rows where the runs' outputs are not all the same (off: all rows).
  void setDisagreementsOnly(bool on);
  /// Shows the table `index` of tables() (the "Table" picker).
  void setTable(int index);
  /// Every table of the study (generation first, then one per classification dev file).
  const std::vector<app::PredictionTable>& tables() const { return tables_; }
  /// The rows shown: those of the table passing the filter and the disagreement switch, at most the
  /// first 2000 of them (the status says so: "The first 2000 are listed; the filter narrows them.").
  const app::PredictionTable& shown() const { return shown_; }
  /// Markdown of the rows shown.
  QString markdown() const;
  QTableWidget* table() const { return table_; }
  QCheckBox* disagreementsBox() const { return disagreements_; }
  QComboBox* tablePicker() const { return tablePick_; }
  QLineEdit* filterEdit() const { return filter_; }
  /// The status line under the table (counts, the ✗ legend, files that could not be read).
  QString statusText() const;
  /// While hidden, refresh() waits until the view is shown (the main window's screens; off for a
  /// view used on its own). See DeferredRefresh.
  void deferRefreshWhileHidden() { deferred_->enable(); }

 public slots:
  /// Reloads the predictions from the store and the runs' predictions files.
  void refresh();

 protected:
  /// The table's viewport resized (the window, the row header taking its width, a vertical
  /// scroll bar appearing): a label table's input column is fitted again.
  bool eventFilter(QObject* watched, QEvent* event) override;

 private:
  /// "1 run", "3 runs side by side": the status line's count of columns.
  static QString runsSideBySide(qsizetype runs);
  void applyFilters();
  void fillTable();
  void fillTablePicker();
  void layOutColumns(bool labels);
  void fitInputColumn();
  const app::PredictionTable& current() const;
  DeferredRefresh* deferred_;
  Workspace* ws_;
  QComboBox* study_;
  QComboBox* tablePick_;
  QLabel* tableLabel_;
  QLineEdit* filter_;
  QCheckBox* disagreements_;
  QTableWidget* table_;
  QLabel* status_;
  QString readError_;
  std::vector<app::PredictionTable> tables_;
  app::PredictionTable shown_;
  int matching_ = 0;  ///< rows passing the filters (shown_ holds at most kMaxRowsShown of them)
};

}  // namespace adamix::ui
