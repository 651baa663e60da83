// SPDX-License-Identifier: GPL-3.0-or-later
#include "plot/plot_adapter.h"

#include "plot/curve_math.h"

#include <qcustomplot.h>

#include <QEvent>
#include <QFileInfo>
#ifdef ADAMIX_HAVE_SVG
#include <QSvgGenerator>
#endif
#include <QMap>
#include <QTimer>

#include <algorithm>
#include <cmath>
#include <limits>

namespace adamix::ui {

namespace {

double xOf(const SeriesPoint& p, XAxisKind kind, double t0) {
  switch (kind) {
    case XAxisKind::Epoch: return p.epoch;
    case XAxisKind::WallTime: return p.time - t0;
    case XAxisKind::Step: break;
  }
  return p.step;
}

QString xTitle(XAxisKind kind) {
  switch (kind) {
    case XAxisKind::Epoch: return QObject::tr("epoch");
    case XAxisKind::WallTime: return QObject::tr("wall time (s)");
    case XAxisKind::Step: break;
  }
  return QObject::tr("step");
}

QString fmt(double v) { return QString::number(v, 'g', 5); }

/// A stored value as it is: the shortest text that reads back to the same double.
QString exact(double v) { return QString::number(v, 'g', QLocale::FloatingPointShortest); }

constexpr double kInf = std::numeric_limits<double>::infinity();

}  // namespace

PlotAdapter::PlotAdapter(QCustomPlot* plot, QObject* parent) : QObject(parent), plot_(plot) {
  plot_->setInteractions(QCP::iRangeDrag | QCP::iRangeZoom);
  plot_->setMouseTracking(true);
  plot_->legend->setVisible(true);
  plot_->setNoAntialiasingOnDrag(true);
  // legend entries are added for the named series only: QCPLegend re-lays out all its entries on
  // every removal, which made adding then removing the unnamed band and raw lines quadratic
  plot_->setAutoAddPlottableToLegend(false);
  connect(plot_, &QCustomPlot::mouseMove, this, &PlotAdapter::onMouseMove);
  connect(plot_, &QCustomPlot::legendClick, this, &PlotAdapter::onLegendClick);
  // zoom and pan: read the newly visible range at its resolution
  connect(plot_->xAxis, qOverload<const QCPRange&>(&QCPAxis::rangeChanged), this, [this] {
    if (!settingRanges_) scheduleRedecimate();
  });
  // a new width of the axis rect (the window, or the legend beside it): buckets of the new width
  connect(plot_, &QCustomPlot::afterLayout, this, [this] {
    if (!drawn_.empty() && plot_->axisRect()->width() != drawnColumns_) scheduleRedecimate();
  });
  plot_->installEventFilter(this);
  applyTheme();
}

bool PlotAdapter::eventFilter(QObject* watched, QEvent* event) {
  if (watched == plot_ && event->type() == QEvent::Resize) {
    if (legendOutside_) {
      fitLegend();
      plot_->replot(QCustomPlot::rpQueuedReplot);
    }
  }
  return QObject::eventFilter(watched, event);
}

void PlotAdapter::setLiveMode(bool live) {
  plot_->setPlottingHint(QCP::phFastPolylines, live);
  if (live)
    plot_->setNotAntialiasedElements(QCP::aePlottables | QCP::aeFills);
  else
    plot_->setNotAntialiasedElements(QCP::aeNone);
}

QColor PlotAdapter::seriesColor(int i) {
  // Tableau 10, then ten of Kelly's colours of maximum contrast that differ from them
  static const QRgb colors[] = {0x1f77b4, 0xff7f0e, 0x2ca02c, 0xd62728, 0x9467bd, 0x8c564b, 0xe377c2,
                                0x7f7f7f, 0xbcbd22, 0x17becf, 0xf3c300, 0x604e97, 0xa1caf1, 0x882d17,
                                0x8db600, 0xf99379, 0x008856, 0xb3446c, 0xc2b280, 0x2f4b7c};
  constexpr int n = int(sizeof(colors) / sizeof(colors[0]));
  return QColor::fromRgb(colors[((i % n) + n) % n]);
}

Qt::PenStyle PlotAdapter::seriesStyle(int i) {
  static const Qt::PenStyle styles[] = {Qt::SolidLine, Qt::DashLine, Qt::DotLine, Qt::DashDotLine,
                                        Qt::DashDotDotLine};
  return styles[(std::max(0, i) / 10) % 5];
}

void PlotAdapter::setLegendOutside(bool outside) {
  if (outside == legendOutside_) return;
  legendOutside_ = outside;
  QCPLayoutGrid* main = plot_->plotLayout();
  if (outside) {
    // a column right of the axis rect: the legend on top, an empty stretch below
    plot_->axisRect()->insetLayout()->take(plot_->legend);
    auto* side = new QCPLayoutGrid;
    main->addElement(0, 1, side);
    side->addElement(0, 0, plot_->legend);
    side->addElement(1, 0, new QCPLayoutElement(plot_));
    side->setRowStretchFactor(0, 0.001);
    side->setRowStretchFactor(1, 1);
    side->setMargins(QMargins(0, 6, 6, 6));
    main->setColumnStretchFactor(1, 0.001);
  } else {
    auto* side = qobject_cast<QCPLayoutGrid*>(main->element(0, 1));
    if (side) side->take(plot_->legend);
    plot_->axisRect()->insetLayout()->addElement(plot_->legend, Qt::AlignRight | Qt::AlignTop);
    if (side) main->remove(side);
    main->simplify();
  }
  plot_->legend->setWrap(0);
  plot_->replot(QCustomPlot::rpQueuedReplot);
}

void PlotAdapter::fitLegend() {
  if (!legendOutside_ || plot_->legend->itemCount() == 0) return;
  // one entry's height from the legend's font and spacing; as many rows as fit, then a new column
  const QFontMetrics fm(plot_->legend->font());
  const int entry = std::max(fm.height(), plot_->legend->iconSize().height()) + plot_->legend->rowSpacing() +
                    plot_->legend->item(0)->margins().top() + plot_->legend->item(0)->margins().bottom();
  const int room = std::max(entry, plot_->height() - 40);
  plot_->legend->setFillOrder(QCPLayoutGrid::foRowsFirst, false);
  plot_->legend->setWrap(std::max(1, room / std::max(1, entry)));
  plot_->legend->setFillOrder(QCPLayoutGrid::foRowsFirst, true);
}

void PlotAdapter::applyTheme() {
  const QPalette pal = plot_->palette();
  const QColor bg = pal.color(QPalette::Base);
  const QColor fg = pal.color(QPalette::Text);
  QColor grid = fg;
  grid.setAlpha(40);
  plot_->setBackground(bg);
  for (QCPAxis* axis : {plot_->xAxis, plot_->yAxis, plot_->xAxis2, plot_->yAxis2}) {
    axis->setBasePen(QPen(fg));
    axis->setTickPen(QPen(fg));
    axis->setSubTickPen(QPen(fg));
    axis->setTickLabelColor(fg);
    axis->setLabelColor(fg);
    axis->grid()->setPen(QPen(grid, 1, Qt::DotLine));
  }
  plot_->legend->setBrush(QBrush(bg));
  plot_->legend->setTextColor(fg);
  plot_->legend->setBorderPen(QPen(grid));
}

void PlotAdapter::reset() {
  // the legend first, in one go (removing plottables one by one re-lays it out each time)
  plot_->legend->clear();
  source_ = nullptr;
  drawn_.clear();
  extents_.clear();
  hasExtent_.clear();
  bucketWidth_ = 1;
  plot_->clearGraphs();
  plot_->clearPlottables();
  plot_->clearItems();
  labels_.clear();
  main_.clear();
  companions_.clear();
  pointNotes_.clear();
  pointLabels_.clear();
  applyTheme();
  plot_->yAxis->setScaleType(QCPAxis::stLinear);
  plot_->xAxis->setScaleType(QCPAxis::stLinear);
  plot_->xAxis->setSubTicks(true);
  plot_->yAxis->setTicker(QSharedPointer<QCPAxisTicker>(new QCPAxisTicker));
  plot_->xAxis->setTicker(QSharedPointer<QCPAxisTicker>(new QCPAxisTicker));
  plot_->xAxis->setLabel({});
  plot_->yAxis->setLabel({});
  plot_->legend->setVisible(true);
  plot_->xAxis->setVisible(true);
  plot_->yAxis->setVisible(true);
  tracer_ = new QCPItemTracer(plot_);
  tracer_->setStyle(QCPItemTracer::tsCircle);
  tracer_->setSize(8);
  tracer_->setVisible(false);
  readout_ = new QCPItemText(plot_);
  readout_->position->setType(QCPItemPosition::ptAxisRectRatio);
  readout_->position->setCoords(0.01, 0.01);
  readout_->setPositionAlignment(Qt::AlignLeft | Qt::AlignTop);
  readout_->setColor(plot_->palette().color(QPalette::Text));
  readout_->setPadding(QMargins(4, 2, 4, 2));
  readout_->setBrush(QBrush(plot_->palette().color(QPalette::Base)));
  readout_->setText({});
  readout_->setVisible(false);
}

QCPGraph* PlotAdapter::addLine(const QVector<double>& x, const QVector<double>& y, const QColor& color, double width,
                               const QString& legend, Qt::PenStyle style) {
  QCPGraph* g = plot_->addGraph();
  g->setData(x, y, true);
  g->setPen(QPen(QBrush(color), width, style));
  g->setAdaptiveSampling(true);
  if (x.size() == 1 && !legend.isEmpty()) {
    // a line needs two points: a lone point (a run that logged once) is drawn as a marker
    g->setLineStyle(QCPGraph::lsNone);
    g->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssDisc, color, color, 8));
  }
  if (!legend.isEmpty()) {
    g->setName(legend);
    g->addToLegend();  // only named lines (plottables are not added by themselves: see the constructor)
  }
  return g;
}

double PlotAdapter::xOfPoint(const SeriesPoint& p, double t0) const { return xOf(p, spec_.x, t0); }

double PlotAdapter::stepAtX(const RunExtent& e, double x) const {
  if (spec_.x == XAxisKind::Step) return x;
  // epoch and wall time grow with the step: interpolate between the curve's ends
  const double x0 = xOfPoint(e.first, e.t0), x1 = xOfPoint(e.last, e.t0);
  if (!(x1 > x0)) return x < x0 ? e.first.step : e.last.step;
  const double t = std::clamp((x - x0) / (x1 - x0), 0.0, 1.0);
  return e.first.step + t * (e.last.step - e.first.step);
}

double PlotAdapter::widthFor(double xLo, double xHi) const {
  const int columns = std::max(50, plot_->axisRect()->width());
  double span = 0;
  for (size_t r = 0; r < extents_.size(); ++r) {
    if (!hasExtent_[r]) continue;
    const RunExtent& e = extents_[r];
    const double lo = std::max(e.first.step, stepAtX(e, xLo)), hi = std::min(e.last.step, stepAtX(e, xHi));
    span = std::max(span, hi - lo);
  }
  return app::bucketWidthFor(span / columns);
}

PlotAdapter::CurveData PlotAdapter::curveData(const DrawnCurve& curve, double xLo, double xHi, double width) const {
  CurveData d;
  const bool smooth = spec_.smoothing > 0;
  BandAccumulator band;
  for (int r : curve.runs) {
    if (!hasExtent_[size_t(r)]) continue;
    const RunExtent& e = extents_[size_t(r)];
    // the visible steps, widened to whole buckets plus one on each side (lines run off the edges)
    double lo = std::isfinite(xLo) ? stepAtX(e, xLo) : e.first.step;
    double hi = std::isfinite(xHi) ? stepAtX(e, xHi) : e.last.step;
    lo = std::floor(lo / width) * width - width;
    hi = (std::floor(hi / width) + 2) * width - 0.5;
    const QString& run = spec_.runs[size_t(r)].run;
    std::vector<app::SeriesBucket> buckets = source_->buckets(run, spec_.split, spec_.name, lo, hi, width, spec_.logY);
    if (buckets.empty()) continue;
    // a smoothed line carries the average of the points before the window: they are read too, in
    // the coarser buckets of the whole range (emaOfMeans weighs a bucket as its points), then dropped
    size_t history = 0;
    if (smooth && lo > e.first.step) {
      std::vector<app::SeriesBucket> before = source_->buckets(run, spec_.split, spec_.name, e.first.step, lo - 0.5,
                                                               std::max(width, fullWidth_), spec_.logY);
      history = before.size();
      before.insert(before.end(), buckets.begin(), buckets.end());
      buckets = std::move(before);
    }
    ++d.runsWithData;
    // the bucket means (x and value), for the smoothed line and the group band
    std::vector<double> mx, my, counts;
    mx.reserve(buckets.size());
    my.reserve(buckets.size());
    counts.reserve(buckets.size());
    for (const app::SeriesBucket& b : buckets) {
      if (b.n > 0) {
        const double n = double(b.n);
        SeriesPoint mean{b.sumStep / n, b.sumEpoch / n, b.sumTime / n, b.sumValue / n};
        mx.push_back(xOfPoint(mean, e.t0));
      } else {
        mx.push_back(xOfPoint(b.nonFinite, e.t0));
      }
      my.push_back(b.meanValue());
      counts.push_back(double(b.n));
    }
    if (smooth) my = emaOfMeans(my, counts, spec_.smoothing);
    if (history > 0) {
      buckets.erase(buckets.begin(), buckets.begin() + qsizetype(history));
      mx.erase(mx.begin(), mx.begin() + qsizetype(history));
      my.erase(my.begin(), my.begin() + qsizetype(history));
    }
    if (curve.group) {
      for (size_t k = 0; k < buckets.size(); ++k) band.add(double(buckets[k].index), mx[k], my[k]);
      continue;
    }
    for (const SeriesPoint& p : app::minMaxPoints(buckets)) {
      d.rawX << xOfPoint(p, e.t0);
      d.rawY << p.value;
    }
    if (smooth) {
      d.x = QVector<double>(mx.begin(), mx.end());
      d.y = QVector<double>(my.begin(), my.end());
    } else {
      d.x = d.rawX;
      d.y = d.rawY;
    }
  }
  if (curve.group) {
    const MeanBand m = band.band();
    d.x = QVector<double>(m.x.begin(), m.x.end());
    d.y = QVector<double>(m.mean.begin(), m.mean.end());
    d.lo = QVector<double>(m.lo.begin(), m.lo.end());
    d.hi = QVector<double>(m.hi.begin(), m.hi.end());
  }
  return d;
}

void PlotAdapter::setGraphData(QCPGraph* g, const QVector<double>& x, const QVector<double>& y, bool marker) {
  if (!g) return;
  g->setData(x, y, true);
  if (!marker) return;
  // a line needs two points: a lone point (a run that logged once) is drawn as a marker
  const QColor color = g->pen().color();
  if (x.size() == 1) {
    g->setLineStyle(QCPGraph::lsNone);
    g->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssDisc, color, color, 8));
  } else {
    g->setLineStyle(QCPGraph::lsLine);
    g->setScatterStyle(QCPScatterStyle());
  }
}

void PlotAdapter::showCurves(const CurveSource& source, const CurveSpec& spec) {
  reset();
  source_ = &source;
  spec_ = spec;
  xLabel_ = xTitle(spec.x);
  plot_->xAxis->setLabel(xLabel_);
  plot_->yAxis->setLabel(spec.split.isEmpty() ? spec.name : spec.split + QLatin1Char(' ') + spec.name);

  // the runs' extents (two index seeks each): the resolution of the whole range
  extents_.assign(spec.runs.size(), {});
  hasExtent_.assign(spec.runs.size(), false);
  for (size_t r = 0; r < spec.runs.size(); ++r) {
    const auto ends = source.curveEnds(spec.runs[r].run, spec.split, spec.name);
    if (!ends) continue;
    extents_[r].first = ends->first;
    extents_[r].last = ends->second;
    if (spec.x == XAxisKind::WallTime) extents_[r].t0 = source.startTime(spec.runs[r].run);
    hasExtent_[r] = true;
  }
  drawnColumns_ = plot_->axisRect()->width();
  bucketWidth_ = fullWidth_ = widthFor(-kInf, kInf);
  loaded_ = {-kInf, kInf};
  const bool smooth = spec.smoothing > 0;

  // the curves: one per run, or (grouped) one per group in order of first appearance
  if (!spec.grouped) {
    for (size_t r = 0; r < spec.runs.size(); ++r) {
      DrawnCurve c;
      c.label = spec.runs[r].label;
      c.runs = {int(r)};
      drawn_.push_back(c);
    }
  } else {
    QHash<QString, size_t> groupAt;
    for (size_t r = 0; r < spec.runs.size(); ++r) {
      if (!hasExtent_[r]) continue;
      const QString& g = spec.runs[r].group;
      if (!groupAt.contains(g)) {
        groupAt.insert(g, drawn_.size());
        DrawnCurve c;
        c.group = true;
        c.label = g;
        drawn_.push_back(c);
      }
      drawn_[groupAt.value(g)].runs.push_back(int(r));
    }
  }

  std::vector<DrawnCurve> kept;
  int colorIndex = 0;
  for (DrawnCurve& c : drawn_) {
    const CurveData d = curveData(c, -kInf, kInf, bucketWidth_);
    const int i = colorIndex++;
    if (d.x.isEmpty()) {
      // a run without points keeps its colour slot (colours follow the selection); a group
      // exists only with points
      if (c.group) --colorIndex;
      continue;
    }
    if (c.group) c.label = QStringLiteral("%1 (n=%2)").arg(c.label).arg(d.runsWithData);
    const QColor color = seriesColor(i);
    QList<QCPAbstractPlottable*> extra;
    if (c.group) {
      QColor fill = color;
      fill.setAlpha(50);
      c.low = addLine(d.x, d.lo, Qt::transparent, 0, {});
      c.high = addLine(d.x, d.hi, Qt::transparent, 0, {});
      c.low->setPen(Qt::NoPen);
      c.high->setPen(Qt::NoPen);
      c.high->setBrush(fill);
      c.high->setChannelFillGraph(c.low);
      extra << c.low << c.high;
      // the mean is of the (already smoothed) per-run curves: drawn as is
      c.main = addLine(d.x, d.y, color, 2, c.label, seriesStyle(i));
    } else if (smooth) {
      if (spec.showRaw) {
        QColor faded = color;
        faded.setAlpha(70);
        c.raw = addLine(d.rawX, d.rawY, faded, 1, {});
        extra << c.raw;
      }
      c.main = addLine(d.x, d.y, color, 2, c.label, seriesStyle(i));
    } else {
      c.main = addLine(d.x, d.y, color, 1.6, c.label, seriesStyle(i));
    }
    labels_ << c.label;
    main_.insert(c.label, c.main);
    companions_.insert(c.label, extra);
    kept.push_back(c);
  }
  drawn_ = std::move(kept);

  if (labels_.isEmpty()) {
    showMessage(tr("No %1 %2 points for the selected runs").arg(spec.split, spec.name));
    return;
  }
  settingRanges_ = true;
  if (spec.logY) {
    plot_->yAxis->setScaleType(QCPAxis::stLogarithmic);
    plot_->yAxis->setTicker(QSharedPointer<QCPAxisTickerLog>(new QCPAxisTickerLog));
  }
  plot_->rescaleAxes();
  padDegenerateRanges(spec.logY);
  settingRanges_ = false;
  fitLegend();
  plot_->replot(QCustomPlot::rpQueuedReplot);
}

void PlotAdapter::scheduleRedecimate() {
  if (drawn_.empty()) return;
  // once the range settles (a drag or a wheel turn changes it many times)
  if (!redecimateTimer_) {
    redecimateTimer_ = new QTimer(this);
    redecimateTimer_->setSingleShot(true);
    redecimateTimer_->setInterval(40);
    connect(redecimateTimer_, &QTimer::timeout, this, &PlotAdapter::redecimate);
  }
  redecimateTimer_->start();
}

void PlotAdapter::redecimate() {
  if (drawn_.empty() || !source_) return;
  const QCPRange range = plot_->xAxis->range();
  drawnColumns_ = plot_->axisRect()->width();
  const double width = widthFor(range.lower, range.upper);
  // the same resolution inside the range already read: the drawn data stays
  if (width == bucketWidth_ && range.lower >= loaded_.first && range.upper <= loaded_.second) return;
  bucketWidth_ = width;
  loaded_ = {range.lower, range.upper};
  for (DrawnCurve& c : drawn_) {
    const CurveData d = curveData(c, range.lower, range.upper, width);
    setGraphData(c.main, d.x, d.y, true);
    setGraphData(c.raw, d.rawX, d.rawY, false);
    setGraphData(c.low, d.x, d.lo, false);
    setGraphData(c.high, d.x, d.hi, false);
  }
  plot_->replot(QCustomPlot::rpQueuedReplot);
}

void PlotAdapter::padDegenerateRanges(bool logY) {
  // rescaleAxes() keeps the old width around a range of zero size (one point, or every series at
  // the same x or y): that can leave the point at the edge of an unrelated range ("-25 to 40")
  bool anyKey = false, anyValue = false;
  QCPRange keys, values;
  for (QCPAbstractPlottable* p : std::as_const(main_)) {
    auto* g = qobject_cast<QCPGraph*>(p);
    if (!g || g->data()->isEmpty()) continue;
    bool found = false;
    const QCPRange k = g->getKeyRange(found);
    if (found) {
      keys = anyKey ? QCPRange(std::min(keys.lower, k.lower), std::max(keys.upper, k.upper)) : k;
      anyKey = true;
    }
    const QCPRange v = g->getValueRange(found, QCP::sdBoth, QCPRange());
    if (found) {
      values = anyValue ? QCPRange(std::min(values.lower, v.lower), std::max(values.upper, v.upper)) : v;
      anyValue = true;
    }
  }
  if (anyKey && keys.size() <= 0) {
    const double pad = std::max(1.0, std::abs(keys.center()) * 0.1);
    plot_->xAxis->setRange(keys.center() - pad, keys.center() + pad);
  }
  if (anyValue && values.size() <= 0) {
    const double c = values.center();
    if (logY && c > 0)
      plot_->yAxis->setRange(c / 2, c * 2);
    else {
      const double pad = c == 0 ? 1.0 : std::abs(c) * 0.1;
      plot_->yAxis->setRange(c - pad, c + pad);
    }
  }
}

void PlotAdapter::showBars(const BarChart& chart) {
  reset();
  xLabel_.clear();
  if (chart.categories.isEmpty() || chart.series.empty()) {
    showMessage(tr("No finished runs with results among the selection"));
    return;
  }
  QSharedPointer<QCPAxisTickerText> ticker(new QCPAxisTickerText);
  for (int c = 0; c < chart.categories.size(); ++c) ticker->addTick(c + 1, chart.categories[c]);
  plot_->xAxis->setTicker(ticker);
  plot_->xAxis->setSubTicks(false);
  plot_->yAxis->setLabel(chart.yLabel);
  auto* group = new QCPBarsGroup(plot_);
  group->setSpacingType(QCPBarsGroup::stAbsolute);
  group->setSpacing(2);
  const double width = 0.8 / double(chart.series.size());
  double ymin = 0, ymax = 0;
  bool any = false;
  int i = 0;
  for (const BarSeries& s : chart.series) {
    auto* bars = new QCPBars(plot_->xAxis, plot_->yAxis);
    bars->addToLegend();
    bars->setName(s.label);
    bars->setWidth(width);
    bars->setBarsGroup(group);
    const QColor color = seriesColor(i++);
    bars->setPen(QPen(color.darker(130)));
    bars->setBrush(color);
    QVector<double> keys, values, errors;
    for (int c = 0; c < chart.categories.size() && c < int(s.mean.size()); ++c) {
      if (!std::isfinite(s.mean[size_t(c)])) continue;
      const double m = s.mean[size_t(c)];
      const double e = c < int(s.std.size()) && std::isfinite(s.std[size_t(c)]) ? s.std[size_t(c)] : 0;
      keys << c + 1;
      values << m;
      errors << e;
      ymin = any ? std::min(ymin, m - e) : m - e;
      ymax = any ? std::max(ymax, m + e) : m + e;
      any = true;
    }
    bars->setData(keys, values, true);
    auto* err = new QCPErrorBars(plot_->xAxis, plot_->yAxis);
    err->setDataPlottable(bars);
    err->setData(errors);
    err->setPen(QPen(plot_->palette().color(QPalette::Text)));
    labels_ << s.label;
    main_.insert(s.label, bars);
    companions_.insert(s.label, {err});
  }
  plot_->xAxis->setRange(0.4, chart.categories.size() + 0.6);
  const double lo = std::min(0.0, ymin);
  // head room above the tallest bar (for the legend, one row per series, when it is inside) so it
  // never hides a bar
  const double pad = (ymax - lo) * (legendOutside_ ? 0.08 : 0.08 + 0.05 * double(chart.series.size())) + 1e-9;
  fitLegend();
  plot_->yAxis->setRange(lo, ymax + pad);
  plot_->replot(QCustomPlot::rpQueuedReplot);
}

void PlotAdapter::showMessage(const QString& message) {
  reset();
  plot_->legend->setVisible(false);
  // no axes either: a message replaces the plot, so the last plot's ranges do not linger
  plot_->xAxis->setVisible(false);
  plot_->yAxis->setVisible(false);
  auto* text = new QCPItemText(plot_);
  text->position->setType(QCPItemPosition::ptAxisRectRatio);
  text->position->setCoords(0.5, 0.5);
  text->setText(message);
  text->setColor(plot_->palette().color(QPalette::PlaceholderText));
  plot_->replot(QCustomPlot::rpQueuedReplot);
}

#ifdef ADAMIX_HAVE_SVG
bool PlotAdapter::saveSvg(const QString& path, int width, int height) {
  QSvgGenerator svg;
  svg.setFileName(path);
  svg.setSize(QSize(width, height));
  svg.setViewBox(QRect(0, 0, width, height));
  svg.setTitle(plot_->yAxis->label());
  QCPPainter painter;
  if (!painter.begin(&svg)) return false;
  plot_->toPainter(&painter, width, height);
  painter.end();
  return QFileInfo(path).size() > 0;
}
#endif

bool PlotAdapter::supportsSvg() {
#ifdef ADAMIX_HAVE_SVG
  return true;
#else
  return false;
#endif
}

bool PlotAdapter::exportTo(const QString& path, int width, int height) {
  const QString suffix = QFileInfo(path).suffix().toLower();
  if (readout_) readout_->setVisible(false);
  if (tracer_) tracer_->setVisible(false);
  // files get full quality even from a plot in live mode
  const QCP::PlottingHints hints = plot_->plottingHints();
  const QCP::AntialiasedElements plain = plot_->notAntialiasedElements();
  plot_->setPlottingHint(QCP::phFastPolylines, false);
  plot_->setNotAntialiasedElements(QCP::aeNone);
  bool ok = false;
  if (suffix == QLatin1String("pdf")) ok = plot_->savePdf(path, width, height);
#ifdef ADAMIX_HAVE_SVG
  else if (suffix == QLatin1String("svg"))
    ok = saveSvg(path, width, height);
#endif
  else if (suffix == QLatin1String("jpg") || suffix == QLatin1String("jpeg"))
    ok = plot_->saveJpg(path, width, height);
  else
    ok = plot_->savePng(path, width, height);
  plot_->setPlottingHints(hints);
  plot_->setNotAntialiasedElements(plain);
  return ok;
}

QCPGraph* PlotAdapter::mainGraph(const QString& label) const { return qobject_cast<QCPGraph*>(main_.value(label)); }

void PlotAdapter::setSeriesVisible(const QString& label, bool visible) {
  QCPAbstractPlottable* p = main_.value(label);
  if (!p) return;
  p->setVisible(visible);
  for (QCPAbstractPlottable* c : companions_.value(label)) c->setVisible(visible);
  if (QCPPlottableLegendItem* item = plot_->legend->itemWithPlottable(p)) {
    QColor c = plot_->palette().color(QPalette::Text);
    if (!visible) c.setAlpha(90);
    item->setTextColor(c);
  }
  plot_->replot(QCustomPlot::rpQueuedReplot);
}

bool PlotAdapter::isSeriesVisible(const QString& label) const {
  QCPAbstractPlottable* p = main_.value(label);
  return p && p->visible();
}

void PlotAdapter::onLegendClick(QCPLegend*, QCPAbstractLegendItem* item, QMouseEvent*) {
  auto* pli = qobject_cast<QCPPlottableLegendItem*>(item);
  if (!pli) return;
  const QString label = main_.key(pli->plottable());
  if (!label.isEmpty()) setSeriesVisible(label, !isSeriesVisible(label));
}

QString PlotAdapter::readoutAt(const QPointF& pixel) const {
  if (const QString note = pointNoteAt(pixel); !note.isEmpty()) return note;
  double bestDist = 30;  // pixels
  QString best;
  const DrawnCurve* bestCurve = nullptr;
  const double key = plot_->xAxis->pixelToCoord(pixel.x());
  for (const QString& label : labels_) {
    auto* g = qobject_cast<QCPGraph*>(main_.value(label));
    if (!g || !g->visible() || g->data()->isEmpty()) continue;
    const DrawnCurve* curve = nullptr;
    for (const DrawnCurve& c : drawn_)
      if (c.main == g) curve = &c;
    // the line, and a run's faded raw line behind a smoothed one
    for (QCPGraph* line : {g, curve ? curve->raw : nullptr}) {
      if (!line) continue;
      auto it = line->data()->findBegin(key, true);
      for (int k = 0; k < 2 && it != line->data()->constEnd(); ++k, ++it) {
        const QPointF at(plot_->xAxis->coordToPixel(it->key), plot_->yAxis->coordToPixel(it->value));
        const double d = std::hypot(at.x() - pixel.x(), at.y() - pixel.y());
        if (d < bestDist) {
          bestDist = d;
          best = QStringLiteral("%1 — %2 %3: %4").arg(label, xLabel_, fmt(it->key), fmt(it->value));
          bestCurve = curve;
        }
      }
    }
  }
  if (bestCurve && !bestCurve->group && source_ && !bestCurve->runs.empty()) {
    // a run's curve: the exact stored point nearest to the cursor, read again from the source
    // (the line holds only each bucket's min and max, and the smoothed line no stored value)
    const size_t r = size_t(bestCurve->runs.front());
    const RunExtent& e = extents_[r];
    const double x0 = plot_->xAxis->pixelToCoord(pixel.x() - 3), x1 = plot_->xAxis->pixelToCoord(pixel.x() + 3);
    const double s0 = std::floor(std::min(stepAtX(e, x0), stepAtX(e, x1))) - bucketWidth_;
    const double s1 = std::ceil(std::max(stepAtX(e, x0), stepAtX(e, x1))) + bucketWidth_;
    double nearest = kInf;
    for (const SeriesPoint& p : source_->points(spec_.runs[r].run, spec_.split, spec_.name, s0, s1)) {
      if (spec_.logY && p.value <= 0) continue;
      const QPointF at(plot_->xAxis->coordToPixel(xOfPoint(p, e.t0)), plot_->yAxis->coordToPixel(p.value));
      const double d = std::hypot(at.x() - pixel.x(), at.y() - pixel.y());
      if (!(d < nearest)) continue;
      nearest = d;
      const QString x = spec_.x == XAxisKind::Step ? QString::number(qint64(p.step)) : fmt(xOfPoint(p, e.t0));
      best = QStringLiteral("%1 — %2 %3: %4").arg(bestCurve->label, xLabel_, x, exact(p.value));
      if (spec_.smoothing > 0) {
        // the smoothed line at that x
        auto it = bestCurve->main->data()->findBegin(xOfPoint(p, e.t0), true);
        if (it != bestCurve->main->data()->constEnd())
          best += tr(" (smoothed %1)").arg(fmt(it->value));
      }
    }
  }
  if (best.isEmpty()) {
    // bars: the bar under the cursor
    for (const QString& label : labels_) {
      auto* bars = qobject_cast<QCPBars*>(main_.value(label));
      if (!bars || !bars->visible()) continue;
      QVariant details;
      if (bars->selectTest(pixel, false, &details) >= 0 && bars->selectTest(pixel, false, &details) < 1) {
        const QCPDataSelection sel = details.value<QCPDataSelection>();
        if (sel.isEmpty()) continue;
        const auto it = bars->data()->at(sel.dataRange().begin());
        return QStringLiteral("%1: %2").arg(label, fmt(it->value));
      }
    }
  }
  return best;
}

void PlotAdapter::onMouseMove(QMouseEvent* event) {
  if (!readout_ || !tracer_) return;
  const QString text = readoutAt(event->position());
  readout_->setText(text);
  readout_->setVisible(!text.isEmpty());
  tracer_->setVisible(false);
  if (!text.isEmpty()) {
    // put the tracer on the nearest graph point
    for (const QString& label : labels_) {
      if (!text.startsWith(label + QStringLiteral(" — "))) continue;
      if (QCPGraph* g = mainGraph(label)) {
        tracer_->setGraph(g);
        tracer_->setGraphKey(plot_->xAxis->pixelToCoord(event->position().x()));
        tracer_->setPen(g->pen());
        tracer_->setVisible(true);
      }
      break;
    }
  }
  plot_->replot(QCustomPlot::rpQueuedReplot);
}

}  // namespace adamix::ui
