// SPDX-License-Identifier: GPL-3.0-or-later
#include "results/significance_text.h"

#include <QLocale>
#include <QObject>

#include <cmath>

namespace adamix::ui {

namespace {

QString num(double v, int decimals) { return std::isfinite(v) ? QString::number(v, 'f', decimals) : QStringLiteral("—"); }

/// "p = 0.0942" as papers print it (3 significant digits), "p < 0.0001" below.
QString pValue(double p) {
  if (!std::isfinite(p)) return QStringLiteral("p = —");
  if (p < 1e-4) return QStringLiteral("p < 0.0001");
  return QStringLiteral("p = ") + QString::number(p, 'g', 3);
}

}  // namespace

QString significanceMarks(const app::analysis::CellSignificance& cell, double alpha) {
  QString marks;
  if (cell.welchSignificant(alpha)) marks += QChar(0x2020);      // †
  if (cell.bootstrapSignificant(alpha)) marks += QChar(0x2021);  // ‡
  return marks;
}

QString significanceTooltip(const app::analysis::CellSignificance& cell, const QString& baseline, int decimals) {
  const int d = decimals + 2;  // differences read finer than the table's cells
  const app::analysis::WelchTest& w = cell.welch;
  QString s = QObject::tr("Against %1:").arg(baseline);
  s += QLatin1Char('\n');
  if (w.defined())
    s += QObject::tr("† Welch's t-test over seeds: n = %1 vs %2, t = %3, df = %4, %5\n"
                     "    difference %6, %7 % CI [%8, %9]")
             .arg(w.nA)
             .arg(w.nB)
             .arg(QString::number(w.t, 'f', 3), QString::number(w.df, 'f', 2), pValue(w.p), num(w.diff, d))
             .arg(std::lround(w.level * 100))
             .arg(num(w.ciLow, d), num(w.ciHigh, d));
  else
    s += QObject::tr("† Welch's t-test over seeds: not defined (n = %1 vs %2;\n"
                     "    it needs 2 seeds on each side and some variance)")
             .arg(w.nA)
             .arg(w.nB);
  s += QLatin1Char('\n');
  if (cell.bootstrap) {
    const app::analysis::BootstrapTest& b = *cell.bootstrap;
    s += QObject::tr("‡ Paired bootstrap over dev examples: difference %1, %2 % CI [%3, %4], %5\n"
                     "    %6 examples, %7 resamples (seed %8)")
             .arg(num(b.observed, d))
             .arg(std::lround(b.level * 100))
             .arg(num(b.ciLow, d), num(b.ciHigh, d), pValue(b.p))
             .arg(b.examples)
             .arg(QLocale(QLocale::English).toString(b.resamples))
             .arg(b.seed);
    if (const QString note = app::analysis::bootstrapSubsetNote(b); !note.isEmpty()) s += QStringLiteral("\n    ") + note;
  } else {
    s += QObject::tr("‡ Paired bootstrap: none — %1").arg(cell.bootstrapNote);
  }
  return s;
}

}  // namespace adamix::ui
