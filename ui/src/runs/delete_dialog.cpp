// SPDX-License-Identifier: GPL-3.0-or-later
#include "runs/delete_dialog.h"

#include "workspace/workspace.h"

#include <QMessageBox>
#include <QPushButton>

namespace adamix::ui {

namespace {

/// The first lines of `lines` (the rest in the box's details).
QString head(const QStringList& lines, int max = 24) {
  if (lines.size() <= max) return lines.join(QLatin1Char('\n'));
  return (lines.mid(0, max) << QObject::tr("… (%1 more lines under Show Details)").arg(lines.size() - max))
      .join(QLatin1Char('\n'));
}

QString question(const app::RunDeletion& plan) {
  if (plan.study && !plan.keptRuns.empty())  // runs another study has too: they stay
    return QObject::tr(
               "Delete study %1 with %2 of its runs and their run directories? %3 runs stay: another "
               "study has them too.")
        .arg(plan.study->name)
        .arg(plan.runs.size())
        .arg(plan.keptRuns.size());
  if (plan.study)
    return QObject::tr("Delete study %1 with its %2 runs and their run directories?")
        .arg(plan.study->name)
        .arg(plan.runs.size());
  if (plan.runs.size() == 1) return QObject::tr("Delete 1 run and its run directory?");
  return QObject::tr("Delete %1 runs and their run directories?").arg(plan.runs.size());
}

}  // namespace

bool confirmAndDelete(Workspace& workspace, const app::RunDeletion& plan, QWidget* parent) {
  const QStringList lines = plan.describe();
  if (plan.refused()) {
    QMessageBox box(QMessageBox::Information, QObject::tr("Cannot delete yet"),
                    QObject::tr("Queued or running runs belong to the run queue: cancel them in the Monitor "
                                "first, then delete."),
                    QMessageBox::Ok, parent);
    box.setObjectName(QStringLiteral("deleteRefused"));
    box.setInformativeText(head(lines));
    box.setDetailedText(lines.join(QLatin1Char('\n')));
    box.exec();
    return false;
  }
  QMessageBox box(QMessageBox::Warning, QObject::tr("Delete"), question(plan), QMessageBox::NoButton, parent);
  box.setObjectName(QStringLiteral("deleteConfirmation"));
  box.setInformativeText(head(lines) + QObject::tr("\n\nThis cannot be undone."));
  box.setDetailedText(lines.join(QLatin1Char('\n')));
  QPushButton* del = box.addButton(QObject::tr("&Delete"), QMessageBox::DestructiveRole);
  QPushButton* cancel = box.addButton(QMessageBox::Cancel);
  box.setDefaultButton(cancel);
  box.setEscapeButton(cancel);
  box.exec();
  if (box.clickedButton() != del) return false;

  app::DeletionOutcome done;
  try {
    done = app::deleteRunsAndDirectories(workspace.store(), plan, workspace.runsDir());
  } catch (const std::exception& e) {
    QMessageBox::warning(parent, QObject::tr("Delete failed"),
                         QObject::tr("Nothing was deleted: %1").arg(QString::fromUtf8(e.what())));
    workspace.notifyChanged();
    return false;
  }
  emit workspace.changed();
  if (!done.kept.empty()) {
    QStringList kept;
    for (const app::KeptPath& k : done.kept) kept << QStringLiteral("%1 — %2").arg(k.path, k.reason);
    auto* info = new QMessageBox(QMessageBox::Information, QObject::tr("Deleted; some files stay"),
                                 QObject::tr("Deleted %1 (%2). These stay on disk:")
                                     .arg(plan.subject(), app::rowCountsText(done.rows)),
                                 QMessageBox::Ok, parent);
    info->setObjectName(QStringLiteral("deleteKept"));
    info->setInformativeText(head(kept));
    info->setDetailedText(kept.join(QLatin1Char('\n')));
    info->setAttribute(Qt::WA_DeleteOnClose);
    info->setModal(false);
    info->show();
  }
  return true;
}

}  // namespace adamix::ui
