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

app::RunStatus toStatus(RunState s) { return toRunStatus(s); }
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

void MonitorView::attach(StudyRunner* runner) {
  runner_ = runner;
  // signals are only queued here: processing happens in flushPending()
  connect(runner, &StudyRunner::eventReceived, this, &MonitorView::onEvent);
  connect(runner, &StudyRunner::runStarted, this, &MonitorView::onStarted);
  connect(runner, &StudyRunner::runEnded, this, &MonitorView::onEnded);
  connect(&runner->executor(), &LocalExecutor::runQueued, this, [this](const QString& key) {
    LiveRun& r = ensureRun(key);
    r.state = RunState::Queued;
    r.error.clear();
    updateRow(r);
    updateOverall();
  });
  connect(runner, &StudyRunner::storeError, this, [this](const QString& m) { emit notice(tr("Store: %1").arg(m)); });
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
  r.state = RunState::Running;
  r.error.clear();
  updateRow(r);
  updateOverall();
  if (table_->selectedItems().isEmpty()) r.item->setSelected(true);
}

void MonitorView::onEvent(const QString& key, const nlohmann::json& ev) { pending_.emplace_back(key, ev); }

void MonitorView::onEnded(const QString& key, RunState state, const RunError& error) {
  flushPending();
  LiveRun& r = ensureRun(key);
  r.state = state;
  r.error = state == RunState::Finished ? QString() : plainError(error);
  if (state == RunState::Finished && r.totalSteps > 0) r.step = r.totalSteps;
  updateRow(r);
  updateOverall();
  showCurrent();
  emit notice(tr("%1: %2").arg(r.label, runStateName(state)));
}

void MonitorView::flushPending() {
  if (pending_.empty()) {
    if (series_.revision() != drawnRevision_) redrawPlot();
    return;
  }
  std::vector<std::pair<QString, nlohmann::json>> batch;
  batch.swap(pending_);
  QSet<QString> touched;
  for (const auto& [key, ev] : batch) {
    ++applied_;
    LiveRun& r = ensureRun(key);
    touched.insert(key);
    const std::string name = ev.value("event", "");
    const double time = ev.contains("time") && ev["time"].is_number() ? ev["time"].get<double>() : 0.0;
    if (name == "started") {
      r.state = RunState::Running;
      r.totalSteps = ev.value("total_steps", qint64(0));
      r.step = ev.value("resumed_from_step", qint64(0));
      r.firstStep = -1;
    } else if (name == "progress") {
      r.state = RunState::Running;
      r.step = ev.value("step", r.step);
      r.totalSteps = ev.value("total_steps", r.totalSteps);
      r.epoch = ev.value("epoch", r.epoch);
      if (ev.contains("loss") && ev["loss"].is_number()) r.loss = ev["loss"].get<double>();
      if (r.firstStep < 0) {
        r.firstStep = r.step;
        r.clock.start();
      }
    } else if (name == "metric") {
      if (!ev.contains("value") || !ev["value"].is_number()) continue;
      const QString split = QString::fromStdString(ev.value("split", ""));
      const QString mname = QString::fromStdString(ev.value("name", ""));
      SeriesPoint p;
      p.step = double(ev.value("step", qint64(0)));
      p.epoch = ev.value("epoch", 0.0);
      p.time = time;
      p.value = ev["value"].get<double>();
      series_.append(key, split, mname, p);
      const QString m = split + QLatin1Char('/') + mname;
      if (metric_->findText(m) < 0) metric_->addItem(m);
      if (split != QLatin1String("train") && mname != QLatin1String("loss") && mname != QLatin1String("consistency")) {
        r.devName = mname;
        r.dev = p.value;
      }
    } else if (name == "error") {
      r.error =
          plainError(QString::fromStdString(ev.value("kind", "")), QString::fromStdString(ev.value("message", "")),
                     QString::fromStdString(ev.value("location", "")));
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
  const app::RunStatus st = toStatus(r.state);
  r.item->setIcon(ColRun, statusIcon(st));
  r.item->setText(ColState, runStateName(r.state));
  r.item->setForeground(ColState, statusColor(st));
  r.item->setToolTip(ColState, statusExplanation(st));
  const double frac = r.totalSteps > 0 ? double(r.step) / double(r.totalSteps) : 0.0;
  r.bar->setValue(int(std::lround(std::clamp(frac, 0.0, 1.0) * 1000)));
  r.bar->setFormat(r.totalSteps > 0 ? QStringLiteral("%1 / %2").arg(r.step).arg(r.totalSteps) : QStringLiteral("—"));
  double eta = std::nan("");
  if (r.state == RunState::Running && r.firstStep >= 0 && r.step > r.firstStep && r.clock.isValid()) {
    const double rate = double(r.step - r.firstStep) / (r.clock.elapsed() / 1000.0);
    if (rate > 0) eta = double(r.totalSteps - r.step) / rate;
  }
  r.item->setText(ColEta, r.state == RunState::Finished ? tr("done") : formatDuration(eta));
  r.item->setText(ColLoss, std::isfinite(r.loss) ? QString::number(r.loss, 'f', 4) : QStringLiteral("—"));
  r.item->setText(ColDev, std::isfinite(r.dev) ? QStringLiteral("%1 %2").arg(r.devName).arg(r.dev, 0, 'f', 4)
                                               : QStringLiteral("—"));
  if (!r.error.isEmpty()) r.item->setToolTip(ColRun, r.error);
}

double MonitorView::overallEtaSeconds() const {
  // steps left over the aggregate rate of the running runs, divided over the parallel slots
  double left = 0, rate = 0;
  int running = 0;
  for (const LiveRun& r : runs_) {
    if (isTerminal(r.state)) continue;
    const qint64 total = r.totalSteps > 0 ? r.totalSteps : 0;
    left += double(std::max<qint64>(0, total - r.step));
    if (r.state == RunState::Running && r.firstStep >= 0 && r.step > r.firstStep && r.clock.isValid()) {
      rate += double(r.step - r.firstStep) / (r.clock.elapsed() / 1000.0);
      ++running;
    }
  }
  if (rate <= 0) return std::nan("");
  // queued runs of unknown length: assume the mean length of the known ones
  int unknown = 0;
  qint64 known = 0;
  int knownN = 0;
  for (const LiveRun& r : runs_) {
    if (r.totalSteps > 0) {
      known += r.totalSteps;
      ++knownN;
    } else if (!isTerminal(r.state)) {
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
    running += r.state == RunState::Running;
    queued += r.state == RunState::Queued;
    finished += r.state == RunState::Finished;
    stopped += isTerminal(r.state) && r.state != RunState::Finished;
    frac += isTerminal(r.state) ? 1.0
            : r.totalSteps > 0  ? std::clamp(double(r.step) / double(r.totalSteps), 0.0, 1.0)
                                : 0.0;
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
    if (!r || !isTerminal(r->state) || r->state == RunState::Finished) continue;
    QString err;
    if (!ws_->resumeRun(r->runId, &err)) errors << QStringLiteral("%1: %2").arg(r->label, err);
  }
  if (!errors.isEmpty()) QMessageBox::warning(this, tr("Resume"), errors.join('\n'));
}

}  // namespace adamix::ui
