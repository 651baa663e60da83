// JSON-lines parser for the adamix-engine event stream (docs/protocol.md).
// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <nlohmann/json.hpp>

#include <QByteArray>
#include <QString>
#include <QStringList>
#include <vector>

namespace adamix::app {

/// Incremental parser for the engine's stdout. Bytes arrive in arbitrary chunks; a line is only
/// parsed once its newline has arrived (finish() parses a trailing unterminated line at EOF).
/// Lines that are not JSON objects, lack `event`/`schema`, or carry an unknown schema major are
/// not returned as events but reported in `errors` (with an escaped excerpt of the line, never its
/// raw bytes: line_excerpt.h).
class EventParser {
 public:
  static constexpr int kSchemaMajor = 1;  ///< the protocol major this app understands

  struct Output {
    std::vector<nlohmann::json> events;  ///< valid events, in stream order
    QStringList errors;                  ///< one message per rejected line
    bool schemaMismatch = false;         ///< a line carried an unsupported schema major
    int schemaMismatches = 0;            ///< how many lines did
  };

  /// Appends a chunk of stdout and returns the events of every line it completes.
  Output feed(const QByteArray& chunk);
  /// End of stream: parses any buffered partial line and clears the buffer.
  Output finish();
  /// Bytes buffered waiting for a newline.
  int pendingBytes() const { return int(buffer_.size()); }

  /// Parses one line (without newline); returns true and fills `event`, else fills `error`.
  static bool parseLine(const QByteArray& line, nlohmann::json* event, QString* error, bool* schemaMismatch = nullptr);
  /// True for "1", "1.0", "1.7", ...: schema strings whose major equals kSchemaMajor.
  static bool schemaSupported(const std::string& schema);

 private:
  void parseInto(const QByteArray& line, Output* out);
  QByteArray buffer_;
  static constexpr int kMaxLineBytes = 64 * 1024 * 1024;
};

}  // namespace adamix::app
