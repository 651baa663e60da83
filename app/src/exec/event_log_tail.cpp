// SPDX-License-Identifier: GPL-3.0-or-later
#include "exec/event_log_tail.h"

#include <QFile>

#include <sys/stat.h>

namespace adamix::app {

EventLogTail::EventLogTail(QString path) : path_(std::move(path)) {}

EventLogTail::Chunk EventLogTail::read(qint64 maxBytes) {
  Chunk chunk;
  struct stat st {};
  if (::stat(QFile::encodeName(path_).constData(), &st) != 0) return chunk;  // not there (yet)
  const quint64 inode = quint64(st.st_ino);
  const qint64 size = qint64(st.st_size);
  if (!haveFile_ || inode != inode_ || size < offset_) {
    // a new file, a replaced one, or one cut shorter: read it from its start
    chunk.restarted = size > 0;
    haveFile_ = true;
    inode_ = inode;
    offset_ = 0;
    parser_ = EventParser();
  }
  if (size == offset_) return chunk;
  QFile f(path_);
  if (!f.open(QIODevice::ReadOnly) || !f.seek(offset_)) return chunk;
  const QByteArray bytes = f.read(std::min(maxBytes, size - offset_));
  if (bytes.isEmpty()) return chunk;
  offset_ += bytes.size();
  chunk.bytes = bytes.size();
  chunk.output = parser_.feed(bytes);
  return chunk;
}

EventParser::Output EventLogTail::finish() { return parser_.finish(); }

}  // namespace adamix::app
