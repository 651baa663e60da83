// SPDX-License-Identifier: GPL-3.0-or-later
#include "exec/event_replay.h"

#include "exec/event_parser.h"

#include <algorithm>

namespace adamix::app {

std::optional<qint64> stalePointsAfter(const EngineEvent& event) {
  const StartedEvent* s = event.as<StartedEvent>();
  if (!s || s->resumedFromStep <= 0) return std::nullopt;
  return s->resumedFromStep;
}

void dropPointsAfter(std::vector<MetricPoint>& points, qint64 step) {
  points.erase(std::remove_if(points.begin(), points.end(), [&](const MetricPoint& p) { return p.step > step; }),
               points.end());
}

ReplayedRun replayEvents(const std::vector<EngineEvent>& events) {
  ReplayedRun r;
  for (const EngineEvent& e : events) {
    const double t = e.time.value_or(0.0);
    if (const StartedEvent* s = e.as<StartedEvent>()) {
      if (!r.started) r.started = t;
      r.compute = computeOf(*s);  // a resumed segment's: what computed the run's latest steps
      r.startedParams = s->params;
    }
    if (const auto after = stalePointsAfter(e)) dropPointsAfter(r.points, *after);
    if (const MetricEvent* m = e.as<MetricEvent>()) {
      if (m->value) r.points.push_back(toMetricPoint(0, e, *m, 0.0));
    } else if (const FinishedEvent* f = e.as<FinishedEvent>()) {
      r.finished = *f;
      r.error.reset();
      r.ended = t;
    } else if (const ErrorEvent* err = e.as<ErrorEvent>()) {
      r.error = *err;
      r.ended = t;
    }
  }
  if (r.error)
    r.state = r.error->kind == QLatin1String("interrupted") ? RunState::Interrupted : RunState::Failed;
  else if (r.finished)
    r.state = RunState::Finished;
  return r;
}

std::vector<EngineEvent> decodeEventLog(const QByteArray& jsonLines, QStringList* warnings) {
  EventParser parser;
  EventParser::Output o = parser.feed(jsonLines);
  EventParser::Output tail = parser.finish();
  for (auto& e : tail.events) o.events.push_back(std::move(e));
  if (warnings) *warnings << o.errors + tail.errors;
  std::vector<EngineEvent> events;
  for (const nlohmann::json& j : o.events) {
    QString error;
    if (auto e = tryDecodeEvent(j, &error))
      events.push_back(std::move(*e));
    else if (warnings)
      *warnings << error;
  }
  return events;
}

ReplayedRun replayEventLog(const QByteArray& jsonLines) {
  QStringList warnings;
  const std::vector<EngineEvent> events = decodeEventLog(jsonLines, &warnings);
  ReplayedRun r = replayEvents(events);
  r.warnings = warnings + r.warnings;
  return r;
}

}  // namespace adamix::app
