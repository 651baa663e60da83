// A parallel-coordinates plot with brushing, painted by hand (QCustomPlot has none): one vertical
// axis per ParallelAxis, one polyline per run. Drag along an axis to brush a range of it (on a
// categorical axis: the values under the brush); brushes on several axes combine with AND; the
// brushed runs are drawn in colour, the others faded. A click on an axis without dragging clears
// its brush, Escape clears them all.
// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "plot/parallel_coordinates_model.h"

#include <QWidget>

#include <map>
#include <optional>
#include <vector>

namespace adamix::ui {

/// The widget. Emits brushesChanged() whenever the brushed runs may have changed.
class ParallelCoordinates : public QWidget {
  Q_OBJECT
 public:
  explicit ParallelCoordinates(QWidget* parent = nullptr);

  /// Replaces the axes and runs; brushes on axes of the same name and kind stay.
  void setData(const ParallelData& data);
  const ParallelData& data() const { return data_; }
  /// Brushes axis `axis` over the positions [lo, hi] (0 = bottom, 1 = top; any order).
  void setBrush(int axis, double lo, double hi);
  void clearBrush(int axis);
  const std::map<int, ParallelBrush>& brushes() const { return brushes_; }
  bool hasBrushes() const { return !brushes_.empty(); }
  /// The runs under every brush (all runs without brushes), in run order.
  std::vector<qint64> brushedRunIds() const { return brushedRuns(data_, brushes_); }
  /// The x of axis `axis` and the y of position `pos` along the axes, in widget pixels (tests
  /// drag the mouse there).
  double axisX(int axis) const { return axisX(axis, rect()); }
  double positionY(double pos) const { return positionY(pos, rect()); }
  /// Paints the plot into `area` (the widget, or an export canvas).
  void paint(QPainter& painter, const QRect& area) const;
  QSize sizeHint() const override { return {800, 420}; }

 public slots:
  /// Removes every brush.
  void clearBrushes();

 signals:
  void brushesChanged();

 protected:
  void paintEvent(QPaintEvent* event) override;
  void mousePressEvent(QMouseEvent* event) override;
  void mouseMoveEvent(QMouseEvent* event) override;
  void mouseReleaseEvent(QMouseEvent* event) override;
  void keyPressEvent(QKeyEvent* event) override;

 private:
  /// The plotting area inside `area` (room for axis names above and labels below).
  static QRect plotArea(const QRect& area);
  double axisX(int axis, const QRect& area) const;
  static double positionY(double pos, const QRect& area);
  static double positionAt(double y, const QRect& area);
  /// The axis within grabbing distance of x, or −1.
  int axisNear(double x) const;

  ParallelData data_;
  std::map<int, ParallelBrush> brushes_;
  int dragAxis_ = -1;
  double dragFrom_ = 0;
  bool dragged_ = false;
};

}  // namespace adamix::ui
