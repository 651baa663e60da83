// Monitor screen: the runs of one study (their stored state, progress and curves, then live as
// the queues work on them: the local one and the studies' Slurm ones, whose rows say Slurm's
// state, reason and node) and whatever else the queues run, with a progress bar and ETA each
// and for all of them, live curves as events arrive, the selected run's log tail and its error
// in plain words; cancel and resume. Events are buffered and applied on a timer, so a flood of
// events never blocks the window.
// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "exec/engine_events.h"
#include "exec/executor.h"
#include "exec/run_progress.h"
#include "exec/runs_progress.h"
#include "exec/warning_filter.h"
#include "plot/plot_adapter.h"
#include "plot/layered_curve_source.h"
#include "plot/series_store.h"
#include "plot/store_curve_source.h"
#include "shell/deferred_refresh.h"
#include "store/store.h"

#include <nlohmann/json.hpp>

#include <QElapsedTimer>
#include <QHash>
#include <QSet>
#include <QTimer>
#include <QWidget>

#include <optional>
#include <vector>

class QAction;
class QComboBox;
class QLabel;
class QProgressBar;
class QPushButton;
class QTreeWidget;
class QTreeWidgetItem;
class QCustomPlot;

namespace adamix::app {
class StudyRunner;
}

namespace adamix::ui {

class LogTail;
class Workspace;

/// The monitor screen.
class MonitorView : public QWidget {
  Q_OBJECT
 public:
  explicit MonitorView(Workspace* workspace, QWidget* parent = nullptr);

  /// Live state of one run shown in the monitor.
  struct LiveRun {
    QString key;       ///< queue key (config hash)
    qint64 runId = 0;  ///< store id
    QString label;      ///< shown: baseLabel, then the settings that tell it apart (relabelRows)
    QString baseLabel;  ///< "task · variant · sN"
    app::RunProgress progress;  ///< state, steps, loss, dev metric (folded from its events)
    QString error;              ///< plain words
    QString runDir;
    app::JobStatus job;  ///< the scheduler's view (Slurm runs; empty job id for local runs)
    QString node;        ///< where a scheduler run executes ("" unknown)
    QString followedFrom;  ///< "pid P on host H": trained by another launcher, followed through the store
    QTreeWidgetItem* item = nullptr;
    QProgressBar* bar = nullptr;
  };

  /// Runs currently listed (queue order).
  QStringList runKeys() const { return order_; }
  const LiveRun* liveRun(const QString& key) const;
  /// The live series (keyed by queue key).
  const SeriesStore& series() const { return series_; }
  PlotAdapter* adapter() const { return adapter_; }
  /// Events received and applied so far.
  qint64 eventsApplied() const { return applied_; }
  /// Applies buffered events now (the timer does this every `flushIntervalMs`).
  void flushPending();
  /// Seconds left for the whole launch (NaN when unknown).
  double overallEtaSeconds() const;
  /// State counts and done share of the steps of the listed runs (what the header shows).
  app::RunsProgress overallProgress() const;
  /// Lists the stored runs of a study (state, progress from their event logs, curves from the
  /// store) beside the runs this app's queue is working on; the other rows are dropped. With
  /// deferRefreshWhileHidden(), a hidden Monitor lists them when it is next shown.
  void showStudy(qint64 studyId);
  /// While hidden, showStudy() waits until the view is shown (the main window's Monitor screen;
  /// off for a view used on its own). See DeferredRefresh.
  void deferRefreshWhileHidden() { deferred_->enable(); }
  /// The study shown by showStudy() (nullopt: none yet).
  std::optional<qint64> shownStudy() const { return study_; }
  /// The Resume button triggers `action` (the window's one resume action, which reads the
  /// workspace tree's selection) and follows its enabled state.
  void setResumeAction(QAction* action);
  /// Selects the rows of these store ids (nothing else); emits no runsSelected().
  void selectRuns(const QList<qint64>& runIds);
  /// Store ids of the selected rows.
  QList<qint64> selectedRuns() const;
  /// "3 min 20 s" style durations.
  static QString formatDuration(double seconds);

  int flushIntervalMs = 100;

 public slots:
  /// Cancels the selected queued/running runs through the queues that follow them.
  void cancelSelected();
  /// Cancels every run of every queue (Slurm runs included).
  void cancelAll();

 signals:
  /// The user selected rows (store ids), so the workspace tree can follow.
  void runsSelected(const QList<qint64>& runIds);
  /// Human-readable notices for the status bar.
  void notice(const QString& text);

 private:
  void attach(app::StudyRunner* runner);
  /// The queue that follows `key` (null when none does).
  app::StudyRunner* runnerOf(const QString& key) const;
  /// A Slurm state change: the reason shown, a requeued run back to queued.
  void onJobStatus(const QString& key, const app::JobStatus& status);
  void onEvent(const QString& key, const app::EngineEvent& ev);
  void onStarted(const QString& key);
  /// A run of this launch that another launcher trains: listed with the state the store holds.
  void onFollowed(app::StudyRunner* runner, const QString& key, const app::RunClaim& holder);
  void onEnded(const QString& key, app::RunState state, const app::RunError& error);
  /// Names rows by the settings that tell their runs apart beyond the labels (an edited study
  /// launched again: app::distinguishingSettings over the listed runs' studies).
  void relabelRows();
  /// relabelRows() once, after the current batch of new rows (a study listed, a launch queued).
  void scheduleRelabel();
  LiveRun& ensureRun(const QString& key, const app::RunRecord* stored = nullptr);
  void removeRow(const QString& key);
  /// Drops the stopped rows whose runs are no longer in the store (deleted from the tree or the CLI).
  void dropDeletedRuns();
  /// Cancel only for queued/running selected rows.
  void updateButtons();
  void updateRow(LiveRun& r);
  void updateOverall();
  void redrawPlot();
  void showCurrent();
  void showEvent(QShowEvent* event) override;
  QString currentKey() const;
  double nowS() const { return clock_.elapsed() / 1000.0; }

  Workspace* ws_;
  QTreeWidget* table_;
  QProgressBar* overall_;
  QLabel* overallLabel_;
  QComboBox* metric_;
  QCustomPlot* plot_;
  PlotAdapter* adapter_;
  LogTail* log_;
  QLabel* error_;
  QPushButton* cancel_;
  QPushButton* cancelAll_;
  QPushButton* resume_;
  SeriesStore series_;
  StoreCurveSource storedCurves_;                         ///< listed runs that are not live: read when drawn
  LayeredCurveSource curves_{&series_, &storedCurves_};  ///< what the plot draws
  bool plotStale_ = false;                                ///< a redraw waits for the view to be shown
  QHash<QString, LiveRun> runs_;
  QStringList order_;
  bool relabelPending_ = false;
  std::vector<std::pair<QString, app::EngineEvent>> pending_;
  QElapsedTimer clock_;  ///< the monitor's clock for speeds and ETAs
  QTimer flushTimer_;
  std::optional<qint64> study_;
  DeferredRefresh* deferred_;                ///< showStudy() waiting for the view to be shown
  std::optional<QList<qint64>> pendingSelection_;  ///< selectRuns() while showStudy() waits
  QSet<QString> active_;  ///< keys queued or running in this app's queue (their rows are live)
  app::WarningFilter warnings_;  ///< executors' warnings shown in the status bar, each once
  QElapsedTimer warningClock_;
  quint64 drawnRevision_ = 0;
  qint64 applied_ = 0;
};

}  // namespace adamix::ui
