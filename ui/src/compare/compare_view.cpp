// SPDX-License-Identifier: GPL-3.0-or-later
#include "compare/compare_view.h"

#include "exec/engine_events.h"

#include "export/pivot.h"
#include "export/result_set.h"
#include "shell/file_dialogs.h"
#include "shell/theme.h"
#include "study/study.h"
#include "workspace/status_icons.h"
#include "workspace/workspace.h"

#include <qcustomplot.h>

#include <QCheckBox>
#include <QComboBox>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QHash>
#include <QLabel>
#include <QMessageBox>
#include <QPushButton>
#include <QSet>
#include <QSettings>
#include <QSlider>
#include <QVBoxLayout>

#include <cmath>

namespace adamix::ui {

QString CompareView::groupKey(const app::RunRecord& run, const QString& groupBy, const QString& settings) {
  if (groupBy.isEmpty()) return {};
  const QString tail = settings.isEmpty() ? QString() : QStringLiteral(" · ") + settings;
  if (groupBy == QLatin1String("task")) return run.task + tail;
  if (groupBy == QLatin1String("variant"))
    return QStringLiteral("%1 · %2").arg(run.task, app::variantDisplayName(run.variant)) + tail;
  QString v = QStringLiteral("?");
  if (run.axes.is_object() && run.axes.contains(groupBy.toStdString())) {
    const auto& j = run.axes[groupBy.toStdString()];
    v = j.is_string() ? QString::fromStdString(j.get<std::string>()) : QString::fromStdString(j.dump());
  }
  return QStringLiteral("%1 · %2=%3").arg(run.task, groupBy, v) + tail;
}

QString CompareView::primaryMetricOf(const std::vector<app::RunRecord>& runs) {
  std::map<QString, int> votes;
  QString best;
  for (const app::RunRecord& r : runs) {
    const app::PrimaryMetric m = app::primaryMetricFor(r.task);
    const QString key = m.split + QLatin1Char('/') + m.name;
    if (++votes[key] > (best.isEmpty() ? 0 : votes[best])) best = key;
  }
  return best;
}

CompareView::CompareView(Workspace* workspace, QWidget* parent) : QWidget(parent), ws_(workspace) {
  deferred_ = new DeferredRefresh(this, [this] { refresh(); });
  deferred_->enable(DeferredRefresh::Scope::Always);
  auto* rl = new QVBoxLayout(this);
  rl->setContentsMargins(4, 4, 4, 4);
  caption_ = new QLabel;
  caption_->setObjectName(QStringLiteral("compareCaption"));
  caption_->setWordWrap(true);
  caption_->setToolTip(tr("Select runs (or a study) in the Workspace tree to compare them."));
  rl->addWidget(caption_);
  settingsNote_ = newWarningNote(QStringLiteral("compareSettingsNote"));
  rl->addWidget(settingsNote_);
  auto* bar = new QHBoxLayout;
  mode_ = new QComboBox;
  mode_->addItem(tr("Curves"));
  mode_->addItem(tr("Final metrics (bars)"));
  mode_->setToolTip(tr("Curves over training, or a bar chart of each variant's result per task with ±std error bars."));
  metric_ = new QComboBox;
  metric_->setToolTip(tr("The metric to plot, as split/name (train/loss is logged at every progress event)."));
  metric_->setMinimumContentsLength(14);
  metric_->setSizeAdjustPolicy(QComboBox::AdjustToContents);
  x_ = new QComboBox;
  x_->addItem(tr("Step"), int(XAxisKind::Step));
  x_->addItem(tr("Epoch"), int(XAxisKind::Epoch));
  x_->addItem(tr("Wall time"), int(XAxisKind::WallTime));
  x_->setToolTip(tr("What the x axis measures: optimiser steps, epochs, or seconds since the run started."));
  group_ = new QComboBox;
  group_->setObjectName(QStringLiteral("groupBox"));
  group_->setToolTip(tr("Averages runs sharing a value of this axis into one mean line with a ±std band."));
  group_->setSizeAdjustPolicy(QComboBox::AdjustToContents);
  smooth_ = new QSlider(Qt::Horizontal);
  smooth_->setRange(0, 99);
  smooth_->setFixedWidth(110);
  smooth_->setToolTip(tr("Exponential moving average weight; the raw curve stays visible, faded."));
  smoothLabel_ = new QLabel(QStringLiteral("0.00"));
  log_ = new QCheckBox(tr("Log y"));
  log_->setToolTip(tr("Logarithmic y axis (non-positive values are left out)."));
  auto* exportBtn = new QPushButton(QIcon::fromTheme("document-save-as"), tr("Export…"));
  exportBtn->setToolTip(PlotAdapter::supportsSvg() ? tr("Saves the plot as PNG, PDF or SVG.")
                                                   : tr("Saves the plot as PNG or PDF."));
  bar->addWidget(mode_);
  bar->addWidget(new QLabel(tr("Metric")));
  bar->addWidget(metric_);
  bar->addWidget(new QLabel(tr("x")));
  bar->addWidget(x_);
  bar->addWidget(new QLabel(tr("Group")));
  bar->addWidget(group_);
  bar->addWidget(new QLabel(tr("Smooth")));
  bar->addWidget(smooth_);
  bar->addWidget(smoothLabel_);
  bar->addWidget(log_);
  bar->addStretch();
  bar->addWidget(exportBtn);
  rl->addLayout(bar);
  plot_ = new QCustomPlot;
  plot_->setMinimumSize(400, 300);
  plot_->setToolTip(tr("Drag to pan, wheel to zoom, click a legend entry to hide its series."));
  rl->addWidget(plot_, 1);
  adapter_ = new PlotAdapter(plot_, this);
  adapter_->setLegendOutside(true);  // beside the curves, never over them
  adapter_->showMessage(tr("Select runs in the Workspace tree to compare them"));

  QSettings s;
  smooth_->setValue(s.value("compare/smoothing", 60).toInt());
  smoothLabel_->setText(QString::number(smooth_->value() / 100.0, 'f', 2));

  connect(mode_, &QComboBox::currentIndexChanged, this, [this] {
    fillMetricAndGroups();
    redraw();
  });
  for (QComboBox* b : {metric_, x_, group_})
    connect(b, &QComboBox::currentIndexChanged, this, [this] {
      if (!filling_) redraw();
    });
  // a pick by the user sticks; the defaults only fill what was not chosen
  connect(metric_, &QComboBox::activated, this, [this] { metricChosen_ = true; });
  connect(group_, &QComboBox::activated, this, [this] { groupChosen_ = true; });
  connect(smooth_, &QSlider::valueChanged, this, [this](int v) {
    smoothLabel_->setText(QString::number(v / 100.0, 'f', 2));
    QSettings().setValue("compare/smoothing", v);
    redraw();
  });
  connect(log_, &QCheckBox::toggled, this, &CompareView::redraw);
  connect(exportBtn, &QPushButton::clicked, this, &CompareView::exportWithDialog);
  connect(ws_, &Workspace::changed, this, &CompareView::refresh);
  connect(ws_, &Workspace::closed, this, [this] {
    adapter_->showMessage(tr("Select runs in the Workspace tree to compare them"));
    source_.setStore(nullptr);
  });
  connect(ws_, &Workspace::opened, this, [this] {
    syncSource();
    source_.clear();
    selected_.clear();
    records_.clear();
    selectionSet_ = false;
  });
}

std::vector<app::RunRecord> CompareView::selectedRecords() const {
  std::vector<app::RunRecord> out;
  for (qint64 id : selected_)
    if (auto it = records_.find(id); it != records_.end()) out.push_back(it->second);
  return out;
}

void CompareView::reloadRuns() {
  records_.clear();
  distinct_ = {};
  defaultStudy_.clear();
  if (!ws_->isOpen()) {
    selected_.clear();
    return;
  }
  try {
    if (selectionSet_ && !selected_.isEmpty()) {
      // every selected run deleted (from the tree or the CLI): back to the default selection
      bool anyLeft = false;
      for (qint64 id : selected_) anyLeft = anyLeft || ws_->store().run(id).has_value();
      if (!anyLeft) selectionSet_ = false;
    }
    // The selection's records come from one store read (a query per run took 0.36 s at 1,000 runs).
    std::vector<app::RunRecord> candidates;
    if (!selectionSet_) {
      // the default: the finished runs of the newest study that has some
      selected_.clear();
      const auto studies = ws_->store().listStudies();
      for (auto s = studies.rbegin(); s != studies.rend() && selected_.isEmpty(); ++s) {
        app::RunFilter f;
        f.studyId = s->id;
        f.statuses = {app::RunState::Finished};
        candidates = ws_->store().listRuns(f);
        for (const app::RunRecord& r : candidates) selected_ << r.id;
        if (!selected_.isEmpty()) defaultStudy_ = s->name;
      }
    } else {
      candidates = ws_->store().listRuns();
    }
    QHash<qint64, app::RunRecord*> byId;
    for (app::RunRecord& r : candidates) byId.insert(r.id, &r);
    QList<qint64> kept;
    for (qint64 id : selected_)
      if (app::RunRecord* r = byId.value(id)) {
        records_[id] = std::move(*r);
        kept << id;
      }
    selected_ = kept;  // deleted runs drop out
    distinct_ = app::distinguishingSettings(ws_->store(), selectedRecords());
  } catch (const std::exception&) {
    distinct_ = {};  // the store went away: labels only
  }
}

void CompareView::updateCaption() {
  if (selected_.isEmpty())
    caption_->setText(tr("Select runs or a study in the Workspace tree to compare them."));
  else if (!defaultStudy_.isEmpty())
    caption_->setText(tr("The %1 finished runs of study %2. Select runs or a study in the Workspace tree to "
                         "compare others.")
                          .arg(selected_.size())
                          .arg(defaultStudy_));
  else
    caption_->setText(selected_.size() == 1 ? tr("1 run selected in the Workspace tree.")
                                            : tr("%1 runs selected in the Workspace tree.").arg(selected_.size()));
}

void CompareView::setSelectedRuns(const QList<qint64>& runIds) {
  selectionSet_ = true;
  selected_.clear();
  for (qint64 id : runIds)
    if (!selected_.contains(id)) selected_ << id;
  reloadRuns();
  updateCaption();
  fillMetricAndGroups();
  redraw();
}

void CompareView::syncSource() { source_.setStore(ws_->isOpen() ? &ws_->store() : nullptr); }

void CompareView::fillMetricAndGroups() {
  syncSource();
  const std::vector<app::RunRecord> runs = selectedRecords();
  if (runs.size() > 1) source_.prefetchMetrics();  // one store statement instead of one per run
  filling_ = true;
  const QString currentMetric = metric_->currentText();
  const QString currentGroup = group_->currentData().toString();
  metric_->clear();
  QStringList metrics;
  QStringList axes;
  for (const app::RunRecord& r : runs) {
    for (const QString& m : source_.metrics(QString::number(r.id)))
      if (!metrics.contains(m)) metrics << m;
    if (r.axes.is_object())
      for (auto a = r.axes.begin(); a != r.axes.end(); ++a) {
        const QString name = QString::fromStdString(a.key());
        if (!axes.contains(name)) axes << name;
      }
  }
  metrics.sort();
  // the usual suspects first
  for (const QString& pref : {QStringLiteral("dev/accuracy"), QStringLiteral("train/loss")})
    if (metrics.removeAll(pref)) metrics.prepend(pref);
  metric_->addItems(metrics);
  int mi = metricChosen_ ? metric_->findText(currentMetric) : -1;
  if (mi < 0) mi = metric_->findText(primaryMetricOf(runs));  // what the tasks rank by
  if (mi < 0) mi = metric_->findText(QStringLiteral("train/loss"));
  metric_->setCurrentIndex(mi >= 0 ? mi : 0);
  group_->clear();
  group_->addItem(tr("None"), QString());
  group_->addItem(tr("Variant (mean over seeds)"), QStringLiteral("variant"));
  for (const QString& a : axes)
    if (a != QLatin1String("variant")) group_->addItem(tr("Axis: %1").arg(a), a);
  group_->addItem(tr("Task"), QStringLiteral("task"));
  const int gi = group_->findData(groupChosen_ ? currentGroup : QStringLiteral("variant"));
  group_->setCurrentIndex(gi >= 0 ? gi : 0);
  const bool curves = mode_->currentIndex() == 0;
  metric_->setEnabled(curves);
  x_->setEnabled(curves);
  group_->setEnabled(curves);
  smooth_->setEnabled(curves);
  log_->setEnabled(curves);
  filling_ = false;
}

void CompareView::redraw() {
  if (filling_) return;
  const QList<qint64> ids = selected_;
  if (ids.isEmpty()) {
    adapter_->showMessage(tr("Select runs in the Workspace tree to compare them"));
    return;
  }
  syncSource();
  if (mode_->currentIndex() == 1) {
    // bars: the pivot of the selected runs, primary metric per task (+ average). Evaluations of
    // other files, splits or inference modes (`adamix run eval`) are no best dev scores: they stay
    // in their own columns of the Results table, not under this chart's axis label.
    try {
      app::ResultSet rs = app::resultSetFromStore(ws_->store(), std::nullopt);
      const QSet<qint64> keep(ids.begin(), ids.end());
      std::vector<app::RunResult> kept;
      for (auto& r : rs.runs)
        if (keep.contains(r.runId)) kept.push_back(std::move(r));
      rs.runs = std::move(kept);
      app::PivotOptions po;
      po.primaryOnly = true;
      po.evaluations = false;
      const app::PivotTable t = app::buildPivot(rs, po);
      BarChart chart;
      for (const auto& c : t.columns) chart.categories << c.header;
      for (size_t r = 0; r < t.rowLabels.size(); ++r) {
        BarSeries s;
        s.label = t.rowLabels[r].join(QStringLiteral(", "));
        for (const auto& cell : t.cells[r]) {
          s.mean.push_back(cell.n > 0 ? cell.mean : std::nan(""));
          s.std.push_back(cell.n > 1 ? cell.std : 0.0);
        }
        chart.series.push_back(std::move(s));
      }
      chart.yLabel = tr("best dev score (×100), mean ± std over seeds");
      adapter_->showBars(chart);
    } catch (const std::exception& e) {
      adapter_->showMessage(QString::fromUtf8(e.what()));
    }
    return;
  }
  CurveSpec spec;
  const QString metric = metric_->currentText();
  if (metric.isEmpty()) {
    adapter_->showMessage(tr("The selected runs have no metric points yet"));
    return;
  }
  spec.split = metric.section(QLatin1Char('/'), 0, 0);
  spec.name = metric.section(QLatin1Char('/'), 1);
  spec.x = XAxisKind(x_->currentData().toInt());
  spec.smoothing = smooth_->value() / 100.0;
  spec.logY = log_->isChecked();
  const QString groupBy = group_->currentData().toString();
  spec.grouped = !groupBy.isEmpty();
  // Groups and curve labels are keyed by what was trained: settings the labels do not show split
  // a group and name a run (distinct_, found when the runs are loaded, as the Results table's rows).
  QStringList settingNames;
  for (const std::string& p : distinct_.settings) settingNames << app::settingHeader(p);
  QStringList notes;
  if (!settingNames.isEmpty())
    notes << tr("⚠ The selected runs differ in settings their labels do not show (%1): curves "
                "are named and groups split by them, so no mean mixes runs trained differently.")
                 .arg(settingNames.join(QStringLiteral(", ")));
  // … and runs computed by different devices or kernels share groups, but are named (app::computeNote()).
  QStringList computeLabels;
  for (const app::RunRecord& r : selectedRecords()) computeLabels << app::computeLabel(r.compute);
  if (const QString note = app::computeNote(app::computeWays(computeLabels)); !note.isEmpty())
    notes << QStringLiteral("⚠ ") + note;
  settingsNote_->setText(notes.join(u'\n'));
  settingsNote_->setVisible(!notes.isEmpty());
  for (const app::RunRecord& r : selectedRecords()) {
    CurveRun cr;
    cr.run = QString::number(r.id);
    cr.label = QStringLiteral("%1 · %2 · s%3")
                   .arg(r.task, app::variantDisplayName(r.variant))
                   .arg(r.seed);
    const auto d = distinct_.text.find(r.id);
    const QString settings = d == distinct_.text.end() ? QString() : d->second;
    if (!settings.isEmpty()) cr.label += QStringLiteral(" · ") + settings;
    cr.group = groupKey(r, groupBy, settings);
    spec.runs.push_back(cr);
  }
  adapter_->showCurves(source_, spec);
}

void CompareView::refresh() {
  if (deferred_->postpone()) return;  // the store is read when the screen is looked at
  reloadRuns();
  // runs still training: read their curves again
  syncSource();
  for (const auto& [id, r] : records_)
    if (!app::isTerminal(r.status)) source_.invalidate(QString::number(id));
  updateCaption();
  fillMetricAndGroups();
  redraw();
}

void CompareView::setMode(Mode mode) { mode_->setCurrentIndex(mode == Mode::Bars ? 1 : 0); }

void CompareView::setMetric(const QString& m) {
  const int i = metric_->findText(m);
  if (i < 0) return;
  metricChosen_ = true;
  metric_->setCurrentIndex(i);
}

void CompareView::setXAxis(XAxisKind kind) { x_->setCurrentIndex(x_->findData(int(kind))); }

void CompareView::setSmoothing(double w) { smooth_->setValue(int(std::lround(w * 100))); }

void CompareView::setLogScale(bool on) { log_->setChecked(on); }

void CompareView::setGroupBy(const QString& key) {
  const int i = group_->findData(key);
  if (i < 0) return;
  groupChosen_ = true;
  group_->setCurrentIndex(i);
}

bool CompareView::exportPlot(const QString& path) { return adapter_->exportTo(path); }

void CompareView::exportWithDialog() {
  const QString path = plotExportDialog(this, workspaceFolder(ws_), QStringLiteral("compare.png"), PlotAdapter::supportsSvg());
  if (path.isEmpty()) return;
  if (!exportPlot(path)) QMessageBox::warning(this, tr("Export failed"), tr("Cannot write %1").arg(path));
}

}  // namespace adamix::ui
