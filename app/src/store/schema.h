// SQLite schema of the workspace store: the v1 text (kept verbatim so tests can build a v1
// database) and the ordered migrations v(n-1) → v(n).
#pragma once

#include <QStringList>

namespace adamix::app::schema {

/// Schema version written by this build (PRAGMA user_version).
constexpr int kCurrentVersion = 11;

/// Statements creating the version-1 schema (the first released layout), one per entry.
QStringList v1Statements();

/// Statements migrating from version `to - 1` to `to` (2 ≤ to ≤ kCurrentVersion).
QStringList migrationStatements(int to);

}  // namespace adamix::app::schema
