// Side-by-side predictions per dev example (the data behind the GUI's Outputs screen and `adamix
// export --predictions`): generation runs' input, references and each variant's output (the
// engine's predictions/dev.jsonl, docs/nlg.md); classification / regression runs' input text, gold
// label and each variant's predicted label (export/label_predictions.h).
#pragma once

#include "store/store.h"

#include <QString>
#include <QStringList>

#include <optional>
#include <utility>
#include <vector>

namespace adamix::app {

/// What a table compares: generated texts, or predicted labels (classification / regression).
enum class PredictionKind { Generation, Labels };

/// Whether an output matches the gold label (PredictionKind::Labels of a classification task).
enum class Verdict : signed char { Unknown = -1, Wrong = 0, Right = 1 };

struct PredictionRow {
  QString input;
  QStringList references;  ///< generation: the references; labels: the gold label (one entry)
  std::vector<QString> outputs;  ///< one per PredictionTable::columns entry ("" when a run lacks the input)
  /// Labels: one per output (Unknown for regression and a missing output); empty for generation.
  std::vector<Verdict> verdicts;
  long long index = -1;  ///< labels: the example's index in the dev file; -1 for generation
};

struct PredictionTable {
  PredictionKind kind = PredictionKind::Generation;
  QString title;        ///< labels: the task and its dev file ("sst2 · dev.tsv"); "" for generation
  QStringList columns;  ///< variant label of each run
  std::vector<PredictionRow> rows;
  /// Files that could not be read, each "path:line: what" (their runs' columns stay empty).
  QStringList problems;
  /// Labels of a regression task: predicted scores that differ by at most this much agree — a
  /// tenth of the range of the table's gold labels (0.5 on STS-B's 0–5); when every gold label is
  /// the same g, a tenth of max(|g|, 1). 0: outputs agree only when they are equal
  /// (classification, generation).
  double agreementTolerance = 0;
};

/// True when the row's non-empty outputs do not all agree (at least two of them): with `tolerance`
/// 0, when they are not all the same text; with `tolerance` > 0 (regression scores, see
/// PredictionTable::agreementTolerance), when the largest and the smallest number differ by more
/// than `tolerance` or one of them is not finite ("nan", "inf").
bool predictionsDisagree(const PredictionRow& row, double tolerance = 0);

/// Joins `runs` (label, path of a dev.jsonl) on identical input, rows in the first file's order,
/// at most `limit` rows (0 = all). A run whose file is missing, cannot be read, is not a regular
/// file or is over kMaxDisplayFileBytes (never opened) keeps an empty column; lines that are not
/// predictions are skipped. Each is named in the table's problems (a file's first bad line).
PredictionTable loadPredictionTable(const std::vector<std::pair<QString, QString>>& runs, int limit = 0);

/// The finished runs of a study (all when unset) that have a `predictions` artifact: their
/// predictions/dev.jsonl side by side, labelled with the variant (and seed when several).
PredictionTable predictionsFromStore(Store& store, std::optional<qint64> studyId, int limit = 0);

/// Every table of a study (all when unset): the generation runs' (predictionsFromStore) when there
/// are any, then one per dev file of its classification / regression runs (labelPredictionsFromStore:
/// one per dev split, MNLI's dev_matched and dev_mismatched each). Reads the study's runs from the
/// store once for both.
std::vector<PredictionTable> predictionTablesFromStore(Store& store, std::optional<qint64> studyId, int limit = 0);

/// The mark appended to a wrong predicted label in the view and in Markdown.
inline const QString kWrongMark = QStringLiteral("\u2717");

/// Markdown: | Input | References | <variant> … |; references joined by "<br>", each text
/// through markdownEscape(). A labels table: | # | Input | Gold label | <variant> … |, a wrong
/// prediction followed by " ✗".
QString predictionsToMarkdown(const PredictionTable& table);

}  // namespace adamix::app
