// SPDX-License-Identifier: GPL-3.0-or-later
#include "analysis/module_spread_page.h"

#include "export/pivot.h"
#include "plot/plot_adapter.h"

#include <QComboBox>
#include <QHBoxLayout>
#include <QLabel>

#include <algorithm>

namespace adamix::ui {

ModuleSpreadPage::ModuleSpreadPage(QWidget* parent)
    : TaskPlotPage(QStringLiteral("spreadTask"), tr("The task whose primary dev metric is compared."),
                   tr("No run has evaluations of its single modules"), parent) {
  bar_->addStretch();
  note_->setText(tr("Box: quartiles of the single modules' scores (module:k of every seed), whiskers to the "
                    "furthest within 1.5 × IQR, crosses beyond; the points beside it, one per seed, and + their mean."));
}

void ModuleSpreadPage::setData(std::vector<app::analysis::ModeDistribution> data) {
  data_ = std::move(data);
  std::vector<std::pair<QString, QString>> entries;
  for (const auto& d : data_)
    if (std::none_of(entries.begin(), entries.end(), [&](const auto& e) { return e.second == d.task; }))
      entries.emplace_back(app::taskDisplayName(d.task), d.task);
  fillTasks(entries);
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
