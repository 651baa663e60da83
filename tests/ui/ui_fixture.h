// Test fixture: fills a workspace store with a small, fully known study (2 variants × 2 tasks ×
// 2 seeds, curves and results) so GUI tests can check exact table text and plot points.
#pragma once

#include "store/store.h"

#include <QJsonObject>
#include <QString>

#include <optional>

namespace adamix::ui::test {

/// The fixture study's file content (JSON): tasks rte and sst2, variant axis Adapter/AdaMix, seeds 1,2.
QByteArray fixtureStudyJson();
/// Writes the study and 8 finished runs into `store`: each with train/loss points at steps
/// 10..100 (10 points) and dev/accuracy at steps 50 and 100, and best/final results.
/// Returns the study id.
qint64 fillFixtureStore(app::Store& store, const QString& runsDir);
/// A study launched twice with its "AdaMix" variant redefined in between (issue 18): first
/// Adapter (M = 1) and AdaMix (M = 4) with seed 1, then Adapter and AdaMix (M = 8) with seed 2.
/// Finished runs with best dev accuracy (Adapter 0.6, AdaMix 0.7 at M = 4, 0.8 at M = 8) and
/// train/loss points at steps 10, 20 (1/step·10 + accuracy). Returns the study id.
qint64 fillRelaunchedStudy(app::Store& store, const QString& studyFile);
/// A workspace database DIR/unlike.sqlite holding fillRelaunchedStudy() (study file DIR/unlike.json).
/// Returns the database path; `studyId` receives the study's id when given.
QString createRelaunchedWorkspace(const QString& dir, qint64* studyId = nullptr);
/// Adds a run without a config: key, task, variant label (also its "variant" axis when
/// `variantAxis`), seed, state and run directory; `studyId` empty for an imported run. Returns its id.
qint64 addPlainRun(app::Store& store, std::optional<qint64> studyId, const QString& key, const QString& task,
                   const QString& variant, int seed, app::RunState status, const QString& runDir = {},
                   bool variantAxis = false);
/// The best dev accuracy the fixture stores for (task, variant, seed).
double fixtureAccuracy(const QString& task, const QString& variant, int seed);
/// One line of an events.jsonl as the engine writes it (protocol 1.0): `fields` plus event,
/// schema, run and a fixed time; ends with a newline.
QByteArray eventLine(const QString& run, const QString& event, QJsonObject fields);

}  // namespace adamix::ui::test
