// Follows a run's <run-dir>/events.jsonl as the engine appends to it (a run on another machine,
// e.g. a Slurm node, seen through a shared filesystem).
// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "exec/event_parser.h"

#include <QString>

namespace adamix::app {

/// Incremental reader of one event log. Each read() returns the events of the lines completed
/// since the last call (a partial last line waits for its newline). The file may not exist yet
/// (nothing is returned). When the file is replaced (another inode) or shrinks below what was
/// read, reading starts again from its first byte and `restarted` says so: whatever was ingested
/// from the old file is to be dropped. The first read of a file that already holds lines also
/// counts as a restart (a reattach reads the whole log again).
class EventLogTail {
 public:
  explicit EventLogTail(QString path);

  struct Chunk {
    EventParser::Output output;  ///< events and rejected lines, in file order
    bool restarted = false;      ///< reading (re)started at byte 0 of a file that has content
    qint64 bytes = 0;            ///< bytes read by this call
  };
  /// Reads what was appended. At most `maxBytes` per call (the rest comes with the next call).
  /// I/O errors leave the position unchanged and return an empty chunk.
  Chunk read(qint64 maxBytes = 64LL * 1024 * 1024);
  /// End of the stream (the writer is gone): also returns a last line without newline.
  EventParser::Output finish();

  const QString& path() const { return path_; }
  /// Bytes consumed so far.
  qint64 offset() const { return offset_; }

 private:
  QString path_;
  qint64 offset_ = 0;
  quint64 inode_ = 0;
  bool haveFile_ = false;
  EventParser parser_;
};

}  // namespace adamix::app
