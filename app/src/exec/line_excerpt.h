// A short, terminal-safe excerpt of an untrusted line (an engine event log, stdout of a process)
// for messages: raw bytes of a crafted or corrupt file never reach a terminal or a log verbatim.
// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QByteArray>
#include <QString>

namespace adamix::app {

/// `bytes` as a double-quoted string of at most `maxChars` characters between the quotes (then
/// "..." after the closing quote): printable UTF-8 text stays as it is; `"` and `\` are escaped,
/// \n \r \t as such, other control and format characters (ESC, C1 controls, bidi overrides) as
/// \xNN or \u{NNNN}, and bytes that are not valid UTF-8 as \xNN. An escape counts its full length.
QString escapedExcerpt(const QByteArray& bytes, int maxChars = 80);

}  // namespace adamix::app
