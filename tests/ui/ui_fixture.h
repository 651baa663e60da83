// Test fixture: fills a workspace store with a small, fully known study (2 variants × 2 tasks ×
// 2 seeds, curves and results) so GUI tests can check exact table text and plot points.
#pragma once

#include "store/store.h"

#include <QString>

namespace adamix::ui::test {

/// The fixture study's file content (JSON): tasks rte and sst2, variant axis Adapter/AdaMix, seeds 1,2.
QByteArray fixtureStudyJson();
/// Writes the study and 8 finished runs into `store`: each with train/loss points at steps
/// 10..100 (10 points) and dev/accuracy at steps 50 and 100, and best/final results.
/// Returns the study id.
qint64 fillFixtureStore(app::Store& store, const QString& runsDir);
/// The best dev accuracy the fixture stores for (task, variant, seed).
double fixtureAccuracy(const QString& task, const QString& variant, int seed);

}  // namespace adamix::ui::test
