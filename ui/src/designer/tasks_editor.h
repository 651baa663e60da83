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
  /// Appends an RTE row.
  void addTask();
  /// Removes the current row, if any.
  void removeCurrentTask();

 signals:
  /// A row was added, removed or edited.
  void changed();
};

}  // namespace adamix::ui
