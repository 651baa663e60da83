// SPDX-License-Identifier: GPL-3.0-or-later
#include "analysis/score_params_page.h"

#include "export/pivot.h"
#include "plot/plot_adapter.h"

#include <QComboBox>
#include <QHBoxLayout>
#include <QLabel>

#include <cmath>

namespace adamix::ui {

ScoreParamsPage::ScoreParamsPage(QWidget* parent)
    : TaskPlotPage(QStringLiteral("scoreTask"),
                   tr("The task whose primary metric is the score, or the average over the tasks."),
                   tr("No finished runs with results"), parent) {
  note_->setObjectName(QStringLiteral("scoreNote"));
  cost_ = new QComboBox;
  cost_->setObjectName(QStringLiteral("scoreCost"));
  cost_->addItem(tr("% trainable parameters"), int(Cost::Trainable));
  cost_->addItem(tr("% parameters at inference"), int(Cost::Inference));
  cost_->setToolTip(tr("Trainable: what training updates (all M modules); at inference: after merging the "
                       "modules into one (the paper's #Param). Both as a share of the pretrained backbone."));
  auto* costLabel = new QLabel(tr("&x:"));
  costLabel->setBuddy(cost_);
  bar_->addWidget(costLabel);
  bar_->addWidget(cost_);
  bar_->addStretch();
  connect(cost_, &QComboBox::currentIndexChanged, this, &ScoreParamsPage::redraw);
}

void ScoreParamsPage::setData(std::vector<app::analysis::ScoreVsParams> data) {
  data_ = std::move(data);
  std::vector<std::pair<QString, QString>> entries;
  for (const auto& s : data_) entries.emplace_back(s.task.isEmpty() ? tr("Average") : app::taskDisplayName(s.task), s.task);
  fillTasks(entries);
}

void ScoreParamsPage::setCost(Cost cost) { cost_->setCurrentIndex(cost_->findData(int(cost))); }

void ScoreParamsPage::redraw() {
  const int i = task_->currentIndex();
  if (i < 0 || std::size_t(i) >= data_.size()) {
    adapter_->showMessage(tr("No finished runs with results"));
    note_->clear();
    return;
  }
  const app::analysis::ScoreVsParams& s = data_[std::size_t(i)];
  const bool inference = Cost(cost_->currentData().toInt()) == Cost::Inference;
  ScatterChart chart;
  chart.logX = true;
  chart.xLabel = inference ? tr("parameters at inference (% of the backbone)") : tr("trainable parameters (% of the backbone)");
  chart.yLabel = s.scoreLabel + tr(", mean ± std over seeds");
  QStringList missing;
  for (const auto& p : s.points) {
    const double x = inference ? p.inferencePercent : p.trainablePercent;
    if (!std::isfinite(x) || x <= 0) {  // a log axis has no place for it
      missing << p.variant;
      continue;
    }
    ScatterPoint sp;
    sp.label = p.variant;
    sp.x = x;
    sp.y = p.mean;
    sp.yError = p.std;
    sp.onFront = inference ? p.onInferenceFront : p.onTrainableFront;
    sp.hover = tr("%1 — %2 %: %3%4 (n = %5)%6")
                   .arg(p.variant, QString::number(x, 'g', 4), QString::number(p.mean, 'f', 1))
                   .arg(std::isfinite(p.std) ? QStringLiteral(" ± ") + QString::number(p.std, 'f', 1) : QString())
                   .arg(p.n)
                   .arg(sp.onFront ? tr(", on the Pareto front") : QString());
    chart.points.push_back(sp);
  }
  adapter_->showScatter(chart);
  note_->setText(missing.isEmpty()
                     ? tr("%1. Pareto front: the variants no other variant beats on both score and parameters.").arg(s.title)
                     : tr("%1. Not drawn, no parameter counts stored (runs of an engine before 0.6, or a "
                          "method without PEFT modules): %2.")
                           .arg(s.title, missing.join(QStringLiteral("; "))));
}

}  // namespace adamix::ui
