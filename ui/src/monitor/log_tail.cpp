// SPDX-License-Identifier: GPL-3.0-or-later
#include "monitor/log_tail.h"

#include <QFile>
#include <QFileInfo>
#include <QFontDatabase>
#include <QScrollBar>

namespace adamix::ui {

LogTail::LogTail(QWidget* parent) : QPlainTextEdit(parent) {
  setReadOnly(true);
  setLineWrapMode(QPlainTextEdit::NoWrap);
  setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
  setPlaceholderText(tr("The selected run's engine log (stderr.log) appears here."));
  timer_.setInterval(1000);
  connect(&timer_, &QTimer::timeout, this, &LogTail::reload);
}

QString LogTail::readTail(const QString& path, qint64 maxBytes) {
  QFile f(path);
  if (!f.open(QIODevice::ReadOnly)) return {};
  const qint64 size = f.size();
  const bool cut = size > maxBytes;
  if (cut) f.seek(size - maxBytes);
  QByteArray data = f.readAll();
  if (cut) {
    const int nl = data.indexOf('\n');
    if (nl >= 0) data = data.mid(nl + 1);
  }
  return QString::fromUtf8(data);
}

void LogTail::setFile(const QString& path) {
  if (path == path_) return;
  path_ = path;
  lastSize_ = -1;
  clear();
  if (path.isEmpty()) {
    timer_.stop();
    return;
  }
  reload();
  timer_.start();
}

void LogTail::reload() {
  if (path_.isEmpty()) return;
  const qint64 size = QFileInfo(path_).size();
  if (size == lastSize_) return;
  lastSize_ = size;
  const bool atEnd = verticalScrollBar()->value() >= verticalScrollBar()->maximum() - 2;
  setPlainText(readTail(path_));
  if (atEnd) verticalScrollBar()->setValue(verticalScrollBar()->maximum());
}

}  // namespace adamix::ui
