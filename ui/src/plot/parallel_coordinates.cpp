// SPDX-License-Identifier: GPL-3.0-or-later
#include "plot/parallel_coordinates.h"

#include "plot/plot_adapter.h"

#include <QKeyEvent>
#include <QMouseEvent>
#include <QPainter>
#include <QPainterPath>

#include <algorithm>
#include <cmath>
#include <set>

namespace adamix::ui {

namespace {

constexpr int kGrab = 14;  // pixels either side of an axis that start a brush

QString numberLabel(double v) { return QString::number(v, 'g', 4); }

}  // namespace

ParallelCoordinates::ParallelCoordinates(QWidget* parent) : QWidget(parent) {
  setFocusPolicy(Qt::StrongFocus);
  setMouseTracking(false);
  setMinimumSize(420, 260);
  setAutoFillBackground(false);
  setToolTip(tr("Drag along an axis to brush a range; brushes on several axes combine (AND). Click an axis to "
                "clear its brush, Escape to clear all."));
}

void ParallelCoordinates::setData(const ParallelData& data) {
  std::map<int, ParallelBrush> kept;
  for (const auto& [axis, brush] : brushes_) {
    if (std::size_t(axis) >= data_.axes.size()) continue;
    const ParallelAxis& old = data_.axes[std::size_t(axis)];
    for (std::size_t a = 0; a < data.axes.size(); ++a)
      if (data.axes[a].name == old.name && data.axes[a].numeric() == old.numeric() &&
          data.axes[a].categories == old.categories)
        kept[int(a)] = brush;
  }
  data_ = data;
  brushes_ = kept;
  update();
  emit brushesChanged();
}

void ParallelCoordinates::setBrush(int axis, double lo, double hi) {
  if (axis < 0 || std::size_t(axis) >= data_.axes.size()) return;
  brushes_[axis] = {std::clamp(std::min(lo, hi), 0.0, 1.0), std::clamp(std::max(lo, hi), 0.0, 1.0)};
  update();
  emit brushesChanged();
}

void ParallelCoordinates::clearBrush(int axis) {
  if (brushes_.erase(axis) == 0) return;
  update();
  emit brushesChanged();
}

void ParallelCoordinates::clearBrushes() {
  if (brushes_.empty()) return;
  brushes_.clear();
  update();
  emit brushesChanged();
}

QRect ParallelCoordinates::plotArea(const QRect& area) {
  return area.adjusted(70, 46, -90, -34);
}

double ParallelCoordinates::axisX(int axis, const QRect& area) const {
  const QRect p = plotArea(area);
  const int n = int(data_.axes.size());
  if (n <= 1) return p.center().x();
  return p.left() + double(axis) * double(p.width()) / double(n - 1);
}

double ParallelCoordinates::positionY(double pos, const QRect& area) {
  const QRect p = plotArea(area);
  return p.bottom() - pos * double(p.height());
}

double ParallelCoordinates::positionAt(double y, const QRect& area) {
  const QRect p = plotArea(area);
  return std::clamp((double(p.bottom()) - y) / double(std::max(1, p.height())), 0.0, 1.0);
}

int ParallelCoordinates::axisNear(double x) const {
  for (int a = 0; a < int(data_.axes.size()); ++a)
    if (std::fabs(axisX(a) - x) <= kGrab) return a;
  return -1;
}

void ParallelCoordinates::paint(QPainter& painter, const QRect& area) const {
  painter.save();
  painter.setRenderHint(QPainter::Antialiasing);
  const QPalette pal = palette();
  const QColor text = pal.color(QPalette::Text);
  painter.fillRect(area, pal.color(QPalette::Base));
  if (data_.axes.empty() || data_.runs.empty()) {
    painter.setPen(pal.color(QPalette::PlaceholderText));
    painter.drawText(area, Qt::AlignCenter, tr("No finished runs with ablation axes to draw"));
    painter.restore();
    return;
  }
  const std::vector<qint64> brushedList = brushedRunIds();
  const std::set<qint64> brushed(brushedList.begin(), brushedList.end());
  const bool anyBrush = !brushes_.empty();
  // colour by the first axis' value
  const ParallelAxis& colourAxis = data_.axes.front();
  auto lineOf = [&](const ParallelRun& run) {
    QPainterPath path;
    bool open = false;
    for (std::size_t a = 0; a < data_.axes.size(); ++a) {
      const double pos = axisPosition(data_.axes[a], a < run.values.size() ? run.values[a] : std::nan(""));
      if (std::isnan(pos)) {
        open = false;
        continue;
      }
      const QPointF pt(axisX(int(a), area), positionY(pos, area));
      if (open)
        path.lineTo(pt);
      else
        path.moveTo(pt);
      open = true;
    }
    return path;
  };
  QColor faded = text;
  faded.setAlpha(35);
  for (const ParallelRun& run : data_.runs) {
    if (!anyBrush || brushed.count(run.id)) continue;
    painter.setPen(QPen(faded, 1.2));
    painter.drawPath(lineOf(run));
  }
  for (const ParallelRun& run : data_.runs) {
    if (anyBrush && !brushed.count(run.id)) continue;
    const double c = run.values.empty() ? 0 : run.values.front();
    QColor col = colourAxis.numeric() ? PlotAdapter::seriesColor(0) : PlotAdapter::seriesColor(int(std::lround(c)));
    col.setAlpha(anyBrush ? 230 : 170);
    painter.setPen(QPen(col, anyBrush ? 2.2 : 1.6));
    painter.drawPath(lineOf(run));
  }
  // axes, their names, ticks and brushes
  QFont bold = painter.font();
  bold.setBold(true);
  const QFontMetrics fm(painter.font());
  for (int a = 0; a < int(data_.axes.size()); ++a) {
    const ParallelAxis& axis = data_.axes[std::size_t(a)];
    const double x = axisX(a, area);
    const double top = positionY(1, area), bottom = positionY(0, area);
    if (auto b = brushes_.find(a); b != brushes_.end()) {
      QColor fill = pal.color(QPalette::Highlight);
      fill.setAlpha(70);
      const QRectF r(x - 9, positionY(b->second.hi, area), 18, positionY(b->second.lo, area) - positionY(b->second.hi, area));
      painter.fillRect(r, fill);
      painter.setPen(QPen(pal.color(QPalette::Highlight), 1.5));
      painter.drawRect(r);
    }
    painter.setPen(QPen(text, 1.5));
    painter.drawLine(QPointF(x, top), QPointF(x, bottom));
    painter.setFont(bold);
    painter.drawText(QRectF(x - 90, area.top() + 6, 180, 22), Qt::AlignCenter, axis.name);
    painter.setFont(QFont());
    auto tick = [&](double pos, const QString& label) {
      const double y = positionY(pos, area);
      painter.drawLine(QPointF(x - 4, y), QPointF(x, y));
      painter.drawText(QRectF(x + 6, y - fm.height() / 2.0, 160, fm.height()), Qt::AlignLeft | Qt::AlignVCenter, label);
    };
    if (axis.numeric()) {
      for (int k = 0; k <= 4; ++k) tick(k / 4.0, numberLabel(axis.min + (axis.max - axis.min) * k / 4.0));
    } else {
      for (int i = 0; i < int(axis.categories.size()); ++i) tick(axisPosition(axis, i), axis.categories[i]);
    }
  }
  painter.setPen(text);
  painter.drawText(QRectF(area.left(), area.bottom() - 26, area.width(), 22), Qt::AlignCenter,
                   anyBrush ? tr("%1 of %2 runs under the brushes").arg(brushed.size()).arg(data_.runs.size())
                            : tr("%1 runs").arg(data_.runs.size()));
  painter.restore();
}

void ParallelCoordinates::paintEvent(QPaintEvent*) {
  QPainter painter(this);
  paint(painter, rect());
  if (hasFocus()) {
    painter.setPen(QPen(palette().color(QPalette::Highlight), 1, Qt::DotLine));
    painter.drawRect(rect().adjusted(1, 1, -2, -2));
  }
}

void ParallelCoordinates::mousePressEvent(QMouseEvent* event) {
  if (event->button() != Qt::LeftButton) return QWidget::mousePressEvent(event);
  dragAxis_ = axisNear(event->position().x());
  dragFrom_ = positionAt(event->position().y(), rect());
  dragged_ = false;
}

void ParallelCoordinates::mouseMoveEvent(QMouseEvent* event) {
  if (dragAxis_ < 0) return;
  const double to = positionAt(event->position().y(), rect());
  if (!dragged_ && std::fabs(positionY(to) - positionY(dragFrom_)) < 3) return;
  dragged_ = true;
  setBrush(dragAxis_, dragFrom_, to);
}

void ParallelCoordinates::mouseReleaseEvent(QMouseEvent* event) {
  if (dragAxis_ < 0) return;
  const double to = positionAt(event->position().y(), rect());
  if (dragged_ || std::fabs(positionY(to) - positionY(dragFrom_)) >= 3)
    setBrush(dragAxis_, dragFrom_, to);
  else
    clearBrush(dragAxis_);  // a click: that axis' brush goes
  dragAxis_ = -1;
}

void ParallelCoordinates::keyPressEvent(QKeyEvent* event) {
  if (event->key() == Qt::Key_Escape && hasBrushes()) {
    clearBrushes();
    event->accept();
    return;
  }
  QWidget::keyPressEvent(event);
}

}  // namespace adamix::ui
