// Writes a custom-painted view (one that draws with a QPainter into a rectangle) to a PNG, PDF or
// SVG file, the formats PlotAdapter::exportTo() writes for QCustomPlot plots.
// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QRect>
#include <QString>

#include <functional>

class QPainter;

namespace adamix::ui {

/// Paints `paint` into a width × height canvas (pixels; points for PDF and SVG) and writes it to
/// `path`: .pdf, .svg (when built with Qt Svg), else PNG. False when the file cannot be written.
bool exportPainting(const QString& path, int width, int height, const std::function<void(QPainter&, const QRect&)>& paint);

}  // namespace adamix::ui
