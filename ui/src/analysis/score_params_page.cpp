// SPDX-License-Identifier: GPL-3.0-or-later
#include "analysis/score_params_page.h"

#include "export/pivot.h"
#include "plot/plot_adapter.h"

#include <qcustomplot.h>

#include <QComboBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QVBoxLayout>

#include <cmath>

namespace adamix::ui {

ScoreParamsPage::ScoreParamsPage(QWidget* parent) : QWidget(parent) {
  auto* lay = new QVBoxLayout(this);
  lay->setContentsMargins(0, 0, 0, 0);
  auto* bar = new QHBoxLayout;
  task_ = new QComboBox;
  task_->setObjectName(QStringLiteral("scoreTask"));
  task_->setToolTip(tr("The task whose primary metric is the score, or the average over the tasks."));
  task_->setSizeAdjustPolicy(QComboBox::AdjustToContents);
  cost_ = new QComboBox;
  cost_->setObjectName(QStringLiteral("scoreCost"));
  cost_->addItem(tr("% trainable parameters"), int(Cost::Trainable));
  cost_->addItem(tr("% parameters at inference"), int(Cost::Inference));
  cost_->setToolTip(tr("Trainable: what training updates (all M modules); at inference: after merging the "
                       "modules into one (the paper's #Param). Both as a share of the pretrained backbone."));
  auto* taskLabel = new QLabel(tr("&Task:"));
  taskLabel->setBuddy(task_);
  auto* costLabel = new QLabel(tr("&x:"));
  costLabel->setBuddy(cost_);
  bar->addWidget(taskLabel);
  bar->addWidget(task_);
  bar->addWidget(costLabel);
  bar->addWidget(cost_);
  bar->addStretch();
  lay->addLayout(bar);
  plot_ = new QCustomPlot;
  plot_->setMinimumSize(400, 300);
  lay->addWidget(plot_, 1);
  adapter_ = new PlotAdapter(plot_, this);
  adapter_->setLegendOutside(true);
  note_ = new QLabel;
  note_->setObjectName(QStringLiteral("scoreNote"));
  note_->setWordWrap(true);
  lay->addWidget(note_);
  connect(task_, &QComboBox::currentIndexChanged, this, &ScoreParamsPage::redraw);
  connect(cost_, &QComboBox::currentIndexChanged, this, &ScoreParamsPage::redraw);
  adapter_->showMessage(tr("No finished runs with results"));
}

void ScoreParamsPage::setData(std::vector<app::analysis::ScoreVsParams> data) {
  data_ = std::move(data);
  const QString current = task_->currentData().toString();
  const bool hadChoice = task_->count() > 0;
  const QSignalBlocker block(task_);
  task_->clear();
  for (const auto& s : data_)
    task_->addItem(s.task.isEmpty() ? tr("Average") : app::taskDisplayName(s.task), s.task);
  const int keep = hadChoice ? task_->findData(current) : -1;
  task_->setCurrentIndex(keep >= 0 ? keep : 0);
  redraw();
}

bool ScoreParamsPage::setTask(const QString& task) {
  const int i = task_->findData(task);
  if (i < 0) return false;
  task_->setCurrentIndex(i);
  return true;
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
