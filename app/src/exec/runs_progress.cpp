// SPDX-License-Identifier: GPL-3.0-or-later
#include "exec/runs_progress.h"

#include <algorithm>

namespace adamix::app {

int RunsProgress::count(RunState s) const {
  auto it = counts.find(s);
  return it == counts.end() ? 0 : it->second;
}

double RunsProgress::fraction() const { return totalSteps > 0 ? std::clamp(doneSteps / totalSteps, 0.0, 1.0) : 0.0; }

RunsProgress summarizeRuns(const std::vector<RunProgress>& runs) {
  RunsProgress out;
  double known = 0;
  int knownN = 0;
  for (const RunProgress& r : runs) {
    if (r.totalSteps > 0) {
      known += double(r.totalSteps);
      ++knownN;
    }
  }
  const double unknownWeight = knownN ? known / knownN : 1.0;
  for (const RunProgress& r : runs) {
    ++out.runs;
    out.counts[r.state] += 1;
    const double total = r.totalSteps > 0 ? double(r.totalSteps) : unknownWeight;
    out.totalSteps += total;
    if (r.state == RunState::Finished)
      out.doneSteps += total;
    else if (!isTerminal(r.state) && r.totalSteps > 0)
      out.doneSteps += double(std::clamp<qint64>(r.step, 0, r.totalSteps));
  }
  return out;
}

}  // namespace adamix::app
