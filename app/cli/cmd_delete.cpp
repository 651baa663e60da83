// adamix run delete RUN... / adamix study delete STUDY: remove runs (or a study with its runs),
// their rows and their run directories inside the workspace's runs folder, after a confirmation.
// SPDX-License-Identifier: GPL-3.0-or-later
#include "cli_common.h"
#include "cli_store.h"
#include "commands.h"

#include "exec/study_runner.h"
#include "store/run_deletion.h"

#include <QDir>

#include <cstdio>
#include <functional>
#include <optional>

namespace adamix::cli {

namespace {

void addDeleteOptions(QCommandLineParser& p) {
  addDbOption(p);
  p.addOption({{"y", "yes"}, "Delete without asking."});
}

/// Prints the plan and asks on stdin; true for "y" / "yes".
bool confirm(const app::RunDeletion& plan) {
  out() << "Delete " << plan.subject() << "?\n" << plan.describe().join('\n') << "\nDelete? [y/N] ";
  out().flush();
  QTextStream in(stdin);
  const QString answer = in.readLine().trimmed().toLower();
  return answer == QLatin1String("y") || answer == QLatin1String("yes");
}

/// Asks (unless --yes), deletes and reports. Exit code.
int carryOut(app::Store& store, const app::RunDeletion& plan, const QCommandLineParser& p, const QString& words) {
  if (plan.refused()) {
    err() << "adamix " << words << ": refused, nothing deleted:\n" << plan.describe().join('\n') << "\n"
          << "Cancel the queued or running runs first (Ctrl-C the 'adamix study run' that runs them, or "
             "Cancel in the GUI's Monitor).\n";
    return kBadInput;
  }
  if (!p.isSet("yes") && !confirm(plan)) {
    out() << "nothing deleted\n";
    return kRunsFailed;
  }
  const QString runsDir = app::workspaceRunsDir(store.path());
  app::DeletionOutcome done;
  try {
    done = app::deleteRunsAndDirectories(store, plan, runsDir);
  } catch (const app::RunBusyError& e) {
    err() << "adamix " << words << ": " << e.what() << "; nothing deleted\n";
    return kBadInput;
  } catch (const std::exception& e) {
    return storeFailure(store, e);
  }
  out() << "deleted " << plan.subject() << ": " << app::rowCountsText(done.rows) << "\n";
  for (const QString& dir : done.removedDirs) out() << "removed " << dir << "\n";
  for (const app::KeptPath& k : done.kept) out() << "kept " << k.path << " (" << k.reason << ")\n";
  return kOk;
}

/// Opens the store, marks runs of dead processes interrupted, makes the plan with `makePlan`
/// (nullopt: it reported the problem, exit kBadInput) and carries it out. Exit code.
int planAndCarryOut(const QCommandLineParser& p, const QString& words,
                    const std::function<std::optional<app::RunDeletion>(app::Store&)>& makePlan) {
  app::Store store;
  if (!openStore(p, store, true)) return kStoreError;
  std::optional<app::RunDeletion> plan;
  try {
    app::StudyRunner::markDeadRunsInterrupted(store, app::kDefaultHeartbeatTimeoutS);
    plan = makePlan(store);
  } catch (const std::exception& e) {
    return storeFailure(store, e);
  }
  return plan ? carryOut(store, *plan, p, words) : kBadInput;
}

}  // namespace

int cmdRunDelete(const QStringList& args) {
  QCommandLineParser p;
  p.setApplicationDescription(
      "Deletes runs: their rows (metric points, results, artifacts, evaluations) and their run directories "
      "inside the workspace's runs folder (<db dir>/runs); directories elsewhere are kept. Queued and running "
      "runs are refused: cancel them first. Asks for confirmation unless --yes.");
  addDeleteOptions(p);
  p.addPositionalArgument("RUN", "Run id (first column of 'adamix runs list') or config hash prefix.", "RUN...");
  if (int rc = parseCommand(p, "run delete", args); rc >= 0) return rc;
  if (p.positionalArguments().isEmpty()) {
    err() << "adamix run delete: give at least one RUN (its id or config hash prefix)\n";
    return kUsage;
  }
  return planAndCarryOut(p, "run delete", [&](app::Store& store) -> std::optional<app::RunDeletion> {
    std::vector<qint64> ids;
    for (const QString& text : p.positionalArguments()) {
      const auto run = findRunOrFail(store, text);
      if (!run) return std::nullopt;
      ids.push_back(run->id);
    }
    return app::planRunDeletion(store, ids, app::workspaceRunsDir(store.path()));
  });
}

int cmdStudyDelete(const QStringList& args) {
  QCommandLineParser p;
  p.setApplicationDescription(
      "Deletes a study with all its runs (as 'adamix run delete'); the study file is kept. Refused while one "
      "of its runs is queued or running. Asks for confirmation unless --yes.");
  addDeleteOptions(p);
  p.addPositionalArgument("STUDY", "The study's name (see 'adamix study status').", "STUDY");
  if (int rc = parseCommand(p, "study delete", args); rc >= 0) return rc;
  if (p.positionalArguments().size() != 1) {
    err() << "adamix study delete: give exactly one STUDY name\n";
    return kUsage;
  }
  return planAndCarryOut(p, "study delete", [&](app::Store& store) -> std::optional<app::RunDeletion> {
    const auto study = findStudyOrFail(store, p.positionalArguments().first());
    if (!study) return std::nullopt;
    return app::planStudyDeletion(store, study->id, app::workspaceRunsDir(store.path()));
  });
}

}  // namespace adamix::cli
