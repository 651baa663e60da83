// SPDX-License-Identifier: GPL-3.0-or-later
#include "analysis/module_spread_page.h"

#include "export/pivot.h"
#include "plot/plot_adapter.h"

#include <qcustomplot.h>

#include <QComboBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QVBoxLayout>

namespace adamix::ui {

ModuleSpreadPage::ModuleSpreadPage(QWidget* parent) : QWidget(parent) {
  auto* lay = new QVBoxLayout(this);
  lay->setContentsMargins(0, 0, 0, 0);
  auto* bar = new QHBoxLayout;
  task_ = new QComboBox;
  task_->setObjectName(QStringLiteral("spreadTask"));
  task_->setToolTip(tr("The task whose primary dev metric is compared."));
  task_->setSizeAdjustPolicy(QComboBox::AdjustToContents);
  auto* taskLabel = new QLabel(tr("&Task:"));
  taskLabel->setBuddy(task_);
  bar->addWidget(taskLabel);
  bar->addWidget(task_);
  bar->addStretch();
  lay->addLayout(bar);
  plot_ = new QCustomPlot;
  plot_->setMinimumSize(400, 300);
  lay->addWidget(plot_, 1);
  adapter_ = new PlotAdapter(plot_, this);
  adapter_->setLegendOutside(true);
  note_ = new QLabel(tr("Box: quartiles of the single modules' scores (module:k of every seed), whiskers to the "
                        "furthest within 1.5 × IQR, crosses beyond; the points beside it, one per seed, and + their mean."));
  note_->setWordWrap(true);
  lay->addWidget(note_);
  connect(task_, &QComboBox::currentIndexChanged, this, &ModuleSpreadPage::redraw);
  adapter_->showMessage(tr("No run has evaluations of its single modules"));
}

void ModuleSpreadPage::setData(std::vector<app::analysis::ModeDistribution> data) {
  data_ = std::move(data);
  const QString current = task_->currentData().toString();
  const QSignalBlocker block(task_);
  task_->clear();
  for (const auto& d : data_)
    if (task_->findData(d.task) < 0) task_->addItem(app::taskDisplayName(d.task), d.task);
  const int keep = task_->findData(current);
  task_->setCurrentIndex(keep >= 0 ? keep : 0);
  redraw();
}

bool ModuleSpreadPage::setTask(const QString& task) {
  const int i = task_->findData(task);
  if (i < 0) return false;
  task_->setCurrentIndex(i);
  return true;
}

void ModuleSpreadPage::redraw() {
  const QString task = task_->currentData().toString();
  DistributionChart chart;
  QString metric;
  for (const auto& d : data_) {
    if (d.task != task) continue;
    metric = d.metric;
    chart.groups.push_back({d.variant, d.modules, d.modes});
  }
  if (chart.groups.empty()) {
    adapter_->showMessage(tr("No run has evaluations of its single modules (module:k): AdaMix runs evaluate every "
                             "inference mode when they finish, or right-click a run ▸ Evaluate on… ▸ module K"));
    return;
  }
  chart.yLabel = tr("%1 dev %2%3")
                     .arg(app::taskDisplayName(task), metric)
                     .arg(app::metricScale(metric) != 1 ? tr(" (×100)") : QString());
  adapter_->showDistributions(chart);
}

}  // namespace adamix::ui
