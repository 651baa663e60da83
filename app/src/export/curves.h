// Curves export: metric points as CSV.
#pragma once

#include "export/result_set.h"

namespace adamix::app {

/// CSV with header run,variant,task,seed,step,epoch,split,name,value (values to 8 significant
/// digits), one line per point, in the CurveSet's order.
QString curvesToCsv(const CurveSet& curves);

}  // namespace adamix::app
