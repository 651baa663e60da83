// SPDX-License-Identifier: GPL-3.0-or-later
#include "exec/line_excerpt.h"

namespace adamix::app {

namespace {

/// Length of the valid UTF-8 sequence at bytes[i] and its code point, or 0 when it is not one
/// (a stray continuation byte, a truncated or overlong sequence, a surrogate, > U+10FFFF).
int utf8Sequence(const QByteArray& bytes, qsizetype i, char32_t* cp) {
  const auto b = [&](qsizetype k) { return static_cast<unsigned char>(bytes[k]); };
  const unsigned char lead = b(i);
  if (lead < 0x80) {
    *cp = lead;
    return 1;
  }
  // sequence length, the lead byte's bits, the least code point that needs this length
  const int n = (lead & 0xE0) == 0xC0 ? 2 : (lead & 0xF0) == 0xE0 ? 3 : (lead & 0xF8) == 0xF0 ? 4 : 0;
  if (n == 0) return 0;
  char32_t c = lead & (0x7F >> n);
  const char32_t min = n == 2 ? 0x80 : n == 3 ? 0x800 : 0x10000;
  if (i + n > bytes.size()) return 0;
  for (int k = 1; k < n; ++k) {
    if ((b(i + k) & 0xC0) != 0x80) return 0;
    c = (c << 6) | (b(i + k) & 0x3F);
  }
  if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF)) return 0;
  *cp = c;
  return n;
}

QString hexByte(unsigned char v) { return QStringLiteral("\\x%1").arg(v, 2, 16, QLatin1Char('0')); }

/// How code point `cp` appears between the quotes.
QString shownCodePoint(char32_t cp) {
  switch (cp) {
    case '"': return QStringLiteral("\\\"");
    case '\\': return QStringLiteral("\\\\");
    case '\n': return QStringLiteral("\\n");
    case '\r': return QStringLiteral("\\r");
    case '\t': return QStringLiteral("\\t");
    default: break;
  }
  if (cp < 0x20 || cp == 0x7F) return hexByte(static_cast<unsigned char>(cp));
  if (cp < 0x7F) return QString(QChar(static_cast<char16_t>(cp)));
  if (!QChar::isPrint(cp)) return QStringLiteral("\\u{%1}").arg(static_cast<uint>(cp), 4, 16, QLatin1Char('0'));
  return QString::fromUcs4(&cp, 1);
}

}  // namespace

QString escapedExcerpt(const QByteArray& bytes, int maxChars) {
  QString out = QStringLiteral("\"");
  int used = 0;
  for (qsizetype i = 0; i < bytes.size();) {
    char32_t cp = 0;
    const int n = utf8Sequence(bytes, i, &cp);
    const QString piece = n > 0 ? shownCodePoint(cp) : hexByte(static_cast<unsigned char>(bytes[i]));
    const int width = int(piece.size());
    if (used + width > maxChars) return out + QStringLiteral("\"...");
    out += piece;
    used += width;
    i += n > 0 ? n : 1;
  }
  return out + u'"';
}

}  // namespace adamix::app
