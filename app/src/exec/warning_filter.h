// Which executor warnings (a Slurm command that failed, a log line that does not parse) reach a
// person: the CLI's stderr and the GUI's status bar show each one once, and not a flood.
// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QSet>
#include <QString>

#include <optional>

namespace adamix::app {

/// Admits each distinct (subject, message) once, and at most `perMinute` new ones in any minute;
/// the warnings held back meanwhile are counted and named in the next one admitted.
class WarningFilter {
 public:
  explicit WarningFilter(int perMinute = 10) : perMinute_(perMinute) {}
  /// The line to show for this warning at `nowS` (seconds, any clock): "<subject>: <message>"
  /// ("<message>" without a subject), or nullopt for a repeat or a warning over the rate.
  std::optional<QString> admit(const QString& subject, const QString& message, double nowS);

 private:
  int perMinute_;
  QSet<QString> seen_;
  double windowStartS_ = -1e300;
  int inWindow_ = 0;
  int heldBack_ = 0;
};

}  // namespace adamix::app
