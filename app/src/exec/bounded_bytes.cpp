// SPDX-License-Identifier: GPL-3.0-or-later
#include "exec/bounded_bytes.h"

#include <algorithm>

namespace adamix::app {

BoundedBytes::BoundedBytes(qsizetype headBytes, qsizetype tailBytes)
    : headMax_(std::max<qsizetype>(0, headBytes)),
      tailMax_(std::max<qsizetype>(0, tailBytes)),
      tailKeep_(tailMax_ > 0 ? tailMax_ + 1 : 0) {}

void BoundedBytes::append(QByteArrayView chunk) {
  total_ += chunk.size();
  const qsizetype toHead = std::min(chunk.size(), headMax_ - head_.size());
  if (toHead > 0) {
    head_.append(chunk.first(toHead));
    chunk = chunk.sliced(toHead);
  }
  if (chunk.isEmpty() || tailKeep_ == 0) return;
  if (chunk.size() >= tailKeep_) {  // the chunk alone fills the tail
    tail_ = chunk.last(tailKeep_).toByteArray();
    tailStart_ = 0;
    return;
  }
  tail_.append(chunk);
  tailStart_ = std::max(tailStart_, tail_.size() - tailKeep_);
  if (tailStart_ >= tailKeep_) {  // compact once a whole tail's worth is dead: amortized O(1) per byte
    tail_.remove(0, tailStart_);
    tailStart_ = 0;
  }
}

qint64 BoundedBytes::leftOut() const {
  return total_ - head_.size() - std::min<qint64>(tail_.size() - tailStart_, tailMax_);
}

namespace {

bool continuationByte(char c) { return (static_cast<unsigned char>(c) & 0xC0) == 0x80; }

/// The length of `head` without a UTF-8 character cut off at its end.
qsizetype wholeCharacters(QByteArrayView head) {
  qsizetype start = head.size();
  while (start > 0 && head.size() - start < 4 && continuationByte(head[start - 1])) --start;
  if (start == 0) return head.size();  // nothing but continuation bytes: not UTF-8, left as it is
  const auto lead = static_cast<unsigned char>(head[start - 1]);
  const qsizetype need = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1;
  return head.size() - (start - 1) < need ? start - 1 : head.size();
}

}  // namespace

QByteArray BoundedBytes::bytes() const {
  const QByteArrayView stored = QByteArrayView(tail_).sliced(tailStart_);
  QByteArrayView tail = stored.last(std::min(stored.size(), tailMax_));
  qint64 dropped = leftOut();
  if (dropped == 0) return head_ + tail.toByteArray();
  QByteArrayView head(head_);
  if (!head.endsWith('\n')) {
    const qsizetype nl = head.lastIndexOf('\n');
    head = head.first(nl >= 0 && head.size() - (nl + 1) <= kLineSlack ? nl + 1 : wholeCharacters(head));
  }
  // the byte before the tail (tailKeep_ holds one more while something is left out)
  const bool tailStartsALine = stored.size() > tail.size() && stored[stored.size() - tail.size() - 1] == '\n';
  if (!tailStartsALine) {
    qsizetype from = tail.indexOf('\n') + 1;
    if (from <= 0 || from > kLineSlack) {
      from = 0;
      while (from < tail.size() && from < 3 && continuationByte(tail[from])) ++from;
    }
    tail = tail.sliced(from);
  }
  dropped += (head_.size() - head.size()) + (std::min(stored.size(), tailMax_) - tail.size());
  QByteArray out = head.toByteArray();
  if (!out.isEmpty() && !out.endsWith('\n')) out += '\n';
  out += "[... " + QByteArray::number(dropped) + " bytes left out ...]\n";
  out += tail;
  return out;
}

}  // namespace adamix::app
