// Replaying a run's event stream: the "a resumed segment replaces the points after its
// checkpoint" rule, and the summary of a complete events.jsonl (used by `adamix import`).
// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "exec/engine_events.h"
#include "io/untrusted_input.h"

#include <QByteArray>
#include <QStringList>

#include <optional>
#include <vector>

namespace adamix::app {

/// The step after which stored metric points are stale once `event` arrives: a `started` event
/// that resumes from the checkpoint at step S replaces every point with step > S. nullopt for
/// fresh starts and other events.
std::optional<qint64> stalePointsAfter(const EngineEvent& event);

/// Removes the points with step > `step` (see stalePointsAfter()).
void dropPointsAfter(std::vector<MetricPoint>& points, qint64 step);

/// What a run's complete event stream says.
struct ReplayedRun {
  std::vector<MetricPoint> points;  ///< metric points (runId 0), stale ones of resumed segments dropped
  std::optional<double> started;    ///< time of the first `started` event
  std::optional<double> ended;      ///< time of the last `finished` or `error` event
  std::optional<FinishedEvent> finished;
  std::optional<ErrorEvent> error;         ///< the last error, unless a `finished` event came after it
  nlohmann::json compute;                  ///< computeOf() the last `started` event; null without one
  std::optional<ParamCounts> startedParams;  ///< the last `started` event's parameter counts
  RunState state = RunState::Interrupted;  ///< finished, failed, or interrupted (no end, or stopped by a signal)
  QStringList warnings;                    ///< lines or events that were skipped
  qsizetype events = 0;                    ///< events decoded (replayEventLog; replayEvents: its input)
  qsizetype unsupportedSchemaLines = 0;    ///< lines skipped for an unsupported schema major (replayEventLog)
};

/// Replays decoded events in stream order. Events without a time count as time 0.
ReplayedRun replayEvents(const std::vector<EngineEvent>& events);

/// Parses (EventParser, partial last line included) and decodes the content of an events.jsonl
/// file in stream order; rejected lines and malformed events go to `warnings` (may be null) and
/// are skipped.
std::vector<EngineEvent> decodeEventLog(const QByteArray& jsonLines, QStringList* warnings = nullptr);

/// Parses (EventParser), decodes and replays the content of an events.jsonl file; rejected
/// lines and malformed events are reported in `warnings` and skipped.
ReplayedRun replayEventLog(const QByteArray& jsonLines);

/// The bytes of the run's event log `file` (RUN_DIR/events.jsonl): the one reader of a whole log,
/// for `adamix import`, a resume and the Monitor's stored runs. The file must be a regular file
/// (symlinks followed) of at most `maxBytes`; throws as replayEventLogFile().
std::string readEventLogFile(const QString& file, uint64_t maxBytes = kMaxEventLogBytes);

/// Reads (readEventLogFile) and replays (replayEventLog) the run's event log `file`: for
/// `adamix import` and a resume. The file must be a regular file
/// (symlinks followed) of at most `maxBytes`; a directory, FIFO, device or socket is refused before
/// it is opened (a FIFO would block the reader until a writer came). Throws
/// EngineError(Io, "cannot open event log: a directory" / "…: not a regular file (a FIFO)" /
/// "event log is N bytes, more than the limit of M bytes" / "cannot open event log: no such file", file).
ReplayedRun replayEventLogFile(const QString& file, uint64_t maxBytes = kMaxEventLogBytes);

/// Why a replayed events.jsonl is not the log of an engine run, or "" when it is: a run's log
/// holds a `started` event, or an `error` event for a run that failed before it started (model
/// not found). A log of other bytes, an empty one, or one whose events all carry a schema major
/// this app does not understand (a newer engine's) is not one.
QString notAnEngineRunLog(const ReplayedRun& replay);

}  // namespace adamix::app
