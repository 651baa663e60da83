// Run states and error information shared by the executor, the store and the UI.
// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QMetaType>
#include <QString>

namespace adamix::app {

/// Life cycle of one run: queued → running → finished | failed | cancelled | lost.
/// `Interrupted` is only assigned to runs found "running" in the store by a later app start.
enum class RunState { Queued, Running, Finished, Failed, Cancelled, Lost, Interrupted };

/// Lower-case name used in the store and on the command line ("queued", "running", ...).
QString runStateName(RunState s);
/// Inverse of runStateName; returns false for an unknown name.
bool parseRunState(const QString& name, RunState* out);
/// True for finished, failed, cancelled, lost and interrupted.
bool isTerminal(RunState s);
/// True for states whose run can be continued from a checkpoint with `--resume`.
bool isResumable(RunState s);

/// Why a run did not finish: the engine's `error` event, or the executor's own diagnosis.
struct RunError {
  QString kind;       ///< engine error kind (config, data, ...) or launch|crashed|lost|cancelled|protocol|incomplete
  QString message;    ///< human-readable explanation
  QString location;   ///< JSON path, file:line or tensor name; may be empty
  int exitCode = -1;  ///< process exit code; -1 when it did not exit normally (signal) or never ran
  bool isEmpty() const { return kind.isEmpty() && message.isEmpty(); }
};

/// The error kind of an engine that exited with `exitCode` without its `error` event (it could
/// not write it, e.g. into an unwritable run directory): the kind that exit code stands for
/// (docs/protocol.md, "Exit codes": 7 → "io", 3 → "config", …), else "internal".
QString kindOfSilentExit(int exitCode);

}  // namespace adamix::app

Q_DECLARE_METATYPE(adamix::app::RunState)
Q_DECLARE_METATYPE(adamix::app::RunError)
