// Test fixture for the analyses (issue 14): a study whose stored values are chosen so that every
// analysis has a known answer — Pareto fronts, per-module quartiles, Welch t and df, paired
// bootstrap over 10 dev examples, and brushed runs. The numbers are listed in analysis_fixture.cpp.
#pragma once

#include "store/store.h"

#include <QString>

namespace adamix::ui::test {

/// The study file (JSON): tasks sst2 and rte; axes "method" (Adapter, LoRA) and "modules"
/// (M=1, M=4 on /peft/adamix/num_modules); seeds 1, 2, 3: 24 runs.
QByteArray analysisStudyJson();

/// Writes the study and its 24 finished runs (run directories under `runsDir`) with their best dev
/// accuracy (analysisScore()), parameter counts (all rows but "LoRA, M=4"), Adapter M=4's
/// end-of-run evaluations on SST-2 dev (module:0..3, random, ensemble, greedy-soup), and each
/// SST-2 run's predictions/dev.tsv over 10 examples. Returns the study id.
qint64 fillAnalysisStore(app::Store& store, const QString& runsDir);

/// The stored best dev accuracy (a fraction) of a run: task "sst2"/"rte", method "Adapter"/"LoRA",
/// modules 1/4, seed 1..3.
double analysisScore(const QString& task, const QString& method, int modules, int seed);

/// The store id of the run (task, method, modules, seed) of the fixture study.
qint64 analysisRunId(app::Store& store, const QString& task, const QString& method, int modules, int seed);

}  // namespace adamix::ui::test
