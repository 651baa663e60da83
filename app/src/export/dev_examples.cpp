// A run's dev examples read with the engine's loaders.
#include "export/dev_examples.h"

#include "config/run_config.h"
#include "data/glue.h"
#include "data/own_task.h"

#include <QDir>
#include <QFileInfo>
#include <QRegularExpression>

#include <cmath>
#include <filesystem>
#include <limits>
#include <map>
#include <stdexcept>

namespace adamix::app {

namespace {

/// The classification / regression task of a run config (own labels resolved). Throws
/// std::runtime_error for a generation task, and — before it is opened — for the train file an own
/// task's labels are inferred from when it is not a regular file (a FIFO would block the screen,
/// and the engine, which may read a pipe for training, would find it consumed). Its size is not
/// held to the display limit: the engine's table reader bounds it, as when it trains.
TaskConfig classificationTask(const nlohmann::json& runConfig) {
  TaskConfig t = parseRunConfig(runConfig).task;
  if (isGenerationTask(t)) throw std::runtime_error("task " + t.name + " is a generation task");
  if (labelsInferredFromTrain(t)) {
    const QString train = QDir::cleanPath(QString::fromStdString(ownSplitPath(t, "train")));
    if (const QString why = displayFileProblem(train, std::numeric_limits<qint64>::max()); !why.isEmpty())
      throw std::runtime_error(why.toStdString() + " (the train file the task's labels are inferred from)");
  }
  return resolveOwnLabels(std::move(t));
}

QStringList namesOf(const TaskConfig& t, const TaskSpec& spec) {
  if (spec.regression) return {};
  QStringList names;
  for (const std::string& n : spec.class_names.empty() ? spec.label_names : spec.class_names)
    names << QString::fromStdString(n);
  return names;
}

}  // namespace

QStringList devSplitsOf(const nlohmann::json& runConfig) {
  const TaskConfig t = parseRunConfig(runConfig).task;
  if (isGenerationTask(t)) throw std::runtime_error("task " + t.name + " is a generation task");
  // an own task's TaskSpec (taskSpecOf) has the one dev split "dev"; building it would read the
  // train file for an inferred label set
  const std::vector<std::string> splits = isOwnTask(t) ? std::vector<std::string>{"dev"} : taskSpec(t.name).dev_splits;
  QStringList out;
  for (const std::string& s : splits) out << QString::fromStdString(s);
  return out;
}

QString devFileOf(const nlohmann::json& runConfig, const QString& split) {
  const TaskConfig t = parseRunConfig(runConfig).task;
  if (isGenerationTask(t)) throw std::runtime_error("task " + t.name + " is a generation task");
  const std::string name = split.toStdString();
  const std::string path = !isOwnTask(t)
                               ? (std::filesystem::path(t.data_dir) / glueSplitFile(taskSpec(t.name), name)).string()
                               : ownSplitPath(t, name);
  return QDir::cleanPath(QString::fromStdString(path));
}

QStringList labelDisplayNames(const nlohmann::json& runConfig) {
  const TaskConfig t = classificationTask(runConfig);
  return namesOf(t, taskSpecOf(t));
}

DevExamples readDevExamples(const nlohmann::json& runConfig, const QString& splitName) {
  const TaskConfig t = classificationTask(runConfig);
  const TaskSpec spec = taskSpecOf(t);
  const LoadedSplit split = loadTaskSplit(t, splitName.toStdString(), t.bad_rows);
  DevExamples d;
  d.task = QString::fromStdString(t.name);
  d.split = splitName;
  d.path = QDir::cleanPath(QString::fromStdString(split.path));
  d.regression = spec.regression;
  d.labelNames = namesOf(t, spec);
  d.subsampled = t.max_dev_examples > 0 || t.few_shot_k > 0;
  for (const Example& e : split.examples) {
    d.labelByIndex.emplace(static_cast<long long>(e.index), spec.regression ? double(e.score) : double(e.label));
    QString text = QString::fromStdString(e.text_a);
    if (spec.pair) text += kPairSeparator + QString::fromStdString(e.text_b);
    d.textByIndex.emplace(static_cast<long long>(e.index), std::move(text));
  }
  return d;
}

QString displayFileProblem(const QString& path, qint64 maxBytes) {
  const QFileInfo info(path);     // isFile() and size() follow symlinks
  if (!info.exists()) return {};  // the reader names a missing file as before
  if (!info.isFile()) return QStringLiteral("%1: not a regular file").arg(path);
  if (info.size() > maxBytes)
    return QStringLiteral("%1: %2 bytes, over the limit of %3 for display").arg(path).arg(info.size()).arg(maxBytes);
  return {};
}

QString labelText(double value, bool regression, const QStringList& names) {
  if (regression) return QString::number(value, 'f', 3).remove(QRegularExpression(QStringLiteral("\\.?0+$")));
  const long long id = std::llround(value);
  if (id >= 0 && id < names.size()) return names.at(int(id));
  return QString::number(id);
}

}  // namespace adamix::app
