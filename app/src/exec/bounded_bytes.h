// A byte stream kept within a fixed memory bound: its beginning and its end, and how much of the
// middle was left out. EngineClient keeps an engine call's stderr this way, so that an engine
// printing without end cannot grow the app's memory while the messages (first and last lines)
// stay readable.
// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QByteArray>
#include <QByteArrayView>

namespace adamix::app {

/// Keeps the first `headBytes` and the last `tailBytes` of everything appended; memory stays
/// within about head + 3 × tail bytes however much is appended (dead tail bytes are dropped in
/// blocks).
class BoundedBytes {
 public:
  BoundedBytes(qsizetype headBytes, qsizetype tailBytes);

  void append(QByteArrayView chunk);
  /// Bytes appended in all.
  qint64 total() const { return total_; }
  /// Bytes between the kept head and tail that were dropped (0 while everything fits); bytes()
  /// may leave out a few more to keep whole lines.
  qint64 leftOut() const;
  /// The head, then — when something was left out — a line "[... N bytes left out ...]" on its own,
  /// then the tail: everything appended, unchanged, while it fits. Around the marker only whole
  /// lines are kept: the head ends after its last newline and the tail starts after its first,
  /// when those lie within kLineSlack bytes of the marker; else each side is cut at a UTF-8
  /// character boundary. N counts every byte not shown.
  QByteArray bytes() const;

  /// How far from the marker a line boundary is looked for (bytes).
  static constexpr qsizetype kLineSlack = 1024;

 private:
  qsizetype headMax_, tailMax_;
  qsizetype tailKeep_;       ///< tailMax_ + 1: the byte before the tail tells whether it starts a line
  QByteArray head_;
  QByteArray tail_;          ///< the tail's bytes start at tailStart_ (dropped lazily, in blocks)
  qsizetype tailStart_ = 0;
  qint64 total_ = 0;
};

}  // namespace adamix::app
