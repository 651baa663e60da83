// A classification / regression run's dev examples as the engine read them: its config's task
// (GLUE layout or own dataset columns, bad-rows policy) loaded with the engine's own loaders
// (data/own_task.h), keyed by the example index that the run's predictions/<split>.tsv names, and
// the names of its labels; the task's dev splits (one predictions file each: dev.tsv; MNLI
// dev_matched.tsv and dev_mismatched.tsv). The input texts of the Outputs screen's label tables
// (export/label_predictions.h).
#pragma once

#include <nlohmann/json.hpp>

#include <QString>
#include <QStringList>

#include <map>

namespace adamix::app {

/// One dev split of one run's task.
struct DevExamples {
  QString task;   ///< the task's name ("sst2", an own task's identifier)
  QString split;  ///< the split ("dev", "dev_matched", ...)
  QString path;   ///< the dev file, as the engine resolves it (data_dir + file name)
  bool regression = false;
  QStringList labelNames;                    ///< class id → shown name (empty for regression)
  std::map<long long, QString> textByIndex;  ///< example index → its text ("a ‖ b" for a pair)
  std::map<long long, double> labelByIndex;  ///< example index → its gold class id, or score (regression)
  bool subsampled = false;  ///< the task's max_dev_examples is set: runs predicted a subset of the file
};

/// The largest predictions or dev file the Outputs screen and `adamix export --predictions` read:
/// both are read whole into memory (the texts held as QStrings, about 2-3x the file), and GLUE's
/// largest dev file (QQP, 40k pairs) is about 5 MB, MNLI's train 0.4 GB; 256 MiB keeps any real
/// dev split while a stray multi-GB file is refused before it is read.
constexpr qint64 kMaxDisplayFileBytes = qint64(256) << 20;

/// Why `path` is not read for display ("" when it may be, and for a missing file: its reader
/// names that): "<path>: not a regular file" for a FIFO, device, socket or directory (symlinks
/// followed: a link to /dev/zero is not one), "<path>: N bytes, over the limit of M for display"
/// above `maxBytes`. Opens nothing.
QString displayFileProblem(const QString& path, qint64 maxBytes = kMaxDisplayFileBytes);

/// The separator shown between the two texts of a sentence-pair example: U+2016 DOUBLE VERTICAL
/// LINE, which DejaVu Sans (Debian's default) draws; the record separator symbol ␞ used before is
/// in none of Debian's default fonts and showed as a box.
inline const QString kPairSeparator = QStringLiteral(" \u2016 ");

/// The dev splits of `runConfig`'s classification / regression task, as the engine names them and
/// its predictions files (predictions/<split>.tsv): the task's TaskSpec::dev_splits ({"dev"};
/// MNLI {"dev_matched", "dev_mismatched"}; an own task {"dev"}). Reads no file. Throws
/// std::runtime_error for a config that does not parse or a generation task.
QStringList devSplitsOf(const nlohmann::json& runConfig);

/// The file of dev split `split` of `runConfig`'s task without reading it: data_dir + the GLUE
/// split file ("dev" is the task's first dev split), or the own task's dev_file. Throws
/// std::runtime_error (the engine's message and JSON path) for a config that does not parse, a
/// generation task or a split the task does not have.
QString devFileOf(const nlohmann::json& runConfig, const QString& split = QStringLiteral("dev"));

/// The task's labels as shown: the own task's label set, MNLI/RTE/QNLI's names, and the class
/// names of GLUE's 0/1 tasks (TaskSpec::class_names: sst2 negative, positive; …). Empty for
/// regression.
QStringList labelDisplayNames(const nlohmann::json& runConfig);

/// Loads dev split `split` of `runConfig`'s classification / regression task with the engine's
/// loader and bad-rows policy (indices as in its predictions/<split>.tsv). Throws
/// std::runtime_error naming the file and line (the engine's Data error) for a missing or
/// malformed dev file, and as devFileOf for a split the task does not have.
DevExamples readDevExamples(const nlohmann::json& runConfig, const QString& split = QStringLiteral("dev"));

/// A class id or regression value of a predictions file as shown: the label's name when `names`
/// has it, else the id; a regression value with at most 3 decimals ("3.25").
QString labelText(double value, bool regression, const QStringList& names);

}  // namespace adamix::app
