// SPDX-License-Identifier: GPL-3.0-or-later
#include "workspace/status_icons.h"

#include <QHash>
#include <QObject>
#include <QPainter>
#include <QPainterPath>
#include <QPixmap>

namespace adamix::ui {

QColor statusColor(app::RunState s) {
  using S = app::RunState;
  switch (s) {
    case S::Queued: return QColor(0x8a, 0x8f, 0x98);
    case S::Running: return QColor(0x1f, 0x77, 0xb4);
    case S::Finished: return QColor(0x2c, 0xa0, 0x2c);
    case S::Failed: return QColor(0xd6, 0x27, 0x28);
    case S::Cancelled: return QColor(0xe0, 0x8a, 0x1e);
    case S::Lost: return QColor(0x94, 0x67, 0xbd);
    case S::Interrupted: return QColor(0xc9, 0xa2, 0x27);
  }
  return Qt::gray;
}

QString statusExplanation(app::RunState s) {
  using S = app::RunState;
  switch (s) {
    case S::Queued: return QObject::tr("Waiting for a free slot in the run queue.");
    case S::Running: return QObject::tr("The engine process is training this run now.");
    case S::Finished: return QObject::tr("Training and evaluation completed; results are stored.");
    case S::Failed: return QObject::tr("The engine stopped with an error; see the run's error and log.");
    case S::Cancelled: return QObject::tr("Stopped on request; it can be resumed from its last checkpoint.");
    case S::Lost: return QObject::tr("The engine went silent or vanished; it can be resumed from its last checkpoint.");
    case S::Interrupted: return QObject::tr("The app exited while this run was training; it can be resumed.");
  }
  return {};
}

QIcon statusIcon(app::RunState s) {
  static QHash<int, QIcon> cache;
  auto it = cache.constFind(int(s));
  if (it != cache.constEnd()) return *it;
  QIcon icon;
  for (int size : {16, 32}) {
    QPixmap pm(size, size);
    pm.fill(Qt::transparent);
    QPainter p(&pm);
    p.setRenderHint(QPainter::Antialiasing);
    const double k = size / 16.0;
    const QColor c = statusColor(s);
    p.setPen(Qt::NoPen);
    p.setBrush(c);
    if (s == app::RunState::Queued) {
      p.setPen(QPen(c, 2 * k));
      p.setBrush(Qt::NoBrush);
    }
    p.drawEllipse(QRectF(1.5 * k, 1.5 * k, 13 * k, 13 * k));
    QPen white(Qt::white, 1.8 * k, Qt::SolidLine, Qt::RoundCap, Qt::RoundJoin);
    p.setPen(white);
    p.setBrush(Qt::NoBrush);
    using S = app::RunState;
    switch (s) {
      case S::Finished: {
        QPainterPath path;
        path.moveTo(4.5 * k, 8.2 * k);
        path.lineTo(7 * k, 10.6 * k);
        path.lineTo(11.5 * k, 5.6 * k);
        p.drawPath(path);
        break;
      }
      case S::Failed:
        p.drawLine(QPointF(5.5 * k, 5.5 * k), QPointF(10.5 * k, 10.5 * k));
        p.drawLine(QPointF(10.5 * k, 5.5 * k), QPointF(5.5 * k, 10.5 * k));
        break;
      case S::Running: {
        p.setPen(Qt::NoPen);
        p.setBrush(Qt::white);
        QPolygonF tri;
        tri << QPointF(6 * k, 4.8 * k) << QPointF(11.2 * k, 8 * k) << QPointF(6 * k, 11.2 * k);
        p.drawPolygon(tri);
        break;
      }
      case S::Cancelled: p.drawLine(QPointF(5 * k, 8 * k), QPointF(11 * k, 8 * k)); break;
      case S::Lost:
        p.drawLine(QPointF(8 * k, 4.5 * k), QPointF(8 * k, 8.8 * k));
        p.drawPoint(QPointF(8 * k, 11.2 * k));
        break;
      case S::Interrupted:
        p.drawLine(QPointF(6.3 * k, 5 * k), QPointF(6.3 * k, 11 * k));
        p.drawLine(QPointF(9.7 * k, 5 * k), QPointF(9.7 * k, 11 * k));
        break;
      case S::Queued: break;
    }
    p.end();
    icon.addPixmap(pm);
  }
  cache.insert(int(s), icon);
  return icon;
}

}  // namespace adamix::ui
