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

#include <algorithm>
#include <cmath>

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

}  // namespace

PlotAdapter::PlotAdapter(QCustomPlot* plot, QObject* parent) : QObject(parent), plot_(plot) {
  plot_->setInteractions(QCP::iRangeDrag | QCP::iRangeZoom);
  plot_->setMouseTracking(true);
  plot_->legend->setVisible(true);
  plot_->setNoAntialiasingOnDrag(true);
  connect(plot_, &QCustomPlot::mouseMove, this, &PlotAdapter::onMouseMove);
  connect(plot_, &QCustomPlot::legendClick, this, &PlotAdapter::onLegendClick);
  plot_->installEventFilter(this);
  applyTheme();
}

bool PlotAdapter::eventFilter(QObject* watched, QEvent* event) {
  if (watched == plot_ && event->type() == QEvent::Resize && legendOutside_) {
    fitLegend();
    plot_->replot(QCustomPlot::rpQueuedReplot);
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
  plot_->clearGraphs();
  plot_->clearPlottables();
  plot_->clearItems();
  labels_.clear();
  main_.clear();
  companions_.clear();
  applyTheme();
  plot_->yAxis->setScaleType(QCPAxis::stLinear);
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
  if (legend.isEmpty()) {
    g->removeFromLegend();
  } else {
    g->setName(legend);
  }
  return g;
}

void PlotAdapter::showCurves(const SeriesStore& store, const CurveSpec& spec) {
  reset();
  xLabel_ = xTitle(spec.x);
  plot_->xAxis->setLabel(xLabel_);
  plot_->yAxis->setLabel(spec.split.isEmpty() ? spec.name : spec.split + QLatin1Char(' ') + spec.name);

  // per-run raw curves, keyed by step (grouping aligns runs on the step)
  auto curveOf = [&](const CurveRun& cr) {
    StepCurve c;
    const auto* pts = store.series(cr.run, spec.split, spec.name);
    if (!pts) return c;
    const double t0 = spec.x == XAxisKind::WallTime ? store.startTime(cr.run) : 0;
    for (const SeriesPoint& p : *pts) {
      if (spec.logY && p.value <= 0) continue;
      c.step.push_back(p.step);
      c.x.push_back(xOf(p, spec.x, t0));
      c.y.push_back(p.value);
    }
    return c;
  };
  const bool smooth = spec.smoothing > 0;

  auto addSeries = [&](const QString& label, const std::vector<double>& x, const std::vector<double>& raw,
                       const std::vector<double>* lo, const std::vector<double>* hi, int colorIndex) {
    const QColor color = seriesColor(colorIndex);
    const QVector<double> qx(x.begin(), x.end());
    QList<QCPAbstractPlottable*> extra;
    if (lo && hi) {
      QColor fill = color;
      fill.setAlpha(50);
      QCPGraph* low = addLine(qx, QVector<double>(lo->begin(), lo->end()), Qt::transparent, 0, {});
      QCPGraph* high = addLine(qx, QVector<double>(hi->begin(), hi->end()), Qt::transparent, 0, {});
      low->setPen(Qt::NoPen);
      high->setPen(Qt::NoPen);
      high->setBrush(fill);
      high->setChannelFillGraph(low);
      extra << low << high;
    }
    QCPGraph* mainLine = nullptr;
    if (smooth) {
      if (spec.showRaw) {
        QColor faded = color;
        faded.setAlpha(70);
        extra << addLine(qx, QVector<double>(raw.begin(), raw.end()), faded, 1, {});
      }
      const std::vector<double> s = ema(raw, spec.smoothing);
      mainLine = addLine(qx, QVector<double>(s.begin(), s.end()), color, 2, label, seriesStyle(colorIndex));
    } else {
      mainLine = addLine(qx, QVector<double>(raw.begin(), raw.end()), color, 1.6, label, seriesStyle(colorIndex));
    }
    labels_ << label;
    main_.insert(label, mainLine);
    companions_.insert(label, extra);
  };

  if (!spec.grouped) {
    int i = 0;
    for (const CurveRun& cr : spec.runs) {
      StepCurve c = curveOf(cr);
      if (c.x.empty()) {
        ++i;
        continue;
      }
      addSeries(cr.label, c.x, c.y, nullptr, nullptr, i++);
    }
  } else {
    // groups in order of first appearance
    QStringList groups;
    QHash<QString, std::vector<StepCurve>> members;
    for (const CurveRun& cr : spec.runs) {
      StepCurve c = curveOf(cr);
      if (c.x.empty()) continue;
      if (!members.contains(cr.group)) groups << cr.group;
      if (smooth) c.y = ema(c.y, spec.smoothing);  // band over the smoothed curves
      members[cr.group].push_back(std::move(c));
    }
    int i = 0;
    for (const QString& g : groups) {
      // aligned on the step: mean ± sample std over the runs having that step
      const MeanBand band = meanStdByStep(members[g]);
      const std::vector<double>&x = band.x, &mean = band.mean, &lo = band.lo, &hi = band.hi;
      const QString label = QStringLiteral("%1 (n=%2)").arg(g).arg(members[g].size());
      // the mean is of the (already smoothed) per-run curves: drawn as is
      const QColor color = seriesColor(i);
      QColor fill = color;
      fill.setAlpha(50);
      const QVector<double> qx(x.begin(), x.end());
      QCPGraph* low = addLine(qx, QVector<double>(lo.begin(), lo.end()), Qt::transparent, 0, {});
      QCPGraph* high = addLine(qx, QVector<double>(hi.begin(), hi.end()), Qt::transparent, 0, {});
      low->setPen(Qt::NoPen);
      high->setPen(Qt::NoPen);
      high->setBrush(fill);
      high->setChannelFillGraph(low);
      QCPGraph* line = addLine(qx, QVector<double>(mean.begin(), mean.end()), color, 2, label, seriesStyle(i));
      labels_ << label;
      main_.insert(label, line);
      companions_.insert(label, {low, high});
      ++i;
    }
  }

  if (labels_.isEmpty()) {
    showMessage(tr("No %1 %2 points for the selected runs").arg(spec.split, spec.name));
    return;
  }
  if (spec.logY) {
    plot_->yAxis->setScaleType(QCPAxis::stLogarithmic);
    plot_->yAxis->setTicker(QSharedPointer<QCPAxisTickerLog>(new QCPAxisTickerLog));
  }
  plot_->rescaleAxes();
  padDegenerateRanges(spec.logY);
  fitLegend();
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
    err->removeFromLegend();
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
  double bestDist = 30;  // pixels
  QString best;
  for (const QString& label : labels_) {
    auto* g = qobject_cast<QCPGraph*>(main_.value(label));
    if (!g || !g->visible() || g->data()->isEmpty()) continue;
    const double key = plot_->xAxis->pixelToCoord(pixel.x());
    auto it = g->data()->findBegin(key, true);
    for (int k = 0; k < 2 && it != g->data()->constEnd(); ++k, ++it) {
      const QPointF at(plot_->xAxis->coordToPixel(it->key), plot_->yAxis->coordToPixel(it->value));
      const double d = std::hypot(at.x() - pixel.x(), at.y() - pixel.y());
      if (d < bestDist) {
        bestDist = d;
        best = QStringLiteral("%1 — %2 %3: %4").arg(label, xLabel_, fmt(it->key), fmt(it->value));
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
