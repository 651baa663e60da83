// SPDX-License-Identifier: GPL-3.0-or-later
#include "monitor/monitor_view.h"

#include "export/result_set.h"

#include "exec/event_replay.h"
#include "exec/slurm/slurm_job_state.h"
#include "exec/study_runner.h"
#include "monitor/error_text.h"
#include "monitor/job_text.h"
#include "monitor/log_tail.h"
#include "study/task_catalog.h"
#include "workspace/status_icons.h"
#include "workspace/workspace.h"

#include <qcustomplot.h>

#include <QAction>
#include <QComboBox>
#include <QFile>
#include <QDir>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QPalette>
#include <QProgressBar>
#include <QPushButton>
#include <QSplitter>
#include <QTimer>
#include <QTreeWidget>
#include <QVBoxLayout>

#include <cmath>
#include <set>

namespace adamix::ui {

namespace {
enum Col { ColRun, ColState, ColProgress, ColEta, ColLoss, ColDev, ColCount };

/// Sets `p`'s selection metric to the stored run's task (its config first made known to the task
/// catalog, for own tasks).
void selectByStoredRun(app::RunProgress& p, const app::RunRecord& rec) {
  app::rememberTaskConfig(rec.config);
  app::selectByTask(p, rec.task);
}

/// A stored run's progress: its run directory's events.jsonl folded (best dev by its task's
/// selection metric), else the last stored training step; the state is the stored one.
app::RunProgress storedProgress(app::Store& store, const app::RunRecord& rec) {
  app::RunProgress p;
  selectByStoredRun(p, rec);
  if (!rec.runDir.isEmpty()) {
    try {  // bounded and regular files only (a FIFO would block the GUI); else the store's steps
      const std::string log = app::readEventLogFile(QDir(rec.runDir).filePath(QStringLiteral("events.jsonl")));
      p = app::progressFromEventLog(QByteArray::fromRawData(log.data(), static_cast<qsizetype>(log.size())), rec.task);
    } catch (const std::exception&) {
    }
  }
  if (p.step == 0) {
    try {
      // the last step of each training series: an index seek each, no point read
      for (const auto& [split, name] : store.metricNames(rec.id))
        if (split == QLatin1String("train"))
          if (const auto ends = store.metricSeriesEnds(rec.id, split, name))
            p.step = std::max(p.step, qint64(ends->second.step));
    } catch (const std::exception&) {
    }
  }
  p.state = rec.status;
  if (p.state == app::RunState::Finished && p.totalSteps > 0) p.step = p.totalSteps;
  return p;
}

/// Red for failures; a user's cancel or an interrupted app is no error.
bool isErrorState(app::RunState s) { return s == app::RunState::Failed || s == app::RunState::Lost; }

}  // namespace

MonitorView::MonitorView(Workspace* workspace, QWidget* parent) : QWidget(parent), ws_(workspace) {
  deferred_ = new DeferredRefresh(this, [this] {
    if (study_) showStudy(*study_);
  });
  auto* lay = new QVBoxLayout(this);
  auto* top = new QHBoxLayout;
  overallLabel_ = new QLabel(tr("Nothing running. Launch a study from the designer (Ctrl+R)."));
  overallLabel_->setObjectName(QStringLiteral("monitorSummary"));
  overall_ = new QProgressBar;
  overall_->setObjectName(QStringLiteral("monitorOverall"));
  overall_->setRange(0, 1000);
  overall_->setValue(0);
  overall_->setTextVisible(true);
  overall_->setFormat(QStringLiteral("%p%"));
  overall_->setToolTip(
      tr("Steps of finished runs and of queued or running runs over the steps of all listed runs; failed and "
         "cancelled runs count as not done."));
  cancel_ = new QPushButton(tr("Cancel run"));
  cancel_->setObjectName(QStringLiteral("monitorCancel"));
  cancel_->setEnabled(false);
  cancel_->setToolTip(tr("Stops the selected run; it can be resumed from its last checkpoint."));
  cancelAll_ = new QPushButton(tr("Cancel all"));
  cancelAll_->setObjectName(QStringLiteral("monitorCancelAll"));
  cancelAll_->setToolTip(tr("Stops every queued and running run; all stay resumable."));
  resume_ = new QPushButton(tr("Resume"));
  resume_->setObjectName(QStringLiteral("monitorResume"));
  resume_->setToolTip(
      tr("Queues the stopped runs selected here or in the workspace tree again, continuing from their "
         "checkpoints when they have one."));
  top->addWidget(overallLabel_, 1);
  top->addWidget(overall_, 1);
  top->addWidget(cancel_);
  top->addWidget(cancelAll_);
  top->addWidget(resume_);
  lay->addLayout(top);

  auto* vsplit = new QSplitter(Qt::Vertical);
  table_ = new QTreeWidget;
  table_->setObjectName(QStringLiteral("monitorRuns"));
  table_->setRootIsDecorated(false);
  table_->setColumnCount(ColCount);
  table_->setHeaderLabels({tr("Run"), tr("State"), tr("Progress"), tr("ETA"), tr("Loss"), tr("Best dev")});
  table_->headerItem()->setToolTip(
      ColDev, tr("The best dev score so far in the run's selection metric (its task's primary metric, by "
                 "which the engine keeps its best checkpoint): the score Results and the CLI report"));
  table_->setSelectionMode(QAbstractItemView::ExtendedSelection);
  table_->header()->setSectionResizeMode(ColRun, QHeaderView::Stretch);
  table_->header()->setSectionResizeMode(ColProgress, QHeaderView::Fixed);
  table_->header()->resizeSection(ColProgress, 180);
  for (int c : {ColState, ColEta, ColLoss, ColDev})  // "matthews_correlation 0.4512" shown whole
    table_->header()->setSectionResizeMode(c, QHeaderView::ResizeToContents);
  table_->header()->setStretchLastSection(false);
  vsplit->addWidget(table_);

  auto* hsplit = new QSplitter(Qt::Horizontal);
  auto* plotBox = new QWidget;
  auto* pl = new QVBoxLayout(plotBox);
  pl->setContentsMargins(0, 0, 0, 0);
  auto* mrow = new QHBoxLayout;
  metric_ = new QComboBox;
  metric_->setObjectName(QStringLiteral("monitorMetric"));
  metric_->addItem(QStringLiteral("train/loss"));
  metric_->setToolTip(tr("The live metric drawn for every run of the launch."));
  mrow->addWidget(new QLabel(tr("Live metric")));
  mrow->addWidget(metric_);
  mrow->addStretch();
  pl->addLayout(mrow);
  plot_ = new QCustomPlot;
  plot_->setMinimumHeight(220);
  pl->addWidget(plot_, 1);
  hsplit->addWidget(plotBox);
  auto* logBox = new QWidget;
  auto* lb = new QVBoxLayout(logBox);
  lb->setContentsMargins(0, 0, 0, 0);
  error_ = new QLabel;
  error_->setObjectName(QStringLiteral("monitorError"));
  error_->setWordWrap(true);
  error_->setTextInteractionFlags(Qt::TextSelectableByMouse);
  error_->setVisible(false);
  lb->addWidget(error_);
  log_ = new LogTail;
  lb->addWidget(log_, 1);
  hsplit->addWidget(logBox);
  hsplit->setSizes({600, 400});
  vsplit->addWidget(hsplit);
  vsplit->setSizes({220, 380});
  lay->addWidget(vsplit, 1);

  adapter_ = new PlotAdapter(plot_, this);
  adapter_->setLiveMode(true);
  adapter_->setLegendOutside(true);  // beside the plot: with many runs it would cover the curves
  adapter_->showMessage(tr("Live curves appear here while runs train"));

  clock_.start();
  flushTimer_.setInterval(flushIntervalMs);
  connect(&flushTimer_, &QTimer::timeout, this, &MonitorView::flushPending);
  flushTimer_.start();
  connect(ws_, &Workspace::runnerCreated, this, &MonitorView::attach);
  connect(ws_, &Workspace::closed, this, [this] {
    study_.reset();
    active_.clear();
    runs_.clear();
    order_.clear();
    table_->clear();
    series_.clear();
    curves_.clear();
    storedCurves_.setStore(nullptr);
    pending_.clear();
    log_->setFile({});
    adapter_->showMessage(tr("Live curves appear here while runs train"));
  });
  connect(ws_, &Workspace::changed, this, &MonitorView::dropDeletedRuns);
  connect(table_, &QTreeWidget::itemSelectionChanged, this, [this] {
    showCurrent();
    updateButtons();
    emit runsSelected(selectedRuns());
  });
  // a click on a row that is already selected (the Monitor picks a starting run's row by itself,
  // without telling the tree) changes no selection: the tree still has to follow it
  connect(table_, &QTreeWidget::itemClicked, this, [this] { emit runsSelected(selectedRuns()); });
  connect(metric_, &QComboBox::currentIndexChanged, this, [this] {
    drawnRevision_ = 0;
    redrawPlot();
  });
  connect(cancel_, &QPushButton::clicked, this, &MonitorView::cancelSelected);
  connect(cancelAll_, &QPushButton::clicked, this, &MonitorView::cancelAll);
  resume_->setEnabled(false);  // until setResumeAction()
}

app::StudyRunner* MonitorView::runnerOf(const QString& key) const {
  app::StudyRunner* found = nullptr;
  for (app::StudyRunner* r : ws_->runners())
    if (r->runId(key)) found = r;  // the newest queue that took it
  return found;
}

void MonitorView::attach(app::StudyRunner* runner) {
  // signals are only queued here: processing happens in flushPending()
  connect(runner, &app::StudyRunner::eventReceived, this, &MonitorView::onEvent);
  connect(runner, &app::StudyRunner::runStarted, this, &MonitorView::onStarted);
  connect(runner, &app::StudyRunner::runEnded, this, &MonitorView::onEnded);
  connect(runner, &app::StudyRunner::jobStatusChanged, this, &MonitorView::onJobStatus);
  connect(runner, &app::StudyRunner::runFollowed, this,
          [this, runner](const QString& key, const app::RunClaim& holder) { onFollowed(runner, key, holder); });
  connect(runner, &app::StudyRunner::followedRunStateChanged, this, [this](const QString& key, app::RunState state) {
    LiveRun& r = ensureRun(key);
    r.progress.state = state;
    updateRow(r);
    updateOverall();
  });
  connect(runner, &app::StudyRunner::runTakenOver, this, [this](const QString& key) {
    LiveRun& r = ensureRun(key);
    r.followedFrom.clear();  // this app trains it now
    updateRow(r);
  });
  connect(&runner->executor(), &app::Executor::runQueued, this, [this, runner](const QString& key) {
    active_.insert(key);
    LiveRun& r = ensureRun(key);
    r.progress.state = app::RunState::Queued;
    r.error.clear();
    r.runId = runner->runId(key);
    // a rerun's curve so far (what a resume continues); stale points go when it starts
    if (r.runId && ws_->isOpen()) {
      try {
        series_.loadRun(ws_->store(), r.runId, key);
      } catch (const std::exception&) {
      }
    }
    updateRow(r);
    updateOverall();
    showCurrent();
  });
  connect(runner, &app::StudyRunner::storeError, this,
          [this](const QString& m) { emit notice(tr("Store: %1").arg(m)); });
  // a Slurm command that failed, a log line that does not parse: in the status bar, each once
  connect(&runner->executor(), &app::Executor::protocolWarning, this, [this, runner](const QString& key, const QString& m) {
    if (!warningClock_.isValid()) warningClock_.start();
    const auto line = warnings_.admit(key.isEmpty() ? QString() : runner->label(key), m, warningClock_.elapsed() / 1000.0);
    if (line) emit notice(tr("%1: %2").arg(runner->executor().kind() == QLatin1String("slurm") ? tr("Slurm") : tr("Engine"), *line));
  });
}

void MonitorView::scheduleRelabel() {
  if (relabelPending_) return;
  relabelPending_ = true;
  QTimer::singleShot(0, this, &MonitorView::relabelRows);  // once for a batch of new rows
}

void MonitorView::relabelRows() {
  relabelPending_ = false;
  if (!ws_->isOpen()) return;
  try {
    std::set<qint64> studies;
    for (const LiveRun& r : runs_)
      if (r.runId)
        if (auto rec = ws_->store().run(r.runId); rec && rec->studyId) studies.insert(*rec->studyId);
    std::vector<app::RunRecord> records;
    for (qint64 sid : studies) {
      app::RunFilter f;
      f.studyId = sid;
      for (app::RunRecord& rec : ws_->store().listRuns(f)) records.push_back(std::move(rec));
    }
    const app::DistinguishingSettings distinct = app::distinguishingSettings(ws_->store(), records);
    for (LiveRun& r : runs_) {
      auto it = distinct.text.find(r.runId);
      r.label = r.baseLabel + (it == distinct.text.end() || it->second.isEmpty() ? QString() : " · " + it->second);
      if (r.item) r.item->setText(0, r.label);
    }
  } catch (const std::exception&) {
    // the store went away: rows keep their labels
  }
}

const MonitorView::LiveRun* MonitorView::liveRun(const QString& key) const {
  auto it = runs_.constFind(key);
  return it == runs_.constEnd() ? nullptr : &*it;
}

MonitorView::LiveRun& MonitorView::ensureRun(const QString& key, const app::RunRecord* stored) {
  auto it = runs_.find(key);
  if (it != runs_.end()) return *it;
  LiveRun r;
  r.key = key;
  if (app::StudyRunner* runner = runnerOf(key)) {
    r.label = runner->label(key);
    r.runId = runner->runId(key);
  }
  if (stored) {
    r.runId = stored->id;
    r.runDir = stored->runDir;
    selectByStoredRun(r.progress, *stored);
    if (r.label.isEmpty())
      r.label = QStringLiteral("%1 · %2 · s%3").arg(stored->task, stored->variant).arg(stored->seed);
  }
  if (r.label.isEmpty()) r.label = key.left(8);
  r.baseLabel = r.label;
  if (ws_->isOpen() && r.runId && !stored) {
    try {
      if (auto rec = ws_->store().run(r.runId)) {
        r.runDir = rec->runDir;
        selectByStoredRun(r.progress, *rec);
      }
    } catch (const std::exception&) {
    }
  }
  r.item = new QTreeWidgetItem(table_, {r.label});
  r.item->setData(0, Qt::UserRole, key);
  r.bar = new QProgressBar;
  r.bar->setRange(0, 1000);
  r.bar->setValue(0);
  r.bar->setMaximumHeight(18);
  table_->setItemWidget(r.item, ColProgress, r.bar);
  order_ << key;
  scheduleRelabel();
  series_.removeRun(key);
  if (stored) {
    // a run that is not live: its curve is read from the store when drawn, never held here
    curves_.setStored(key, stored->id);
  } else if (r.runId && ws_->isOpen()) {  // the curve stored so far (a resumed or restarted run)
    try {
      series_.loadRun(ws_->store(), r.runId, key);
    } catch (const std::exception&) {
    }
  }
  return runs_.insert(key, r).value();
}

void MonitorView::removeRow(const QString& key) {
  auto it = runs_.find(key);
  if (it == runs_.end()) return;
  delete it->item;  // also deletes its progress bar widget
  runs_.erase(it);
  order_.removeAll(key);
  series_.removeRun(key);
  curves_.forget(key);
}

void MonitorView::dropDeletedRuns() {
  if (!ws_->isOpen()) return;
  bool dropped = false;
  try {
    const QSignalBlocker block(table_);
    for (const QString& key : QStringList(order_)) {
      const LiveRun& r = runs_[key];
      if (r.runId && !active_.contains(key) && !ws_->store().run(r.runId)) {
        removeRow(key);
        dropped = true;
      }
    }
    if (study_ && !ws_->store().study(*study_)) study_.reset();
  } catch (const std::exception&) {
  }
  if (!dropped) return;
  updateOverall();
  drawnRevision_ = 0;
  redrawPlot();
  showCurrent();
  updateButtons();
}

void MonitorView::showStudy(qint64 studyId) {
  if (!ws_->isOpen()) return;
  if (deferred_->postpone()) {
    study_ = studyId;  // shownStudy() answers at once; the rows come when the view is shown
    return;
  }
  std::vector<app::RunRecord> stored;
  try {
    app::RunFilter f;
    f.studyId = studyId;
    stored = ws_->store().listRuns(f);
  } catch (const std::exception& e) {
    emit notice(tr("Store: %1").arg(QString::fromUtf8(e.what())));
    return;
  }
  study_ = studyId;
  storedCurves_.setStore(&ws_->store());
  storedCurves_.clear();  // read the stored curves again
  {
    const QSignalBlocker block(table_);  // dropping rows is no user selection
    for (const QString& key : QStringList(order_))
      if (!active_.contains(key)) removeRow(key);
  }
  for (const app::RunRecord& rec : stored) {
    if (active_.contains(rec.runKey)) continue;  // the queue's own, live
    LiveRun& r = ensureRun(rec.runKey, &rec);
    r.progress = storedProgress(ws_->store(), rec);
    r.error = rec.status == app::RunState::Finished ? QString()
                                                    : plainError(rec.errorKind, rec.errorMessage, rec.errorLocation);
    r.job = {rec.jobId, rec.jobState, rec.jobReason, 0};  // Slurm's last word, until it is asked again
    r.node = rec.jobId.isEmpty() ? QString() : rec.host;
    for (const QString& m : curves_.metrics(rec.runKey))
      if (metric_->findText(m) < 0) metric_->addItem(m);
    updateRow(r);
  }
  updateOverall();
  drawnRevision_ = 0;
  redrawPlot();
  if (pendingSelection_) {  // selected while the listing waited for the view
    const QList<qint64> ids = *std::exchange(pendingSelection_, std::nullopt);
    selectRuns(ids);
    return;
  }
  showCurrent();
  updateButtons();
}

void MonitorView::onStarted(const QString& key) {
  active_.insert(key);
  LiveRun& r = ensureRun(key);
  r.progress.state = app::RunState::Running;
  r.error.clear();
  if (app::StudyRunner* runner = runnerOf(key)) {
    const app::RunPlacement where = runner->executor().placement(key);
    r.node = where.host;
    if (!where.jobId.isEmpty()) r.job.jobId = where.jobId;
  }
  updateRow(r);
  updateOverall();
  if (table_->selectedItems().isEmpty()) {  // shows its log; the tree's selection stays the user's
    const QSignalBlocker block(table_);
    r.item->setSelected(true);
    showCurrent();
    updateButtons();
  }
}

void MonitorView::onFollowed(app::StudyRunner* runner, const QString& key, const app::RunClaim& holder) {
  active_.insert(key);
  std::optional<app::RunRecord> rec;
  if (ws_->isOpen()) {
    try {
      rec = ws_->store().run(runner->runId(key));
    } catch (const std::exception&) {
    }
  }
  // its curve is what the other launcher stores: read from the store when drawn
  LiveRun& r = ensureRun(key, rec ? &*rec : nullptr);
  r.progress.state = rec && !app::isTerminal(rec->status) ? rec->status : app::RunState::Queued;
  r.error.clear();
  r.followedFrom = tr("pid %1 on host %2").arg(holder.owner.pid).arg(holder.owner.host);
  updateRow(r);
  updateOverall();
}

void MonitorView::onEvent(const QString& key, const app::EngineEvent& ev) { pending_.emplace_back(key, ev); }

void MonitorView::onJobStatus(const QString& key, const app::JobStatus& status) {
  active_.insert(key);
  LiveRun& r = ensureRun(key);
  r.job = status;
  if (app::isSlurmJobWaiting(status.state) && r.progress.state == app::RunState::Running)
    r.progress.state = app::RunState::Queued;  // requeued (time limit, preemption): waits to resume
  updateRow(r);
  updateOverall();
}

void MonitorView::onEnded(const QString& key, app::RunState state, const app::RunError& error) {
  flushPending();
  active_.remove(key);
  LiveRun& r = ensureRun(key);
  r.progress.state = state;
  r.error = state == app::RunState::Finished ? QString() : plainError(error);
  if (state == app::RunState::Finished && r.progress.totalSteps > 0) r.progress.step = r.progress.totalSteps;
  updateRow(r);
  updateOverall();
  showCurrent();
  emit notice(tr("%1: %2").arg(r.label, app::runStateName(state)));
}

void MonitorView::flushPending() {
  if (pending_.empty()) {
    if (series_.revision() != drawnRevision_) redrawPlot();
    return;
  }
  std::vector<std::pair<QString, app::EngineEvent>> batch;
  batch.swap(pending_);
  QSet<QString> touched;
  for (const auto& [key, ev] : batch) {
    ++applied_;
    LiveRun& r = ensureRun(key);
    touched.insert(key);
    r.progress = app::fold(r.progress, ev, nowS());
    if (const app::StartedEvent* st = ev.as<app::StartedEvent>(); st && st->mode.isEmpty()) {
      // as the store: a resume replaces the points after its checkpoint, a fresh start all
      if (const auto after = app::stalePointsAfter(ev))
        series_.dropPointsAfter(key, double(*after));
      else
        series_.removeRun(key);
    }
    if (const app::MetricEvent* m = ev.as<app::MetricEvent>()) {
      if (!m->value) continue;
      SeriesPoint p;
      p.step = double(m->step);
      p.epoch = m->epoch;
      p.time = ev.time.value_or(0.0);
      p.value = *m->value;
      series_.append(key, m->split, m->name, p);
      const QString metric = m->split + QLatin1Char('/') + m->name;
      if (metric_->findText(metric) < 0) metric_->addItem(metric);
    } else if (const app::ErrorEvent* e = ev.as<app::ErrorEvent>()) {
      r.error = plainError(e->kind, e->message, e->location);
    }
  }
  for (const QString& key : touched) updateRow(runs_[key]);
  updateOverall();
  redrawPlot();
}

QString MonitorView::formatDuration(double s) {
  if (!std::isfinite(s) || s < 0) return QStringLiteral("—");
  const qint64 t = qint64(std::lround(s));
  if (t < 60) return tr("%1 s").arg(t);
  if (t < 3600) return tr("%1 min %2 s").arg(t / 60).arg(t % 60);
  return tr("%1 h %2 min").arg(t / 3600).arg((t % 3600) / 60);
}

void MonitorView::updateRow(LiveRun& r) {
  const app::RunState st = r.progress.state;
  r.item->setIcon(ColRun, statusIcon(st));
  const bool followed = !r.followedFrom.isEmpty() && !app::isTerminal(st);
  r.item->setText(ColState, runStateText(st, r.job, r.node) + (followed ? tr(" · another launcher") : QString()));
  r.item->setForeground(ColState, statusColor(st));
  r.item->setToolTip(
      ColState, statusExplanation(st) + (followed ? tr("\nTrained by another launcher (%1) on this workspace; this app "
                                                       "follows it through the database.")
                                                        .arg(r.followedFrom)
                                                  : QString()));
  r.bar->setValue(int(std::lround(r.progress.fraction() * 1000)));
  r.bar->setFormat(r.progress.totalSteps > 0 ? QStringLiteral("%1 / %2").arg(r.progress.step).arg(r.progress.totalSteps)
                                             : QStringLiteral("—"));
  const double eta = r.progress.state == app::RunState::Running ? r.progress.etaSeconds(nowS()) : std::nan("");
  r.item->setText(ColEta, st == app::RunState::Finished ? tr("done")
                          : app::isTerminal(st)         ? QStringLiteral("—")
                                                        : formatDuration(eta));
  r.item->setText(ColLoss, r.progress.loss ? QString::number(*r.progress.loss, 'f', 4) : QStringLiteral("—"));
  // The best of the selection metric (what Results and the CLI report); the latest dev value only
  // when the run's selection metric is unknown or not reported, and then labelled so.
  const app::RunProgress& pr = r.progress;
  if (pr.best) {
    r.item->setText(ColDev, QStringLiteral("%1 %2").arg(pr.selectionMetric).arg(*pr.best, 0, 'f', 4));
    r.item->setToolTip(ColDev, tr("Best dev %1 %2 at step %3 (as Results and the CLI report it)%4")
                                   .arg(pr.selectionMetric)
                                   .arg(*pr.best, 0, 'f', 4)
                                   .arg(pr.bestStep)
                                   .arg(pr.dev && pr.devName == pr.selectionMetric && *pr.dev != *pr.best
                                            ? tr("; latest evaluation %1").arg(*pr.dev, 0, 'f', 4)
                                            : QString()));
  } else if (pr.dev) {
    r.item->setText(ColDev, tr("%1 %2 (latest)").arg(pr.devName).arg(*pr.dev, 0, 'f', 4));
    r.item->setToolTip(ColDev, tr("The latest dev evaluation: this run reported no value of its selection metric"));
  } else {
    r.item->setText(ColDev, QStringLiteral("—"));
    r.item->setToolTip(ColDev, QString());
  }
  r.item->setToolTip(ColRun, r.error);
  updateButtons();
}

double MonitorView::overallEtaSeconds() const {
  // steps left over the aggregate rate of the running runs, divided over the parallel slots
  double left = 0, rate = 0;
  int running = 0;
  for (const LiveRun& r : runs_) {
    if (app::isTerminal(r.progress.state)) continue;
    const qint64 total = r.progress.totalSteps > 0 ? r.progress.totalSteps : 0;
    left += double(std::max<qint64>(0, total - r.progress.step));
    if (r.progress.state == app::RunState::Running && r.progress.stepsPerSecond(nowS()) > 0) {
      rate += r.progress.stepsPerSecond(nowS());
      ++running;
    }
  }
  if (rate <= 0) return std::nan("");
  // queued runs of unknown length: assume the mean length of the known ones
  int unknown = 0;
  qint64 known = 0;
  int knownN = 0;
  for (const LiveRun& r : runs_) {
    if (r.progress.totalSteps > 0) {
      known += r.progress.totalSteps;
      ++knownN;
    } else if (!app::isTerminal(r.progress.state)) {
      ++unknown;
    }
  }
  if (unknown && knownN) left += double(unknown) * double(known) / knownN;
  return left / rate;
}

app::RunsProgress MonitorView::overallProgress() const {
  std::vector<app::RunProgress> all;
  for (const QString& key : order_) all.push_back(runs_.value(key).progress);
  return app::summarizeRuns(all);
}

void MonitorView::updateOverall() {
  const app::RunsProgress p = overallProgress();
  cancelAll_->setEnabled(p.active());
  if (p.runs == 0) {
    overall_->setValue(0);
    overallLabel_->setText(tr("Nothing running. Launch a study from the designer (Ctrl+R)."));
    return;
  }
  overall_->setValue(int(std::lround(p.fraction() * 1000)));
  // "4 runs: 1 running, 1 queued, 2 finished" then failures apart: "…, 2 failed, 1 cancelled"
  QStringList parts;
  using S = app::RunState;
  for (S s : {S::Running, S::Queued, S::Finished, S::Failed, S::Cancelled, S::Lost, S::Interrupted})
    if (p.count(s) > 0 || s == S::Finished) parts << tr("%1 %2").arg(p.count(s)).arg(app::runStateName(s));
  QString tail;
  if (p.active()) {
    const double eta = overallEtaSeconds();
    tail = std::isfinite(eta) ? tr("about %1 left").arg(formatDuration(eta)) : tr("estimating the time left");
  } else if (p.allFinished())
    tail = tr("all done");
  else
    tail = p.unfinished() == 1 ? tr("1 run did not finish") : tr("%1 runs did not finish").arg(p.unfinished());
  const QString runs = p.runs == 1 ? tr("1 run") : tr("%1 runs").arg(p.runs);
  overallLabel_->setText(QStringLiteral("%1: %2 — %3").arg(runs, parts.join(QStringLiteral(", ")), tail));
}

void MonitorView::showEvent(QShowEvent* event) {
  QWidget::showEvent(event);
  if (plotStale_) {
    drawnRevision_ = 0;
    redrawPlot();
  }
}

void MonitorView::redrawPlot() {
  if (series_.revision() == drawnRevision_) return;
  // a hidden Monitor draws when it is shown (opening a workspace of many runs does not wait for it)
  plotStale_ = !isVisible();
  if (plotStale_) return;
  drawnRevision_ = series_.revision();
  CurveSpec spec;
  const QString m = metric_->currentText();
  spec.split = m.section(QLatin1Char('/'), 0, 0);
  spec.name = m.section(QLatin1Char('/'), 1);
  spec.smoothing = spec.split == QLatin1String("train") ? 0.6 : 0.0;
  for (const QString& key : order_) spec.runs.push_back({key, runs_[key].label, {}});
  adapter_->showCurves(curves_, spec);
}

QString MonitorView::currentKey() const {
  const auto sel = table_->selectedItems();
  return sel.isEmpty() ? QString() : sel.first()->data(0, Qt::UserRole).toString();
}

void MonitorView::showCurrent() {
  const QString key = currentKey();
  const LiveRun* r = liveRun(key);
  if (!r) {
    log_->setFile({});
    error_->setVisible(false);
    return;
  }
  log_->setFile(r->runDir.isEmpty() ? QString() : QDir(r->runDir).filePath(QStringLiteral("stderr.log")));
  error_->setText(r->error);
  error_->setVisible(!r->error.isEmpty());
  QPalette pal = palette();  // a cancel or an interrupted app reads in the normal text colour
  if (isErrorState(r->progress.state) || (!app::isTerminal(r->progress.state) && !r->error.isEmpty()))
    pal.setColor(QPalette::WindowText, statusColor(app::RunState::Failed));
  error_->setPalette(pal);
}

QList<qint64> MonitorView::selectedRuns() const {
  QList<qint64> ids;
  for (QTreeWidgetItem* it : table_->selectedItems())
    if (const LiveRun* r = liveRun(it->data(0, Qt::UserRole).toString()); r && r->runId) ids << r->runId;
  return ids;
}

void MonitorView::selectRuns(const QList<qint64>& runIds) {
  if (deferred_->pending()) {  // the rows are not listed yet: selected when they are
    pendingSelection_ = runIds;
    return;
  }
  {
    const QSignalBlocker block(table_);
    table_->clearSelection();
    for (const LiveRun& r : std::as_const(runs_))
      if (r.runId && runIds.contains(r.runId)) r.item->setSelected(true);
  }
  showCurrent();
  updateButtons();
}

void MonitorView::updateButtons() {
  bool cancellable = false;
  for (QTreeWidgetItem* it : table_->selectedItems())
    if (const LiveRun* r = liveRun(it->data(0, Qt::UserRole).toString()); r && !app::isTerminal(r->progress.state))
      cancellable = true;
  cancel_->setEnabled(cancellable);
}

void MonitorView::setResumeAction(QAction* action) {
  connect(resume_, &QPushButton::clicked, action, &QAction::trigger);
  resume_->setEnabled(action->isEnabled());
  connect(action, &QAction::changed, resume_, [this, action] { resume_->setEnabled(action->isEnabled()); });
}

void MonitorView::cancelSelected() {
  for (QTreeWidgetItem* it : table_->selectedItems()) {
    const LiveRun* r = liveRun(it->data(0, Qt::UserRole).toString());
    if (!r || app::isTerminal(r->progress.state)) continue;
    if (r->runId) {
      ws_->cancelRun(r->runId);
    } else if (app::StudyRunner* runner = runnerOf(r->key)) {
      runner->executor().cancel(r->key);
    }
  }
}

void MonitorView::cancelAll() { ws_->cancelAll(); }

}  // namespace adamix::ui
