// SPDX-License-Identifier: GPL-3.0-or-later
#include "analysis/task_plot_page.h"

#include "plot/plot_adapter.h"

#include <qcustomplot.h>

#include <QComboBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QVBoxLayout>

namespace adamix::ui {

TaskPlotPage::TaskPlotPage(const QString& taskObjectName, const QString& taskHelp, const QString& empty,
                           QWidget* parent)
    : QWidget(parent) {
  auto* lay = new QVBoxLayout(this);
  lay->setContentsMargins(0, 0, 0, 0);
  bar_ = new QHBoxLayout;
  task_ = new QComboBox;
  task_->setObjectName(taskObjectName);
  task_->setToolTip(taskHelp);
  task_->setSizeAdjustPolicy(QComboBox::AdjustToContents);
  auto* taskLabel = new QLabel(tr("&Task:"));
  taskLabel->setBuddy(task_);
  bar_->addWidget(taskLabel);
  bar_->addWidget(task_);
  lay->addLayout(bar_);
  setFocusProxy(task_);  // View ▸ Analyses lands on the chooser; Tab walks on
  plot_ = new QCustomPlot;
  plot_->setMinimumSize(400, 300);
  lay->addWidget(plot_, 1);
  adapter_ = new PlotAdapter(plot_, this);
  adapter_->setLegendOutside(true);  // beside the points, never over them
  adapter_->showMessage(empty);
  note_ = new QLabel;
  note_->setWordWrap(true);
  lay->addWidget(note_);
  connect(task_, &QComboBox::currentIndexChanged, this, [this] { redraw(); });
}

bool TaskPlotPage::setTask(const QString& task) {
  const int i = task_->findData(task);
  if (i < 0) return false;
  task_->setCurrentIndex(i);
  return true;
}

void TaskPlotPage::fillTasks(const std::vector<std::pair<QString, QString>>& entries) {
  const QString current = task_->currentData().toString();
  const bool hadChoice = task_->count() > 0;
  {
    const QSignalBlocker block(task_);
    task_->clear();
    for (const auto& [text, task] : entries) task_->addItem(text, task);
    const int keep = hadChoice ? task_->findData(current) : -1;
    task_->setCurrentIndex(keep >= 0 ? keep : 0);
  }
  redraw();
}

}  // namespace adamix::ui
