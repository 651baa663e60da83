// Log tail: the last lines of a run's stderr.log, refreshed while the run is alive.
// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QPlainTextEdit>
#include <QTimer>

namespace adamix::ui {

/// A read-only text view that follows the end of a file (reads at most the last 64 KiB).
class LogTail : public QPlainTextEdit {
  Q_OBJECT
 public:
  explicit LogTail(QWidget* parent = nullptr);
  /// Follows `path` (empty: shows nothing).
  void setFile(const QString& path);
  QString file() const { return path_; }
  /// The last `maxBytes` of a file as text, starting at a line boundary.
  static QString readTail(const QString& path, qint64 maxBytes = 64 * 1024);

 public slots:
  void reload();

 private:
  QString path_;
  qint64 lastSize_ = -1;
  QTimer timer_;
};

}  // namespace adamix::ui
