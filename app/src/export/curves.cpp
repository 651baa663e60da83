// Curves export: metric points as CSV.
// SPDX-License-Identifier: GPL-3.0-or-later
#include "export/curves.h"

#include "export/pivot.h"
#include "store/store.h"

#include <stdexcept>

namespace adamix::app {

QString curvesCsvHeader() { return QStringLiteral("run,variant,task,seed,status,step,epoch,split,name,value\n"); }

QString curvesCsvRow(const CurvePoint& p) {
  return csvField(p.run) + u',' + csvField(p.variant) + u',' + csvField(p.task) + u',' + QString::number(p.seed) +
         u',' + csvField(p.status) + u',' + QString::number(p.step) + u',' + QString::number(p.epoch, 'g', 8) + u',' +
         csvField(p.split) + u',' + csvField(p.name) + u',' + QString::number(p.value, 'g', 8) + u'\n';
}

QString curvesToCsv(const CurveSet& curves) {
  QString out = curvesCsvHeader();
  for (const CurvePoint& p : curves.points) out += curvesCsvRow(p);
  return out;
}

qint64 writeCurvesCsv(Store& store, std::optional<qint64> studyId, const QString& split, const QString& name,
                      QIODevice& out) {
  QByteArray buffer = curvesCsvHeader().toUtf8();
  auto flush = [&](qsizetype atLeast) {
    if (buffer.size() < atLeast) return;
    if (out.write(buffer) != buffer.size())
      throw std::runtime_error("cannot write the curves CSV: " + out.errorString().toStdString());
    buffer.clear();
  };
  qint64 written = 0;
  forEachCurvePoint(store, studyId, split, name, [&](const CurvePoint& p) {
    buffer += curvesCsvRow(p).toUtf8();
    ++written;
    flush(1 << 20);
  });
  flush(1);
  return written;
}

}  // namespace adamix::app
