// SPDX-License-Identifier: GPL-3.0-or-later
#include "results/results_view.h"

#include "export/result_set.h"
#include "results/significance_text.h"
#include "runs/run_actions.h"
#include "shell/file_dialogs.h"
#include "shell/theme.h"
#include "workspace/study_combo.h"
#include "workspace/workspace.h"

#include <QApplication>
#include <QBrush>
#include <QCheckBox>
#include <QColor>
#include <QClipboard>
#include <QComboBox>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QMenu>
#include <QMessageBox>
#include <QPushButton>
#include <QSaveFile>
#include <QSet>
#include <QTableWidget>
#include <QToolButton>
#include <QVBoxLayout>
#include <QtConcurrent/QtConcurrentRun>

#include <cmath>

namespace adamix::ui {

namespace {

/// Sorts numerically by the mean (Qt::UserRole); empty cells sort last.
class NumberItem : public QTableWidgetItem {
 public:
  using QTableWidgetItem::QTableWidgetItem;
  bool operator<(const QTableWidgetItem& other) const override {
    const QVariant a = data(Qt::UserRole), b = other.data(Qt::UserRole);
    if (!a.isValid() || !b.isValid()) return a.isValid() && !b.isValid();
    return a.toDouble() < b.toDouble();
  }
};

QString cellText(const app::PivotCell& c, int decimals, int rowN) {
  if (c.n == 0 || !std::isfinite(c.mean)) return QStringLiteral("—");
  QString s = QString::number(c.mean, 'f', decimals);
  if (c.n >= 2 && std::isfinite(c.std)) s += QStringLiteral(" ± ") + QString::number(c.std, 'f', decimals);
  if (c.n < rowN) s += QStringLiteral(" (n=%1)").arg(c.n);
  return s;
}

}  // namespace

ResultsView::ResultsView(Workspace* workspace, QWidget* parent) : QWidget(parent), ws_(workspace) {
  deferred_ = new DeferredRefresh(this, [this] { refresh(); });
  auto* lay = new QVBoxLayout(this);
  auto* bar = new QHBoxLayout;
  study_ = new QComboBox;
  study_->setToolTip(tr("The study whose finished runs make up the table."));
  kind_ = new QComboBox;
  kind_->addItem(tr("Best dev evaluation"), QStringLiteral("best"));
  kind_->addItem(tr("Final evaluation"), QStringLiteral("final"));
  kind_->setToolTip(tr("Best: each run's best dev evaluation, as the paper selects; final: its last evaluation."));
  primaryOnly_ = new QCheckBox(tr("Primary metric only"));
  primaryOnly_->setToolTip(tr("One column per task (its primary metric) instead of every metric."));
  baseline_ = new QComboBox;
  baseline_->setObjectName(QStringLiteral("baselineBox"));
  baseline_->addItem(tr("none"), -1);
  baseline_->setSizeAdjustPolicy(QComboBox::AdjustToContents);
  baseline_->setToolTip(tr("Tests every cell against this row's cell in the same column: † Welch's t-test over "
                           "seeds, ‡ paired bootstrap over dev examples (p < 0.05); hover a cell for the numbers."));
  auto* baselineLabel = new QLabel(tr("&Baseline:"));
  baselineLabel->setBuddy(baseline_);
  auto* exportBtn = new QPushButton(QIcon::fromTheme("document-save-as"), tr("Export…"));
  exportBtn->setToolTip(tr("Saves the table as CSV, Markdown or LaTeX (by file suffix)."));
  auto* copyBtn = new QToolButton;
  copyBtn->setText(tr("Copy"));
  copyBtn->setToolTip(tr("Copies the table as Markdown; the arrow offers CSV and LaTeX."));
  copyBtn->setPopupMode(QToolButton::MenuButtonPopup);
  auto* copyMenu = new QMenu(copyBtn);
  copyMenu->addAction(tr("Copy as Markdown"), this, [this] { copyToClipboard(TableFormat::Markdown); });
  copyMenu->addAction(tr("Copy as CSV"), this, [this] { copyToClipboard(TableFormat::Csv); });
  copyMenu->addAction(tr("Copy as LaTeX"), this, [this] { copyToClipboard(TableFormat::Latex); });
  copyBtn->setMenu(copyMenu);
  connect(copyBtn, &QToolButton::clicked, this, [this] { copyToClipboard(TableFormat::Markdown); });
  bar->addWidget(new QLabel(tr("Study:")));
  bar->addWidget(study_, 1);
  bar->addWidget(kind_);
  bar->addWidget(primaryOnly_);
  bar->addWidget(baselineLabel);
  bar->addWidget(baseline_);
  bar->addStretch();
  bar->addWidget(copyBtn);
  bar->addWidget(exportBtn);
  lay->addLayout(bar);
  settingsWarning_ = newWarningNote(QStringLiteral("settingsWarning"));
  lay->addWidget(settingsWarning_);
  table_ = new QTableWidget;
  table_->setSortingEnabled(true);
  table_->setEditTriggers(QAbstractItemView::NoEditTriggers);
  table_->setAlternatingRowColors(true);
  table_->verticalHeader()->setVisible(false);
  table_->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
  table_->setContextMenuPolicy(Qt::CustomContextMenu);
  copyAct_ = new QAction(tr("Copy table as Markdown"), table_);
  copyAct_->setShortcut(QKeySequence::Copy);
  copyAct_->setShortcutContext(Qt::WidgetShortcut);
  connect(copyAct_, &QAction::triggered, this, [this] { copyToClipboard(TableFormat::Markdown); });
  table_->addAction(copyAct_);  // the shortcut works without the menu
  connect(table_, &QWidget::customContextMenuRequested, this, [this](const QPoint& pos) {
    const QModelIndex index = table_->indexAt(pos);
    QMenu* menu = cellMenu(index.isValid() ? index.row() : -1, index.isValid() ? index.column() : -1);
    menu->setAttribute(Qt::WA_DeleteOnClose);
    menu->popup(table_->viewport()->mapToGlobal(pos));
  });
  lay->addWidget(table_, 1);
  legend_ = new QLabel;
  legend_->setObjectName(QStringLiteral("significanceLegend"));
  legend_->setWordWrap(true);
  legend_->setTextInteractionFlags(Qt::TextSelectableByMouse);
  legend_->hide();
  lay->addWidget(legend_);
  status_ = new QLabel;
  status_->setWordWrap(true);
  lay->addWidget(status_);

  connect(exportBtn, &QPushButton::clicked, this, &ResultsView::exportWithDialog);
  connect(study_, &QComboBox::activated, this, [this] {
    runFilter_.clear();
    refresh();
  });
  connect(kind_, &QComboBox::currentIndexChanged, this, &ResultsView::refresh);
  connect(primaryOnly_, &QCheckBox::toggled, this, &ResultsView::refresh);
  connect(ws_, &Workspace::changed, this, &ResultsView::refresh);
  sigWatcher_ = new QFutureWatcher<app::analysis::SignificanceTable>(this);
  connect(sigWatcher_, &QFutureWatcherBase::finished, this, &ResultsView::significanceDone);
  connect(baseline_, &QComboBox::activated, this, [this] { startSignificance(); });
  setTabOrder(primaryOnly_, baseline_);
}

ResultsView::~ResultsView() {
  if (busyCursor_) QApplication::restoreOverrideCursor();
}

void ResultsView::setStudy(std::optional<qint64> studyId) {
  fillStudyCombo(study_, ws_);
  const int idx = studyId ? study_->findData(*studyId) : 0;
  if (idx >= 0) study_->setCurrentIndex(idx);
  runFilter_.clear();
  refresh();
}

void ResultsView::setRunFilter(const QList<qint64>& runIds) {
  runFilter_ = runIds;
  refresh();
}

void ResultsView::refresh() {
  if (deferred_->postpone()) return;
  fillStudyCombo(study_, ws_);
  pivot_ = {};
  if (!ws_->isOpen()) {
    fillTable();
    status_->setText(tr("Open a workspace to see results."));
    return;
  }
  try {
    app::ResultSet rs = app::resultSetFromStore(ws_->store(), chosenStudy(study_));
    if (!runFilter_.isEmpty() || brushed_) {
      const QSet<qint64> keep(runFilter_.begin(), runFilter_.end());
      std::vector<app::RunResult> kept;
      for (auto& r : rs.runs)
        if ((keep.isEmpty() || keep.contains(r.runId)) && (!brushed_ || brushed_->contains(r.runId)))
          kept.push_back(std::move(r));
      rs.runs = std::move(kept);
    }
    app::PivotOptions po;
    po.kind = kind_->currentData().toString();
    po.primaryOnly = primaryOnly_->isChecked();
    pivot_ = app::buildPivot(rs, po);
    results_ = std::move(rs);
    status_->setText(results_.runs.empty()
                         ? tr("No finished runs with results yet.")
                         : tr("%1 finished runs%2. Cells: mean ± sample std over seeds; bold: best in column%3; "
                              "\"eval …\" columns: evaluations of the runs' saved weights (right-click a row).")
                               .arg(results_.runs.size())
                               .arg(brushed_          ? tr(" (the runs under the parallel coordinates' brushes)")
                                    : runFilter_.isEmpty() ? QString()
                                                           : tr(" (the selected ones)"))
                               .arg(pivot_.settings.empty() ? QString() : tr(" among rows that differ only in the study's axes")));
  } catch (const std::exception& e) {
    status_->setText(tr("Cannot build the table: %1").arg(QString::fromUtf8(e.what())));
  }
  fillBaselineBox();
  startSignificance();  // fills the table (marks follow when computed)
}

void ResultsView::setBrushedRuns(const std::optional<std::vector<qint64>>& runIds) {
  if (runIds)
    brushed_ = QSet<qint64>(runIds->begin(), runIds->end());
  else
    brushed_.reset();
  refresh();
}

void ResultsView::fillBaselineBox() {
  const QString chosen = baseline_->currentIndex() > 0 ? baseline_->currentText() : QString();
  baseline_->clear();
  baseline_->addItem(tr("none"), -1);
  for (std::size_t r = 0; r < pivot_.rowLabels.size(); ++r)
    baseline_->addItem(pivot_.rowLabels[r].join(QStringLiteral(", ")), int(r));
  const int keep = chosen.isEmpty() ? 0 : baseline_->findText(chosen);
  baseline_->setCurrentIndex(std::max(0, keep));
}

void ResultsView::setBaseline(int row) {
  const int i = baseline_->findData(row);
  baseline_->setCurrentIndex(std::max(0, i));
  startSignificance();
}

void ResultsView::startSignificance() {
  const int row = baseline_->currentData().toInt();
  // the same table against the same baseline (a workspace change elsewhere): the tests stand
  const QString key = QStringLiteral("%1\n%2\n%3").arg(row).arg(resamples_).arg(app::pivotToCsv(pivot_));
  if (row >= 0 && key == sigKey_ && (significance_ || sigWatcher_->isRunning())) {
    fillTable();
    return;
  }
  sigKey_ = row >= 0 ? key : QString();
  ++sigGeneration_;
  significance_.reset();
  if (row < 0 || std::size_t(row) >= pivot_.rowRuns.size()) {
    legend_->hide();
    if (busyCursor_) QApplication::restoreOverrideCursor();
    busyCursor_ = false;
    fillTable();
    return;
  }
  app::analysis::SignificanceOptions options;
  options.baselineRow = row;
  options.resamples = resamples_;
  legend_->setText(tr("Testing every cell against %1 (Welch over seeds, paired bootstrap over dev examples)…")
                       .arg(baseline_->currentText()));
  legend_->show();
  fillTable();
  if (!busyCursor_) QApplication::setOverrideCursor(Qt::BusyCursor);  // the GUI stays live; the cursor says why
  busyCursor_ = true;
  const int generation = sigGeneration_;
  sigWatcher_->setProperty("generation", generation);
  sigClock_.start();
  // copies: the table may be rebuilt while the tests run
  sigWatcher_->setFuture(QtConcurrent::run([pivot = pivot_, results = results_, options] {
    return app::analysis::significance(pivot, results, options);
  }));
}

void ResultsView::significanceDone() {
  if (sigWatcher_->property("generation").toInt() != sigGeneration_) return;  // a newer one runs
  if (busyCursor_) QApplication::restoreOverrideCursor();
  busyCursor_ = false;
  try {
    significance_ = sigWatcher_->result();
    legend_->setText(app::analysis::significanceLegend(*significance_));
    legend_->setToolTip(tr("Computed in %1 s.").arg(double(sigClock_.elapsed()) / 1000.0, 0, 'f', 2));
  } catch (const std::exception& e) {
    legend_->setText(tr("No significance: %1").arg(QString::fromUtf8(e.what())));
  }
  fillTable();
}

void ResultsView::waitForSignificance() {
  if (!sigWatcher_->isRunning() && !sigWatcher_->isFinished()) return;
  sigWatcher_->waitForFinished();
  if (!significance_ && sigWatcher_->property("generation").toInt() == sigGeneration_ &&
      baseline_->currentData().toInt() >= 0)
    significanceDone();
}

void ResultsView::fillTable() {
  table_->setSortingEnabled(false);
  table_->clear();
  const int labelCols = int(pivot_.rowHeaders.size());
  const int cols = labelCols + int(pivot_.columns.size()) + (pivot_.columns.empty() ? 0 : 1);
  table_->setColumnCount(cols);
  table_->setRowCount(int(pivot_.rowLabels.size()));
  QStringList headers = pivot_.rowHeaders;
  for (const auto& c : pivot_.columns) headers << c.header;
  if (!pivot_.columns.empty()) headers << QStringLiteral("n");
  table_->setHorizontalHeaderLabels(headers);
  // Settings in which runs differ outside the axes: flagged columns and a warning above the table.
  const int firstSetting = labelCols - int(pivot_.settings.size());
  // … and runs computed by different devices or kernels (app::computeNote()).
  QStringList notes;
  for (const QString& note : {app::settingsNote(pivot_), app::computeNote(pivot_)})
    if (!note.isEmpty()) notes << QStringLiteral("⚠ ") + note;
  settingsWarning_->setText(notes.join(u'\n'));
  settingsWarning_->setVisible(!notes.isEmpty());
  const QBrush settingBrush(warningBackground());
  for (int c = firstSetting; c < labelCols; ++c) {
    QTableWidgetItem* h = table_->horizontalHeaderItem(c);
    h->setText(QStringLiteral("⚠ ") + h->text());
    h->setToolTip(tr("Not an axis of the study: runs of this table were trained with different values of "
                     "%1, so rows with different values here are not comparable.")
                      .arg(QString::fromStdString(pivot_.settings[size_t(c - firstSetting)])));
  }
  for (int r = 0; r < int(pivot_.rowLabels.size()); ++r) {
    for (int c = 0; c < labelCols && c < pivot_.rowLabels[size_t(r)].size(); ++c) {
      auto* label = new QTableWidgetItem(pivot_.rowLabels[size_t(r)][c]);
      label->setData(Qt::UserRole + 1, r);  // the pivot row, kept through sorting (runsAt)
      if (c >= firstSetting) {
        label->setBackground(settingBrush);
        label->setForeground(warningText());  // readable on the tint in light and dark themes
      }
      table_->setItem(r, c, label);
    }
    const int rowN = r < int(pivot_.rowN.size()) ? pivot_.rowN[size_t(r)] : 0;
    for (int c = 0; c < int(pivot_.columns.size()); ++c) {
      const app::PivotCell& cell = pivot_.cells[size_t(r)][size_t(c)];
      QString text = cellText(cell, pivot_.decimals, rowN);
      QStringList tips;
      if (significance_ && size_t(r) < significance_->cells.size() &&
          size_t(c) < significance_->cells[size_t(r)].size())
        if (const auto& sig = significance_->cells[size_t(r)][size_t(c)]) {
          const QString marks = significanceMarks(*sig, significance_->options.alpha);
          if (!marks.isEmpty()) text += QLatin1Char(' ') + marks;
          tips << significanceTooltip(*sig, significance_->baselineLabel, pivot_.decimals);
        }
      if (significance_ && r == significance_->baselineRow && cell.n > 0)
        tips << tr("The baseline of the significance marks");
      auto* item = new NumberItem(text);
      if (cell.n > 0 && std::isfinite(cell.mean)) item->setData(Qt::UserRole, cell.mean);
      item->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
      if (cell.best) {
        QFont f = item->font();
        f.setBold(true);
        item->setFont(f);
        tips.prepend(tr("Best value in this column"));
      }
      item->setToolTip(tips.join(QStringLiteral("\n\n")));
      table_->setItem(r, labelCols + c, item);
    }
    if (!pivot_.columns.empty()) {
      auto* n = new NumberItem(QString::number(rowN));
      n->setData(Qt::UserRole, rowN);
      n->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
      table_->setItem(r, cols - 1, n);
    }
  }
  table_->setSortingEnabled(true);
}

QList<qint64> ResultsView::runsAt(int row, int column) const {
  const QTableWidgetItem* label = row >= 0 ? table_->item(row, 0) : nullptr;
  if (!label) return {};
  const int pivotRow = label->data(Qt::UserRole + 1).toInt();
  if (pivotRow < 0 || pivotRow >= int(pivot_.rowRuns.size())) return {};
  const int labelCols = int(pivot_.rowHeaders.size());
  const int c = column - labelCols;
  const QString task = c >= 0 && c < int(pivot_.columns.size()) ? pivot_.columns[size_t(c)].task : QString();
  QList<qint64> out;
  for (qint64 id : pivot_.rowRuns[size_t(pivotRow)]) {
    if (!task.isEmpty()) {
      const auto run = ws_->store().run(id);
      if (!run || run->task != task) continue;
    }
    out << id;
  }
  return out;
}

QMenu* ResultsView::cellMenu(int row, int column) {
  auto* menu = new QMenu(table_);
  menu->addAction(copyAct_);
  if (!actions_ || !ws_->isOpen()) return menu;
  QList<qint64> runs;
  try {
    runs = runsAt(row, column);
  } catch (const std::exception&) {
    return menu;  // the store went away: copying still works
  }
  for (qint64 id : runs) {
    const auto run = ws_->store().run(id);
    if (!run) continue;
    const QString title = runTitle(*run);
    if (runs.size() == 1) {
      menu->addSection(title);
      actions_->addActions(menu, id);
    } else {
      QMenu* sub = menu->addMenu(title);
      sub->setObjectName(QStringLiteral("run-%1").arg(id));
      actions_->addActions(sub, id);
    }
  }
  return menu;
}

QString ResultsView::exportText(TableFormat format) const {
  if (significance_) {  // a baseline is chosen: the marks and legend as `adamix export --baseline` writes them
    const app::PivotMarks marks = app::analysis::significanceMarks(*significance_);
    switch (format) {
      case TableFormat::Csv: return app::analysis::significanceToCsv(pivot_, *significance_);
      case TableFormat::Markdown: return app::pivotToMarkdown(pivot_, &marks);
      case TableFormat::Latex: return app::pivotToLatex(pivot_, &marks);
    }
  }
  switch (format) {
    case TableFormat::Csv: return app::pivotToCsv(pivot_);
    case TableFormat::Markdown: return app::pivotToMarkdown(pivot_);
    case TableFormat::Latex: return app::pivotToLatex(pivot_);
  }
  return {};
}

bool ResultsView::exportToFile(const QString& path, QString* error) const {
  const QString suffix = QFileInfo(path).suffix().toLower();
  TableFormat f = TableFormat::Markdown;
  if (suffix == QLatin1String("csv"))
    f = TableFormat::Csv;
  else if (suffix == QLatin1String("tex"))
    f = TableFormat::Latex;
  QSaveFile file(path);
  if (!file.open(QIODevice::WriteOnly) || file.write(exportText(f).toUtf8()) < 0 || !file.commit()) {
    if (error) *error = tr("Cannot write %1: %2").arg(path, file.errorString());
    return false;
  }
  return true;
}

void ResultsView::copyToClipboard(TableFormat format) const { QApplication::clipboard()->setText(exportText(format)); }

void ResultsView::exportWithDialog() {
  QString selected;
  const QString path = saveFileDialog(this, tr("Export results table"), workspaceFolder(ws_), study_->currentText() + ".md",
                                      tr("Markdown (*.md);;LaTeX booktabs (*.tex);;CSV (*.csv)"), &selected);
  if (path.isEmpty()) return;
  QString p = path;
  if (QFileInfo(p).suffix().isEmpty()) {
    if (selected.contains("tex"))
      p += ".tex";
    else if (selected.contains("csv"))
      p += ".csv";
    else
      p += ".md";
  }
  QString err;
  if (!exportToFile(p, &err))
    QMessageBox::warning(this, tr("Export failed"), err);
  else
    status_->setText(tr("Exported to %1").arg(p));
}

}  // namespace adamix::ui
