// Delete… of the workspace tree: the confirmation that lists what a deletion removes (runs, rows,
// run directories) and what it keeps, then the deletion itself (app/src/store/run_deletion.h).
// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "store/run_deletion.h"

class QWidget;

namespace adamix::ui {

class Workspace;

/// Asks with a QMessageBox ("deleteConfirmation": the runs, the rows per table, the directories
/// removed and kept; Delete / Cancel) and deletes on Delete. A plan with queued or running runs is
/// only explained ("deleteRefused"). When something stays on disk, a non-modal box ("deleteKept")
/// says what and why. Returns true when the runs were deleted; the workspace then refreshes.
bool confirmAndDelete(Workspace& workspace, const app::RunDeletion& plan, QWidget* parent);

}  // namespace adamix::ui
