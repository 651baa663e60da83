// Side-by-side predicted labels of classification / regression runs: per dev example its input
// text (the run's dev file read as the engine read it, export/dev_examples.h), its gold label and
// each run's prediction, joined on the example index of the runs' predictions/<split>.tsv, one
// per dev split of the task (predictions/dev.tsv; MNLI's dev_matched.tsv and dev_mismatched.tsv),
// and one per stored evaluation kind of a dev split (`adamix run eval --inference ensemble`, …).
// Runs are grouped by dev file: runs of different tasks (or datasets, or dev splits) are never
// joined.
#pragma once

#include "export/predictions.h"
#include "export/result_set.h"
#include "store/store.h"

#include <nlohmann/json.hpp>

#include <QString>

#include <optional>
#include <vector>

namespace adamix::app {

/// One dev split of one run to compare: its column label, predictions/<split>.tsv, run config
/// (its task) and the dev split those predictions are of.
struct LabelRun {
  QString label;
  QString predictions;
  nlohmann::json config;
  QString split = QStringLiteral("dev");  ///< one of devSplitsOf(config); "dev": the task's first
  QStringList problems;  ///< found while finding the run's files (its config.json), shown in its table
  /// Whose predictions: "" the run's own predictions/<split>.tsv (written as its training ended);
  /// else the inference of a stored evaluation of that split ("ensemble", "module:0",
  /// "greedy-soup"), whose predictions.tsv these are. Each source is a table of its own.
  QString source;
};

/// One PredictionKind::Labels table per dev file and source of `runs` (in order of first
/// appearance; an evaluation's table titled "<task> · <dev file> · eval <inference>"), rows
/// in example-index order, at most `limit` rows each (0 = all). A run whose predictions file is
/// bad keeps an empty column (as does one that is not a regular file or is over
/// kMaxDisplayFileBytes: never opened), a dev file that cannot be read (the same) leaves the inputs
/// empty, an index outside the dev file makes no row, an index a file repeats keeps its first row,
/// a predicted class outside the task's labels
/// (or not an integer) an empty cell, a gold label that differs between runs keeps the first
/// run's, and one that differs from the dev file's own label (or a dev file with more or fewer
/// examples than the runs predicted) hides the table's inputs: the file changed since the runs.
/// Each is named in the table's problems ("path:line: what").
std::vector<PredictionTable> loadLabelPredictionTables(const std::vector<LabelRun>& runs, int limit = 0);

/// The finished classification / regression runs of a study (all when unset): each dev split
/// (devSplitsOf) of a run with a predictions folder (predictions/<split>.tsv; one a finished run
/// lacks keeps an empty column, named in the table's problems), and each stored evaluation of a
/// dev split with a predictions file (`adamix run eval`, the GUI's Evaluate, an AdaMix run's
/// end-of-run modes, merges; the latest per split and inference; a file that is gone: the same),
/// labelled with the variant (and
/// seed when a variant has several in the same table), through loadLabelPredictionTables. A run's
/// config is its run directory's config.json (the engine's resolved config), else the store's.
std::vector<PredictionTable> labelPredictionsFromStore(Store& store, std::optional<qint64> studyId, int limit = 0);

/// labelPredictionsFromStore over runs already read from `store`: `records` and `described`
/// (describeRuns(store, records)), in the same order; generation runs are skipped.
std::vector<PredictionTable> labelPredictionTablesOf(Store& store, const std::vector<RunRecord>& records,
                                                     const std::vector<RunResult>& described, int limit = 0);

}  // namespace adamix::app
