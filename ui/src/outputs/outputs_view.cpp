// SPDX-License-Identifier: GPL-3.0-or-later
#include "outputs/outputs_view.h"

#include "workspace/study_combo.h"
#include "workspace/workspace.h"

#include <QApplication>
#include <QClipboard>
#include <QComboBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QTableWidget>
#include <QVBoxLayout>

namespace adamix::ui {

OutputsView::OutputsView(Workspace* workspace, QWidget* parent) : QWidget(parent), ws_(workspace) {
  deferred_ = new DeferredRefresh(this, [this] { refresh(); });
  auto* lay = new QVBoxLayout(this);
  auto* bar = new QHBoxLayout;
  study_ = new QComboBox;
  study_->setToolTip(tr("The study whose generation runs are shown side by side."));
  filter_ = new QLineEdit;
  filter_->setPlaceholderText(tr("Filter: text in the input, a reference or an output"));
  filter_->setClearButtonEnabled(true);
  auto* copyBtn = new QPushButton(tr("Copy as Markdown"));
  copyBtn->setToolTip(tr("Copies the rows shown as a Markdown table (Input | References | each variant)."));
  bar->addWidget(new QLabel(tr("Study:")));
  bar->addWidget(study_, 1);
  bar->addWidget(filter_, 2);
  bar->addWidget(copyBtn);
  lay->addLayout(bar);
  table_ = new QTableWidget;
  table_->setEditTriggers(QAbstractItemView::NoEditTriggers);
  table_->setAlternatingRowColors(true);
  table_->setWordWrap(true);
  table_->setTextElideMode(Qt::ElideNone);
  table_->setVerticalScrollMode(QAbstractItemView::ScrollPerPixel);
  table_->horizontalHeader()->setSectionResizeMode(QHeaderView::Stretch);
  table_->verticalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
  lay->addWidget(table_, 1);
  status_ = new QLabel;
  status_->setWordWrap(true);
  lay->addWidget(status_);

  connect(study_, &QComboBox::activated, this, &OutputsView::refresh);
  connect(filter_, &QLineEdit::textChanged, this, &OutputsView::setFilter);
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
  all_ = {};
  if (ws_->isOpen()) {
    try {
      all_ = app::predictionsFromStore(ws_->store(), chosenStudy(study_));
    } catch (const std::exception& e) {
      status_->setText(tr("Cannot read the predictions: %1").arg(QString::fromUtf8(e.what())));
    }
  }
  setFilter(filter_->text());
}

void OutputsView::setFilter(const QString& text) {
  if (filter_->text() != text) {
    const QSignalBlocker block(filter_);
    filter_->setText(text);
  }
  shown_ = app::PredictionTable{all_.columns, {}};
  for (const app::PredictionRow& r : all_.rows) {
    bool keep = text.isEmpty() || r.input.contains(text, Qt::CaseInsensitive);
    for (const QString& x : r.references) keep = keep || x.contains(text, Qt::CaseInsensitive);
    for (const QString& x : r.outputs) keep = keep || x.contains(text, Qt::CaseInsensitive);
    if (keep) shown_.rows.push_back(r);
  }
  fillTable();
}

QString OutputsView::markdown() const { return app::predictionsToMarkdown(shown_); }

void OutputsView::fillTable() {
  table_->clear();
  QStringList headers{tr("Input"), tr("References")};
  headers += shown_.columns;
  table_->setColumnCount(int(headers.size()));
  table_->setHorizontalHeaderLabels(headers);
  table_->setRowCount(int(shown_.rows.size()));
  auto cell = [](const QString& text) {
    auto* item = new QTableWidgetItem(text);
    item->setTextAlignment(Qt::AlignTop | Qt::AlignLeft);  // rows read top to bottom side by side
    return item;
  };
  for (int i = 0; i < int(shown_.rows.size()); ++i) {
    const app::PredictionRow& r = shown_.rows[size_t(i)];
    table_->setItem(i, 0, cell(r.input));
    QTableWidgetItem* refs = cell(r.references.join(u'\n'));
    refs->setToolTip(tr("%n reference(s)", nullptr, int(r.references.size())));
    table_->setItem(i, 1, refs);
    for (int c = 0; c < int(r.outputs.size()); ++c) table_->setItem(i, 2 + c, cell(r.outputs[size_t(c)]));
  }
  if (all_.columns.isEmpty())
    status_->setText(ws_->isOpen() ? tr("No generation runs with predictions in this study yet (they come from "
                                        "E2E, WebNLG or DART tasks).")
                                   : tr("Open a workspace to see generated outputs."));
  else
    status_->setText(tr("%1 of %2 inputs, %3 runs side by side.")
                         .arg(shown_.rows.size())
                         .arg(all_.rows.size())
                         .arg(all_.columns.size()));
}

}  // namespace adamix::ui
