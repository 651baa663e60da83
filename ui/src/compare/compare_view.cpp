// SPDX-License-Identifier: GPL-3.0-or-later
#include "compare/compare_view.h"

#include "export/pivot.h"
#include "export/result_set.h"
#include "shell/file_dialogs.h"
#include "workspace/status_icons.h"
#include "workspace/workspace.h"

#include <qcustomplot.h>

#include <QCheckBox>
#include <QComboBox>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QLabel>
#include <QListWidget>
#include <QMessageBox>
#include <QPushButton>
#include <QSet>
#include <QSettings>
#include <QSlider>
#include <QSplitter>
#include <QVBoxLayout>

#include <cmath>

namespace adamix::ui {

namespace {
constexpr int kIdRole = Qt::UserRole;
constexpr int kLabelRole = Qt::UserRole + 1;
constexpr int kTaskRole = Qt::UserRole + 2;
constexpr int kVariantRole = Qt::UserRole + 3;
constexpr int kAxesRole = Qt::UserRole + 4;
constexpr int kStatusRole = Qt::UserRole + 5;
}  // namespace

CompareView::CompareView(Workspace* workspace, QWidget* parent) : QWidget(parent), ws_(workspace) {
  auto* split = new QSplitter(Qt::Horizontal, this);
  auto* outer = new QVBoxLayout(this);
  outer->setContentsMargins(0, 0, 0, 0);
  outer->addWidget(split);

  auto* left = new QWidget;
  auto* ll = new QVBoxLayout(left);
  ll->addWidget(new QLabel(tr("Runs to compare:")));
  runs_ = new QListWidget;
  runs_->setToolTip(tr("Check the runs to draw; selecting runs in the workspace tree checks them here."));
  ll->addWidget(runs_, 1);
  auto* allNone = new QHBoxLayout;
  auto* all = new QPushButton(tr("All"));
  auto* none = new QPushButton(tr("None"));
  allNone->addWidget(all);
  allNone->addWidget(none);
  ll->addLayout(allNone);
  split->addWidget(left);

  auto* right = new QWidget;
  auto* rl = new QVBoxLayout(right);
  auto* bar = new QHBoxLayout;
  mode_ = new QComboBox;
  mode_->addItem(tr("Curves"));
  mode_->addItem(tr("Final metrics (bars)"));
  mode_->setToolTip(tr("Curves over training, or a bar chart of each variant's result per task with ±std error bars."));
  metric_ = new QComboBox;
  metric_->setToolTip(tr("The metric to plot, as split/name (train/loss is logged at every progress event)."));
  metric_->setMinimumContentsLength(14);
  x_ = new QComboBox;
  x_->addItem(tr("Step"), int(XAxisKind::Step));
  x_->addItem(tr("Epoch"), int(XAxisKind::Epoch));
  x_->addItem(tr("Wall time"), int(XAxisKind::WallTime));
  x_->setToolTip(tr("What the x axis measures: optimiser steps, epochs, or seconds since the run started."));
  group_ = new QComboBox;
  group_->setToolTip(tr("Averages runs sharing a value of this axis into one mean line with a ±std band."));
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
  split->addWidget(right);
  split->setStretchFactor(1, 1);
  split->setSizes({260, 900});
  adapter_ = new PlotAdapter(plot_, this);
  adapter_->showMessage(tr("Check runs on the left to compare them"));

  QSettings s;
  smooth_->setValue(s.value("compare/smoothing", 60).toInt());
  smoothLabel_->setText(QString::number(smooth_->value() / 100.0, 'f', 2));

  connect(all, &QPushButton::clicked, this, [this] {
    filling_ = true;
    for (int i = 0; i < runs_->count(); ++i) runs_->item(i)->setCheckState(Qt::Checked);
    filling_ = false;
    fillMetricAndGroups();
    redraw();
  });
  connect(none, &QPushButton::clicked, this, [this] {
    filling_ = true;
    for (int i = 0; i < runs_->count(); ++i) runs_->item(i)->setCheckState(Qt::Unchecked);
    filling_ = false;
    redraw();
  });
  connect(runs_, &QListWidget::itemChanged, this, [this] {
    if (filling_) return;
    fillMetricAndGroups();
    redraw();
  });
  connect(mode_, &QComboBox::currentIndexChanged, this, [this] {
    fillMetricAndGroups();
    redraw();
  });
  for (QComboBox* b : {metric_, x_, group_})
    connect(b, &QComboBox::currentIndexChanged, this, [this] {
      if (!filling_) redraw();
    });
  connect(smooth_, &QSlider::valueChanged, this, [this](int v) {
    smoothLabel_->setText(QString::number(v / 100.0, 'f', 2));
    QSettings().setValue("compare/smoothing", v);
    redraw();
  });
  connect(log_, &QCheckBox::toggled, this, &CompareView::redraw);
  connect(exportBtn, &QPushButton::clicked, this, &CompareView::exportWithDialog);
  connect(ws_, &Workspace::changed, this, &CompareView::refresh);
  connect(ws_, &Workspace::opened, this, [this] {
    series_.clear();
    loadedFinal_.clear();
  });
}

void CompareView::fillRunList() {
  QSet<qint64> checked;
  for (qint64 id : selectedRuns()) checked.insert(id);
  filling_ = true;
  runs_->clear();
  if (ws_->isOpen()) {
    try {
      for (const app::RunRecord& r : ws_->store().listRuns()) {
        const QString label = QStringLiteral("%1 · %2 · s%3")
                                  .arg(r.task, r.variant.isEmpty() ? QStringLiteral("base") : r.variant)
                                  .arg(r.seed);
        auto* item = new QListWidgetItem(statusIcon(r.status), label, runs_);
        item->setFlags(item->flags() | Qt::ItemIsUserCheckable);
        item->setCheckState(checked.contains(r.id) ? Qt::Checked : Qt::Unchecked);
        item->setData(kIdRole, r.id);
        item->setData(kLabelRole, label);
        item->setData(kTaskRole, r.task);
        item->setData(kVariantRole, r.variant);
        item->setData(kAxesRole, QString::fromStdString(r.axes.dump()));
        item->setData(kStatusRole, int(r.status));
        item->setToolTip(QString::fromStdString(r.config.value("run_id", std::string())));
      }
    } catch (const std::exception&) {
    }
  }
  filling_ = false;
}

QList<qint64> CompareView::selectedRuns() const {
  QList<qint64> out;
  for (int i = 0; i < runs_->count(); ++i)
    if (runs_->item(i)->checkState() == Qt::Checked) out << runs_->item(i)->data(kIdRole).toLongLong();
  return out;
}

void CompareView::setSelectedRuns(const QList<qint64>& runIds) {
  if (runs_->count() == 0) fillRunList();
  const QSet<qint64> want(runIds.begin(), runIds.end());
  bool missing = false;
  for (qint64 id : runIds) {
    bool found = false;
    for (int i = 0; i < runs_->count() && !found; ++i) found = runs_->item(i)->data(kIdRole).toLongLong() == id;
    missing |= !found;
  }
  if (missing) fillRunList();
  filling_ = true;
  for (int i = 0; i < runs_->count(); ++i)
    runs_->item(i)->setCheckState(want.contains(runs_->item(i)->data(kIdRole).toLongLong()) ? Qt::Checked
                                                                                            : Qt::Unchecked);
  filling_ = false;
  fillMetricAndGroups();
  redraw();
}

void CompareView::ensureLoaded(const QList<qint64>& ids) {
  if (!ws_->isOpen()) return;
  for (qint64 id : ids) {
    if (loadedFinal_.value(id)) continue;
    const QString key = QString::number(id);
    try {
      const auto rec = ws_->store().run(id);
      series_.loadRun(ws_->store(), id, key);
      if (rec && app::isTerminal(rec->status)) loadedFinal_[id] = true;
    } catch (const std::exception&) {
    }
  }
}

void CompareView::fillMetricAndGroups() {
  const QList<qint64> ids = selectedRuns();
  ensureLoaded(ids);
  filling_ = true;
  const QString currentMetric = metric_->currentText();
  const QString currentGroup = group_->currentData().toString();
  metric_->clear();
  QStringList metrics;
  QStringList axes;
  for (int i = 0; i < runs_->count(); ++i) {
    QListWidgetItem* it = runs_->item(i);
    if (it->checkState() != Qt::Checked) continue;
    for (const QString& m : series_.metrics(QString::number(it->data(kIdRole).toLongLong())))
      if (!metrics.contains(m)) metrics << m;
    const auto axesJson = nlohmann::json::parse(it->data(kAxesRole).toString().toStdString(), nullptr, false);
    if (axesJson.is_object())
      for (auto a = axesJson.begin(); a != axesJson.end(); ++a) {
        const QString name = QString::fromStdString(a.key());
        if (!axes.contains(name)) axes << name;
      }
  }
  metrics.sort();
  // the usual suspects first
  for (const QString& pref : {QStringLiteral("dev/accuracy"), QStringLiteral("train/loss")})
    if (metrics.removeAll(pref)) metrics.prepend(pref);
  metric_->addItems(metrics);
  const int mi = metric_->findText(currentMetric);
  metric_->setCurrentIndex(mi >= 0 ? mi : 0);
  group_->clear();
  group_->addItem(tr("None"), QString());
  group_->addItem(tr("Variant (mean over seeds)"), QStringLiteral("variant"));
  for (const QString& a : axes)
    if (a != QLatin1String("variant")) group_->addItem(tr("Axis: %1").arg(a), a);
  group_->addItem(tr("Task"), QStringLiteral("task"));
  const int gi = group_->findData(currentGroup);
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
  const QList<qint64> ids = selectedRuns();
  if (ids.isEmpty()) {
    adapter_->showMessage(tr("Check runs on the left to compare them"));
    return;
  }
  ensureLoaded(ids);
  if (mode_->currentIndex() == 1) {
    // bars: the pivot of the selected runs, primary metric per task (+ average)
    try {
      app::ResultSet rs = app::resultSetFromStore(ws_->store(), std::nullopt);
      const QSet<qint64> keep(ids.begin(), ids.end());
      std::vector<app::RunResult> kept;
      for (auto& r : rs.runs)
        if (keep.contains(r.runId)) kept.push_back(std::move(r));
      rs.runs = std::move(kept);
      app::PivotOptions po;
      po.primaryOnly = true;
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
  const QString groupKey = group_->currentData().toString();
  spec.grouped = !groupKey.isEmpty();
  for (int i = 0; i < runs_->count(); ++i) {
    QListWidgetItem* it = runs_->item(i);
    if (it->checkState() != Qt::Checked) continue;
    CurveRun cr;
    cr.run = QString::number(it->data(kIdRole).toLongLong());
    cr.label = it->data(kLabelRole).toString();
    const QString task = it->data(kTaskRole).toString();
    if (groupKey == QLatin1String("variant")) {
      cr.group = QStringLiteral("%1 · %2").arg(task, it->data(kVariantRole).toString());
    } else if (groupKey == QLatin1String("task")) {
      cr.group = task;
    } else if (!groupKey.isEmpty()) {
      const auto axes = nlohmann::json::parse(it->data(kAxesRole).toString().toStdString(), nullptr, false);
      QString v = QStringLiteral("?");
      if (axes.is_object() && axes.contains(groupKey.toStdString())) {
        const auto& j = axes[groupKey.toStdString()];
        v = j.is_string() ? QString::fromStdString(j.get<std::string>()) : QString::fromStdString(j.dump());
      }
      cr.group = QStringLiteral("%1 · %2=%3").arg(task, groupKey, v);
    }
    spec.runs.push_back(cr);
  }
  adapter_->showCurves(series_, spec);
}

void CompareView::refresh() {
  fillRunList();
  // runs still training: reload their curves
  for (int i = 0; i < runs_->count(); ++i) {
    QListWidgetItem* it = runs_->item(i);
    const auto st = app::RunState(it->data(kStatusRole).toInt());
    if (!app::isTerminal(st))
      loadedFinal_.remove(it->data(kIdRole).toLongLong());
    else if (loadedFinal_.contains(it->data(kIdRole).toLongLong()) &&
             !loadedFinal_.value(it->data(kIdRole).toLongLong()))
      loadedFinal_.remove(it->data(kIdRole).toLongLong());
  }
  fillMetricAndGroups();
  redraw();
}

void CompareView::setMode(Mode mode) { mode_->setCurrentIndex(mode == Mode::Bars ? 1 : 0); }

void CompareView::setMetric(const QString& m) {
  const int i = metric_->findText(m);
  if (i >= 0) metric_->setCurrentIndex(i);
}

void CompareView::setXAxis(XAxisKind kind) { x_->setCurrentIndex(x_->findData(int(kind))); }

void CompareView::setSmoothing(double w) { smooth_->setValue(int(std::lround(w * 100))); }

void CompareView::setLogScale(bool on) { log_->setChecked(on); }

void CompareView::setGroupBy(const QString& key) {
  const int i = group_->findData(key);
  if (i >= 0) group_->setCurrentIndex(i);
}

bool CompareView::exportPlot(const QString& path) { return adapter_->exportTo(path); }

void CompareView::exportWithDialog() {
  QString selected;
  QString filters = tr("PNG image (*.png);;PDF document (*.pdf)");
  if (PlotAdapter::supportsSvg()) filters += tr(";;SVG image (*.svg)");
  QString path = saveFileDialog(this, tr("Export plot"), workspaceFolder(ws_), "compare.png", filters, &selected);
  if (path.isEmpty()) return;
  if (QFileInfo(path).suffix().isEmpty())
    path += selected.contains("pdf") ? ".pdf" : selected.contains("svg") ? ".svg" : ".png";
  if (!exportPlot(path)) QMessageBox::warning(this, tr("Export failed"), tr("Cannot write %1").arg(path));
}

}  // namespace adamix::ui
