#include "analysis/example_predictions.h"

#include "exec/line_excerpt.h"

#include "metrics/glue_metrics.h"

#include <QFile>
#include <QFileInfo>

#include <cmath>
#include <map>
#include <stdexcept>

namespace adamix::app::analysis {

namespace {

[[noreturn]] void fail(const QString& where, const QString& what) {
  throw PredictionsError((where + QStringLiteral(": ") + what).toStdString());
}

double number(const QByteArray& field, const QString& where, const char* column) {
  bool ok = false;
  const double v = field.trimmed().toDouble(&ok);
  if (!ok || !std::isfinite(v))
    fail(where,
         QStringLiteral("column '%1' is not a number: %2").arg(QLatin1String(column), escapedExcerpt(field, 40)));
  return v;
}

}  // namespace

ExamplePredictions readPredictionsTsv(const QString& path, long long maxRows) {
  if (const QFileInfo info(path); info.exists() && !info.isFile()) fail(path, QStringLiteral("not a regular file"));
  QFile file(path);
  if (!file.open(QIODevice::ReadOnly)) fail(path, QStringLiteral("cannot be read (%1)").arg(file.errorString()));
  long long line = 0;
  auto nextLine = [&] {  // one line, at most kMaxPredictionsLineBytes (a stray huge line is refused, not held)
    QByteArray raw = file.readLine(kMaxPredictionsLineBytes + 2);  // Qt reads at most maxSize - 1
    ++line;
    if (raw.size() > kMaxPredictionsLineBytes)
      fail(path + QStringLiteral(":") + QString::number(line),
           QStringLiteral("line longer than %1 bytes").arg(kMaxPredictionsLineBytes));
    return raw;
  };
  const QList<QByteArray> header = nextLine().trimmed().split('\t');
  const int iIndex = int(header.indexOf("index")), iPred = int(header.indexOf("prediction")),
            iLabel = int(header.indexOf("label"));
  if (iIndex < 0 || iPred < 0) fail(path + QStringLiteral(":1"), QStringLiteral("header must name 'index' and 'prediction'"));
  if (iLabel < 0) fail(path + QStringLiteral(":1"), QStringLiteral("has no 'label' column (unlabelled data cannot be scored)"));
  const int need = std::max({iIndex, iPred, iLabel}) + 1;
  ExamplePredictions p;
  while (!file.atEnd()) {
    const QByteArray raw = nextLine();
    if (raw.trimmed().isEmpty()) continue;
    if (static_cast<long long>(p.index.size()) >= maxRows)
      fail(path, QStringLiteral("more than %1 rows").arg(maxRows));
    const QString where = path + QStringLiteral(":") + QString::number(line);
    const QList<QByteArray> f = raw.trimmed().split('\t');
    if (f.size() < need) fail(where, QStringLiteral("%1 columns, the header has %2").arg(f.size()).arg(header.size()));
    bool ok = false;
    const long long index = f[iIndex].toLongLong(&ok);
    if (!ok) fail(where, QStringLiteral("index is not an integer: %1").arg(escapedExcerpt(f[iIndex], 40)));
    p.index.push_back(index);
    p.prediction.push_back(number(f[iPred], where, "prediction"));
    p.label.push_back(number(f[iLabel], where, "label"));
  }
  if (p.index.empty()) fail(path, QStringLiteral("has no rows"));
  return p;
}

bool isExampleMetric(const QString& metric) {
  return metric == QLatin1String("accuracy") || metric == QLatin1String("f1") ||
         metric == QLatin1String("matthews_correlation") || metric == QLatin1String("pearson") ||
         metric == QLatin1String("spearmanr") || metric == QLatin1String("macro_f1") ||
         metric == QLatin1String("micro_f1");
}

double metricOnRows(const QString& metric, const ExamplePredictions& p, const std::vector<int>& rows) {
  if (metric == QLatin1String("pearson") || metric == QLatin1String("spearmanr")) {
    std::vector<double> x, y;
    x.reserve(rows.size());
    y.reserve(rows.size());
    for (int r : rows) {
      x.push_back(p.prediction.at(r));
      y.push_back(p.label.at(r));
    }
    return metric == QLatin1String("pearson") ? adamix::pearson(x, y) : adamix::spearman(x, y);
  }
  std::vector<int64_t> x, y;
  x.reserve(rows.size());
  y.reserve(rows.size());
  for (int r : rows) {
    x.push_back(int64_t(std::llround(p.prediction.at(r))));
    y.push_back(int64_t(std::llround(p.label.at(r))));
  }
  if (metric == QLatin1String("accuracy")) return adamix::accuracy(x, y);
  if (metric == QLatin1String("f1")) return adamix::binaryF1(x, y);
  if (metric == QLatin1String("matthews_correlation")) return adamix::matthewsCorrelation(x, y);
  if (metric == QLatin1String("macro_f1")) return adamix::macroF1(x, y);
  if (metric == QLatin1String("micro_f1")) return adamix::microF1(x, y);
  throw std::invalid_argument("metric '" + metric.toStdString() + "' cannot be recomputed from predictions");
}

std::vector<ExamplePredictions> alignOnCommonExamples(const std::vector<ExamplePredictions>& runs) {
  if (runs.empty()) return {};
  // index → how many runs have it, and its label
  std::map<long long, std::pair<std::size_t, double>> seen;
  for (std::size_t r = 0; r < runs.size(); ++r) {
    std::map<long long, bool> inRun;
    for (std::size_t i = 0; i < runs[r].index.size(); ++i) {
      const long long idx = runs[r].index[i];
      if (inRun[idx]) continue;
      inRun[idx] = true;
      auto [it, fresh] = seen.try_emplace(idx, std::size_t(0), runs[r].label[i]);
      if (!fresh && it->second.second != runs[r].label[i])
        throw PredictionsError("example " + std::to_string(idx) + " has different labels in the runs' predictions");
      ++it->second.first;
    }
  }
  std::vector<ExamplePredictions> out(runs.size());
  for (std::size_t r = 0; r < runs.size(); ++r) {
    std::map<long long, std::size_t> row;
    for (std::size_t i = 0; i < runs[r].index.size(); ++i) row.try_emplace(runs[r].index[i], i);
    for (const auto& [idx, info] : seen) {
      if (info.first != runs.size()) continue;
      const std::size_t i = row.at(idx);
      out[r].index.push_back(idx);
      out[r].prediction.push_back(runs[r].prediction[i]);
      out[r].label.push_back(runs[r].label[i]);
    }
  }
  return out;
}

}  // namespace adamix::app::analysis
