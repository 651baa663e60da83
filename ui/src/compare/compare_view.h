// Compare screen: overlay the curves of the runs selected in the workspace tree (EMA smoothing,
// raw faded, grouped mean ± std over seeds, x by step / epoch / wall time, log scale) or a bar
// chart of final metrics with error bars; plots export to PNG and PDF. Draws only through
// PlotAdapter, which reads the curves from the store at the plot's resolution (StoreCurveSource). Opens on the newest study's finished runs, its tasks' primary metric, grouped by
// variant.
// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "export/result_set.h"
#include "plot/plot_adapter.h"
#include "plot/store_curve_source.h"
#include "shell/deferred_refresh.h"
#include "store/store.h"

#include <QWidget>

#include <map>
#include <optional>

class QCheckBox;
class QComboBox;
class QLabel;
class QSlider;
class QCustomPlot;

namespace adamix::ui {

class Workspace;

/// The compare screen. It draws the runs selected in the workspace tree (setSelectedRuns()); until
/// something is selected (or once every selected run was deleted), the finished runs of the newest
/// study that has some.
class CompareView : public QWidget {
  Q_OBJECT
 public:
  enum class Mode { Curves, Bars };

  explicit CompareView(Workspace* workspace, QWidget* parent = nullptr);

  /// Which group a run's curve is averaged into under `groupBy` ("variant", "task" or an axis
  /// name; "" = no grouping: an empty key). The ONE place that decides it: runs with equal keys
  /// form one mean ± std line, labelled by the key. "variant" is keyed by task and variant label,
  /// then `settings` ("train/epochs=3"): the run's values of the settings in which the compared
  /// runs differ beyond their labels (app::untrackedSettings), so unlike runs never share a mean.
  static QString groupKey(const app::RunRecord& run, const QString& groupBy, const QString& settings = {});
  /// The split/name of the metric most of `runs`' tasks rank by (app::primaryMetricFor), "" for none.
  static QString primaryMetricOf(const std::vector<app::RunRecord>& runs);

  /// Draws exactly these runs (store ids) and redraws; from then on no default selection.
  void setSelectedRuns(const QList<qint64>& runIds);
  QList<qint64> selectedRuns() const { return selected_; }
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
  QComboBox* groupBox() const { return group_; }
  /// What is drawn and where the selection comes from ("The 8 finished runs of study …").
  QLabel* captionLabel() const { return caption_; }

 public slots:
  /// Re-reads the selected runs (the default selection too) and the curves of running runs;
  /// redraws. While the view is hidden it only notes that it must, and does it when shown.
  void refresh();
  /// Asks for a file name and exports the plot.
  void exportWithDialog();

 protected:

 private:
  /// Re-reads the selected runs from the store (dropping deleted ones); without a selection set
  /// by the tree, selects the newest study's finished runs.
  void reloadRuns();
  void updateCaption();
  void fillMetricAndGroups();
  void redraw();
  /// Points the curve source at the workspace's store (none while it is closed).
  void syncSource();
  /// The selected runs' records, in selection order.
  std::vector<app::RunRecord> selectedRecords() const;

  Workspace* ws_;
  QLabel* caption_;
  QLabel* settingsNote_;
  /// What tells the selected runs apart beyond their labels; computed with them in reloadRuns().
  app::DistinguishingSettings distinct_;  ///< shown when groups are split by settings the labels do not show
  QComboBox* mode_;
  QComboBox* metric_;
  QComboBox* x_;
  QComboBox* group_;
  QSlider* smooth_;
  QLabel* smoothLabel_;
  QCheckBox* log_;
  QCustomPlot* plot_;
  PlotAdapter* adapter_;
  StoreCurveSource source_;  // curves read from the store as they are drawn
  QList<qint64> selected_;
  std::map<qint64, app::RunRecord> records_;  // the selected runs as last read from the store
  bool selectionSet_ = false;                 // set by the tree (or code): no default selection
  QString defaultStudy_;                      // the study whose finished runs are the default selection
  bool metricChosen_ = false;                 // the user picked a metric: keep it
  bool groupChosen_ = false;                  // the user picked a grouping: keep it
  bool filling_ = false;
  DeferredRefresh* deferred_;  // a refresh() while hidden waits for the view to be shown
};

}  // namespace adamix::ui
