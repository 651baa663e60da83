// SPDX-License-Identifier: GPL-3.0-or-later
#include "monitor/error_text.h"

#include <QObject>

namespace adamix::ui {

QString plainError(const QString& kind, const QString& message, const QString& location) {
  QString what;
  if (kind == QLatin1String("config"))
    what = QObject::tr("The run's settings are invalid");
  else if (kind == QLatin1String("data"))
    what = QObject::tr("A dataset file could not be read");
  else if (kind == QLatin1String("model"))
    what = QObject::tr("The model or its checkpoint could not be loaded");
  else if (kind == QLatin1String("numerical"))
    what = QObject::tr("Training diverged (the loss became NaN or infinite); try a lower learning rate");
  else if (kind == QLatin1String("io"))
    what = QObject::tr("The run directory could not be written (disk full or no permission)");
  else if (kind == QLatin1String("interrupted"))
    what = QObject::tr("The run was interrupted; Resume continues from its last checkpoint");
  else if (kind == QLatin1String("lost"))
    what = QObject::tr("The engine stopped responding and was stopped; Resume continues from its last checkpoint");
  else if (kind == QLatin1String("crashed"))
    what = QObject::tr("The engine process died (killed or out of memory)");
  else if (kind == QLatin1String("launch"))
    what = QObject::tr("The training engine could not be started");
  else if (kind == QLatin1String("cancelled"))
    what = QObject::tr("Cancelled; Resume continues from its last checkpoint");
  else if (kind == QLatin1String("usage"))
    what = QObject::tr("The engine rejected its command line (a bug in the app)");
  else if (kind == QLatin1String("internal"))
    what = QObject::tr("The engine hit an internal error (a bug)");
  else if (kind.isEmpty() && message.isEmpty())
    return {};
  else
    what = QObject::tr("The run failed");
  QString out = what;
  if (!message.isEmpty()) out += QStringLiteral(": ") + message;
  if (!location.isEmpty()) out += QObject::tr(" (at %1)").arg(location);
  if (!out.endsWith(QLatin1Char('.'))) out += QLatin1Char('.');
  return out;
}

}  // namespace adamix::ui
