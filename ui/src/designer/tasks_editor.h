// The designer's tasks table: task name and data directory per row; each row keeps the other
// keys its file entry had (per-task "set", limits).
// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "study/study_document.h"

#include <QTableWidget>

#include <vector>

namespace adamix::ui {

/// An editable table of the study's tasks.
class TasksEditor : public QTableWidget {
  Q_OBJECT
 public:
  explicit TasksEditor(QWidget* parent = nullptr);
  /// Replaces the rows.
  void setTasks(const std::vector<app::StudyDocument::Task>& tasks);
  /// The rows as document tasks, in order.
  std::vector<app::StudyDocument::Task> tasks() const;
  /// Appends an RTE row and selects it.
  void addTask();
  /// Appends `task` (name, data directory and its other keys, e.g. an own dataset's files and
  /// columns from OwnTaskDialog) and selects it.
  void addTaskEntry(const app::StudyDocument::Task& task);
  /// Removes the selected rows (every row with a selected cell); nothing when none is selected,
  /// never a row only current without being selected (Qt makes the first row current on focus).
  void removeSelectedTasks();
  /// True when a row is selected, i.e. removeSelectedTasks() would remove something.
  bool hasSelectedRows() const;

 signals:
  /// A row was added, removed or edited.
  void changed();
  /// hasSelectedRows() may have changed (selection changed, rows added or removed).
  void selectionStateChanged();
};

}  // namespace adamix::ui
