// The one adapter between the curve sources (the in-memory series store, the workspace store) and
// QCustomPlot: every plot of the app (compare and monitor) is drawn through it, so views never
// touch QCustomPlot items or the store directly. It draws only what is visible: the visible step
// range in buckets of about one pixel column (min and max of each, so spikes stay), read again
// when the x range changes; read-outs show the exact stored point under the cursor.
// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "plot/curve_source.h"

#include <QColor>
#include <QHash>
#include <QObject>
#include <QPointer>
#include <QString>
#include <QStringList>
#include <QVector>

#include <utility>
#include <vector>

class QCustomPlot;
class QCPGraph;
class QCPAbstractPlottable;
class QCPAbstractLegendItem;
class QCPLegend;
class QCPItemText;
class QCPItemTracer;
class QMouseEvent;
class QTimer;

namespace adamix::ui {

/// What the x axis shows.
enum class XAxisKind { Step, Epoch, WallTime };

/// One run to draw: its key in the SeriesStore, its legend label and (for grouped plots) the
/// group it is averaged into.
struct CurveRun {
  QString run;
  QString label;
  QString group;
};

/// What showCurves() draws.
struct CurveSpec {
  std::vector<CurveRun> runs;
  QString split = QStringLiteral("train");
  QString name = QStringLiteral("loss");
  XAxisKind x = XAxisKind::Step;
  double smoothing = 0;  ///< EMA weight in [0, 1): 0 = raw only
  bool logY = false;
  bool grouped = false;  ///< one mean line (± std band) per CurveRun::group
  bool showRaw = true;   ///< with smoothing: draw the raw curve faded behind the smooth one
};

/// One bar series (a variant) over the chart's categories (tasks); NaN = no bar.
struct BarSeries {
  QString label;
  std::vector<double> mean, std;
};

/// What showBars() draws: grouped bars with error bars.
struct BarChart {
  QStringList categories;
  std::vector<BarSeries> series;
  QString yLabel;
};

/// One point of a scatter (a variant): its mean score with a vertical error bar at a cost x.
struct ScatterPoint {
  QString label;       ///< written beside the point
  double x = 0, y = 0;
  double yError = 0;   ///< half the error bar (std over seeds); 0 or NaN: none
  bool onFront = false;  ///< on the Pareto front: drawn filled, joined by the front's staircase
  QString hover;       ///< the read-out under the cursor ("" = label, x, y)
};

/// What showScatter() draws: every point (hollow) with its error bar and label, and the Pareto
/// front as a staircase through the front points (filled), cheapest first.
struct ScatterChart {
  std::vector<ScatterPoint> points;
  QString xLabel, yLabel;
  bool logX = false;
};

/// One group (a variant) of a distribution chart: a box plot of `box` (with its values as jittered
/// points) and, beside it, one column of points per entry of `points` (with a mean marker).
struct DistributionGroup {
  QString label;
  std::vector<double> box;
  std::vector<std::pair<QString, std::vector<double>>> points;
};

/// What showDistributions() draws, group after group along x.
struct DistributionChart {
  std::vector<DistributionGroup> groups;
  QString boxLabel = QStringLiteral("single modules");  ///< legend and tick label of the boxes
  QString yLabel;
};

/// A box as drawn by showDistributions(): its x and its five numbers.
struct DrawnBox {
  double key = 0, lowerWhisker = 0, lowerQuartile = 0, median = 0, upperQuartile = 0, upperWhisker = 0;
  QVector<double> outliers;
};

/// Draws curves and bar charts on a QCustomPlot: EMA smoothing with the raw curve faded, group
/// means with ±std bands, log scale, a hover read-out, legend clicks that hide a series, and
/// PNG/PDF export. Colours follow the widget palette (light or dark).
///
/// Decimation: a curve is read from its CurveSource for the visible step range only, in buckets
/// of `w` steps, w the smallest power of two >= the steps per pixel column (app::bucketWidthFor;
/// w = 1 while a column holds at most one step: every point as stored). A run's line is its
/// points' min and max per bucket (app::minMaxPoints: at most 2 points per bucket, spikes kept,
/// first and last point kept); the smoothed line is the EMA of the bucket means (emaOfMeans); a
/// group's line and band are the mean ± sample std over its runs of their (smoothed) bucket means,
/// bucket by bucket (all runs share the grid index = floor(step / w)), at the mean of their
/// bucket-mean x. With w = 1 all of this is exactly the undecimated curve, EMA and per-step band.
/// Zooming or resizing reads the new range again at the new resolution.
class PlotAdapter : public QObject {
  Q_OBJECT
 public:
  explicit PlotAdapter(QCustomPlot* plot, QObject* parent = nullptr);

  /// Replaces the plot's contents with the curves of `spec` read from `source`, which must stay
  /// alive (and unchanged) until the next show*() call: zooming and read-outs read it again.
  void showCurves(const CurveSource& source, const CurveSpec& spec);
  /// Replaces the plot's contents with a grouped bar chart with error bars.
  void showBars(const BarChart& chart);
  /// Replaces the plot's contents with a labelled scatter with error bars and a Pareto front
  /// (series "Variants" and "Pareto front"; analysis_charts.cpp).
  void showScatter(const ScatterChart& chart);
  /// Replaces the plot's contents with box plots and point columns per group (series
  /// DistributionChart::boxLabel, one per point column name, and "mean"; analysis_charts.cpp).
  void showDistributions(const DistributionChart& chart);
  /// The (x, y) of every point of a drawn series (a graph) as plotted, in data order.
  QVector<QPointF> seriesPoints(const QString& label) const;
  /// The boxes of a drawn box series (showDistributions()), in x order.
  std::vector<DrawnBox> boxes(const QString& label) const;
  /// The point labels of a scatter as drawn: text and the plot coordinates it is anchored at.
  std::vector<std::pair<QString, QPointF>> pointLabels() const;
  /// Empties the plot and shows `message` in its middle.
  void showMessage(const QString& message);
  /// Writes the plot to a .png, .pdf or (when built with Qt Svg, see supportsSvg()) .svg file,
  /// chosen by suffix, at width × height pixels (points for PDF/SVG); false on failure.
  bool exportTo(const QString& path, int width = 1200, int height = 700);
  /// True when this build links Qt Svg and exportTo() writes .svg files.
  static bool supportsSvg();
  /// Refits an outside legend when the plot is resized.
  bool eventFilter(QObject* watched, QEvent* event) override;

  QCustomPlot* plot() const { return plot_; }
  /// Live mode for plots redrawn several times a second while runs stream: fast polylines and
  /// no antialiasing of the curves (measured by bench/gui_latency_bench). Exports are unaffected.
  void setLiveMode(bool live);
  /// Legend labels of the main series (one per run or group, or per bar series), in order.
  QStringList seriesLabels() const { return labels_; }
  /// The main (smoothed or raw) line of a series; nullptr for unknown labels or bar charts.
  QCPGraph* mainGraph(const QString& label) const;
  /// Hides/shows a series with its faded raw line and band (what a legend click does).
  void setSeriesVisible(const QString& label, bool visible);
  bool isSeriesVisible(const QString& label) const;
  /// The read-out text for the data point nearest to a pixel position ("" if none near). On a
  /// run's curve it is the exact stored point nearest to the cursor (read again from the source,
  /// never a decimated or averaged value), with the smoothed value when smoothing is on; on a
  /// group's line the mean at the nearest bucket.
  QString readoutAt(const QPointF& pixel) const;
  /// The bucket width (steps) of the curves as drawn now; 1 = every stored point.
  double bucketWidth() const { return bucketWidth_; }

  /// The i-th series colour: 20 distinct colours (the colour-blind friendly Tableau 10, then ten
  /// more), then again.
  static QColor seriesColor(int i);
  /// The i-th series line style: solid for the first 10 series, dashed for the next 10 (a second
  /// cue beside the colour), then dotted, dash-dotted, …: no two of the first 100 series look alike.
  static Qt::PenStyle seriesStyle(int i);
  /// Puts the legend in a column right of the axis rect (true: it never covers the curves, and it
  /// wraps into more columns when its entries do not fit the height) or inside it (false, default).
  void setLegendOutside(bool outside);
  bool legendOutside() const { return legendOutside_; }

 private:
  bool saveSvg(const QString& path, int width, int height);
  void reset();
  void applyTheme();
  /// The hover text of the scatter or distribution point nearest to `pixel` ("" when none is near).
  QString pointNoteAt(const QPointF& pixel) const;
  /// A graph of markers without a line (scatter and distribution points).
  QCPGraph* addMarkers(const QVector<double>& x, const QVector<double>& y, const QColor& pen, const QColor& fill,
                       int shape, double size, const QString& legend);
  void onMouseMove(QMouseEvent* event);
  void onLegendClick(QCPLegend* legend, QCPAbstractLegendItem* item, QMouseEvent* event);
  QCPGraph* addLine(const QVector<double>& x, const QVector<double>& y, const QColor& color, double width,
                    const QString& legend, Qt::PenStyle style = Qt::SolidLine);
  /// After rescaleAxes(): gives an axis whose data span is a single value (one point, or all
  /// series at the same x) a range centred on it instead of the previous range's width.
  void padDegenerateRanges(bool logY);
  /// With the legend outside: as many entries per column as fit the plot's height.
  void fitLegend();

  /// One drawn curve: a run's, or (grouped) a group's with the runs averaged into it.
  struct DrawnCurve {
    QString label;
    std::vector<int> runs;  ///< indexes into spec_.runs
    bool group = false;
    QCPGraph *main = nullptr, *raw = nullptr, *low = nullptr, *high = nullptr;
  };
  /// What the plot knows of a run's curve: its ends (by step) and its wall-time origin.
  struct RunExtent {
    SeriesPoint first, last;
    double t0 = 0;
  };
  /// The lines of one curve for a step window.
  struct CurveData {
    QVector<double> x, y, rawX, rawY, lo, hi;
    int runsWithData = 0;
  };
  /// The step range of `run` that shows the x range [xLo, xHi].
  double stepAtX(const RunExtent& e, double x) const;
  /// Bucket width for the x range [xLo, xHi] at the plot's width in pixels.
  double widthFor(double xLo, double xHi) const;
  /// The lines of `curve` for the x range [xLo, xHi] at bucket width `width`.
  CurveData curveData(const DrawnCurve& curve, double xLo, double xHi, double width) const;
  /// Reads the visible x range again at the current resolution and replaces the curves' data.
  void redecimate();
  void scheduleRedecimate();
  static void setGraphData(QCPGraph* g, const QVector<double>& x, const QVector<double>& y, bool marker);
  double xOfPoint(const SeriesPoint& p, double t0) const;

  QCustomPlot* plot_;
  const CurveSource* source_ = nullptr;
  CurveSpec spec_;
  std::vector<RunExtent> extents_;  ///< per spec_.runs; valid where hasExtent_
  std::vector<bool> hasExtent_;
  std::vector<DrawnCurve> drawn_;
  double bucketWidth_ = 1;
  double fullWidth_ = 1;  ///< the bucket width of the whole range (showCurves())
  int drawnColumns_ = 0;  ///< the axis rect width (pixels) the curves were bucketed for
  bool settingRanges_ = false;  ///< our own range changes do not re-read the curves
  std::pair<double, double> loaded_;  ///< the x range whose points were read at bucketWidth_
  QTimer* redecimateTimer_ = nullptr;
  QStringList labels_;
  QHash<QString, QCPAbstractPlottable*> main_;
  QHash<QString, QList<QCPAbstractPlottable*>> companions_;
  QHash<const QCPAbstractPlottable*, QStringList> pointNotes_;  ///< hover text per point (analysis charts)
  QList<QPointer<QCPItemText>> pointLabels_;                      ///< a scatter's point labels
  QPointer<QCPItemText> readout_;
  QPointer<QCPItemTracer> tracer_;
  QString xLabel_;
  bool legendOutside_ = false;
};

}  // namespace adamix::ui
