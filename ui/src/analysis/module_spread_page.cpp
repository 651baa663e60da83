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
  note_->setText(boxNote());
}

QString ModuleSpreadPage::boxNote() {
  return tr("Box: quartiles of the single modules' scores (module:k of every seed), whiskers to the furthest "
            "within 1.5 × IQR, crosses beyond; the points beside it, one per seed, and + their mean.");
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
  QStringList costs;  // what evaluating every mode at the end of the runs cost, per variant
  for (const auto& d : data_) {
    if (d.task != task) continue;
    metric = d.metric;
    chart.groups.push_back({d.variant, d.modules, d.modes});
    if (d.endOfRunSeconds.empty()) continue;
    const auto [lo, hi] = std::minmax_element(d.endOfRunSeconds.begin(), d.endOfRunSeconds.end());
    costs << (*lo == *hi ? tr("%1 %2 s").arg(d.variant).arg(*lo, 0, 'f', 1)
                         : tr("%1 %2–%3 s").arg(d.variant).arg(*lo, 0, 'f', 1).arg(*hi, 0, 'f', 1));
  }
  note_->setText(costs.isEmpty() ? boxNote()
                                 : boxNote() + QLatin1Char('\n') +
                                       tr("Cost of evaluating every mode as the runs ended "
                                          "(train.eval_inference_modes), per run: %1.")
                                           .arg(costs.join(QStringLiteral("; "))));
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
