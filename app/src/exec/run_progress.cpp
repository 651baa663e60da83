// SPDX-License-Identifier: GPL-3.0-or-later
#include "exec/run_progress.h"

#include "exec/event_replay.h"

#include <algorithm>
#include <cmath>

namespace adamix::app {

double RunProgress::fraction() const {
  return totalSteps > 0 ? std::clamp(double(step) / double(totalSteps), 0.0, 1.0) : 0.0;
}

double RunProgress::stepsPerSecond(double nowS) const {
  if (firstStep < 0 || step <= firstStep || nowS <= firstClockS) return 0.0;
  return double(step - firstStep) / (nowS - firstClockS);
}

double RunProgress::etaSeconds(double nowS) const {
  const double rate = stepsPerSecond(nowS);
  if (rate <= 0 || totalSteps <= 0) return std::nan("");
  return double(std::max<qint64>(0, totalSteps - step)) / rate;
}

RunProgress fold(RunProgress p, const EngineEvent& event, double clockS) {
  if (const StartedEvent* s = event.as<StartedEvent>()) {
    p.state = RunState::Running;
    p.totalSteps = s->totalSteps;
    p.step = s->resumedFromStep;
    p.firstStep = -1;
  } else if (const ProgressEvent* pr = event.as<ProgressEvent>()) {
    p.state = RunState::Running;
    p.step = pr->step;
    if (pr->totalSteps > 0) p.totalSteps = pr->totalSteps;
    if (pr->epoch) p.epoch = *pr->epoch;
    if (pr->loss) p.loss = pr->loss;
    if (p.firstStep < 0) {
      p.firstStep = p.step;
      p.firstClockS = clockS;
    }
  } else if (const MetricEvent* m = event.as<MetricEvent>()) {
    const bool devMetric = m->split != QLatin1String("train") && m->name != QLatin1String("loss") &&
                           m->name != QLatin1String("consistency");
    if (m->value && devMetric) {
      p.devName = m->name;
      p.dev = m->value;
    }
  } else if (const ErrorEvent* e = event.as<ErrorEvent>()) {
    p.error = *e;
  }
  return p;
}

RunProgress progressFromEventLog(const QByteArray& jsonLines) {
  RunProgress p;
  for (const EngineEvent& e : decodeEventLog(jsonLines)) p = fold(p, e, 0.0);
  p.firstStep = -1;  // no speed: the caller's clock did not time these steps
  return p;
}

}  // namespace adamix::app
