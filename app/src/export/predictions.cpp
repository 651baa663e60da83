// Side-by-side predictions of generation runs.
#include "export/predictions.h"

#include "io/untrusted_input.h"
#include "export/pivot.h"
#include "export/result_set.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>

#include <map>
#include <nlohmann/json.hpp>

namespace adamix::app {

namespace {

struct RunFile {
  std::map<QString, QString> outputByInput;
  std::vector<std::pair<QString, QStringList>> order;  ///< input, references in file order
};

RunFile readJsonl(const QString& path) {
  RunFile f;
  QFile in(path);
  if (!in.open(QIODevice::ReadOnly)) return f;
  while (!in.atEnd()) {
    const QByteArray line = in.readLine().trimmed();
    if (line.isEmpty()) continue;
    try {
      const auto j = nlohmann::json::parse(line.toStdString(), adamix::jsonDepthGuard());
      const QString input = QString::fromStdString(j.at("input").get<std::string>());
      QStringList refs;
      for (const auto& r : j.at("references")) refs << QString::fromStdString(r.get<std::string>());
      f.outputByInput[input] = QString::fromStdString(j.at("prediction").get<std::string>());
      f.order.push_back({input, refs});
    } catch (const std::exception&) {
      continue;
    }
  }
  return f;
}

}  // namespace

PredictionTable loadPredictionTable(const std::vector<std::pair<QString, QString>>& runs, int limit) {
  PredictionTable t;
  std::vector<RunFile> files;
  for (const auto& [label, path] : runs) {
    t.columns << label;
    files.push_back(readJsonl(path));
  }
  const RunFile* first = nullptr;
  for (const auto& f : files)
    if (!f.order.empty()) {
      first = &f;
      break;
    }
  if (!first) return t;
  for (const auto& [input, refs] : first->order) {
    if (limit > 0 && static_cast<int>(t.rows.size()) >= limit) break;
    PredictionRow row;
    row.input = input;
    row.references = refs;
    for (const auto& f : files) {
      auto it = f.outputByInput.find(input);
      row.outputs.push_back(it != f.outputByInput.end() ? it->second : QString());
    }
    t.rows.push_back(std::move(row));
  }
  return t;
}

PredictionTable predictionsFromStore(Store& store, std::optional<qint64> studyId, int limit) {
  const ResultSet rs = resultSetFromStore(store, studyId);
  std::map<QString, int> seedsPerVariant;
  for (const RunResult& r : rs.runs) seedsPerVariant[r.variant] += 1;
  std::vector<std::pair<QString, QString>> runs;
  for (const RunResult& r : rs.runs) {
    for (const Artifact& a : store.artifacts(r.runId)) {
      if (a.kind != QLatin1String("predictions")) continue;
      const QString jsonl = QFileInfo(a.path).dir().filePath(QStringLiteral("dev.jsonl"));
      if (!QFile::exists(jsonl)) continue;
      QString label = r.variant.isEmpty() ? QStringLiteral("run %1").arg(r.runId) : r.variant;
      if (seedsPerVariant[r.variant] > 1) label += QStringLiteral(" (seed %1)").arg(r.seed);
      runs.push_back({label, jsonl});
    }
  }
  return loadPredictionTable(runs, limit);
}

QString predictionsToMarkdown(const PredictionTable& t) {
  QString s = QStringLiteral("| Input | References |");
  QString rule = QStringLiteral("|---|---|");
  for (const QString& c : t.columns) {
    s += u' ' + markdownEscape(c) + QStringLiteral(" |");
    rule += QStringLiteral("---|");
  }
  s += u'\n' + rule + u'\n';
  for (const PredictionRow& r : t.rows) {
    QStringList refs;
    for (const QString& x : r.references) refs << markdownEscape(x);
    s += QStringLiteral("| ") + markdownEscape(r.input) + QStringLiteral(" | ") + refs.join(QStringLiteral("<br>")) +
         QStringLiteral(" |");
    for (const QString& o : r.outputs) s += u' ' + markdownEscape(o) + QStringLiteral(" |");
    s += u'\n';
  }
  return s;
}

}  // namespace adamix::app
