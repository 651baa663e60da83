// The `adamix` subcommands; each takes the arguments after its command words and returns an
// exit code (cli_common.h).
// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QStringList>

#include <memory>
#include <optional>

namespace adamix::cli {

int cmdStudyRun(const QStringList& args);
int cmdStudyStatus(const QStringList& args);
int cmdStudyFollow(const QStringList& args);
int cmdStudyCancel(const QStringList& args);
int cmdStudyDelete(const QStringList& args);
int cmdRunsList(const QStringList& args);
int cmdRunEval(const QStringList& args);
int cmdRunPredict(const QStringList& args);
int cmdRunMerge(const QStringList& args);
int cmdRunExport(const QStringList& args);
int cmdRunDelete(const QStringList& args);
int cmdExport(const QStringList& args);
int cmdImport(const QStringList& args);
int cmdAssetsFetch(const QStringList& args);
int cmdAssetsList(const QStringList& args);

}  // namespace adamix::cli

namespace adamix::app {
class Store;
}

namespace adamix::cli {

/// Brings the stored state of runs in flight on a cluster (all studies, or `studyId`'s) up to
/// date: one read of their event logs and of Slurm, each run asked about with the executor
/// settings it was submitted with (app::followSpecFor()). Returns how many runs were asked about.
int refreshClusterRuns(app::Store& store, std::optional<qint64> studyId = std::nullopt);

/// Writes <dir>/<study>.{md,tex,csv} (result pivot) and <dir>/<study>-curves.csv from the store;
/// returns the paths (empty when the study has no finished run; `error` set on a write failure).
QStringList exportStudyTables(app::Store& store, qint64 studyId, const QString& studyName, const QString& dir,
                              QString* error);

}  // namespace adamix::cli
