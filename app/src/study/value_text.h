// The text form of study values in editors: comma-separated lists of JSON scalars ("8, 16, up")
// for axis values and seeds, and back.
// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QString>

#include <nlohmann/json.hpp>

namespace adamix::app {

/// "8, 16, up" → [8, 16, "up"]: JSON scalars where a token parses as one, else strings.
nlohmann::json parseValueList(const QString& text);
/// "1, 2, x" → [1, 2, "x"]: integers, other tokens kept as strings (parseStudy reports them).
nlohmann::json parseSeedList(const QString& text);
/// A value as typed: strings bare, everything else as compact JSON.
QString valueText(const nlohmann::json& value);
/// The items of a JSON array as valueText()s joined with `separator` (a scalar: its text).
QString valueListText(const nlohmann::json& values, const QString& separator = QStringLiteral(", "));

}  // namespace adamix::app
