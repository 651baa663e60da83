// SPDX-License-Identifier: GPL-3.0-or-later
#include "shell/file_dialogs.h"

#include "workspace/workspace.h"

#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QSettings>

namespace adamix::ui {

namespace {
const char* const kLastDirKey = "dialogs/lastDir";
}  // namespace

QString workspaceFolder(const Workspace* workspace) {
  return workspace && workspace->isOpen() ? QFileInfo(workspace->dbPath()).absolutePath() : QString();
}

QString dialogStartDir(const QString& workspaceDir) {
  const QString last = QSettings().value(kLastDirKey).toString();
  if (!last.isEmpty() && QFileInfo(last).isDir()) return last;
  if (!workspaceDir.isEmpty() && QFileInfo(workspaceDir).isDir()) return QDir(workspaceDir).absolutePath();
  return QDir::homePath();
}

void rememberDialogChoice(const QString& chosen) {
  if (chosen.isEmpty()) return;
  const QFileInfo fi(chosen);
  QSettings().setValue(kLastDirKey, fi.isDir() ? fi.absoluteFilePath() : fi.absolutePath());
}

QString saveFileDialog(QWidget* parent, const QString& caption, const QString& workspaceDir, const QString& fileName,
                       const QString& filter, QString* selectedFilter) {
  const QString path = QFileDialog::getSaveFileName(parent, caption, QDir(dialogStartDir(workspaceDir)).filePath(fileName),
                                                    filter, selectedFilter);
  rememberDialogChoice(path);
  return path;
}

QString openFileDialog(QWidget* parent, const QString& caption, const QString& workspaceDir, const QString& filter) {
  const QString path = QFileDialog::getOpenFileName(parent, caption, dialogStartDir(workspaceDir), filter);
  rememberDialogChoice(path);
  return path;
}

QString existingDirDialog(QWidget* parent, const QString& caption, const QString& workspaceDir) {
  const QString dir = QFileDialog::getExistingDirectory(parent, caption, dialogStartDir(workspaceDir));
  rememberDialogChoice(dir);
  return dir;
}

QString plotExportDialog(QWidget* parent, const QString& workspaceDir, const QString& fileName, bool svg) {
  QString selected;
  QString filters = QObject::tr("PNG image (*.png);;PDF document (*.pdf)");
  if (svg) filters += QObject::tr(";;SVG image (*.svg)");
  QString path = saveFileDialog(parent, QObject::tr("Export plot"), workspaceDir, fileName, filters, &selected);
  if (!path.isEmpty() && QFileInfo(path).suffix().isEmpty())
    path += selected.contains(QLatin1String("pdf")) ? ".pdf" : selected.contains(QLatin1String("svg")) ? ".svg" : ".png";
  return path;
}

}  // namespace adamix::ui
