// Parallel coordinates of a study's ablation axes and a metric, with brushing (the
// ParallelCoordinates widget); the brushed runs go out by brushedRunsChanged() to filter the
// Results table.
// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "export/result_set.h"

#include <QWidget>

#include <vector>

class QComboBox;
class QLabel;
class QPushButton;

namespace adamix::ui {

class ParallelCoordinates;

/// The page. setData() with the study's result set.
class ParallelPage : public QWidget {
  Q_OBJECT
 public:
  explicit ParallelPage(QWidget* parent = nullptr);
  void setData(const app::ResultSet& results);
  /// Chooses the metric axis ("split/name", "" = each task's primary metric); false if unknown.
  bool setMetric(const QString& metric);
  ParallelCoordinates* plot() const { return plot_; }
  QComboBox* metricBox() const { return metric_; }
  QPushButton* clearButton() const { return clear_; }

 signals:
  /// The runs under every brush, whenever the brushes change; `brushed` is false when there is no
  /// brush (then `runIds` holds every run).
  void brushedRunsChanged(const std::vector<qint64>& runIds, bool brushed);

 private:
  void rebuild();

  app::ResultSet results_;
  QComboBox* metric_;
  QPushButton* clear_;
  QLabel* count_;
  ParallelCoordinates* plot_;
};

}  // namespace adamix::ui
