// SPDX-License-Identifier: GPL-3.0-or-later
#include "designer/axes_editor.h"

#include "designer/field_editor.h"
#include "designer/option_help.h"
#include "study/value_text.h"

#include <QComboBox>
#include <QSignalBlocker>
#include <QHeaderView>
#include <QItemSelectionModel>

#include <set>

namespace adamix::ui {

using nlohmann::json;

namespace {
constexpr int kRawRole = Qt::UserRole;         // the row's file entry as JSON text
constexpr int kBundleRole = Qt::UserRole + 1;  // true for bundle (variant) axes
constexpr int kErrorRole = Qt::UserRole + 2;   // values cell: why a value is invalid ("" = valid)
constexpr int kTipRole = Qt::UserRole + 3;     // values cell: its tooltip before it was marked
}  // namespace

AxesEditor::AxesEditor(QWidget* parent) : QTableWidget(0, 2, parent) {
  setHorizontalHeaderLabels({tr("Axis (config path)"), tr("Values (comma separated)")});
  horizontalHeader()->setSectionResizeMode(0, QHeaderView::Interactive);
  horizontalHeader()->resizeSection(0, 240);
  horizontalHeader()->setStretchLastSection(true);
  verticalHeader()->setVisible(false);
  setToolTip(
      tr("Each axis multiplies the runs: pick a config field and list its values; "
         "bundle axes from a file (variants) are kept as they are."));
  setMinimumHeight(110);
  setTabKeyNavigation(false);  // Tab leaves the table (arrow keys move between cells): no focus trap
  connect(this, &QTableWidget::itemChanged, this, &AxesEditor::changed);
  connect(selectionModel(), &QItemSelectionModel::selectionChanged, this, &AxesEditor::selectionStateChanged);
}

void AxesEditor::addPathAxis(const QString& path, const QString& values) {
  const int r = rowCount();
  insertRow(r);
  auto* combo = new QComboBox;
  combo->addItems(axisPaths());
  combo->setEditable(true);
  combo->setCurrentText(path);
  combo->setToolTip(optionHelp(path));
  scrollPastUnfocused(combo);
  connect(combo, &QComboBox::currentTextChanged, this, [this, combo](const QString& p) {
    combo->setToolTip(optionHelp(p));
    emit changed();
  });
  setCellWidget(r, 0, combo);
  auto* item0 = new QTableWidgetItem;
  item0->setData(kBundleRole, false);
  item0->setData(kRawRole, QString());
  setItem(r, 0, item0);
  setItem(r, 1, new QTableWidgetItem(values));
  emit changed();
}

void AxesEditor::addBundleAxis(const json& raw) {
  const int r = rowCount();
  insertRow(r);
  auto* name = new QTableWidgetItem(
      QString::fromStdString(raw.is_object() ? raw.value("name", std::string("variant")) : std::string("?")));
  name->setData(kRawRole, QString::fromStdString(raw.dump()));
  name->setData(kBundleRole, true);
  name->setFlags(name->flags() & ~Qt::ItemIsEditable);
  name->setToolTip(tr("A bundle axis: each value is a labelled set of settings (edit it in the file)."));
  QStringList labels;
  if (raw.is_object())
    for (const json& v : raw.value("values", json::array()))
      labels << QString::fromStdString(v.is_object() ? v.value("label", std::string("?")) : v.dump());
  auto* values = new QTableWidgetItem(labels.join(QStringLiteral(" | ")));
  values->setFlags(values->flags() & ~Qt::ItemIsEditable);
  values->setToolTip(QString::fromStdString(raw.dump(2)));
  setItem(r, 0, name);
  setItem(r, 1, values);
}

void AxesEditor::setAxes(const std::vector<app::StudyDocument::Axis>& axes) {
  setRowCount(0);
  for (const app::StudyDocument::Axis& a : axes) {
    if (a.bundle) {
      addBundleAxis(a.raw);
      continue;
    }
    addPathAxis(a.path, app::valueListText(a.values));
    item(rowCount() - 1, 0)->setData(kRawRole, QString::fromStdString(a.raw.dump()));
  }
}

std::vector<app::StudyDocument::Axis> AxesEditor::axes() const {
  std::vector<app::StudyDocument::Axis> out;
  for (int r = 0; r < rowCount(); ++r) {
    app::StudyDocument::Axis a;
    const QTableWidgetItem* first = item(r, 0);
    a.raw = first ? json::parse(first->data(kRawRole).toString().toStdString(), nullptr, false) : json();
    if (a.raw.is_discarded()) a.raw = json();  // a row added here: no file entry behind it
    a.bundle = first && first->data(kBundleRole).toBool();
    if (!a.bundle) {
      auto* combo = qobject_cast<QComboBox*>(cellWidget(r, 0));
      a.path = combo ? combo->currentText() : QString();
      a.values = app::parseValueList(item(r, 1) ? item(r, 1)->text() : QString());
    }
    out.push_back(std::move(a));
  }
  return out;
}

void AxesEditor::addUnusedAxis() {
  QStringList used;
  for (int r = 0; r < rowCount(); ++r)
    if (auto* c = qobject_cast<QComboBox*>(cellWidget(r, 0))) used << c->currentText();
  QString path = axisPaths().first();
  for (const QString& p : axisPaths())
    if (!used.contains(p)) {
      path = p;
      break;
    }
  addPathAxis(path, {});
  selectRow(rowCount() - 1);  // Remove axis right after Add axis removes this row
}

void AxesEditor::markValuesInvalid(int row, const QString& message) {
  QTableWidgetItem* cell = item(row, 1);
  if (!cell) return;
  const QSignalBlocker block(this);  // a mark is no edit: no changed(), no revalidation loop
  if (cell->data(kErrorRole).toString().isEmpty()) cell->setData(kTipRole, cell->toolTip());
  cell->setData(kErrorRole, message);
  cell->setBackground(QColor(0xf8, 0xd0, 0xd0));
  cell->setForeground(QColor(0x8b, 0x00, 0x00));
  cell->setToolTip(message);
}

QString AxesEditor::valuesError(int row) const {
  const QTableWidgetItem* cell = item(row, 1);
  return cell ? cell->data(kErrorRole).toString() : QString();
}

void AxesEditor::clearValueMarks() {
  const QSignalBlocker block(this);
  for (int r = 0; r < rowCount(); ++r) {
    QTableWidgetItem* cell = item(r, 1);
    if (!cell || cell->data(kErrorRole).toString().isEmpty()) continue;
    cell->setData(kErrorRole, QVariant());
    cell->setData(Qt::BackgroundRole, QVariant());
    cell->setData(Qt::ForegroundRole, QVariant());
    cell->setToolTip(cell->data(kTipRole).toString());
  }
}

void AxesEditor::removeSelectedAxes() {
  std::set<int> rows;
  for (const QModelIndex& i : selectionModel()->selectedIndexes()) rows.insert(i.row());
  if (rows.empty()) return;
  for (auto r = rows.rbegin(); r != rows.rend(); ++r) removeRow(*r);
  emit changed();
  emit selectionStateChanged();
}

bool AxesEditor::hasSelectedRows() const { return selectionModel()->hasSelection(); }

}  // namespace adamix::ui
