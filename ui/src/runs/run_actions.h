// What a run's context menu offers for its trained weights (workspace tree and results table):
// Evaluate on…, Predict test set…, Export adapters…, and for AdaMix runs Merge modules…. Each opens its dialog, then a JobDialog
// that runs the engine; when it ends the workspace refreshes so the evaluation shows in Results.
// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "store/run_deletion.h"
#include "store/store.h"

#include <QObject>
#include <QPointer>
#include <QString>

class QMenu;
class QWidget;

namespace adamix::ui {

class JobDialog;
class Workspace;

/// "rte · AdaMix · seed 1 (#3)": how the run dialogs and menus name a run.
QString runTitle(const app::RunRecord& run);

/// The run actions of one main window.
class RunActions : public QObject {
  Q_OBJECT
 public:
  /// Dialogs open over `dialogParent`.
  RunActions(Workspace* workspace, QWidget* dialogParent);

  /// Adds Evaluate on…, Predict test set…, Export adapters…, Merge modules… for `runId` to `menu`
  /// (disabled, with the reason as tooltip, when the run has no trained weights yet; Merge modules…
  /// also when the run has one module or a generation task: app::mergeBlocker).
  void addActions(QMenu* menu, qint64 runId);

  /// Adds "Delete…" (object name deleteRuns) for these runs: a confirmation listing what goes, then
  /// the runs, their rows and their run directories inside the runs folder are removed.
  void addDeleteRunsAction(QMenu* menu, const QList<qint64>& runIds);
  /// Adds "Delete study…" (object name deleteStudy): the study with all its runs, as above.
  void addDeleteStudyAction(QMenu* menu, qint64 studyId);
  /// Asks (delete_dialog.h), then deletes these runs; true when deleted.
  bool deleteRuns(const QList<qint64>& runIds);
  /// Asks, then deletes the study with its runs; true when deleted.
  bool deleteStudy(qint64 studyId);

  /// Asks what to evaluate on, then evaluates (progress in a JobDialog).
  void evaluate(qint64 runId);
  /// Asks for the inference mode, then predicts the task's test split(s).
  void predict(qint64 runId);
  /// Asks which merge strategies (merge_dialog.h), then merges the run's modules with each.
  void merge(qint64 runId);
  /// Asks for format and folder, then exports.
  void exportAdapters(qint64 runId);

  /// The dialog of the most recent job (nullptr once closed).
  JobDialog* lastJob() const;

 signals:
  /// A job dialog opened (its job already started).
  void jobStarted(adamix::ui::JobDialog* dialog);

 private:
  /// Refreshes the workspace (emits Workspace::changed) and tells the user in plain words that
  /// `what` ("This study", "These runs") was already deleted behind the app's back.
  void reportAlreadyDeleted(const QString& what);
  JobDialog* openJob(qint64 runId);
  /// Refuses while one of the runs is read by a running job, else asks and deletes (delete_dialog.h).
  bool confirmDeletion(const app::RunDeletion& plan);
  Workspace* ws_;
  QWidget* parent_;
  QPointer<JobDialog> last_;
};

}  // namespace adamix::ui
