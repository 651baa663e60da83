// Compare screen: overlay the curves of chosen runs (EMA smoothing, raw faded, grouped mean ±
// std over seeds, x by step / epoch / wall time, log scale) or a bar chart of final metrics with
// error bars; plots export to PNG and PDF. Draws only through PlotAdapter.
// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "plot/plot_adapter.h"
#include "plot/series_store.h"

#include <QWidget>

#include <optional>

class QCheckBox;
class QComboBox;
class QLabel;
class QListWidget;
class QSlider;
class QCustomPlot;

namespace adamix::ui {

class Workspace;

/// The compare screen. Runs are checked in its list (or set from the workspace tree).
class CompareView : public QWidget {
  Q_OBJECT
 public:
  enum class Mode { Curves, Bars };

  explicit CompareView(Workspace* workspace, QWidget* parent = nullptr);

  /// Checks exactly these runs (store ids) and redraws.
  void setSelectedRuns(const QList<qint64>& runIds);
  QList<qint64> selectedRuns() const;
  void setMode(Mode mode);
  /// Metric as "split/name" (e.g. "train/loss", "dev/accuracy").
  void setMetric(const QString& splitSlashName);
  void setXAxis(XAxisKind kind);
  /// 0 (raw) … 0.99 (heavy smoothing).
  void setSmoothing(double weight);
  void setLogScale(bool on);
  /// Group key: "" (none), "variant" (mean over seeds), "task", or an axis name.
  void setGroupBy(const QString& key);
  /// Writes the plot to .png or .pdf (by suffix).
  bool exportPlot(const QString& path);
  PlotAdapter* adapter() const { return adapter_; }
  QCustomPlot* plot() const { return plot_; }
  QComboBox* metricBox() const { return metric_; }

 public slots:
  /// Reloads the run list and the curves of running runs; redraws.
  void refresh();
  /// Asks for a file name and exports the plot.
  void exportWithDialog();

 private:
  void fillRunList();
  void fillMetricAndGroups();
  void redraw();
  void ensureLoaded(const QList<qint64>& ids);

  Workspace* ws_;
  QListWidget* runs_;
  QComboBox* mode_;
  QComboBox* metric_;
  QComboBox* x_;
  QComboBox* group_;
  QSlider* smooth_;
  QLabel* smoothLabel_;
  QCheckBox* log_;
  QCustomPlot* plot_;
  PlotAdapter* adapter_;
  SeriesStore series_;
  QHash<qint64, bool> loadedFinal_;  // run id → loaded after it ended (no reload needed)
  bool filling_ = false;
};

}  // namespace adamix::ui
