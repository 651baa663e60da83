// SPDX-License-Identifier: GPL-3.0-or-later
#include "exec/run_progress.h"

#include "exec/event_replay.h"
#include "export/pivot.h"
#include "study/task_catalog.h"

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

void selectByTask(RunProgress& p, const QString& task) {
  if (task.isEmpty()) return;
  const TaskFacts facts = taskFacts(task);
  p.selectionSplit = facts.primarySplit;
  p.selectionMetric = facts.primaryMetric;
}

RunProgress fold(RunProgress p, const EngineEvent& event, double clockS) {
  if (const StartedEvent* s = event.as<StartedEvent>()) {
    if (s->mode.isEmpty() && s->config.is_object()) {  // training: its task names the selection metric
      const auto task = s->config.find("task");
      if (task != s->config.end() && task->is_object() && task->contains("name") && task->at("name").is_string()) {
        rememberTaskConfig(s->config);
        selectByTask(p, QString::fromStdString(task->at("name").get<std::string>()));
      }
    }
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
    if (m->value && !p.selectionMetric.isEmpty() && m->split == p.selectionSplit && m->name == p.selectionMetric &&
        (!p.best || (lowerIsBetter(m->name) ? *m->value < *p.best : *m->value > *p.best))) {
      p.best = m->value;
      p.bestStep = m->step;
    }
  } else if (const FinishedEvent* f = event.as<FinishedEvent>(); f && f->mode.isEmpty() && !f->primaryMetric.isEmpty()) {
    // the engine's own word on its best (the values Results stores)
    p.selectionMetric = f->primaryMetric;
    for (const ResultValue& v : f->results)
      if (v.kind == QLatin1String("best") && v.name == f->primaryMetric &&
          (p.selectionSplit.isEmpty() || v.split == p.selectionSplit)) {
        p.selectionSplit = v.split;
        p.best = v.value;
        p.bestStep = f->bestStep;
        break;
      }
  } else if (const ErrorEvent* e = event.as<ErrorEvent>()) {
    p.error = *e;
  }
  return p;
}

RunProgress progressFromEventLog(const QByteArray& jsonLines, const QString& task) {
  RunProgress p;
  selectByTask(p, task);
  for (const EngineEvent& e : decodeEventLog(jsonLines)) p = fold(p, e, 0.0);
  p.firstStep = -1;  // no speed: the caller's clock did not time these steps
  return p;
}

}  // namespace adamix::app
