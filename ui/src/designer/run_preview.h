// The designer's preview of the runs a study expands to: run id, task, variant, seed, the
// trainable / inference PEFT parameter counts, filled in as `adamix-engine inspect` answers, and
// the #Param the paper reports for the variant (paper presets' "paper" notes).
// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "designer/param_inspector.h"
#include "study/study.h"

#include <QHash>
#include <QTableWidget>

#include <vector>

namespace adamix::ui {

/// A read-only table of expanded runs (at most 1000 rows) with their parameter counts.
class RunPreview : public QTableWidget {
  Q_OBJECT
 public:
  explicit RunPreview(QWidget* parent = nullptr);
  /// Shows `runs`; counts come from the cache or are queued (dropping earlier requests).
  void showRuns(const std::vector<app::ExpandedRun>& runs);

 private:
  void onCounted(const QString& key, const ParamCounts& c);

  ParamInspector inspector_;
  QHash<QString, QList<int>> rowsByKey_;
};

/// `n` with thousands separators ("1,234,567").
QString formatCount(qint64 n);

}  // namespace adamix::ui
