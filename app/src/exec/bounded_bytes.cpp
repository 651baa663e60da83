// SPDX-License-Identifier: GPL-3.0-or-later
#include "exec/bounded_bytes.h"

#include <algorithm>

namespace adamix::app {

BoundedBytes::BoundedBytes(qsizetype headBytes, qsizetype tailBytes)
    : headMax_(std::max<qsizetype>(0, headBytes)), tailMax_(std::max<qsizetype>(0, tailBytes)) {}

void BoundedBytes::append(QByteArrayView chunk) {
  total_ += chunk.size();
  const qsizetype toHead = std::min(chunk.size(), headMax_ - head_.size());
  if (toHead > 0) {
    head_.append(chunk.first(toHead));
    chunk = chunk.sliced(toHead);
  }
  if (chunk.isEmpty() || tailMax_ == 0) return;
  if (chunk.size() >= tailMax_) {  // the chunk alone fills the tail
    tail_ = chunk.last(tailMax_).toByteArray();
    tailStart_ = 0;
    return;
  }
  tail_.append(chunk);
  tailStart_ = std::max(tailStart_, tail_.size() - tailMax_);
  if (tailStart_ >= tailMax_) {  // compact once a whole tail's worth is dead: amortized O(1) per byte
    tail_.remove(0, tailStart_);
    tailStart_ = 0;
  }
}

QByteArray BoundedBytes::bytes() const {
  QByteArray out = head_;
  if (const qint64 dropped = leftOut(); dropped > 0) {
    if (!out.isEmpty() && !out.endsWith('\n')) out += '\n';
    out += "[... " + QByteArray::number(dropped) + " bytes left out ...]\n";
  }
  out += QByteArrayView(tail_).sliced(tailStart_);
  return out;
}

}  // namespace adamix::app
