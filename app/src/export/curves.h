// Curves export: metric points as CSV.
// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "export/result_set.h"

#include <QIODevice>

#include <optional>

namespace adamix::app {

class Store;

/// The header line of the curves CSV (with its newline).
QString curvesCsvHeader();
/// One line of the curves CSV (with its newline): run,variant,task,seed,status,step,epoch,split,name,
/// value; status is the run's state (finished, failed, lost, running, …), values to 8 significant digits.
QString curvesCsvRow(const CurvePoint& point);

/// CSV with header run,variant,task,seed,status,step,epoch,split,name,value (curvesCsvRow()), one
/// line per point, in the CurveSet's order.
QString curvesToCsv(const CurveSet& curves);

/// The same CSV as curvesToCsv(curvesFromStore(store, studyId, split, name)), streamed: points are
/// read with a cursor and written to `out` as they come, so memory does not grow with the number
/// of points. Returns the number of points written; throws StoreError on a store failure and
/// std::runtime_error when `out` refuses a write.
qint64 writeCurvesCsv(Store& store, std::optional<qint64> studyId, const QString& split, const QString& name,
                      QIODevice& out);

}  // namespace adamix::app
