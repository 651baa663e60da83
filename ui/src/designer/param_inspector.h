// Parameter counts per variant: runs `adamix-engine inspect MODEL --config run.json --json` in the
// background through the app's EngineClient, one call at a time, with a cache keyed by the PEFT-relevant config.
// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "exec/engine_client.h"

#include <nlohmann/json.hpp>

#include <QHash>
#include <QObject>
#include <QQueue>
#include <QTemporaryDir>

#include <memory>

namespace adamix::ui {

/// Trainable and inference PEFT parameter counts of a config (or why they are unknown).
struct ParamCounts {
  qint64 trainablePeft = -1;
  qint64 inferencePeft = -1;
  QString error;
};

/// Queues `inspect` calls and reports their counts; results are cached per config key.
class ParamInspector : public QObject {
  Q_OBJECT
 public:
  explicit ParamInspector(QObject* parent = nullptr);
  ~ParamInspector() override;

  /// The cache key of a run config (the config without run_id, seed and task).
  static QString keyOf(const nlohmann::json& config);
  /// Cached counts for a key (nullptr if not computed yet).
  const ParamCounts* cached(const QString& key) const;
  /// Queues a count for this config unless cached or queued; returns its key.
  QString request(const nlohmann::json& config);
  /// Drops queued requests (the running one finishes).
  void clearQueue();
  /// The engine executable used (empty: none found).
  QString enginePath() const { return engine_.enginePath(); }
  void setEnginePath(const QString& path) { engine_.setEnginePath(path); }

 signals:
  void counted(const QString& key, const adamix::ui::ParamCounts& counts);

 private:
  void next();
  QHash<QString, ParamCounts> cache_;
  QQueue<std::pair<QString, nlohmann::json>> queue_;
  QString runningKey_;
  QTemporaryDir tmp_;
  app::EngineClient engine_;  ///< last: its running call ends before the rest goes
};

}  // namespace adamix::ui
