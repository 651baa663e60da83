// SPDX-License-Identifier: GPL-3.0-or-later
#include "exec/event_parser.h"

#include "exec/line_excerpt.h"
#include "io/untrusted_input.h"

namespace adamix::app {

bool EventParser::schemaSupported(const std::string& schema) {
  const auto dot = schema.find('.');
  const std::string major = schema.substr(0, dot);
  if (major.empty() || major.find_first_not_of("0123456789") != std::string::npos) return false;
  if (dot != std::string::npos) {
    const std::string minor = schema.substr(dot + 1);
    if (minor.empty() || minor.find_first_not_of("0123456789.") != std::string::npos) return false;
  }
  try {
    return std::stoi(major) == kSchemaMajor;
  } catch (...) {
    return false;
  }
}

bool EventParser::parseLine(const QByteArray& raw, nlohmann::json* event, QString* error, bool* schemaMismatch) {
  QByteArray line = raw;
  if (line.endsWith('\r')) line.chop(1);
  // an excerpt, escaped: the line may be any bytes (a corrupt log, a crafted one) and ends up on
  // a terminal or in stderr.log
  const auto shown = [&] { return escapedExcerpt(line.left(1024)); };
  nlohmann::json j;
  try {
    // nesting bounded: the stream is untrusted input (issue 16); events nest 3 levels
    j = nlohmann::json::parse(line.constBegin(), line.constEnd(), jsonDepthGuard());
  } catch (const JsonTooDeep& e) {
    *error = QStringLiteral("%1: %2").arg(QString::fromUtf8(e.what()), shown());
    return false;
  } catch (const nlohmann::json::exception&) {
    *error = QStringLiteral("not JSON: %1").arg(shown());
    return false;
  }
  if (!j.is_object()) {
    *error = QStringLiteral("not a JSON object: %1").arg(shown());
    return false;
  }
  if (!j.contains("event") || !j["event"].is_string()) {
    *error = QStringLiteral("missing \"event\": %1").arg(shown());
    return false;
  }
  if (!j.contains("schema") || !j["schema"].is_string()) {
    *error = QStringLiteral("missing \"schema\": %1").arg(shown());
    return false;
  }
  const std::string schema = j["schema"].get<std::string>();
  if (!schemaSupported(schema)) {
    if (schemaMismatch) *schemaMismatch = true;
    *error = QStringLiteral("unsupported protocol schema %1 (this app understands %2.x)")
                 .arg(escapedExcerpt(QByteArray::fromStdString(schema), 40))
                 .arg(kSchemaMajor);
    return false;
  }
  *event = std::move(j);
  return true;
}

void EventParser::parseInto(const QByteArray& line, Output* out) {
  if (line.trimmed().isEmpty()) return;  // blank lines are harmless
  nlohmann::json ev;
  QString err;
  bool mismatch = false;
  if (parseLine(line, &ev, &err, &mismatch))
    out->events.push_back(std::move(ev));
  else
    out->errors << err;
  out->schemaMismatch = out->schemaMismatch || mismatch;
  if (mismatch) ++out->schemaMismatches;
}

EventParser::Output EventParser::feed(const QByteArray& chunk) {
  Output out;
  buffer_.append(chunk);
  qsizetype start = 0;
  for (;;) {
    const qsizetype nl = buffer_.indexOf('\n', start);
    if (nl < 0) break;
    parseInto(buffer_.mid(start, nl - start), &out);
    start = nl + 1;
  }
  buffer_.remove(0, start);
  if (buffer_.size() > kMaxLineBytes) {
    out.errors << QStringLiteral("line longer than %1 bytes discarded").arg(kMaxLineBytes);
    buffer_.clear();
  }
  return out;
}

EventParser::Output EventParser::finish() {
  Output out;
  if (!buffer_.isEmpty()) parseInto(buffer_, &out);
  buffer_.clear();
  return out;
}

}  // namespace adamix::app
