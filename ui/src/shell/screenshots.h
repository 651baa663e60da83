// `adamix-studio --screenshot DIR`: renders each main screen of the window to PNG files.
// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QString>
#include <QStringList>

namespace adamix::ui {

class MainWindow;

/// Options of renderScreenshots().
struct ScreenshotOptions {
  QString dir;            ///< output directory (created)
  QString studyFile;      ///< loaded in the designer (default: the demo study, if found)
  QString launchStudy;    ///< if set: launch it, cancel and resume one run, capture the monitor with it
  int monitorWaitS = 60;  ///< how long to wait for live curves when launching
  bool runActions = false;  ///< also drive the first finished run's context menu: evaluate, export
};

/// Grabs welcome, designer, the designer's Add task from file… dialog (designer-own-task.png, on
/// sample files it writes), monitor, compare (curves and bars), results and the Export… dialog
/// (accepted: DIR/demo.tex is the exported LaTeX table) and the Outputs screen; with
/// `runActions`, a finished run's context menu, the Evaluate on… dialog, the finished job, the
/// results with the evaluation column, the Export adapters… dialog and, for an AdaMix run, the
/// Merge modules… dialog and its merges (these evaluate, export and merge through the engine,
/// adding to the workspace). Returns the paths written.
QStringList renderScreenshots(MainWindow& window, const ScreenshotOptions& options);

}  // namespace adamix::ui
