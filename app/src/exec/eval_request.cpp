// SPDX-License-Identifier: GPL-3.0-or-later
#include "exec/eval_request.h"

#include "study/task_catalog.h"

#include "export/pivot.h"

#include <QDir>
#include <QFileInfo>
#include <QRegularExpression>

#include <algorithm>

namespace adamix::app {

QStringList exportFormats() {
  return {QStringLiteral("peft"), QStringLiteral("merged-model"), QStringLiteral("adamix")};
}

QStringList inferenceModes() {
  return {QStringLiteral("merged"), QStringLiteral("random"), QStringLiteral("ensemble"), QStringLiteral("module:0")};
}

bool isValidInference(const QString& inference) {
  static const QRegularExpression re(QStringLiteral("^(merged|random|ensemble|module:\\d+)$"));
  return re.match(inference).hasMatch();
}

QStringList testSplitsFor(const QString& task) {
  if (task.compare(QLatin1String("mnli"), Qt::CaseInsensitive) == 0)  // AX: the diagnostic, predicted by MNLI
    return {QStringLiteral("test_matched"), QStringLiteral("test_mismatched"), QStringLiteral("ax")};
  return {QStringLiteral("test")};
}

QStringList splitsFor(const QString& task) {
  QStringList out;
  if (task.compare(QLatin1String("mnli"), Qt::CaseInsensitive) == 0)
    out << QStringLiteral("dev_matched") << QStringLiteral("dev_mismatched");
  else
    out << QStringLiteral("dev");
  return out + testSplitsFor(task);
}

QStringList mergeStrategies() {
  return {QStringLiteral("uniform"), QStringLiteral("greedy-soup"), QStringLiteral("learned")};
}

QStringList evalArgs(const QString& runDir, const EvalRequest& r, const QString& outRoot) {
  auto output = [&](QStringList& args) {
    if (!r.outDir.isEmpty())
      args << QStringLiteral("--out") << QDir(r.outDir).absolutePath();
    else if (!outRoot.isEmpty())
      args << QStringLiteral("--out-root") << QDir(outRoot).absolutePath();
  };
  if (!r.mergeStrategy.isEmpty()) {
    QStringList args{QStringLiteral("merge"), QStringLiteral("--run-dir"), runDir, QStringLiteral("--strategy"),
                     r.mergeStrategy};
    if (r.heldoutExamples > 0) args << QStringLiteral("--heldout-examples") << QString::number(r.heldoutExamples);
    output(args);
    return args;
  }
  QStringList args{QStringLiteral("eval"), QStringLiteral("--run-dir"), runDir};
  if (!r.dataFile.isEmpty())
    args << QStringLiteral("--data") << QFileInfo(r.dataFile).absoluteFilePath();
  else if (!r.split.isEmpty())
    args << QStringLiteral("--split") << r.split;
  if (!r.inference.isEmpty()) args << QStringLiteral("--inference") << r.inference;
  output(args);
  return args;
}

QStringList exportArgs(const QString& runDir, const QString& format, const QString& outDir) {
  return {QStringLiteral("export"), QStringLiteral("--run-dir"), runDir,          QStringLiteral("--format"),
          format,                   QStringLiteral("--out"),     QDir(outDir).absolutePath()};
}

QString artifactBlocker(const RunRecord& run, const QString& dbPath) {
  if (run.status != RunState::Finished)
    return QStringLiteral("run %1 is %2: only finished runs have trained weights")
        .arg(run.id)
        .arg(runStateName(run.status));
  if (run.runDir.isEmpty() || !QFileInfo(run.runDir).isDir()) {
    QString why = QStringLiteral("run %1: its run directory '%2' does not exist").arg(run.id).arg(run.runDir);
    // A moved or renamed workspace: its database names the old folder, its runs folder has the run.
    if (!run.runDir.isEmpty() && !dbPath.isEmpty()) {
      const QFileInfo stored(QDir::cleanPath(run.runDir));  // <old workspace>/runs/<name>
      const QString here = QDir(workspaceRunsDir(dbPath)).filePath(stored.fileName());
      if (!stored.fileName().isEmpty() && QFileInfo(here).isDir())
        why += QStringLiteral(
                   "; this workspace's runs folder has %1 (was the workspace moved or renamed? its "
                   "database names run directories by their absolute paths: move the workspace back to "
                   "%2, or leave a link to it there)")
                   .arg(here, QFileInfo(stored.absolutePath()).absolutePath());
    }
    return why;
  }
  return {};
}

int runModuleCount(const RunRecord& run) {
  const auto peft = run.config.find("peft");
  if (peft == run.config.end() || !peft->is_object()) return 1;
  const auto adamix = peft->find("adamix");
  if (adamix == peft->end() || !adamix->is_object()) return 1;
  const auto n = adamix->find("num_modules");
  return n != adamix->end() && n->is_number_integer() ? std::max(1, n->get<int>()) : 1;
}

QString mergeBlocker(const RunRecord& run, const QString& dbPath) {
  if (QString why = artifactBlocker(run, dbPath); !why.isEmpty()) return why;
  if (runModuleCount(run) < 2)
    return QStringLiteral("run %1 has one module: merging needs an AdaMix run (peft.adamix.num_modules > 1)")
        .arg(run.id);
  if (isGenerationRun(run.config, run.task))
    return QStringLiteral("run %1 is on generation task %2: merge strategies are scored by classification / "
                          "regression metrics")
        .arg(run.id)
        .arg(run.task);
  return {};
}

Evaluation evaluationFromFinished(qint64 runId, const FinishedEvent& f, const EvalRequest& request) {
  Evaluation e;
  e.runId = runId;
  if (!request.dataFile.isEmpty())
    e.dataFile = QFileInfo(request.dataFile).absoluteFilePath();
  else
    e.split = f.split.isEmpty() ? request.split : f.split;
  e.inference = f.inference.isEmpty() ? request.inference : f.inference;
  if (f.bestStep > 0) e.weightsStep = f.bestStep;
  e.examples = f.examples;
  for (const ResultValue& v : f.results)
    if (v.kind == QLatin1String("final")) e.metrics.emplace_back(v.name, v.value);
  e.primaryMetric = f.primaryMetric;
  e.outDir = f.out.isEmpty() ? request.outDir : f.out;
  e.predictions = f.predictions;
  e.submission = f.submission;
  if (const QString strategy = f.strategy.isEmpty() ? request.mergeStrategy : f.strategy; !strategy.isEmpty()) {
    e.inference = strategy;
    if (e.split.isEmpty() && e.dataFile.isEmpty()) e.split = QStringLiteral("dev");  // what a merge is scored on
    e.details["strategy"] = strategy.toStdString();
    e.details["heldout"] = f.heldout;
    if (f.heldoutScore) e.details["heldout_score"] = *f.heldoutScore;
    if (!f.kept.empty()) e.details["kept"] = f.kept;
  }
  if (f.wallS > 0) e.details["wall_s"] = f.wallS;
  return e;
}

Evaluation evaluationFromEvent(qint64 runId, const EvaluationEvent& v) {
  Evaluation e;
  e.runId = runId;
  e.split = v.split;
  e.inference = v.inference;
  if (v.weightsStep > 0) e.weightsStep = v.weightsStep;
  e.examples = v.examples;
  e.metrics = v.metrics;
  e.primaryMetric = v.primaryMetric;
  e.outDir = v.out;
  e.predictions = v.predictions;
  e.details["wall_s"] = v.wallS;
  e.details["end_of_run"] = true;
  return e;
}

}  // namespace adamix::app
