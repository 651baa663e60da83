// PlotAdapter's charts of the paper's analyses: the score vs % parameters scatter with its Pareto
// front (Fig. 1) and the single modules' box plots beside merged / random / ensemble (Fig. 5/6).
// Part of the one adapter between the app and QCustomPlot (plot_adapter.h).
// SPDX-License-Identifier: GPL-3.0-or-later
#include "plot/plot_adapter.h"

#include "analysis/box_summary.h"

#include <qcustomplot.h>

#include <algorithm>
#include <cmath>

namespace adamix::ui {

namespace {

QString fmt(double v) { return QString::number(v, 'g', 5); }

/// Deterministic jitter in [−width/2, width/2) for the k-th point of a column (golden-ratio
/// sequence: evenly spread, the same on every redraw).
double jitter(std::size_t k, double width) {
  const double u = std::fmod(double(k) * 0.6180339887498949, 1.0);
  return (u - 0.5) * width;
}

/// [lo, hi] padded by `share` of its span (a unit around a single value).
std::pair<double, double> padded(double lo, double hi, double share) {
  const double span = hi - lo;
  const double pad = span > 0 ? span * share : std::max(1.0, std::fabs(lo) * 0.05);
  return {lo - pad, hi + pad};
}

/// Sorts points by x, keeping their notes (and errors) with them: a QCPGraph keeps its data sorted
/// by key, and the hover notes and error bars are matched to it by index.
void sortByX(QVector<double>& x, QVector<double>& y, QStringList& notes, QVector<double>* errors = nullptr) {
  std::vector<int> order(std::size_t(x.size()));
  for (int i = 0; i < x.size(); ++i) order[std::size_t(i)] = i;
  std::stable_sort(order.begin(), order.end(), [&](int a, int b) { return x[a] < x[b]; });
  QVector<double> sx, sy, se;
  QStringList sn;
  for (int i : order) {
    sx << x[i];
    sy << y[i];
    sn << notes.value(i);
    if (errors) se << errors->value(i);
  }
  x = sx;
  y = sy;
  notes = sn;
  if (errors) *errors = se;
}

}  // namespace

QCPGraph* PlotAdapter::addMarkers(const QVector<double>& x, const QVector<double>& y, const QColor& pen,
                                  const QColor& fill, int shape, double size, const QString& legend) {
  QCPGraph* g = plot_->addGraph();
  g->setData(x, y, true);
  g->setLineStyle(QCPGraph::lsNone);
  g->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ScatterShape(shape), QPen(pen, 1.5), QBrush(fill), size));
  if (!legend.isEmpty()) {
    g->setName(legend);
    g->addToLegend();
  }
  return g;
}

void PlotAdapter::showScatter(const ScatterChart& chart) {
  reset();
  xLabel_ = chart.xLabel;
  if (chart.points.empty()) {
    showMessage(tr("No variant has both a score and parameter counts"));
    return;
  }
  const QColor text = plot_->palette().color(QPalette::Text);
  const QColor base = plot_->palette().color(QPalette::Base);
  const QColor color = seriesColor(0), front = seriesColor(3);
  QVector<double> x, y, err;
  QStringList notes;
  double xlo = chart.points.front().x, xhi = xlo, ylo = chart.points.front().y, yhi = ylo;
  for (const ScatterPoint& p : chart.points) {
    const double e = std::isfinite(p.yError) ? p.yError : 0;
    x << p.x;
    y << p.y;
    err << e;
    notes << (p.hover.isEmpty() ? QStringLiteral("%1 — %2 %3: %4").arg(p.label, chart.xLabel, fmt(p.x), fmt(p.y))
                                : p.hover);
    xlo = std::min(xlo, p.x);
    xhi = std::max(xhi, p.x);
    ylo = std::min(ylo, p.y - e);
    yhi = std::max(yhi, p.y + e);
  }
  sortByX(x, y, notes, &err);
  QCPGraph* all = addMarkers(x, y, color, base, QCPScatterStyle::ssCircle, 9, tr("Variants"));
  auto* bars = new QCPErrorBars(plot_->xAxis, plot_->yAxis);
  bars->setDataPlottable(all);
  bars->setData(err);
  bars->setPen(QPen(color, 1.2));
  labels_ << tr("Variants");
  main_.insert(tr("Variants"), all);
  companions_.insert(tr("Variants"), {bars});
  pointNotes_.insert(all, notes);

  // the front: cheapest first, a staircase (each front point's score held until the next one)
  std::vector<const ScatterPoint*> onFront;
  for (const ScatterPoint& p : chart.points)
    if (p.onFront) onFront.push_back(&p);
  std::stable_sort(onFront.begin(), onFront.end(), [](const ScatterPoint* a, const ScatterPoint* b) { return a->x < b->x; });
  if (!onFront.empty()) {
    QVector<double> fx, fy;
    for (const ScatterPoint* p : onFront) {
      fx << p->x;
      fy << p->y;
    }
    QCPGraph* line = plot_->addGraph();
    line->setData(fx, fy, true);
    line->setLineStyle(QCPGraph::lsStepLeft);
    line->setPen(QPen(front, 2, Qt::DashLine));
    line->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssDisc, front, front, 9));
    line->setName(tr("Pareto front"));
    line->addToLegend();
    labels_ << tr("Pareto front");
    main_.insert(tr("Pareto front"), line);
  }
  // every point labelled with its variant, up and to the right of it
  for (const ScatterPoint& p : chart.points) {
    auto* label = new QCPItemText(plot_);
    label->position->setCoords(p.x, p.y);
    label->setPositionAlignment(Qt::AlignLeft | Qt::AlignBottom);
    label->setPadding(QMargins(7, 0, 0, 3));
    label->setText(p.label);
    label->setColor(text);
    label->setClipToAxisRect(false);
    pointLabels_ << label;
  }

  plot_->xAxis->setLabel(chart.xLabel);
  plot_->yAxis->setLabel(chart.yLabel);
  if (chart.logX && xlo > 0) {
    plot_->xAxis->setScaleType(QCPAxis::stLogarithmic);
    // half a decade of room on the left, a decade on the right for the labels
    const double lo = xlo / std::pow(10, 0.3), hi = xhi * std::pow(10, 0.6);
    // ticks at 1, 2, 5 × powers of ten (QCPAxisTickerLog falls back to linear steps under ~2 decades)
    QSharedPointer<QCPAxisTickerText> ticker(new QCPAxisTickerText);
    for (int e = int(std::floor(std::log10(lo))); e <= int(std::ceil(std::log10(hi))); ++e)
      for (double m : {1.0, 2.0, 5.0}) {
        const double v = m * std::pow(10.0, e);
        if (v >= lo && v <= hi) ticker->addTick(v, QString::number(v, 'g', 3));
      }
    plot_->xAxis->setTicker(ticker);
    plot_->xAxis->setSubTicks(false);
    plot_->xAxis->setRange(lo, hi);
  } else {
    const auto [lo, hi] = padded(xlo, xhi, 0.1);
    plot_->xAxis->setRange(lo, hi + (hi - lo) * 0.25);
  }
  const auto [lo, hi] = padded(ylo, yhi, 0.12);
  plot_->yAxis->setRange(lo, hi);
  fitLegend();
  plot_->replot(QCustomPlot::rpQueuedReplot);
}

void PlotAdapter::showDistributions(const DistributionChart& chart) {
  reset();
  xLabel_.clear();
  if (chart.groups.empty()) {
    showMessage(tr("No run has evaluations of its single modules"));
    return;
  }
  // the columns of every group: the box, then each point column name in order of first appearance
  QStringList columns;
  for (const DistributionGroup& g : chart.groups)
    for (const auto& [name, values] : g.points)
      if (!columns.contains(name)) columns << name;
  const int columnsPerGroup = 1 + int(columns.size());
  const QColor text = plot_->palette().color(QPalette::Text);
  const QColor boxColor = seriesColor(0);
  QSharedPointer<QCPAxisTickerText> ticker(new QCPAxisTickerText);
  auto* boxes = new QCPStatisticalBox(plot_->xAxis, plot_->yAxis);
  boxes->setName(chart.boxLabel);
  boxes->addToLegend();
  boxes->setWidth(0.6);
  boxes->setPen(QPen(boxColor.darker(120), 1.5));
  QColor fill = boxColor;
  fill.setAlpha(60);
  boxes->setBrush(fill);
  boxes->setWhiskerPen(QPen(boxColor.darker(120), 1.2, Qt::SolidLine));
  boxes->setMedianPen(QPen(boxColor.darker(150), 2.5));
  boxes->setOutlierStyle(QCPScatterStyle(QCPScatterStyle::ssCross, boxColor.darker(120), 7));
  QVector<double> boxX, boxY, meanX, meanY;
  QStringList boxNotes, meanNotes;
  std::vector<QVector<double>> colX(columns.size()), colY(columns.size());
  std::vector<QStringList> colNotes(columns.size());
  double ylo = 0, yhi = 0;
  bool any = false;
  auto extend = [&](double v) {
    if (!std::isfinite(v)) return;
    ylo = any ? std::min(ylo, v) : v;
    yhi = any ? std::max(yhi, v) : v;
    any = true;
  };
  for (std::size_t gi = 0; gi < chart.groups.size(); ++gi) {
    const DistributionGroup& g = chart.groups[gi];
    const double key0 = double(gi) * (columnsPerGroup + 1) + 1;
    ticker->addTick(key0, chart.boxLabel);
    const app::analysis::BoxSummary s = app::analysis::boxSummary(g.box);
    if (s.n > 0) {
      boxes->addData(key0, s.lowerWhisker, s.lowerQuartile, s.median, s.upperQuartile, s.upperWhisker,
                     QVector<double>(s.outliers.begin(), s.outliers.end()));
      for (std::size_t k = 0; k < g.box.size(); ++k) {
        boxX << key0 + jitter(k, 0.45);
        boxY << g.box[k];
        boxNotes << QStringLiteral("%1 — %2: %3").arg(g.label, chart.boxLabel, fmt(g.box[k]));
        extend(g.box[k]);
      }
    }
    for (int c = 0; c < int(columns.size()); ++c) {
      const double key = key0 + 1 + c;
      ticker->addTick(key, columns[c]);
      auto it = std::find_if(g.points.begin(), g.points.end(), [&](const auto& p) { return p.first == columns[c]; });
      if (it == g.points.end() || it->second.empty()) continue;
      double sum = 0;
      for (std::size_t k = 0; k < it->second.size(); ++k) {
        colX[size_t(c)] << key + jitter(k, 0.3);
        colY[size_t(c)] << it->second[k];
        colNotes[size_t(c)] << QStringLiteral("%1 — %2, seed value: %3").arg(g.label, columns[c], fmt(it->second[k]));
        sum += it->second[k];
        extend(it->second[k]);
      }
      meanX << key;
      meanY << sum / double(it->second.size());
      meanNotes << QStringLiteral("%1 — %2, mean of %3: %4")
                       .arg(g.label, columns[c])
                       .arg(it->second.size())
                       .arg(fmt(meanY.back()));
    }
    // the group's name above its columns
    auto* name = new QCPItemText(plot_);
    name->position->setTypeX(QCPItemPosition::ptPlotCoords);
    name->position->setTypeY(QCPItemPosition::ptAxisRectRatio);
    name->position->setCoords(key0 + (columnsPerGroup - 1) / 2.0, 0.0);
    name->setPositionAlignment(Qt::AlignHCenter | Qt::AlignTop);
    name->setPadding(QMargins(2, 4, 2, 2));
    QFont bold = name->font();
    bold.setBold(true);
    name->setFont(bold);
    name->setText(g.label);
    name->setColor(text);
  }
  labels_ << chart.boxLabel;
  main_.insert(chart.boxLabel, boxes);
  sortByX(boxX, boxY, boxNotes);
  QCPGraph* modulePoints = addMarkers(boxX, boxY, boxColor.darker(130), boxColor, QCPScatterStyle::ssCircle, 5, {});
  companions_.insert(chart.boxLabel, {modulePoints});
  pointNotes_.insert(modulePoints, boxNotes);
  for (int c = 0; c < int(columns.size()); ++c) {
    const QColor col = seriesColor(c + 1);
    sortByX(colX[size_t(c)], colY[size_t(c)], colNotes[size_t(c)]);
    QCPGraph* g = addMarkers(colX[size_t(c)], colY[size_t(c)], col.darker(120), col, QCPScatterStyle::ssDisc, 7,
                             columns[c]);
    labels_ << columns[c];
    main_.insert(columns[c], g);
    pointNotes_.insert(g, colNotes[size_t(c)]);
  }
  sortByX(meanX, meanY, meanNotes);
  QCPGraph* means = addMarkers(meanX, meanY, text, Qt::transparent, QCPScatterStyle::ssPlus, 16, tr("mean"));
  labels_ << tr("mean");
  main_.insert(tr("mean"), means);
  pointNotes_.insert(means, meanNotes);

  plot_->xAxis->setTicker(ticker);
  plot_->xAxis->setSubTicks(false);
  plot_->xAxis->setTickLabelRotation(chart.groups.size() * columnsPerGroup > 12 ? 30 : 0);
  plot_->xAxis->setRange(0.3, double(chart.groups.size()) * (columnsPerGroup + 1) - 0.3);
  plot_->yAxis->setLabel(chart.yLabel);
  const auto [lo, hi] = padded(ylo, yhi, 0.08);
  plot_->yAxis->setRange(lo, hi + (hi - lo) * 0.08);  // room for the group names
  fitLegend();
  plot_->replot(QCustomPlot::rpQueuedReplot);
}

QVector<QPointF> PlotAdapter::seriesPoints(const QString& label) const {
  QVector<QPointF> out;
  if (auto* g = qobject_cast<QCPGraph*>(main_.value(label)))
    for (auto it = g->data()->constBegin(); it != g->data()->constEnd(); ++it) out << QPointF(it->key, it->value);
  return out;
}

std::vector<DrawnBox> PlotAdapter::boxes(const QString& label) const {
  std::vector<DrawnBox> out;
  if (auto* b = qobject_cast<QCPStatisticalBox*>(main_.value(label)))
    for (auto it = b->data()->constBegin(); it != b->data()->constEnd(); ++it)
      out.push_back({it->key, it->minimum, it->lowerQuartile, it->median, it->upperQuartile, it->maximum, it->outliers});
  return out;
}

std::vector<std::pair<QString, QPointF>> PlotAdapter::pointLabels() const {
  std::vector<std::pair<QString, QPointF>> out;
  for (const QPointer<QCPItemText>& t : pointLabels_)
    if (t) out.emplace_back(t->text(), t->position->coords());
  return out;
}

QString PlotAdapter::pointNoteAt(const QPointF& pixel) const {
  double best = 12;  // pixels
  QString note;
  for (auto it = pointNotes_.constBegin(); it != pointNotes_.constEnd(); ++it) {
    const auto* g = qobject_cast<const QCPGraph*>(it.key());
    if (!g || !g->visible()) continue;
    int i = 0;
    for (auto p = g->data()->constBegin(); p != g->data()->constEnd() && i < it.value().size(); ++p, ++i) {
      const double d = std::hypot(plot_->xAxis->coordToPixel(p->key) - pixel.x(),
                                  plot_->yAxis->coordToPixel(p->value) - pixel.y());
      if (d < best) {
        best = d;
        note = it.value().at(i);
      }
    }
  }
  return note;
}

}  // namespace adamix::ui
