// SPDX-License-Identifier: GPL-3.0-or-later
#include "monitor/monitor_view.h"

#include "exec/study_runner.h"
#include "monitor/error_text.h"
#include "monitor/log_tail.h"
#include "workspace/status_icons.h"
#include "workspace/workspace.h"

#include <qcustomplot.h>

#include <QComboBox>
#include <QDir>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QMessageBox>
#include <QProgressBar>
#include <QPushButton>
#include <QSplitter>
#include <QTreeWidget>
#include <QVBoxLayout>

#include <cmath>

namespace adamix::ui {

namespace {
enum Col { ColRun, ColState, ColProgress, ColEta, ColLoss, ColDev, ColCount };

}  // namespace

MonitorView::MonitorView(Workspace* workspace, QWidget* parent) : QWidget(parent), ws_(workspace) {
  auto* lay = new QVBoxLayout(this);
  auto* top = new QHBoxLayout;
  overallLabel_ = new QLabel(tr("Nothing running. Launch a study from the designer (Ctrl+R)."));
  overall_ = new QProgressBar;
  overall_->setRange(0, 1000);
  overall_->setValue(0);
  overall_->setTextVisible(true);
  overall_->setFormat(QStringLiteral("%p%"));
  overall_->setToolTip(tr("Steps done over all runs of the launch, with the estimated time left."));
  cancel_ = new QPushButton(tr("Cancel run"));
  cancel_->setToolTip(tr("Stops the selected run; it can be resumed from its last checkpoint."));
  cancelAll_ = new QPushButton(tr("Cancel all"));
  cancelAll_->setToolTip(tr("Stops every queued and running run; all stay resumable."));
  resume_ = new QPushButton(tr("Resume"));
  resume_->setToolTip(tr("Queues the selected stopped run again, continuing from its checkpoint when it has one."));
  top->addWidget(overallLabel_, 1);
  top->addWidget(overall_, 1);
  top->addWidget(cancel_);
  top->addWidget(cancelAll_);
  top->addWidget(resume_);
  lay->addLayout(top);

  auto* vsplit = new QSplitter(Qt::Vertical);
  table_ = new QTreeWidget;
  table_->setRootIsDecorated(false);
  table_->setColumnCount(ColCount);
  table_->setHeaderLabels({tr("Run"), tr("State"), tr("Progress"), tr("ETA"), tr("Loss"), tr("Dev")});
  table_->setSelectionMode(QAbstractItemView::ExtendedSelection);
  table_->header()->setSectionResizeMode(ColRun, QHeaderView::Stretch);
  table_->header()->setSectionResizeMode(ColProgress, QHeaderView::Fixed);
  table_->header()->resizeSection(ColProgress, 180);
  table_->header()->setStretchLastSection(false);
  vsplit->addWidget(table_);

  auto* hsplit = new QSplitter(Qt::Horizontal);
  auto* plotBox = new QWidget;
  auto* pl = new QVBoxLayout(plotBox);
  pl->setContentsMargins(0, 0, 0, 0);
  auto* mrow = new QHBoxLayout;
  metric_ = new QComboBox;
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
  error_->setWordWrap(true);
  error_->setTextInteractionFlags(Qt::TextSelectableByMouse);
  error_->setStyleSheet(QStringLiteral("QLabel { color: #d62728; }"));
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
  adapter_->showMessage(tr("Live curves appear here while runs train"));

  clock_.start();
  flushTimer_.setInterval(flushIntervalMs);
  connect(&flushTimer_, &QTimer::timeout, this, &MonitorView::flushPending);
  flushTimer_.start();
  connect(ws_, &Workspace::runnerCreated, this, &MonitorView::attach);
  connect(ws_, &Workspace::closed, this, [this] {
    runner_ = nullptr;
    runs_.clear();
    order_.clear();
    table_->clear();
    series_.clear();
    pending_.clear();
    log_->setFile({});
    adapter_->showMessage(tr("Live curves appear here while runs train"));
  });
  connect(table_, &QTreeWidget::itemSelectionChanged, this, &MonitorView::showCurrent);
  connect(metric_, &QComboBox::currentIndexChanged, this, [this] {
    drawnRevision_ = 0;
    redrawPlot();
  });
  connect(cancel_, &QPushButton::clicked, this, &MonitorView::cancelSelected);
  connect(cancelAll_, &QPushButton::clicked, this, &MonitorView::cancelAll);
  connect(resume_, &QPushButton::clicked, this, &MonitorView::resumeSelected);
}

void MonitorView::attach(app::StudyRunner* runner) {
  runner_ = runner;
  // signals are only queued here: processing happens in flushPending()
  connect(runner, &app::StudyRunner::eventReceived, this, &MonitorView::onEvent);
  connect(runner, &app::StudyRunner::runStarted, this, &MonitorView::onStarted);
  connect(runner, &app::StudyRunner::runEnded, this, &MonitorView::onEnded);
  connect(&runner->executor(), &app::LocalExecutor::runQueued, this, [this](const QString& key) {
    LiveRun& r = ensureRun(key);
    r.progress.state = app::RunState::Queued;
    r.error.clear();
    updateRow(r);
    updateOverall();
  });
  connect(runner, &app::StudyRunner::storeError, this,
          [this](const QString& m) { emit notice(tr("Store: %1").arg(m)); });
}

const MonitorView::LiveRun* MonitorView::liveRun(const QString& key) const {
  auto it = runs_.constFind(key);
  return it == runs_.constEnd() ? nullptr : &*it;
}

MonitorView::LiveRun& MonitorView::ensureRun(const QString& key) {
  auto it = runs_.find(key);
  if (it != runs_.end()) return *it;
  LiveRun r;
  r.key = key;
  if (runner_) {
    r.label = runner_->label(key);
    r.runId = runner_->runId(key);
  }
  if (r.label.isEmpty()) r.label = key.left(8);
  if (ws_->isOpen() && r.runId) {
    try {
      if (auto rec = ws_->store().run(r.runId)) r.runDir = rec->runDir;
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
  series_.removeRun(key);
  return runs_.insert(key, r).value();
}

void MonitorView::onStarted(const QString& key) {
  LiveRun& r = ensureRun(key);
  r.progress.state = app::RunState::Running;
  r.error.clear();
  updateRow(r);
  updateOverall();
  if (table_->selectedItems().isEmpty()) r.item->setSelected(true);
}

void MonitorView::onEvent(const QString& key, const app::EngineEvent& ev) { pending_.emplace_back(key, ev); }

void MonitorView::onEnded(const QString& key, app::RunState state, const app::RunError& error) {
  flushPending();
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
  r.item->setText(ColState, app::runStateName(r.progress.state));
  r.item->setForeground(ColState, statusColor(st));
  r.item->setToolTip(ColState, statusExplanation(st));
  r.bar->setValue(int(std::lround(r.progress.fraction() * 1000)));
  r.bar->setFormat(r.progress.totalSteps > 0 ? QStringLiteral("%1 / %2").arg(r.progress.step).arg(r.progress.totalSteps)
                                             : QStringLiteral("—"));
  const double eta = r.progress.state == app::RunState::Running ? r.progress.etaSeconds(nowS()) : std::nan("");
  r.item->setText(ColEta, r.progress.state == app::RunState::Finished ? tr("done") : formatDuration(eta));
  r.item->setText(ColLoss, r.progress.loss ? QString::number(*r.progress.loss, 'f', 4) : QStringLiteral("—"));
  r.item->setText(ColDev, r.progress.dev
                              ? QStringLiteral("%1 %2").arg(r.progress.devName).arg(*r.progress.dev, 0, 'f', 4)
                              : QStringLiteral("—"));
  if (!r.error.isEmpty()) r.item->setToolTip(ColRun, r.error);
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

void MonitorView::updateOverall() {
  int running = 0, queued = 0, finished = 0, stopped = 0;
  double frac = 0;
  for (const LiveRun& r : runs_) {
    running += r.progress.state == app::RunState::Running;
    queued += r.progress.state == app::RunState::Queued;
    finished += r.progress.state == app::RunState::Finished;
    stopped += app::isTerminal(r.progress.state) && r.progress.state != app::RunState::Finished;
    frac += app::isTerminal(r.progress.state) ? 1.0 : r.progress.fraction();
  }
  const int n = int(runs_.size());
  cancelAll_->setEnabled(running + queued > 0);
  if (n == 0) return;
  overall_->setValue(int(std::lround(frac / n * 1000)));
  overallLabel_->setText(
      tr("%1 runs: %2 running, %3 queued, %4 finished, %5 stopped — %6")
          .arg(n)
          .arg(running)
          .arg(queued)
          .arg(finished)
          .arg(stopped)
          .arg(running + queued ? tr("about %1 left").arg(formatDuration(overallEtaSeconds())) : tr("all done")));
}

void MonitorView::redrawPlot() {
  if (series_.revision() == drawnRevision_) return;
  drawnRevision_ = series_.revision();
  CurveSpec spec;
  const QString m = metric_->currentText();
  spec.split = m.section(QLatin1Char('/'), 0, 0);
  spec.name = m.section(QLatin1Char('/'), 1);
  spec.smoothing = spec.split == QLatin1String("train") ? 0.6 : 0.0;
  for (const QString& key : order_) spec.runs.push_back({key, runs_[key].label, {}});
  adapter_->showCurves(series_, spec);
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
}

void MonitorView::cancelSelected() {
  if (!runner_) return;
  for (QTreeWidgetItem* it : table_->selectedItems()) runner_->executor().cancel(it->data(0, Qt::UserRole).toString());
}

void MonitorView::cancelAll() {
  if (runner_) runner_->cancelAll();
}

void MonitorView::resumeSelected() {
  QStringList errors;
  for (QTreeWidgetItem* it : table_->selectedItems()) {
    const LiveRun* r = liveRun(it->data(0, Qt::UserRole).toString());
    if (!r || !app::isTerminal(r->progress.state) || r->progress.state == app::RunState::Finished) continue;
    QString err;
    if (!ws_->resumeRun(r->runId, &err)) errors << QStringLiteral("%1: %2").arg(r->label, err);
  }
  if (!errors.isEmpty()) QMessageBox::warning(this, tr("Resume"), errors.join('\n'));
}

}  // namespace adamix::ui
