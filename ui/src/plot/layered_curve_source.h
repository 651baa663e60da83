// The Monitor's curves: the live runs' curves held in memory (SeriesStore, fed by engine events)
// over the stored curves of the runs that are not live, read from the store only as they are
// drawn (StoreCurveSource), so a study of many finished runs is not loaded into memory.
// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "plot/series_store.h"
#include "plot/store_curve_source.h"

#include <QHash>

namespace adamix::ui {

/// A run key's curves come from `live` when it holds the run, else from `stored` under the store
/// id given with setStored().
class LayeredCurveSource : public CurveSource {
 public:
  LayeredCurveSource(const SeriesStore* live, const StoreCurveSource* stored) : live_(live), stored_(stored) {}
  /// Reads run `key` from the store's run `runId` while the live store does not hold it.
  void setStored(const QString& key, qint64 runId) { storedIds_.insert(key, QString::number(runId)); }
  void forget(const QString& key) { storedIds_.remove(key); }
  void clear() { storedIds_.clear(); }

  QStringList metrics(const QString& run) const override;
  std::optional<std::pair<SeriesPoint, SeriesPoint>> curveEnds(const QString& run, const QString& split,
                                                               const QString& name) const override;
  double startTime(const QString& run) const override;
  std::vector<app::SeriesBucket> buckets(const QString& run, const QString& split, const QString& name,
                                         double stepLo, double stepHi, double width,
                                         bool positiveOnly) const override;
  std::vector<SeriesPoint> points(const QString& run, const QString& split, const QString& name, double stepLo,
                                  double stepHi) const override;

 private:
  /// The source holding `run` and its key there.
  std::pair<const CurveSource*, QString> at(const QString& run) const;
  const SeriesStore* live_;
  const StoreCurveSource* stored_;
  QHash<QString, QString> storedIds_;  // run key → store id
};

}  // namespace adamix::ui
