// SPDX-License-Identifier: GPL-3.0-or-later
#include "cli_common.h"

#include <QCoreApplication>
#include <QDir>
#include <QFileInfo>
#include <QRegularExpression>

#include <cstdio>
#include <limits>
#ifdef Q_OS_UNIX
#include <unistd.h>
#endif

namespace adamix::cli {

QTextStream& out() {
  static QTextStream s(stdout);
  return s;
}

QTextStream& err() {
  static QTextStream s(stderr);
  return s;
}

int parseCommand(QCommandLineParser& parser, const QString& commandWords, const QStringList& args) {
  parser.setSingleDashWordOptionMode(QCommandLineParser::ParseAsLongOptions);
  const QCommandLineOption help = parser.addHelpOption();
  QStringList full{QStringLiteral("adamix")};
  full << args;
  if (!parser.parse(full)) {
    err() << "adamix " << commandWords << ": " << parser.errorText() << "\n"
          << "Try 'adamix " << commandWords << " --help'.\n";
    err().flush();
    return kUsage;
  }
  if (parser.isSet(help)) {
    QString text = parser.helpText();
    // the first line reads "Usage: adamix [options] ..." — name the command too
    text.replace(QRegularExpression(QStringLiteral("^Usage: \\S+")),
                 QStringLiteral("Usage: adamix %1").arg(commandWords));
    out() << text;
    out().flush();
    return kOk;
  }
  return -1;
}

void addDbOption(QCommandLineParser& parser) {
  parser.addOption({QStringLiteral("db"),
                    QStringLiteral("Workspace database (default: $ADAMIX_DB, else ./adamix.sqlite)."),
                    QStringLiteral("PATH")});
}

QString dbPath(const QCommandLineParser& parser) {
  QString p = parser.value(QStringLiteral("db"));
  if (p.isEmpty()) p = qEnvironmentVariable("ADAMIX_DB");
  if (p.isEmpty()) p = QStringLiteral("adamix.sqlite");
  return QFileInfo(p).absoluteFilePath();
}

QString existingDbPath(const QCommandLineParser& parser) {
  const QString db = dbPath(parser);
  if (QFileInfo::exists(db)) return db;
  err() << "adamix: no database at " << db << "\n";
  return QString();
}

bool intOption(const QCommandLineParser& parser, const QString& name, int min, int* value) {
  if (!parser.isSet(name)) return true;
  bool ok = false;
  const int v = parser.value(name).toInt(&ok);
  if (!ok || v < min) {
    // the accepted range, also for a number too large for it (it read "an integer ≥ 0" then)
    err() << "adamix: --" << name << " needs an integer from " << min << " to " << std::numeric_limits<int>::max()
          << ", got '" << parser.value(name) << "'\n";
    err().flush();
    return false;
  }
  *value = v;
  return true;
}

QString formatTable(const QStringList& header, const QList<QStringList>& rows) {
  QList<int> width;
  for (const QString& h : header) width << int(h.size());
  for (const QStringList& r : rows)
    for (int i = 0; i < r.size() && i < width.size(); ++i) width[i] = std::max(width[i], int(r[i].size()));
  auto line = [&](const QStringList& cells) {
    QString s;
    for (int i = 0; i < header.size(); ++i) {
      const QString c = cells.value(i);
      s += i + 1 < header.size() ? c.leftJustified(width[i] + 2) : c;
    }
    return s.trimmed() + '\n';
  };
  QString s = line(header);
  QStringList rule;
  for (int w : width) rule << QString(w, '-');
  s += line(rule);
  for (const QStringList& r : rows) s += line(r);
  return s;
}

QString formatDuration(double seconds) {
  if (!(seconds >= 0)) return QStringLiteral("?");
  const qint64 s = qint64(seconds + 0.5);
  if (s < 60) return QStringLiteral("%1s").arg(s);
  if (s < 3600) return QStringLiteral("%1m %2s").arg(s / 60).arg(s % 60, 2, 10, QChar('0'));
  return QStringLiteral("%1h %2m").arg(s / 3600).arg((s % 3600) / 60, 2, 10, QChar('0'));
}

bool stdoutIsTty() {
#ifdef Q_OS_UNIX
  return ::isatty(STDOUT_FILENO) == 1;
#else
  return false;
#endif
}

}  // namespace adamix::cli
