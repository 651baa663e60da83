// adamix export
// SPDX-License-Identifier: GPL-3.0-or-later
#include "cli_common.h"
#include "cli_store.h"
#include "commands.h"

#include "analysis/study_analysis.h"
#include "export/curves.h"
#include "export/pivot.h"
#include "export/predictions.h"
#include "export/result_set.h"
#include "exec/run_state.h"
#include "store/store.h"

#include <QFile>
#include <QFileInfo>
#include <QSaveFile>

#include <map>

namespace adamix::cli {

namespace {

/// --curves: streams the points from the store into the file (or stdout) as they are read.
int exportCurves(const QCommandLineParser& p, app::Store& store, std::optional<qint64> studyId) {
  const QString split = p.value("split"), metric = p.value("metric");
  if (!p.isSet("out")) {
    out().flush();
    QFile stdOut;
    if (!stdOut.open(stdout, QIODevice::WriteOnly | QIODevice::Text)) return kOutputError;
    app::writeCurvesCsv(store, studyId, split, metric, stdOut);
    return kOk;
  }
  QSaveFile f(p.value("out"));
  if (!f.open(QIODevice::WriteOnly | QIODevice::Text)) {
    err() << "adamix: cannot write " << p.value("out") << ": " << f.errorString() << "\n";
    return kOutputError;
  }
  try {
    app::writeCurvesCsv(store, studyId, split, metric, f);
  } catch (const app::StoreError&) {
    throw;
  } catch (const std::runtime_error&) {
    err() << "adamix: cannot write " << p.value("out") << ": " << f.errorString() << "\n";
    return kOutputError;
  }
  if (!f.commit()) {
    err() << "adamix: cannot write " << p.value("out") << ": " << f.errorString() << "\n";
    return kOutputError;
  }
  out() << "wrote " << QFileInfo(p.value("out")).absoluteFilePath() << "\n";
  return kOk;
}

/// Why there is no result table to write: "study toy has no finished runs (1 running, 3 failed)",
/// "… has no runs"; "this database …" without a study.
QString noFinishedRuns(app::Store& store, std::optional<qint64> studyId, const QString& studyName) {
  app::RunFilter filter;
  filter.studyId = studyId;
  std::map<app::RunState, int> counts;
  for (const app::RunRecord& r : store.listRuns(filter)) ++counts[r.status];
  QStringList states;
  for (const auto& [state, n] : counts) states << QString::number(n) + u' ' + app::runStateName(state);
  const QString where = studyId ? "study " + studyName : QStringLiteral("this database");
  return states.isEmpty() ? where + " has no runs" : where + " has no finished runs (" + states.join(", ") + ")";
}

}  // namespace

int cmdExport(const QStringList& args) {
  QCommandLineParser p;
  p.setApplicationDescription(
      "Writes the result table of a study (rows: variants, columns: task metrics and their average,\n"
      "mean ± std over seeds) as CSV, Markdown or LaTeX, or its training curves as CSV.");
  addDbOption(p);
  p.addOptions({
      {"format", "csv, md or latex (default md; --curves: csv only).", "F"},
      {"study", "The study (default: the only study in the database, else all runs).", "NAME"},
      {"out", "Output file (default: stdout).", "FILE"},
      {"curves", "Export metric curves instead of the result table."},
      {"split", "With --curves: only this split (train, dev, …).", "S"},
      {"metric", "With --curves: only this metric (loss, accuracy, …).", "M"},
      {"kind", "Which results: best (best dev evaluation, default) or final.", "K"},
      {"decimals", "Decimals in the table (default 1).", "N"},
      {"predictions", "Per dev example the input, reference/gold label and each run's output/prediction, side by "
                      "side (md): generation, classification and regression runs."},
      {"limit", "With --predictions: at most N inputs (default 10; 0 = all).", "N"},
      {"baseline", "Mark each cell's significance against this row (its labels joined by ', ', e.g. "
                   "'Adapter'): † Welch's t-test over seeds, ‡ paired bootstrap over dev examples; "
                   "md/latex marks and a legend, csv p-value columns.", "ROW"},
      {"alpha", "With --baseline: the significance level (default 0.05).", "P"},
      {"resamples", "With --baseline: bootstrap resamples (default 10000; 0 = no bootstrap).", "N"},
      {"seed", "With --baseline: the bootstrap's seed (default 1).", "N"},
  });
  if (int rc = parseCommand(p, "export", args); rc >= 0) return rc;
  if (!p.positionalArguments().isEmpty()) {
    err() << "adamix export: unexpected argument '" << p.positionalArguments().first() << "'\n";
    return kUsage;
  }
  const QString format = p.value("format").isEmpty() ? (p.isSet("curves") ? "csv" : "md") : p.value("format").toLower();
  if (!QStringList{"csv", "md", "markdown", "latex", "tex"}.contains(format)) {
    err() << "adamix export: --format must be csv, md or latex\n";
    return kUsage;
  }
  if (p.isSet("predictions") && format != "md" && format != "markdown") {
    err() << "adamix export: predictions are exported as md only\n";
    return kUsage;
  }
  if (p.isSet("curves") && format != "csv") {
    err() << "adamix export: curves are exported as csv only\n";
    return kUsage;
  }
  const QString kind = p.value("kind").isEmpty() ? QStringLiteral("best") : p.value("kind");
  if (kind != "best" && kind != "final") {
    err() << "adamix export: --kind must be best or final\n";
    return kUsage;
  }
  int decimals = 1;
  if (!intOption(p, "decimals", 0, &decimals)) return kUsage;
  int limit = 10;
  if (!intOption(p, "limit", 0, &limit)) return kUsage;
  app::analysis::SignificanceOptions so;
  if (!intOption(p, "resamples", 0, &so.resamples)) return kUsage;
  if (!p.isSet("resamples")) so.resamples = 10000;
  so.bootstrap = so.resamples > 0;
  int seed = 1;
  if (!intOption(p, "seed", 0, &seed)) return kUsage;
  so.seed = std::uint64_t(seed);
  if (p.isSet("alpha")) {
    bool ok = false;
    so.alpha = p.value("alpha").toDouble(&ok);
    if (!ok || !(so.alpha > 0 && so.alpha < 1)) {
      err() << "adamix export: --alpha must be a number between 0 and 1\n";
      return kUsage;
    }
  }
  if (p.isSet("baseline") && (p.isSet("curves") || p.isSet("predictions"))) {
    err() << "adamix export: --baseline marks result tables only\n";
    return kUsage;
  }
  app::Store store;
  if (!openStore(p, store, true)) return kStoreError;
  QString text;
  try {
    std::optional<qint64> studyId;
    QString studyName;
    if (p.isSet("study")) {
      const auto s = findStudyOrFail(store, p.value("study"));
      if (!s) return kBadInput;
      studyId = s->id;
      studyName = s->name;
    } else if (const auto all = store.listStudies(); all.size() == 1) {
      studyId = all.front().id;
      studyName = all.front().name;
    }
    if (p.isSet("curves")) return exportCurves(p, store, studyId);
    if (p.isSet("predictions")) {
      const std::vector<app::PredictionTable> tables = app::predictionTablesFromStore(store, studyId, limit);
      if (tables.empty()) {  // nothing to export: say so, as the GUI's Outputs view does
        err() << "adamix export: no runs with predictions "
              << (studyId ? "in this study" : "in this database")
              << " (finished generation runs write predictions/dev.jsonl, classification and regression runs "
                 "predictions/dev.tsv, MNLI predictions/dev_matched.tsv and dev_mismatched.tsv); nothing exported\n";
        return kBadInput;
      }
      // one table per kind of run and dev file; a labels table under a heading naming its task
      for (const app::PredictionTable& table : tables) {
        for (const QString& problem : table.problems) err() << "adamix export: warning: " << problem << "\n";
        if (!text.isEmpty()) text += u'\n';
        if (!table.title.isEmpty()) text += QStringLiteral("## ") + table.title + QStringLiteral("\n\n");
        text += app::predictionsToMarkdown(table);
      }
    } else {
      app::PivotOptions po;
      po.kind = kind;
      po.decimals = decimals;
      const app::ResultSet results = app::resultSetFromStore(store, studyId);
      // nothing to tabulate: say so (as `study run` does) rather than write an empty table
      if (results.runs.empty()) {
        err() << "adamix export: " << noFinishedRuns(store, studyId, studyName) << "; nothing exported\n";
        return kBadInput;
      }
      const app::PivotTable t = app::buildPivot(results, po);
      if (t.columns.empty()) {
        err() << "adamix export: " << (studyId ? "the finished runs of study " + studyName : "the finished runs")
              << " have no " << kind << " results" << (kind == "best" ? " (--kind final: their final results)" : "")
              << "; nothing exported\n";
        return kBadInput;
      }
      std::optional<app::analysis::SignificanceTable> sig;
      if (p.isSet("baseline")) {
        const auto row = app::analysis::findRow(t, p.value("baseline"));
        if (!row) {
          QStringList rows;
          for (const QStringList& l : t.rowLabels) rows << "'" + l.join(", ") + "'";
          err() << "adamix export: --baseline '" << p.value("baseline") << "' is not a row of the table (rows: "
                << rows.join(", ") << ")\n";
          return kBadInput;
        }
        so.baselineRow = *row;
        sig = app::analysis::significance(t, results, so);
      }
      const app::PivotMarks marks = sig ? app::analysis::significanceMarks(*sig) : app::PivotMarks{};
      const app::PivotMarks* m = sig ? &marks : nullptr;
      text = format == "csv"                            ? (sig ? app::analysis::significanceToCsv(t, *sig) : app::pivotToCsv(t))
             : (format == "md" || format == "markdown") ? app::pivotToMarkdown(t, m)
                                                        : app::pivotToLatex(t, m);
    }
  } catch (const std::exception& e) {
    return storeFailure(store, e);
  }
  if (!p.isSet("out")) {
    out() << text;
    return kOk;
  }
  QSaveFile f(p.value("out"));
  if (!f.open(QIODevice::WriteOnly | QIODevice::Text) || f.write(text.toUtf8()) < 0 || !f.commit()) {
    err() << "adamix: cannot write " << p.value("out") << ": " << f.errorString() << "\n";
    return kOutputError;
  }
  out() << "wrote " << QFileInfo(p.value("out")).absoluteFilePath() << "\n";
  return kOk;
}

}  // namespace adamix::cli
