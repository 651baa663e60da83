// The designer's ablation-axes table: path axes edited as a config path (a combo of the usual
// paths, any path may be typed) and comma-separated values; bundle axes from a file (named
// variants) shown read-only and kept as they are.
// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "study/study_document.h"

#include <QTableWidget>

#include <vector>

namespace adamix::ui {

/// An editable table of the study's axes.
class AxesEditor : public QTableWidget {
  Q_OBJECT
 public:
  explicit AxesEditor(QWidget* parent = nullptr);
  /// Replaces the rows.
  void setAxes(const std::vector<app::StudyDocument::Axis>& axes);
  /// The rows as document axes, in order.
  std::vector<app::StudyDocument::Axis> axes() const;
  /// Appends a path axis row ("/peft/adamix/num_modules", "1, 4").
  void addPathAxis(const QString& path, const QString& values);
  /// Appends a path axis on the first axisPaths() entry no row uses yet and selects it.
  void addUnusedAxis();
  /// Removes the selected rows (every row with a selected cell); nothing when none is selected,
  /// never a row only current without being selected (Qt makes the first row current on focus).
  void removeSelectedAxes();
  /// True when a row is selected, i.e. removeSelectedAxes() would remove something.
  bool hasSelectedRows() const;
  /// Marks the values cell of `row` invalid: red background, `message` as its tooltip. Emits no
  /// changed().
  void markValuesInvalid(int row, const QString& message);
  /// The message of a marked values cell ("" when the cell is not marked).
  QString valuesError(int row) const;
  /// Clears every mark set by markValuesInvalid().
  void clearValueMarks();

 signals:
  /// A row was added, removed or edited.
  void changed();
  /// hasSelectedRows() may have changed (selection changed, rows added or removed).
  void selectionStateChanged();

 private:
  void addBundleAxis(const nlohmann::json& raw);
};

}  // namespace adamix::ui
