// Analyses screen (issue 14, "the paper's analyses in one click"): a study's results as the
// paper's figures — score vs % parameters with the Pareto front (Fig. 1), single modules vs
// merged (Fig. 5/6) — and parallel coordinates of its ablation axes with brushing. Each page
// exports PNG / PDF / SVG.
// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "export/result_set.h"

#include <QWidget>

#include <optional>
#include <vector>

class QComboBox;
class QLabel;
class QTabWidget;

namespace adamix::ui {

class DeferredRefresh;
class ModuleSpreadPage;
class ParallelPage;
class ScoreParamsPage;
class Workspace;

/// The screen: a study chooser and one tab per analysis.
class AnalysisView : public QWidget {
  Q_OBJECT
 public:
  enum Page { ScoreVsParams = 0, ModulesVsMerged = 1, ParallelCoordinatesPage = 2 };

  explicit AnalysisView(Workspace* workspace, QWidget* parent = nullptr);
  /// Shows one study (nullopt: every study's runs).
  void setStudy(std::optional<qint64> studyId);
  void showPage(Page page);
  Page currentPage() const;
  ScoreParamsPage* scorePage() const { return score_; }
  ModuleSpreadPage* spreadPage() const { return spread_; }
  ParallelPage* parallelPage() const { return parallel_; }
  QTabWidget* pages() const { return pages_; }
  /// Writes the current page's plot to .png, .pdf or .svg (by suffix); false on failure.
  bool exportPage(const QString& path);
  /// While hidden, refresh() waits until the view is shown (see DeferredRefresh).
  void deferRefreshWhileHidden();

 public slots:
  /// Reads the study's finished runs again and redraws every page.
  void refresh();
  /// Asks for a file name and exports the current page's plot.
  void exportWithDialog();

 private:
  Workspace* ws_;
  DeferredRefresh* deferred_;
  QComboBox* study_;
  QTabWidget* pages_;
  ScoreParamsPage* score_;
  ModuleSpreadPage* spread_;
  ParallelPage* parallel_;
  QLabel* status_;
};

}  // namespace adamix::ui
