// SPDX-License-Identifier: GPL-3.0-or-later
#include "outputs/outputs_view.h"

#include "workspace/study_combo.h"
#include "workspace/workspace.h"

#include <QApplication>
#include <QCheckBox>
#include <QClipboard>
#include <QComboBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QRegularExpression>
#include <QTableWidget>
#include <QVBoxLayout>

namespace adamix::ui {

namespace {

/// At most this many rows in the table (a filter narrows the rest; GLUE's largest dev sets hold
/// tens of thousands of examples).
constexpr int kMaxRowsShown = 2000;

/// The colour of a wrong predicted label (the run tree's colour of a failed run).
const QColor kWrongColor(0xd6, 0x27, 0x28);

/// A table's name in the "Table" picker.
QString pickerName(const app::PredictionTable& t) {
  return t.kind == app::PredictionKind::Generation ? OutputsView::tr("Generated text") : t.title;
}

/// A run column's header broken at spaces into lines of about 12 characters, its "(seed N)" on a
/// line of its own, so that a labels table's narrow columns show the whole variant
/// ("AdaMix w/o\nconsistency\n(seed 1)").
QString wrappedHeader(const QString& label) {
  QString variant = label, seed;
  static const QRegularExpression seedSuffix(QStringLiteral("^(.*) (\\(seed [0-9]+\\))$"));
  if (const QRegularExpressionMatch m = seedSuffix.match(label); m.hasMatch()) {
    variant = m.captured(1);
    seed = m.captured(2);
  }
  QStringList lines;
  for (const QString& word : variant.split(u' ', Qt::SkipEmptyParts)) {
    if (!lines.isEmpty() && lines.back().size() + 1 + word.size() <= 12)
      lines.back() += u' ' + word;
    else
      lines << word;
  }
  if (!seed.isEmpty()) lines << seed;
  return lines.join(u'\n');
}

}  // namespace

OutputsView::OutputsView(Workspace* workspace, QWidget* parent) : QWidget(parent), ws_(workspace) {
  deferred_ = new DeferredRefresh(this, [this] { refresh(); });
  auto* lay = new QVBoxLayout(this);
  auto* bar = new QHBoxLayout;
  study_ = new QComboBox;
  study_->setToolTip(tr("The study whose runs are shown side by side."));
  tablePick_ = new QComboBox;
  tablePick_->setToolTip(tr("Runs are compared per dev file: the generation runs, and the classification or "
                            "regression runs of each task, one table per dev split (MNLI: dev_matched and "
                            "dev_mismatched)."));
  tableLabel_ = new QLabel(tr("Table:"));
  filter_ = new QLineEdit;
  filter_->setPlaceholderText(tr("Filter: text in the input, a reference or label, or an output"));
  filter_->setClearButtonEnabled(true);
  disagreements_ = new QCheckBox(tr("Disagreements only"));
  disagreements_->setToolTip(tr("Only the examples where the runs shown do not all predict the same."));
  auto* copyBtn = new QPushButton(tr("Copy as Markdown"));
  copyBtn->setToolTip(tr("Copies the rows shown as a Markdown table (Input | References or Gold label | each "
                         "variant)."));
  bar->addWidget(new QLabel(tr("Study:")));
  bar->addWidget(study_, 1);
  bar->addWidget(tableLabel_);
  bar->addWidget(tablePick_, 1);
  bar->addWidget(filter_, 2);
  bar->addWidget(disagreements_);
  bar->addWidget(copyBtn);
  lay->addLayout(bar);
  table_ = new QTableWidget;
  table_->setEditTriggers(QAbstractItemView::NoEditTriggers);
  table_->setAlternatingRowColors(true);
  table_->setWordWrap(true);
  table_->setTextElideMode(Qt::ElideNone);
  table_->setVerticalScrollMode(QAbstractItemView::ScrollPerPixel);
  table_->horizontalHeader()->setSectionResizeMode(QHeaderView::Stretch);
  // the viewport takes its final width only when the table lays itself out after it was filled
  // (the row header's width, a vertical scroll bar): the input column is fitted again then, so
  // that the last column is not cut
  table_->viewport()->installEventFilter(this);
  table_->verticalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
  lay->addWidget(table_, 1);
  status_ = new QLabel;
  status_->setWordWrap(true);
  status_->setTextFormat(Qt::PlainText);
  lay->addWidget(status_);
  tableLabel_->hide();
  tablePick_->hide();

  connect(study_, &QComboBox::activated, this, &OutputsView::refresh);
  connect(tablePick_, &QComboBox::activated, this, &OutputsView::setTable);
  connect(filter_, &QLineEdit::textChanged, this, &OutputsView::setFilter);
  connect(disagreements_, &QCheckBox::toggled, this, &OutputsView::setDisagreementsOnly);
  connect(copyBtn, &QPushButton::clicked, this, [this] { QApplication::clipboard()->setText(markdown()); });
  connect(ws_, &Workspace::changed, this, &OutputsView::refresh);
}

void OutputsView::setStudy(std::optional<qint64> studyId) {
  fillStudyCombo(study_, ws_);
  const int idx = studyId ? study_->findData(*studyId) : 0;
  if (idx >= 0) study_->setCurrentIndex(idx);
  refresh();
}

void OutputsView::refresh() {
  if (deferred_->postpone()) return;
  fillStudyCombo(study_, ws_);
  tables_.clear();
  readError_.clear();
  if (ws_->isOpen()) {
    try {
      tables_ = app::predictionTablesFromStore(ws_->store(), chosenStudy(study_));
    } catch (const std::exception& e) {
      readError_ = tr("Cannot read the predictions: %1").arg(QString::fromUtf8(e.what()));
    }
  }
  fillTablePicker();
  applyFilters();
}

void OutputsView::fillTablePicker() {
  const QString before = tablePick_->currentText();
  const QSignalBlocker block(tablePick_);
  tablePick_->clear();
  for (const app::PredictionTable& t : tables_) tablePick_->addItem(pickerName(t));
  const int keep = tablePick_->findText(before);
  tablePick_->setCurrentIndex(keep >= 0 ? keep : 0);
  const bool several = tables_.size() > 1;
  tableLabel_->setVisible(several);
  tablePick_->setVisible(several);
}

void OutputsView::setTable(int index) {
  if (index < 0 || index >= int(tables_.size())) return;
  if (tablePick_->currentIndex() != index) {
    const QSignalBlocker block(tablePick_);
    tablePick_->setCurrentIndex(index);
  }
  applyFilters();
}

const app::PredictionTable& OutputsView::current() const {
  static const app::PredictionTable none;
  const int i = tablePick_->currentIndex();
  return i >= 0 && i < int(tables_.size()) ? tables_[size_t(i)] : none;
}

void OutputsView::setFilter(const QString& text) {
  if (filter_->text() != text) {
    const QSignalBlocker block(filter_);
    filter_->setText(text);
  }
  applyFilters();
}

void OutputsView::setDisagreementsOnly(bool on) {
  if (disagreements_->isChecked() != on) {
    const QSignalBlocker block(disagreements_);
    disagreements_->setChecked(on);
  }
  applyFilters();
}

void OutputsView::applyFilters() {
  // both filters go through every row of the table; only then are the first kMaxRowsShown kept
  const app::PredictionTable& all = current();
  const QString text = filter_->text();
  const bool onlyDisagreements = disagreements_->isChecked();
  shown_ = app::PredictionTable{all.kind, all.title, all.columns, {}, all.problems, all.agreementTolerance};
  for (const app::PredictionRow& r : all.rows) {
    if (onlyDisagreements && !app::predictionsDisagree(r, all.agreementTolerance)) continue;
    bool keep = text.isEmpty() || r.input.contains(text, Qt::CaseInsensitive);
    for (const QString& x : r.references) keep = keep || x.contains(text, Qt::CaseInsensitive);
    for (const QString& x : r.outputs) keep = keep || x.contains(text, Qt::CaseInsensitive);
    if (keep) shown_.rows.push_back(r);
  }
  matching_ = int(shown_.rows.size());
  if (matching_ > kMaxRowsShown) shown_.rows.resize(kMaxRowsShown);
  fillTable();
}

QString OutputsView::markdown() const { return app::predictionsToMarkdown(shown_); }

void OutputsView::layOutColumns(bool labels) {
  QHeaderView* h = table_->horizontalHeader();
  if (!labels) {  // generated texts: every column as wide as the others
    h->setSectionResizeMode(QHeaderView::Stretch);
    return;
  }
  // labels are short: their columns fit their contents, the input takes the rest (at least a
  // readable width; the table scrolls sideways when many runs are shown)
  h->setSectionResizeMode(QHeaderView::Interactive);
  for (int c = 1; c < table_->columnCount(); ++c) table_->resizeColumnToContents(c);
  fitInputColumn();
}

void OutputsView::fitInputColumn() {
  int others = 0;
  for (int c = 1; c < table_->columnCount(); ++c) others += table_->columnWidth(c);
  const int available = table_->viewport()->width() > 100 ? table_->viewport()->width() : width();
  table_->setColumnWidth(0, std::max(280, available - others));
}

bool OutputsView::eventFilter(QObject* watched, QEvent* event) {
  if (watched == table_->viewport() && event->type() == QEvent::Resize &&
      shown_.kind == app::PredictionKind::Labels && table_->columnCount() > 0)
    fitInputColumn();
  return QWidget::eventFilter(watched, event);
}

QString OutputsView::statusText() const { return status_->text(); }

QString OutputsView::runsSideBySide(qsizetype runs) {
  return runs == 1 ? tr("1 run") : tr("%1 runs side by side").arg(runs);
}

void OutputsView::fillTable() {
  const bool labels = shown_.kind == app::PredictionKind::Labels;
  disagreements_->setToolTip(
      shown_.agreementTolerance > 0
          ? tr("Only the examples where the runs' predicted scores differ by more than %1 (a tenth of the range "
               "of the gold labels).")
                .arg(shown_.agreementTolerance, 0, 'g', 3)
          : tr("Only the examples where the runs shown do not all predict the same."));
  // rows fit their contents once, after filling: sizing them per item is quadratic in the rows
  QHeaderView* rowHeader = table_->verticalHeader();
  rowHeader->setSectionResizeMode(QHeaderView::Interactive);
  table_->setUpdatesEnabled(false);
  table_->clear();
  QStringList headers{tr("Input"), labels ? tr("Gold\nlabel") : tr("References")};
  for (const QString& c : shown_.columns) headers << (labels ? wrappedHeader(c) : c);
  table_->setColumnCount(int(headers.size()));
  table_->setHorizontalHeaderLabels(headers);
  table_->setRowCount(int(shown_.rows.size()));
  auto cell = [](const QString& text) {
    auto* item = new QTableWidgetItem(text);
    item->setTextAlignment(Qt::AlignTop | Qt::AlignLeft);  // rows read top to bottom side by side
    return item;
  };
  QStringList rowNames;
  for (int i = 0; i < int(shown_.rows.size()); ++i) {
    const app::PredictionRow& r = shown_.rows[size_t(i)];
    rowNames << (labels ? QString::number(r.index) : QString::number(i + 1));
    table_->setItem(i, 0, cell(r.input));
    QTableWidgetItem* refs = cell(r.references.join(u'\n'));
    refs->setToolTip(labels ? tr("The gold label of dev example %1").arg(r.index)
                            : tr("%n reference(s)", nullptr, int(r.references.size())));
    table_->setItem(i, 1, refs);
    for (int c = 0; c < int(r.outputs.size()); ++c) {
      const bool wrong = c < int(r.verdicts.size()) && r.verdicts[size_t(c)] == app::Verdict::Wrong;
      QTableWidgetItem* out = cell(wrong ? r.outputs[size_t(c)] + u' ' + app::kWrongMark : r.outputs[size_t(c)]);
      if (wrong) {
        out->setForeground(kWrongColor);
        out->setToolTip(tr("Wrong: the gold label is %1").arg(r.references.value(0)));
      }
      table_->setItem(i, 2 + c, out);
    }
  }
  table_->setVerticalHeaderLabels(rowNames);
  layOutColumns(labels);
  rowHeader->setSectionResizeMode(QHeaderView::ResizeToContents);
  table_->setUpdatesEnabled(true);
  table_->verticalHeader()->setToolTip(labels ? tr("The example's index in the dev file") : QString());
  QString status;
  if (!readError_.isEmpty())
    status = readError_;
  else if (tables_.empty())
    status = ws_->isOpen() ? tr("No runs with predictions in this study yet (generation runs write generated text, "
                                "classification and regression runs predicted labels).")
                           : tr("Open a workspace to see the runs' outputs.");
  else if (labels) {
    const app::PredictionTable& all = current();
    int disagree = 0;
    for (const app::PredictionRow& r : all.rows) disagree += app::predictionsDisagree(r, all.agreementTolerance) ? 1 : 0;
    const QString where = all.agreementTolerance > 0
                              ? tr("where the runs' scores differ by more than %1").arg(all.agreementTolerance, 0, 'g', 3)
                              : tr("where the runs disagree");
    status = tr("%1 of %2 dev examples of %3 (%4 %5), %6.")
                 .arg(matching_)
                 .arg(all.rows.size())
                 .arg(all.title)
                 .arg(disagree)
                 .arg(where)
                 .arg(runsSideBySide(all.columns.size()));
    bool regression = true;
    for (const app::PredictionRow& r : all.rows)
      for (app::Verdict v : r.verdicts) regression = regression && v == app::Verdict::Unknown;
    if (!regression) status += u' ' + tr("%1 in red: a prediction that differs from the gold label.").arg(app::kWrongMark);
  } else
    status = tr("%1 of %2 inputs, %3.")
                 .arg(matching_)
                 .arg(current().rows.size())
                 .arg(runsSideBySide(current().columns.size()));
  if (matching_ > int(shown_.rows.size()))
    status += u' ' + tr("The first %1 are listed; the filter narrows them.").arg(shown_.rows.size());
  if (!current().problems.isEmpty()) {
    const QStringList& p = current().problems;
    status += u'\n' + tr("Problems: %1").arg(p.mid(0, 3).join(QStringLiteral("; ")));
    if (p.size() > 3) status += tr(" (and %n more)", nullptr, int(p.size() - 3));
  }
  status_->setText(status);
}

}  // namespace adamix::ui
