// SPDX-License-Identifier: GPL-3.0-or-later
#include "plot/painting_export.h"

#include <QFileInfo>
#include <QImage>
#include <QPageSize>
#include <QPainter>
#include <QPdfWriter>
#ifdef ADAMIX_HAVE_SVG
#include <QSvgGenerator>
#endif

namespace adamix::ui {

bool exportPainting(const QString& path, int width, int height,
                    const std::function<void(QPainter&, const QRect&)>& paint) {
  const QString suffix = QFileInfo(path).suffix().toLower();
  const QRect rect(0, 0, width, height);
  if (suffix == QLatin1String("pdf")) {
    QPdfWriter pdf(path);
    pdf.setPageSize(QPageSize(QSizeF(width, height), QPageSize::Point));
    pdf.setPageMargins(QMarginsF(0, 0, 0, 0));
    pdf.setResolution(72);  // one point per pixel of the canvas
    QPainter painter;
    if (!painter.begin(&pdf)) return false;
    paint(painter, rect);
    painter.end();
    return QFileInfo(path).size() > 0;
  }
#ifdef ADAMIX_HAVE_SVG
  if (suffix == QLatin1String("svg")) {
    QSvgGenerator svg;
    svg.setFileName(path);
    svg.setSize(rect.size());
    svg.setViewBox(rect);
    QPainter painter;
    if (!painter.begin(&svg)) return false;
    paint(painter, rect);
    painter.end();
    return QFileInfo(path).size() > 0;
  }
#endif
  QImage image(rect.size(), QImage::Format_ARGB32_Premultiplied);
  image.fill(Qt::white);
  QPainter painter(&image);
  painter.setRenderHint(QPainter::Antialiasing);
  paint(painter, rect);
  painter.end();
  return image.save(path);
}

}  // namespace adamix::ui
