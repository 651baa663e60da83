// Copies a run directory for a resume elsewhere: a run whose directory another database beside
// this one shares (made before owner files) resumes from a copy, so the other keeps its files.
// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QString>

namespace adamix::app {

/// Copies the regular files and folders under `from` into `to` (made when missing; files there of
/// the same name replaced), leaving out the engine's lock (.engine.lock) and the owner file
/// (owner.json): the copy is the caller's to claim. Symbolic links and other special files are not
/// copied (a run directory has none). The checkpoint folder comes last and whole (copied beside as
/// checkpoint.copying, then renamed): a copy cut short has no checkpoint, so a resume never starts
/// from half of one, and it is made again. Returns "" on
/// success, else what failed ("<file>: cannot copy to <file>: <reason>").
QString copyRunDirectory(const QString& from, const QString& to);

}  // namespace adamix::app
