// Side-by-side predictions of generation runs; the tables of a study; Markdown.
#include "export/predictions.h"

#include "export/label_predictions.h"
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

bool predictionsDisagree(const PredictionRow& row) {
  const QString* first = nullptr;
  for (const QString& o : row.outputs) {
    if (o.isEmpty()) continue;
    if (first && *first != o) return true;
    if (!first) first = &o;
  }
  return false;
}

std::vector<PredictionTable> predictionTablesFromStore(Store& store, std::optional<qint64> studyId, int limit) {
  std::vector<PredictionTable> tables;
  if (PredictionTable g = predictionsFromStore(store, studyId, limit); !g.columns.isEmpty())
    tables.push_back(std::move(g));
  for (PredictionTable& t : labelPredictionsFromStore(store, studyId, limit)) tables.push_back(std::move(t));
  return tables;
}

QString predictionsToMarkdown(const PredictionTable& t) {
  const bool labels = t.kind == PredictionKind::Labels;
  QString s = labels ? QStringLiteral("| # | Input | Gold label |") : QStringLiteral("| Input | References |");
  QString rule = labels ? QStringLiteral("|---|---|---|") : QStringLiteral("|---|---|");
  for (const QString& c : t.columns) {
    s += u' ' + markdownEscape(c) + QStringLiteral(" |");
    rule += QStringLiteral("---|");
  }
  s += u'\n' + rule + u'\n';
  for (const PredictionRow& r : t.rows) {
    QStringList refs;
    for (const QString& x : r.references) refs << markdownEscape(x);
    if (labels) s += QStringLiteral("| %1 ").arg(r.index);
    s += QStringLiteral("| ") + markdownEscape(r.input) + QStringLiteral(" | ") + refs.join(QStringLiteral("<br>")) +
         QStringLiteral(" |");
    for (std::size_t c = 0; c < r.outputs.size(); ++c) {
      const bool wrong = c < r.verdicts.size() && r.verdicts[c] == Verdict::Wrong;
      s += u' ' + markdownEscape(r.outputs[c]) + (wrong ? u' ' + kWrongMark : QString()) + QStringLiteral(" |");
    }
    s += u'\n';
  }
  return s;
}

}  // namespace adamix::app
