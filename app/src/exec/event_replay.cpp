// SPDX-License-Identifier: GPL-3.0-or-later
#include "exec/event_replay.h"

#include "exec/event_parser.h"

#include <QFile>

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
  r.events = static_cast<qsizetype>(events.size());
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

namespace {

/// Decodes the events of `o` into `events`; rejected lines and malformed events go to `warnings`.
void decodeInto(EventParser::Output& o, std::vector<EngineEvent>& events, QStringList* warnings) {
  if (warnings) *warnings << o.errors;
  for (const nlohmann::json& j : o.events) {
    QString error;
    if (auto e = tryDecodeEvent(j, &error))
      events.push_back(std::move(*e));
    else if (warnings)
      *warnings << error;
  }
}

/// decodeEventLog, also counting the lines of an unsupported schema major.
std::vector<EngineEvent> decodeEventLogImpl(const QByteArray& jsonLines, QStringList* warnings,
                                            qsizetype* unsupportedSchemaLines) {
  // fed in slices, decoded slice by slice: the parser's buffer and the parsed JSON stay the size
  // of a slice, not of the whole log (up to kMaxEventLogBytes for `adamix import`)
  constexpr qsizetype kSlice = 1 << 20;
  EventParser parser;
  std::vector<EngineEvent> events;
  qsizetype mismatches = 0;
  for (qsizetype at = 0; at < jsonLines.size(); at += kSlice) {
    EventParser::Output o =
        parser.feed(QByteArray::fromRawData(jsonLines.constData() + at, std::min(kSlice, jsonLines.size() - at)));
    mismatches += o.schemaMismatches;
    decodeInto(o, events, warnings);
  }
  EventParser::Output tail = parser.finish();
  mismatches += tail.schemaMismatches;
  decodeInto(tail, events, warnings);
  if (unsupportedSchemaLines) *unsupportedSchemaLines = mismatches;
  return events;
}

}  // namespace

std::vector<EngineEvent> decodeEventLog(const QByteArray& jsonLines, QStringList* warnings) {
  return decodeEventLogImpl(jsonLines, warnings, nullptr);
}

ReplayedRun replayEventLog(const QByteArray& jsonLines) {
  QStringList warnings;
  qsizetype mismatches = 0;
  const std::vector<EngineEvent> events = decodeEventLogImpl(jsonLines, &warnings, &mismatches);
  ReplayedRun r = replayEvents(events);
  r.warnings = warnings + r.warnings;
  r.unsupportedSchemaLines = mismatches;
  return r;
}

QString notAnEngineRunLog(const ReplayedRun& replay) {
  if (replay.started || replay.error) return {};
  if (replay.events == 0 && replay.unsupportedSchemaLines > 0)
    return QStringLiteral(
               "every event carries an unsupported protocol schema (this app understands %1.x): "
               "written by a newer adamix-engine?")
        .arg(EventParser::kSchemaMajor);
  if (replay.events == 0) return QStringLiteral("no engine event in it: not an adamix-engine event log");
  return QStringLiteral("no `started` event: not the event log of an adamix-engine run");
}

std::string readEventLogFile(const QString& file, uint64_t maxBytes) {
  return readRegularFileBounded(QFile::encodeName(file).toStdString(), maxBytes, ErrorKind::Io, "event log");
}

ReplayedRun replayEventLogFile(const QString& file, uint64_t maxBytes) {
  const std::string bytes = readEventLogFile(file, maxBytes);
  return replayEventLog(QByteArray::fromRawData(bytes.data(), static_cast<qsizetype>(bytes.size())));
}

}  // namespace adamix::app
