// The database side of `adamix` commands: open the --db store, find the --study, and report
// failures the same way in every command.
// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "store/store.h"

#include <QCommandLineParser>

#include <exception>
#include <optional>

namespace adamix::cli {

/// Opens the --db database into `store`. `mustExist`: fail when there is no database yet
/// (commands that only read); else its folder and file are created. On failure prints why
/// ("adamix: no database at PATH" or "adamix: database PATH: …") and returns false: exit with
/// kStoreError.
bool openStore(const QCommandLineParser& parser, app::Store& store, bool mustExist);

/// The study called `name`; nullopt after printing "adamix: no study named 'NAME' in DB": exit
/// with kBadInput.
std::optional<app::StudyRecord> findStudyOrFail(app::Store& store, const QString& name);

/// The run that `text` names: its database id (the first column of `runs list`), else the unique
/// run whose config hash starts with it (the `key` column), else the run whose config run_id it is;
/// nullopt after printing why (no such run, or an ambiguous prefix): exit with kBadInput.
std::optional<app::RunRecord> findRunOrFail(app::Store& store, const QString& text);

/// Prints "adamix: database PATH: WHAT" for a failed store operation; returns kStoreError.
int storeFailure(const app::Store& store, const std::exception& e);

}  // namespace adamix::cli
