// What the app asks of `adamix-engine eval` / `export` for a stored run (docs/protocol.md), the
// engine command lines for it, and the Evaluation row a finished eval becomes.
// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "exec/engine_events.h"
#include "store/store.h"

#include <QString>
#include <QStringList>

#include <vector>

namespace adamix::app {

/// One evaluation of a run's saved weights: a split of its task, or a data file in the task's layout.
struct EvalRequest {
  QString split;      ///< dev, test, dev_matched, …; empty with `dataFile`
  QString dataFile;   ///< a file in the task's layout; empty with `split`
  QString inference;  ///< merged | random | module:K | ensemble; empty: the run's own setting
  QString outDir;     ///< empty: the engine's default RUN/eval/<split>-<inference>/
  /// Non-empty: `adamix-engine merge` with this strategy (uniform | greedy-soup | learned) instead
  /// of `eval`: the run's modules merged anew, without retraining, scored on its dev set; stored
  /// as an evaluation whose inference is the strategy. `split`, `dataFile`, `inference` unused.
  QString mergeStrategy;
  int heldoutExamples = 0;  ///< merge: train examples the strategy is fitted on (0: the engine's default)
};

/// The merge strategies of `adamix-engine merge`: uniform (the paper's averaging), greedy-soup
/// (Wortsman et al. 2022), learned (softmax weights per projection fitted on held-out data).
QStringList mergeStrategies();

/// The export formats of `adamix-engine export`.
QStringList exportFormats();
/// The inference modes `--inference` accepts, for choosers: merged, random, ensemble, module:0.
QStringList inferenceModes();
/// True for merged, random, ensemble and module:K (K a non-negative integer).
bool isValidInference(const QString& inference);

/// The GLUE test splits of a task that `predict` evaluates: MNLI test_matched, test_mismatched
/// and ax (the diagnostic set the benchmark has MNLI models predict), every other task "test".
QStringList testSplitsFor(const QString& task);
/// The evaluation splits a task offers in choosers: its dev split(s), then its test split(s).
QStringList splitsFor(const QString& task);

/// `eval --run-dir RUN [--split S | --data F] [--inference I] [--out DIR | --out-root ROOT]`, or for a
/// merge `merge --run-dir RUN --strategy S [--heldout-examples N] [--out DIR | --out-root ROOT]`.
/// `outRoot` (ownRunDirFor(): the run's directory lies in another workspace) takes RUN's place in
/// the engine's default output path when the request names no output directory.
QStringList evalArgs(const QString& runDir, const EvalRequest& request, const QString& outRoot = {});
/// `export --run-dir RUN --format F --out DIR`.
QStringList exportArgs(const QString& runDir, const QString& format, const QString& outDir);

/// Why a stored run cannot be evaluated or exported ("" when it can): it must be finished and
/// have its run directory. With `dbPath` (the workspace database the run is stored in), a missing
/// run directory whose name is a directory of this workspace's runs folder (workspaceRunsDir():
/// the workspace was moved or renamed, its database still names the old absolute paths) is
/// pointed out; the run is not switched to it.
QString artifactBlocker(const RunRecord& run, const QString& dbPath = {});

/// The number of AdaMix modules M of a stored run (config peft.adamix.num_modules; 1 when absent).
int runModuleCount(const RunRecord& run);

/// Why `adamix-engine merge` cannot merge this run's modules ("" when it can): artifactBlocker's
/// reasons (`dbPath` as there), a run with one module (nothing to merge), or a generation task (the soups are scored by
/// classification / regression metrics; the engine refuses them: engine/src/artifacts/run_merge.cpp).
QString mergeBlocker(const RunRecord& run, const QString& dbPath = {});

/// The evaluation a `finished` event of `eval` reports, for run `runId` (the data file, if any,
/// from the request). Metrics: the event's `final` values.
/// A merge's `finished` (`adamix-engine merge`) becomes an evaluation whose inference is the
/// strategy's name and whose details hold "strategy", "heldout", "heldout_score", "kept" (greedy soup)
/// and "wall_s".
Evaluation evaluationFromFinished(qint64 runId, const FinishedEvent& finished, const EvalRequest& request);

/// The evaluation an end-of-run `evaluation` event reports for run `runId` (details: "wall_s").
Evaluation evaluationFromEvent(qint64 runId, const EvaluationEvent& event);

}  // namespace adamix::app
