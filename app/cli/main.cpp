// `adamix`: the headless command-line front end of AdaMix Studio (docs/cli.md).
// SPDX-License-Identifier: GPL-3.0-or-later
#include "adamix_version.h"
#include "cli_common.h"
#include "commands.h"

#include <QCoreApplication>

using namespace adamix::cli;

namespace {

const char* kUsageText =
    "Usage: adamix COMMAND [options]\n"
    "\n"
    "Commands:\n"
    "  study run FILE      train a study's runs and export its result tables\n"
    "  study status        runs per status for each study\n"
    "  study follow STUDY  follow a study's runs on Slurm until they end\n"
    "  study cancel STUDY  cancel a study's runs on Slurm (scancel)\n"
    "  study delete STUDY  delete a study, its runs and their run directories (asks first)\n"
    "  runs list           the runs in the database\n"
    "  run eval RUN        evaluate a finished run on a split or data file (stored beside its results)\n"
    "  run predict RUN     predict its task's test split(s): GLUE submission file\n"
    "  run merge RUN       merge an AdaMix run's modules anew (greedy soup, learned weights), scored on dev\n"
    "  run export RUN      write its weights as peft, merged-model or adamix\n"
    "  run delete RUN...   delete runs, their data and their run directories (asks first)\n"
    "  export              result tables (csv, md, latex) or training curves (csv)\n"
    "  import RUN_DIR      add a run trained elsewhere (config.json + events.jsonl)\n"
    "  assets fetch NAME   fetch and verify assets (GLUE tasks, models, vocabularies)\n"
    "  assets list         the assets the manifest knows\n"
    "\n"
    "'adamix COMMAND --help' describes a command's options. Exit codes: docs/cli.md.\n";

/// The usage lines of the commands of `group` ("study", "runs", "run", "assets"); "" for no such group.
QString groupUsage(const QString& group) {
  QStringList lines;
  for (const QString& line : QString::fromLatin1(kUsageText).split(QLatin1Char('\n')))
    if (line.startsWith(QStringLiteral("  ") + group + QLatin1Char(' '))) lines << line;
  if (lines.isEmpty()) return {};
  return QStringLiteral(
             "Usage: adamix %1 SUBCOMMAND [options]\n\nSubcommands:\n%2\n\n'adamix %1 SUBCOMMAND --help' "
             "describes a subcommand's options.\n")
      .arg(group, lines.join(QLatin1Char('\n')));
}

}  // namespace

int main(int argc, char** argv) {
  QCoreApplication app(argc, argv);
  QCoreApplication::setApplicationName(QStringLiteral("adamix"));
  QCoreApplication::setApplicationVersion(QStringLiteral(ADAMIX_VERSION));
  const QStringList args = app.arguments().mid(1);
  const QString a0 = args.value(0);
  const QString a1 = args.value(1);
  if (a0.isEmpty() || a0 == "--help" || a0 == "-h" || a0 == "help") {
    out() << kUsageText;
    return a0.isEmpty() ? kUsage : kOk;
  }
  if (a0 == "--version") {
    out() << "adamix " << ADAMIX_VERSION << "\n";
    return kOk;
  }
  if (a0 == "study" && a1 == "run") return cmdStudyRun(args.mid(2));
  if (a0 == "study" && a1 == "status") return cmdStudyStatus(args.mid(2));
  if (a0 == "study" && a1 == "follow") return cmdStudyFollow(args.mid(2));
  if (a0 == "study" && a1 == "cancel") return cmdStudyCancel(args.mid(2));
  if (a0 == "study" && a1 == "delete") return cmdStudyDelete(args.mid(2));
  if (a0 == "runs" && a1 == "list") return cmdRunsList(args.mid(2));
  if (a0 == "run" && a1 == "eval") return cmdRunEval(args.mid(2));
  if (a0 == "run" && a1 == "predict") return cmdRunPredict(args.mid(2));
  if (a0 == "run" && a1 == "merge") return cmdRunMerge(args.mid(2));
  if (a0 == "run" && a1 == "export") return cmdRunExport(args.mid(2));
  if (a0 == "run" && a1 == "delete") return cmdRunDelete(args.mid(2));
  if (a0 == "export") return cmdExport(args.mid(1));
  if (a0 == "import") return cmdImport(args.mid(1));
  if (a0 == "assets" && a1 == "fetch") return cmdAssetsFetch(args.mid(2));
  if (a0 == "assets" && a1 == "list") return cmdAssetsList(args.mid(2));
  // a command group without (or with --help instead of) its subcommand: the group's usage
  if (const QString usage = groupUsage(a0); !usage.isEmpty() && (a1.isEmpty() || a1 == "--help" || a1 == "-h")) {
    (a1.isEmpty() ? err() : out()) << usage;
    return a1.isEmpty() ? kUsage : kOk;
  }
  err() << "adamix: unknown command '" << (a1.isEmpty() || a1.startsWith('-') ? a0 : a0 + ' ' + a1) << "'\n\n"
        << kUsageText;
  return kUsage;
}
