// Copies a run directory for a resume elsewhere: a run whose directory another database beside
// this one shares (made before owner files) resumes from a copy, so the other keeps its files.
// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QString>

namespace adamix::app {

/// Copies what a resume needs of the run directory `from` into `to` (made when missing): its event
/// log (events.jsonl, which the resume replays) and its checkpoint folder, other files there of
/// the same name replaced. Outputs (predictions, evaluations, merges, exports) are not copied: the
/// resumed run writes its own. The checkpoint comes last and whole (copied beside as
/// checkpoint.copying, then renamed): a copy cut short has no checkpoint, so a resume never starts
/// from half of one, and it is made again. Symbolic links and special files are not copied.
/// Returns "" on success, else what failed ("<file>: cannot copy to <file>: <reason>").
QString copyRunDirectory(const QString& from, const QString& to);

}  // namespace adamix::app
