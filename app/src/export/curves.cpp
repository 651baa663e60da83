// Curves export: metric points as CSV.
#include "export/curves.h"

#include "export/pivot.h"

namespace adamix::app {

QString curvesToCsv(const CurveSet& curves) {
  QString out = QStringLiteral("run,variant,task,seed,step,epoch,split,name,value\n");
  for (const CurvePoint& p : curves.points) {
    out += csvField(p.run) + u',' + csvField(p.variant) + u',' + csvField(p.task) + u',' + QString::number(p.seed) +
           u',' + QString::number(p.step) + u',' + QString::number(p.epoch, 'g', 8) + u',' + csvField(p.split) + u',' +
           csvField(p.name) + u',' + QString::number(p.value, 'g', 8) + u'\n';
  }
  return out;
}

}  // namespace adamix::app
