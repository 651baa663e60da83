// SPDX-License-Identifier: GPL-3.0-or-later
#include "study/value_text.h"

#include <QStringList>

namespace adamix::app {

using nlohmann::json;

namespace {

QStringList tokens(const QString& text) {
  QStringList out;
  for (const QString& tok : text.split(QLatin1Char(','), Qt::SkipEmptyParts))
    if (!tok.trimmed().isEmpty()) out << tok.trimmed();
  return out;
}

}  // namespace

json parseValueList(const QString& text) {
  json out = json::array();
  for (const QString& tok : tokens(text)) {
    const json v = json::parse(tok.toStdString(), nullptr, false);
    if (!v.is_discarded() && (v.is_number() || v.is_boolean() || v.is_string() || v.is_null()))
      out.push_back(v);
    else
      out.push_back(tok.toStdString());
  }
  return out;
}

json parseSeedList(const QString& text) {
  json out = json::array();
  for (const QString& tok : tokens(text)) {
    bool ok = false;
    const int seed = tok.toInt(&ok);
    if (ok)
      out.push_back(seed);
    else
      out.push_back(tok.toStdString());
  }
  return out;
}

QString valueText(const json& value) {
  return value.is_string() ? QString::fromStdString(value.get<std::string>()) : QString::fromStdString(value.dump());
}

QString valueListText(const json& values, const QString& separator) {
  QStringList out;
  if (values.is_array())
    for (const json& v : values) out << valueText(v);
  else if (!values.is_null())
    out << valueText(values);
  return out.join(separator);
}

}  // namespace adamix::app
