// Shared helpers of the `adamix` command-line tool: exit codes, option parsing, output.
// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QCommandLineParser>
#include <QList>
#include <QString>
#include <QStringList>
#include <QTextStream>

namespace adamix::cli {

/// Exit codes of `adamix` (documented in docs/cli.md).
enum Exit : int {
  kOk = 0,             ///< success
  kRunsFailed = 1,     ///< study run: some runs ended failed or lost
  kUsage = 2,          ///< bad command line
  kBadInput = 3,       ///< invalid study file, run directory or other input
  kStoreError = 4,     ///< the database cannot be opened, migrated or written
  kAssetError = 5,     ///< an asset is unknown, missing or fails sha256 verification
  kEngineError = 6,    ///< adamix-engine not found or not executable
  kOutputError = 7,    ///< an output file cannot be written
  kInterrupted = 130,  ///< stopped by SIGINT/SIGTERM; runs left resumable
};

QTextStream& out();
QTextStream& err();

/// A command's parser with --help. `commandWords` are e.g. "study run"; `args` are the words
/// after them. Returns -1 to continue, or an exit code (help printed → 0, parse error → 2).
int parseCommand(QCommandLineParser& parser, const QString& commandWords, const QStringList& args);

/// --db PATH (default $ADAMIX_DB, else ./adamix.sqlite).
void addDbOption(QCommandLineParser& parser);
QString dbPath(const QCommandLineParser& parser);
/// dbPath() of a database that must already exist; prints "adamix: no database at PATH" and
/// returns an empty string when it does not (callers exit with kStoreError).
QString existingDbPath(const QCommandLineParser& parser);

/// Reads an integer option in [min, INT_MAX]; returns false (and prints a usage error naming that
/// range) if malformed or out of it.
bool intOption(const QCommandLineParser& parser, const QString& name, int min, int* value);

/// Plain-text table with a header row and aligned columns.
QString formatTable(const QStringList& header, const QList<QStringList>& rows);

/// "1m 05s", "3h 02m", "12s".
QString formatDuration(double seconds);

/// True when stdout is an interactive terminal.
bool stdoutIsTty();

}  // namespace adamix::cli
