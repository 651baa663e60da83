// Side-by-side generated outputs of generation runs: input, references and each variant's output
// per dev input (the data behind the GUI comparison and `adamix export --predictions`).
// Reads the engine's predictions/dev.jsonl (docs/nlg.md).
#pragma once

#include "store/store.h"

#include <QString>
#include <QStringList>

#include <optional>
#include <utility>
#include <vector>

namespace adamix::app {

struct PredictionRow {
  QString input;
  QStringList references;
  std::vector<QString> outputs;  ///< one per PredictionTable::columns entry ("" when a run lacks the input)
};

struct PredictionTable {
  QStringList columns;  ///< variant label of each run
  std::vector<PredictionRow> rows;
};

/// Joins `runs` (label, path of a dev.jsonl) on identical input, rows in the first file's order,
/// at most `limit` rows (0 = all). Unreadable files or lines are skipped; a run whose file is
/// missing keeps an empty column.
PredictionTable loadPredictionTable(const std::vector<std::pair<QString, QString>>& runs, int limit = 0);

/// The finished runs of a study (all when unset) that have a `predictions` artifact: their
/// predictions/dev.jsonl side by side, labelled with the variant (and seed when several).
PredictionTable predictionsFromStore(Store& store, std::optional<qint64> studyId, int limit = 0);

/// Markdown: | Input | References | <variant> … |; references joined by "<br>", each text
/// through markdownEscape().
QString predictionsToMarkdown(const PredictionTable& table);

}  // namespace adamix::app
