// SPDX-License-Identifier: GPL-3.0-or-later
#include "runs/run_actions.h"

#include "exec/eval_request.h"
#include "runs/delete_dialog.h"
#include "runs/eval_dialog.h"
#include "runs/export_dialog.h"
#include "runs/job_dialog.h"
#include "runs/merge_dialog.h"
#include "study/study.h"
#include "workspace/workspace.h"

#include <QFileInfo>
#include <QMenu>
#include <QMessageBox>

namespace adamix::ui {

QString runTitle(const app::RunRecord& run) {
  return QStringLiteral("%1 · %2 · seed %3 (#%4)")
      .arg(run.task, app::variantDisplayName(run.variant))
      .arg(run.seed)
      .arg(run.id);
}

RunActions::RunActions(Workspace* workspace, QWidget* dialogParent)
    : QObject(dialogParent), ws_(workspace), parent_(dialogParent) {
  // A job writes into the store it started with: another (or no) workspace ends it.
  auto closeJobs = [this] {
    for (JobDialog* dlg : parent_->findChildren<JobDialog*>(Qt::FindDirectChildrenOnly)) dlg->abandon();
  };
  connect(ws_, &Workspace::opened, this, closeJobs);
  connect(ws_, &Workspace::closed, this, closeJobs);
}

void RunActions::addActions(QMenu* menu, qint64 runId) {
  QString why = tr("No workspace open.");
  QString whyNoMerge = why;
  if (ws_->isOpen()) {
    try {
      const auto run = ws_->store().run(runId);
      why = run ? app::artifactBlocker(*run, ws_->store().path()) : tr("run %1 is not in the workspace").arg(runId);
      whyNoMerge = run ? app::mergeBlocker(*run, ws_->store().path()) : why;
    } catch (const std::exception& e) {
      why = whyNoMerge = QString::fromUtf8(e.what());
    }
  }
  struct Item {
    const char* name;
    QString text, tip;
    void (RunActions::*slot)(qint64);
    const QString& blocker;
  };
  const Item items[] = {
      {"evaluateRun", tr("Evaluate on…"), tr("Evaluates the run's saved weights on a split or a data file; the "
                                             "metrics appear in Results beside the run's own."),
       &RunActions::evaluate, why},
      {"predictRun", tr("Predict test set…"), tr("Predicts the task's test split(s) and writes the GLUE-benchmark "
                                                 "submission file."),
       &RunActions::predict, why},
      {"exportRun", tr("Export adapters…"), tr("Writes the run's weights as a PEFT adapter, a merged Hugging Face "
                                               "model or in the official AdaMix layout."),
       &RunActions::exportAdapters, why},
      {"mergeRun", tr("Merge modules…"), tr("Merges the AdaMix modules anew without retraining (uniform, greedy "
                                            "soup, learned weights) and scores each merge on dev."),
       &RunActions::merge, whyNoMerge},
  };
  for (const Item& it : items) {
    QAction* a = menu->addAction(it.text, this, [this, runId, slot = it.slot] { (this->*slot)(runId); });
    a->setObjectName(QString::fromLatin1(it.name));
    a->setEnabled(it.blocker.isEmpty());
    a->setToolTip(it.blocker.isEmpty() ? it.tip : it.blocker);
    a->setStatusTip(a->toolTip());
  }
  menu->setToolTipsVisible(true);
}

void RunActions::addDeleteRunsAction(QMenu* menu, const QList<qint64>& runIds) {
  QAction* a = menu->addAction(QIcon::fromTheme(QStringLiteral("edit-delete")), tr("Delete…"), this,
                               [this, runIds] { deleteRuns(runIds); });
  a->setObjectName(QStringLiteral("deleteRuns"));
  a->setEnabled(ws_->isOpen() && !runIds.isEmpty());
  a->setToolTip(runIds.size() == 1
                    ? tr("Deletes this run, its metrics, results and evaluations, and its run directory (asks first).")
                    : tr("Deletes the %1 selected runs, their metrics, results and evaluations, and their run "
                         "directories (asks first).")
                          .arg(runIds.size()));
  a->setStatusTip(a->toolTip());
  menu->setToolTipsVisible(true);
}

void RunActions::addDeleteStudyAction(QMenu* menu, qint64 studyId) {
  QAction* a = menu->addAction(QIcon::fromTheme(QStringLiteral("edit-delete")), tr("Delete study…"), this,
                               [this, studyId] { deleteStudy(studyId); });
  a->setObjectName(QStringLiteral("deleteStudy"));
  a->setEnabled(ws_->isOpen());
  a->setToolTip(tr("Deletes the study with all its runs and their run directories; the study file stays (asks "
                   "first)."));
  a->setStatusTip(a->toolTip());
  menu->setToolTipsVisible(true);
}

bool RunActions::confirmDeletion(const app::RunDeletion& plan) {
  // an engine job (evaluate, predict, export) reading a run's weights: that run waits for it
  QStringList inUse;
  for (JobDialog* dlg : parent_->findChildren<JobDialog*>(Qt::FindDirectChildrenOnly))
    if (dlg->job() && dlg->job()->isRunning())
      for (const app::RunRecord& r : plan.runs)
        if (r.id == dlg->job()->run().id) inUse << runTitle(r);
  if (!inUse.isEmpty()) {
    QMessageBox box(QMessageBox::Information, tr("Cannot delete yet"),
                    tr("An evaluation or export is reading these runs; wait for it or cancel it first."),
                    QMessageBox::Ok, parent_);
    box.setObjectName(QStringLiteral("deleteRefused"));
    box.setInformativeText(inUse.join(QLatin1Char('\n')));
    box.exec();
    return false;
  }
  return confirmAndDelete(*ws_, plan, parent_);
}

void RunActions::reportAlreadyDeleted(const QString& what) {
  emit ws_->changed();  // the tree (and every screen) drops what is gone
  QMessageBox box(QMessageBox::Information, tr("Already deleted"),
                  tr("%1 was already deleted, perhaps from the command line or another window. The workspace "
                     "tree now shows what is left.")
                      .arg(what),
                  QMessageBox::Ok, parent_);
  box.setObjectName(QStringLiteral("alreadyDeleted"));
  box.exec();
}

bool RunActions::deleteRuns(const QList<qint64>& runIds) {
  if (!ws_->isOpen() || runIds.isEmpty()) return false;
  app::RunDeletion plan;
  try {
    // runs left `running` by an app that is gone are interrupted, not running: they can go
    app::StudyRunner::markDeadRunsInterrupted(ws_->store(), QueueSettings::load().heartbeatTimeoutS);
    // runs deleted behind the app's back (the CLI, another window): gone already, no store error
    std::vector<qint64> present;
    for (qint64 id : runIds)
      if (ws_->store().run(id)) present.push_back(id);
    if (present.empty()) {
      reportAlreadyDeleted(runIds.size() == 1 ? tr("This run") : tr("These runs"));
      return false;
    }
    if (present.size() < size_t(runIds.size())) emit ws_->changed();
    plan = app::planRunDeletion(ws_->store(), present, ws_->runsDir());
  } catch (const std::exception& e) {
    QMessageBox::warning(parent_, tr("Delete"), QString::fromUtf8(e.what()));
    return false;
  }
  return confirmDeletion(plan);
}

bool RunActions::deleteStudy(qint64 studyId) {
  if (!ws_->isOpen()) return false;
  app::RunDeletion plan;
  try {
    // runs left `running` by an app that is gone are interrupted, not running: they can go
    app::StudyRunner::markDeadRunsInterrupted(ws_->store(), QueueSettings::load().heartbeatTimeoutS);
    if (!ws_->store().study(studyId)) {  // deleted behind the app's back (the CLI, another window)
      reportAlreadyDeleted(tr("This study"));
      return false;
    }
    plan = app::planStudyDeletion(ws_->store(), studyId, ws_->runsDir());
  } catch (const std::exception& e) {
    QMessageBox::warning(parent_, tr("Delete"), QString::fromUtf8(e.what()));
    return false;
  }
  return confirmDeletion(plan);
}

JobDialog* RunActions::lastJob() const { return last_.data(); }

JobDialog* RunActions::openJob(qint64 runId) {
  const auto run = ws_->store().run(runId);
  auto* dlg = new JobDialog(ws_->store(), *run, QueueSettings::load().enginePath, parent_);
  dlg->setAttribute(Qt::WA_DeleteOnClose);
  connect(dlg, &JobDialog::jobFinished, ws_, [this](bool) { emit ws_->changed(); });
  last_ = dlg;
  dlg->show();
  return dlg;
}

void RunActions::evaluate(qint64 runId) {
  const auto run = ws_->isOpen() ? ws_->store().run(runId) : std::nullopt;
  if (!run) return;
  EvalDialog ask(*run, false, parent_);
  if (ask.exec() != QDialog::Accepted) return;
  JobDialog* dlg = openJob(runId);
  dlg->startEval(ask.requests());
  emit jobStarted(dlg);
}

void RunActions::predict(qint64 runId) {
  const auto run = ws_->isOpen() ? ws_->store().run(runId) : std::nullopt;
  if (!run) return;
  EvalDialog ask(*run, true, parent_);
  if (ask.exec() != QDialog::Accepted) return;
  JobDialog* dlg = openJob(runId);
  dlg->startEval(ask.requests());
  emit jobStarted(dlg);
}

void RunActions::merge(qint64 runId) {
  const auto run = ws_->isOpen() ? ws_->store().run(runId) : std::nullopt;
  if (!run) return;
  MergeDialog ask(*run, parent_);
  if (ask.exec() != QDialog::Accepted) return;
  JobDialog* dlg = openJob(runId);
  dlg->startEval(ask.requests());
  emit jobStarted(dlg);
}

void RunActions::exportAdapters(qint64 runId) {
  const auto run = ws_->isOpen() ? ws_->store().run(runId) : std::nullopt;
  if (!run) return;
  ExportDialog ask(*run, QFileInfo(ws_->dbPath()).absolutePath(), parent_);
  if (ask.exec() != QDialog::Accepted) return;
  JobDialog* dlg = openJob(runId);
  dlg->startExport(ask.format(), ask.outDir());
  emit jobStarted(dlg);
}

}  // namespace adamix::ui
