// SPDX-License-Identifier: GPL-3.0-or-later
#include "designer/tasks_editor.h"

#include <QHeaderView>
#include <QItemSelectionModel>

#include <set>

namespace adamix::ui {

using nlohmann::json;

namespace {
constexpr int kRawRole = Qt::UserRole;  // the row's file entry as JSON text
}  // namespace

TasksEditor::TasksEditor(QWidget* parent) : QTableWidget(0, 2, parent) {
  setHorizontalHeaderLabels({tr("Task"), tr("Data directory")});
  horizontalHeader()->setSectionResizeMode(1, QHeaderView::Stretch);
  verticalHeader()->setVisible(false);
  setToolTip(tr("GLUE task names (rte, sst2, mrpc, cola, stsb, qqp, mnli, qnli, wnli) and their data directories; "
                "Add task from file… adds a task read from your own CSV / TSV / JSONL files."));
  setMinimumHeight(90);
  setMaximumHeight(130);
  setTabKeyNavigation(false);  // Tab leaves the table (arrow keys move between cells): no focus trap
  connect(this, &QTableWidget::itemChanged, this, &TasksEditor::changed);
  connect(selectionModel(), &QItemSelectionModel::selectionChanged, this, &TasksEditor::selectionStateChanged);
}

void TasksEditor::setTasks(const std::vector<app::StudyDocument::Task>& tasks) {
  setRowCount(0);
  for (const app::StudyDocument::Task& t : tasks) {
    const int r = rowCount();
    insertRow(r);
    auto* name = new QTableWidgetItem(t.name);
    name->setData(kRawRole, QString::fromStdString(t.raw.dump()));
    setItem(r, 0, name);
    setItem(r, 1, new QTableWidgetItem(t.dataDir));
  }
}

std::vector<app::StudyDocument::Task> TasksEditor::tasks() const {
  std::vector<app::StudyDocument::Task> out;
  for (int r = 0; r < rowCount(); ++r) {
    const QTableWidgetItem* name = item(r, 0);
    const QTableWidgetItem* dir = item(r, 1);
    const json raw = name ? json::parse(name->data(kRawRole).toString().toStdString(), nullptr, false) : json();
    out.push_back(
        {name ? name->text() : QString(), dir ? dir->text() : QString(), raw.is_object() ? raw : json::object()});
  }
  return out;
}

void TasksEditor::addTask() {
  const int r = rowCount();
  insertRow(r);
  setItem(r, 0, new QTableWidgetItem(QStringLiteral("rte")));
  setItem(r, 1, new QTableWidgetItem(QStringLiteral("asset:glue/RTE")));
  selectRow(r);  // Remove task right after Add task removes this row
  emit changed();
}

void TasksEditor::addTaskEntry(const app::StudyDocument::Task& task) {
  const int r = rowCount();
  insertRow(r);
  auto* name = new QTableWidgetItem(task.name);
  name->setData(kRawRole, QString::fromStdString(task.raw.dump()));
  name->setToolTip(QString::fromStdString(task.raw.dump(1)));
  setItem(r, 0, name);
  setItem(r, 1, new QTableWidgetItem(task.dataDir));
  selectRow(r);
  emit changed();
}

void TasksEditor::removeSelectedTasks() {
  std::set<int> rows;
  for (const QModelIndex& i : selectionModel()->selectedIndexes()) rows.insert(i.row());
  if (rows.empty()) return;
  for (auto r = rows.rbegin(); r != rows.rend(); ++r) removeRow(*r);
  emit changed();
  emit selectionStateChanged();
}

bool TasksEditor::hasSelectedRows() const { return selectionModel()->hasSelection(); }

}  // namespace adamix::ui
