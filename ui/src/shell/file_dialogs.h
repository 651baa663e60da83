// The one place where the app's file dialogs (study open/save, results and plot exports, run
// exports) decide their start folder: the last folder the user chose in any of them while it
// still exists, else the workspace folder, else the home folder; and where a choice is
// remembered (QSettings "dialogs/lastDir").
// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QString>

class QWidget;

namespace adamix::ui {

class Workspace;

/// The folder of the workspace's database ("" when no workspace is open).
QString workspaceFolder(const Workspace* workspace);

/// Where a file dialog starts: the last folder chosen (rememberDialogChoice) if it exists, else
/// `workspaceDir` if it exists, else the home folder.
QString dialogStartDir(const QString& workspaceDir);

/// Remembers the folder of `chosen` (a file's folder; a folder itself) for the next dialog.
void rememberDialogChoice(const QString& chosen);

/// QFileDialog::getSaveFileName starting at dialogStartDir(workspaceDir)/`fileName`; the choice
/// is remembered. Empty when cancelled.
QString saveFileDialog(QWidget* parent, const QString& caption, const QString& workspaceDir, const QString& fileName,
                       const QString& filter, QString* selectedFilter = nullptr);
/// The save dialog of a plot export: PNG, PDF and (when `svg`) SVG, starting with `fileName`;
/// the chosen filter's suffix is added to a name typed without one. Empty when cancelled.
QString plotExportDialog(QWidget* parent, const QString& workspaceDir, const QString& fileName, bool svg);
/// QFileDialog::getOpenFileName starting at dialogStartDir(workspaceDir); the choice is remembered.
QString openFileDialog(QWidget* parent, const QString& caption, const QString& workspaceDir, const QString& filter);
/// QFileDialog::getExistingDirectory starting at dialogStartDir(workspaceDir); the choice is remembered.
QString existingDirDialog(QWidget* parent, const QString& caption, const QString& workspaceDir);

}  // namespace adamix::ui
