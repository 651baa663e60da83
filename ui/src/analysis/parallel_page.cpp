// SPDX-License-Identifier: GPL-3.0-or-later
#include "analysis/parallel_page.h"

#include "analysis/parallel_data.h"
#include "plot/parallel_coordinates.h"

#include <QComboBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>
#include <QVBoxLayout>

namespace adamix::ui {

ParallelPage::ParallelPage(QWidget* parent) : QWidget(parent) {
  auto* lay = new QVBoxLayout(this);
  lay->setContentsMargins(0, 0, 0, 0);
  auto* bar = new QHBoxLayout;
  metric_ = new QComboBox;
  metric_->setObjectName(QStringLiteral("parallelMetric"));
  metric_->setToolTip(tr("The last axis: a metric of each run's best dev evaluation (table units)."));
  metric_->setSizeAdjustPolicy(QComboBox::AdjustToContents);
  auto* metricLabel = new QLabel(tr("Metr&ic:"));
  metricLabel->setBuddy(metric_);
  clear_ = new QPushButton(tr("C&lear brushes"));
  clear_->setObjectName(QStringLiteral("clearBrushes"));
  clear_->setToolTip(tr("Removes every brush (Escape on the plot does the same)."));
  clear_->setEnabled(false);
  count_ = new QLabel;
  bar->addWidget(metricLabel);
  bar->addWidget(metric_);
  bar->addWidget(clear_);
  bar->addWidget(count_, 1);
  lay->addLayout(bar);
  plot_ = new ParallelCoordinates;
  plot_->setObjectName(QStringLiteral("parallelCoordinates"));
  lay->addWidget(plot_, 1);
  setFocusProxy(plot_);  // Ctrl+8 lands on the plot: Escape clears the brushes
  auto* hint = new QLabel(tr("Drag along an axis to keep the runs in that range (on a value axis: the values under "
                             "the brush); brushes on several axes combine. The Results table and the workspace tree show the "
                             "brushed runs. "
                             "Click an axis to clear its brush; Escape clears all."));
  hint->setWordWrap(true);
  lay->addWidget(hint);
  connect(clear_, &QPushButton::clicked, plot_, &ParallelCoordinates::clearBrushes);
  connect(metric_, &QComboBox::currentIndexChanged, this, &ParallelPage::rebuild);
  connect(plot_, &ParallelCoordinates::brushesChanged, this, [this] {
    const std::vector<qint64> ids = plot_->brushedRunIds();
    clear_->setEnabled(plot_->hasBrushes());
    count_->setText(plot_->hasBrushes() ? tr("%1 of %2 runs brushed").arg(ids.size()).arg(plot_->data().runs.size())
                                        : QString());
    emit brushedRunsChanged(ids, plot_->hasBrushes());
  });
}

void ParallelPage::setData(const app::ResultSet& results) {
  results_ = results;
  const QString current = metric_->currentData().toString();
  {
    const QSignalBlocker block(metric_);
    metric_->clear();
    for (const QString& m : parallelMetricChoices(results_))
      metric_->addItem(m.isEmpty() ? tr("Primary metric of each task") : m, m);
    const int keep = metric_->findData(current);
    metric_->setCurrentIndex(keep >= 0 ? keep : 0);
  }
  rebuild();
}

bool ParallelPage::setMetric(const QString& metric) {
  const int i = metric_->findData(metric);
  if (i < 0) return false;
  metric_->setCurrentIndex(i);
  return true;
}

void ParallelPage::rebuild() { plot_->setData(parallelData(results_, metric_->currentData().toString())); }

}  // namespace adamix::ui
