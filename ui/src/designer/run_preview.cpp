// SPDX-License-Identifier: GPL-3.0-or-later
#include "designer/run_preview.h"

#include "assets/assets.h"
#include "designer/model_location.h"
#include "study/study.h"

#include <QDir>
#include <QFile>
#include <QHeaderView>
#include <QLocale>

#include <algorithm>

namespace adamix::ui {

using nlohmann::json;

namespace {

constexpr int kTrainableColumn = 4;
constexpr int kInferenceColumn = 5;
constexpr int kPaperColumn = 6;

QTableWidgetItem* rightAligned(const QString& text) {
  auto* item = new QTableWidgetItem(text);
  item->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
  return item;
}

}  // namespace

QString formatCount(qint64 n) { return QLocale(QLocale::English).toString(n); }

RunPreview::RunPreview(QWidget* parent) : QTableWidget(0, 7, parent) {
  setHorizontalHeaderLabels({tr("Run id"), tr("Task"), tr("Variant"), tr("Seed"), tr("Trainable PEFT"),
                             tr("Inference PEFT"), tr("Paper #Param")});
  horizontalHeaderItem(kTrainableColumn)
      ->setToolTip(tr("Parameters trained (all M modules, head excluded), from adamix-engine inspect."));
  horizontalHeaderItem(kInferenceColumn)
      ->setToolTip(tr("Parameters at inference after merging the modules (the paper's #Param)."));
  horizontalHeaderItem(kPaperColumn)
      ->setToolTip(tr("#Param the paper reports for this variant (the study file's \"paper\" note); "
                      "hover a cell for the paper's result and source."));
  setEditTriggers(QAbstractItemView::NoEditTriggers);
  verticalHeader()->setVisible(false);
  horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
  horizontalHeader()->setStretchLastSection(true);
  setAlternatingRowColors(true);
  setTabKeyNavigation(false);  // Tab leaves the table: no focus trap
  connect(&inspector_, &ParamInspector::counted, this, &RunPreview::onCounted);
}

void RunPreview::showRuns(const std::vector<app::ExpandedRun>& runs) {
  setRowCount(0);
  rowsByKey_.clear();
  inspector_.clearQueue();
  const int shown = std::min<int>(int(runs.size()), 1000);
  setRowCount(shown);
  const app::AssetCache cache;
  for (int i = 0; i < shown; ++i) {
    const auto& r = runs[size_t(i)];
    setItem(i, 0, new QTableWidgetItem(r.runId));
    setItem(i, 1, new QTableWidgetItem(r.task));
    setItem(i, 2, new QTableWidgetItem(app::variantDisplayName(r.variant)));
    setItem(i, 3, rightAligned(QString::number(r.seed)));
    // parameter counts: need a real model directory (an asset's cached or mirror copy)
    json config = app::resolveAssets(r.config, cache.cacheDir());
    const QString written = QString::fromStdString(r.config.value(json::json_pointer("/model/path"), std::string()));
    const QString model = localModelDir(written);
    QString trainable = QStringLiteral("…"), inference = QStringLiteral("…");
    QString unavailable;
    if (model.isEmpty() || !QFile::exists(QDir(model).filePath("config.json"))) {
      // A dash keeps the columns narrow (the paper's #Param stays in view); the tooltip says why.
      trainable = inference = QStringLiteral("—");
      unavailable = tr("Model not available here: %1").arg(model.isEmpty() ? written : model);
    } else {
      config["model"]["path"] = model.toStdString();
      const QString key = inspector_.request(config);
      rowsByKey_[key] << i;
      if (const ParamCounts* c = inspector_.cached(key)) {
        trainable = c->error.isEmpty() ? formatCount(c->trainablePeft) : c->error;
        inference = c->error.isEmpty() ? formatCount(c->inferencePeft) : QString();
      }
    }
    setItem(i, kTrainableColumn, rightAligned(trainable));
    setItem(i, kInferenceColumn, rightAligned(inference));
    item(i, kTrainableColumn)->setToolTip(unavailable);
    item(i, kInferenceColumn)->setToolTip(unavailable);
    auto* paper = rightAligned(r.paper.params);
    QStringList note;
    if (!r.paper.result.isEmpty()) note << r.paper.result;
    if (!r.paper.source.isEmpty()) note << r.paper.source;
    paper->setToolTip(note.join(QStringLiteral(" — ")));
    setItem(i, kPaperColumn, paper);
  }
}

void RunPreview::onCounted(const QString& key, const ParamCounts& c) {
  for (int row : rowsByKey_.value(key)) {
    if (row >= rowCount()) continue;
    item(row, kTrainableColumn)->setText(c.error.isEmpty() ? formatCount(c.trainablePeft) : c.error);
    item(row, kInferenceColumn)->setText(c.error.isEmpty() ? formatCount(c.inferencePeft) : QString());
    if (!c.error.isEmpty()) item(row, kTrainableColumn)->setToolTip(c.error);
  }
}

}  // namespace adamix::ui
