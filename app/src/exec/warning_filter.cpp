// SPDX-License-Identifier: GPL-3.0-or-later
#include "exec/warning_filter.h"

namespace adamix::app {

std::optional<QString> WarningFilter::admit(const QString& subject, const QString& message, double nowS) {
  const QString line = subject.isEmpty() ? message : subject + QStringLiteral(": ") + message;
  if (seen_.contains(line)) return std::nullopt;
  if (nowS - windowStartS_ >= 60.0) {
    windowStartS_ = nowS;
    inWindow_ = 0;
  }
  if (inWindow_ >= perMinute_) {
    ++heldBack_;
    return std::nullopt;  // not remembered: it may be shown when it comes again
  }
  seen_.insert(line);
  ++inWindow_;
  if (heldBack_ == 0) return line;
  const QString more = QStringLiteral(" (%1 other warning(s) held back)").arg(heldBack_);
  heldBack_ = 0;
  return line + more;
}

}  // namespace adamix::app
