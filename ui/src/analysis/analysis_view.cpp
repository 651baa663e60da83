// SPDX-License-Identifier: GPL-3.0-or-later
#include "analysis/analysis_view.h"

#include "analysis/module_spread_page.h"
#include "analysis/parallel_page.h"
#include "analysis/score_params_page.h"
#include "analysis/study_analysis.h"
#include "export/pivot.h"
#include "plot/painting_export.h"
#include "plot/parallel_coordinates.h"
#include "plot/plot_adapter.h"
#include "shell/deferred_refresh.h"
#include "shell/file_dialogs.h"
#include "workspace/study_combo.h"
#include "workspace/workspace.h"

#include <QComboBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QMessageBox>
#include <QPushButton>
#include <QTabWidget>
#include <QVBoxLayout>

namespace adamix::ui {

AnalysisView::AnalysisView(Workspace* workspace, QWidget* parent) : QWidget(parent), ws_(workspace) {
  deferred_ = new DeferredRefresh(this, [this] { refresh(); });
  auto* lay = new QVBoxLayout(this);
  lay->setContentsMargins(4, 4, 4, 4);
  auto* bar = new QHBoxLayout;
  study_ = new QComboBox;
  study_->setObjectName(QStringLiteral("analysisStudy"));
  study_->setToolTip(tr("The study whose finished runs are analysed."));
  auto* studyLabel = new QLabel(tr("&Study:"));
  studyLabel->setBuddy(study_);
  auto* exportBtn = new QPushButton(QIcon::fromTheme("document-save-as"), tr("&Export…"));
  exportBtn->setToolTip(PlotAdapter::supportsSvg() ? tr("Saves this page's plot as PNG, PDF or SVG (Ctrl+Shift+E).")
                                                   : tr("Saves this page's plot as PNG or PDF (Ctrl+Shift+E)."));
  bar->addWidget(studyLabel);
  bar->addWidget(study_, 1);
  bar->addStretch();
  bar->addWidget(exportBtn);
  lay->addLayout(bar);
  pages_ = new QTabWidget;
  pages_->setObjectName(QStringLiteral("analysisPages"));
  score_ = new ScoreParamsPage;
  spread_ = new ModuleSpreadPage;
  parallel_ = new ParallelPage;
  pages_->addTab(score_, tr("Score vs % &params"));
  pages_->addTab(spread_, tr("Modules vs mer&ged"));
  pages_->addTab(parallel_, tr("Parallel &coordinates"));
  pages_->setTabToolTip(0, tr("Each variant's score against its share of parameters, with the Pareto front "
                              "(the paper's Fig. 1; Ctrl+6)."));
  pages_->setTabToolTip(1, tr("Single modules' scores beside merged, random, ensemble and merge strategies "
                              "(the paper's Fig. 5/6; Ctrl+7)."));
  pages_->setTabToolTip(2, tr("Ablation axes and a metric, one line per run; brush to filter the Results (Ctrl+8)."));
  lay->addWidget(pages_, 1);
  status_ = new QLabel;
  status_->setWordWrap(true);
  lay->addWidget(status_);
  connect(study_, &QComboBox::activated, this, &AnalysisView::refresh);
  connect(exportBtn, &QPushButton::clicked, this, &AnalysisView::exportWithDialog);
  connect(ws_, &Workspace::changed, this, &AnalysisView::refresh);
}

void AnalysisView::deferRefreshWhileHidden() { deferred_->enable(); }

void AnalysisView::setStudy(std::optional<qint64> studyId) {
  fillStudyCombo(study_, ws_);
  const int idx = studyId ? study_->findData(*studyId) : 0;
  if (idx >= 0) study_->setCurrentIndex(idx);
  refresh();
}

void AnalysisView::showPage(Page page) { pages_->setCurrentIndex(int(page)); }

AnalysisView::Page AnalysisView::currentPage() const { return Page(pages_->currentIndex()); }

void AnalysisView::refresh() {
  if (deferred_->postpone()) return;
  fillStudyCombo(study_, ws_);
  app::ResultSet rs;
  app::PivotTable pivot;
  if (ws_->isOpen()) {
    try {
      rs = app::resultSetFromStore(ws_->store(), chosenStudy(study_));
      app::PivotOptions po;
      po.primaryOnly = true;
      pivot = app::buildPivot(rs, po);
      status_->setText(rs.runs.empty() ? tr("No finished runs with results yet.")
                                       : tr("%1 finished runs, %2 rows (variants) of the Results table.")
                                             .arg(rs.runs.size())
                                             .arg(pivot.rowLabels.size()));
    } catch (const std::exception& e) {
      status_->setText(tr("Cannot read the results: %1").arg(QString::fromUtf8(e.what())));
      rs = {};
      pivot = {};
    }
  } else {
    status_->setText(tr("Open a workspace to see its analyses."));
  }
  score_->setData(app::analysis::scoreVsParams(pivot, rs));
  spread_->setData(app::analysis::modeDistributions(pivot, rs));
  parallel_->setData(rs);
}

bool AnalysisView::exportPage(const QString& path) {
  switch (currentPage()) {
    case ScoreVsParams: return score_->adapter()->exportTo(path);
    case ModulesVsMerged: return spread_->adapter()->exportTo(path);
    case ParallelCoordinatesPage: {
      const ParallelCoordinates* plot = parallel_->plot();
      return exportPainting(path, 1200, 700, [plot](QPainter& p, const QRect& r) { plot->paint(p, r); });
    }
  }
  return false;
}

void AnalysisView::exportWithDialog() {
  static const char* names[] = {"score-vs-params.png", "modules-vs-merged.png", "parallel-coordinates.png"};
  const QString path = plotExportDialog(this, workspaceFolder(ws_), QLatin1String(names[int(currentPage())]),
                                        PlotAdapter::supportsSvg());
  if (path.isEmpty()) return;
  if (!exportPage(path)) QMessageBox::warning(this, tr("Export failed"), tr("Cannot write %1").arg(path));
}

}  // namespace adamix::ui
