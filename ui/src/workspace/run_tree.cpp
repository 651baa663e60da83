// SPDX-License-Identifier: GPL-3.0-or-later
#include "workspace/run_tree.h"

#include "export/result_set.h"
#include "runs/run_actions.h"
#include "study/study.h"
#include "workspace/status_icons.h"
#include "workspace/workspace.h"

#include <QComboBox>
#include <QDateTime>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QMenu>
#include <QSet>
#include <QTreeWidget>
#include <QVBoxLayout>

#include <map>

namespace adamix::ui {

namespace {
constexpr int kIdRole = Qt::UserRole;
constexpr int kKindRole = Qt::UserRole + 1;  // 0 study, 1 run
constexpr int kStatusRole = Qt::UserRole + 2;
}  // namespace

RunTree::RunTree(Workspace* workspace, QWidget* parent) : QWidget(parent), ws_(workspace) {
  auto* lay = new QVBoxLayout(this);
  lay->setContentsMargins(4, 4, 4, 4);
  auto* row = new QHBoxLayout;
  filter_ = new QLineEdit;
  filter_->setPlaceholderText(tr("Filter runs (task, variant, seed, status)…"));
  filter_->setClearButtonEnabled(true);
  filter_->setToolTip(tr("Shows only runs whose task, variant, seed or status contains this text."));
  status_ = new QComboBox;
  status_->addItem(tr("All states"), QString());
  for (auto s : {app::RunState::Running, app::RunState::Queued, app::RunState::Finished, app::RunState::Failed,
                 app::RunState::Cancelled, app::RunState::Lost, app::RunState::Interrupted})
    status_->addItem(statusIcon(s), app::runStateName(s), app::runStateName(s));
  status_->setToolTip(tr("Shows only runs in this state."));
  row->addWidget(filter_, 1);
  row->addWidget(status_);
  lay->addLayout(row);
  tree_ = new QTreeWidget;
  tree_->setColumnCount(3);
  tree_->setHeaderLabels({tr("Study / run"), tr("State"), tr("Seed")});
  tree_->setSelectionMode(QAbstractItemView::ExtendedSelection);
  tree_->setUniformRowHeights(true);
  tree_->setAlternatingRowColors(true);
  tree_->setTextElideMode(Qt::ElideMiddle);  // "rte · AdaMix-…=8": task and the end of the variant stay
  tree_->header()->setStretchLastSection(false);
  tree_->header()->setSectionResizeMode(0, QHeaderView::Stretch);
  tree_->header()->setSectionResizeMode(1, QHeaderView::ResizeToContents);
  tree_->header()->setSectionResizeMode(2, QHeaderView::ResizeToContents);
  lay->addWidget(tree_, 1);
  summary_ = new QLabel;
  summary_->setWordWrap(true);
  lay->addWidget(summary_);

  connect(filter_, &QLineEdit::textChanged, this, &RunTree::applyFilter);
  connect(status_, &QComboBox::currentIndexChanged, this, &RunTree::applyFilter);
  connect(tree_, &QTreeWidget::itemSelectionChanged, this, [this] { emit runsSelected(selectedRuns()); });
  connect(tree_, &QTreeWidget::currentItemChanged, this, [this](QTreeWidgetItem*, QTreeWidgetItem*) {
    if (auto s = currentStudy()) emit studyActivated(*s);
  });
  connect(tree_, &QTreeWidget::itemDoubleClicked, this, [this](QTreeWidgetItem* item, int) {
    if (item->data(0, kKindRole).toInt() == 1) emit runActivated(item->data(0, kIdRole).toLongLong());
  });
  connect(ws_, &Workspace::changed, this, &RunTree::refresh);
  connect(ws_, &Workspace::closed, this, &RunTree::refresh);
  tree_->setContextMenuPolicy(Qt::CustomContextMenu);
  connect(tree_, &QWidget::customContextMenuRequested, this, &RunTree::showContextMenu);
}

QMenu* RunTree::runMenu(qint64 runId) {
  if (!actions_) return nullptr;
  auto* menu = new QMenu(tree_);
  actions_->addActions(menu, runId);
  return menu;
}

void RunTree::showContextMenu(const QPoint& pos) {
  QTreeWidgetItem* item = tree_->itemAt(pos);
  if (!item || !actions_) return;
  QMenu* menu = nullptr;
  const qint64 id = item->data(0, kIdRole).toLongLong();
  if (item->data(0, kKindRole).toInt() == 1) {
    menu = runMenu(id);
    menu->addSeparator();
    // the selection when the clicked run is part of it, else the clicked run alone
    actions_->addDeleteRunsAction(menu, item->isSelected() ? selectedRuns() : QList<qint64>{id});
  } else {
    menu = new QMenu(tree_);
    if (id >= 0) {
      actions_->addDeleteStudyAction(menu, id);
    } else {  // "Imported runs": no study row, only runs
      QList<qint64> runs;
      for (int j = 0; j < item->childCount(); ++j)
        if (!item->child(j)->isHidden()) runs << item->child(j)->data(0, kIdRole).toLongLong();
      actions_->addDeleteRunsAction(menu, runs);
    }
  }
  menu->setAttribute(Qt::WA_DeleteOnClose);
  menu->popup(tree_->viewport()->mapToGlobal(pos));
}

void RunTree::refresh() {
  // remember expansion and selection
  QSet<qint64> expanded, selected;
  for (int i = 0; i < tree_->topLevelItemCount(); ++i) {
    QTreeWidgetItem* s = tree_->topLevelItem(i);
    if (s->isExpanded()) expanded.insert(s->data(0, kIdRole).toLongLong());
  }
  for (QTreeWidgetItem* it : tree_->selectedItems())
    if (it->data(0, kKindRole).toInt() == 1) selected.insert(it->data(0, kIdRole).toLongLong());
  const bool first = tree_->topLevelItemCount() == 0;

  const QSignalBlocker block(tree_);
  tree_->clear();
  if (!ws_->isOpen()) {
    summary_->setText(tr("No workspace open."));
    return;
  }
  std::vector<app::StudyRecord> studies;
  std::vector<app::RunRecord> runs;
  // run → the other studies that include it (identical configs), with their labels for it
  std::multimap<qint64, app::Store::StudyInclusion> includedIn;
  try {
    studies = ws_->store().listStudies();
    runs = ws_->store().listRuns();
    for (const app::Store::StudyInclusion& i : ws_->store().studyInclusions()) includedIn.emplace(i.runId, i);
  } catch (const std::exception& e) {
    summary_->setText(tr("Cannot read the workspace: %1").arg(QString::fromUtf8(e.what())));
    return;
  }
  std::map<qint64, QTreeWidgetItem*> studyItems;
  auto makeStudy = [&](qint64 id, const QString& name, const QString& tip) {
    auto* item = new QTreeWidgetItem(tree_, {name});
    item->setData(0, kIdRole, id);
    item->setData(0, kKindRole, 0);
    item->setToolTip(0, tip);
    QFont f = item->font(0);
    f.setBold(true);
    item->setFont(0, f);
    item->setExpanded(first || expanded.contains(id));
    studyItems[id] = item;
    return item;
  };
  for (const app::StudyRecord& s : studies) makeStudy(s.id, s.name, s.filePath);
  // Runs of a study that were trained differently beyond their labels (an edited study launched
  // again) are named by the settings that differ, so two rows never read the same.
  std::map<qint64, QString> distinct;
  {
    std::map<qint64, std::vector<app::RunRecord>> byStudy;
    for (const app::RunRecord& r : runs) byStudy[r.studyId.value_or(-1)].push_back(r);
    try {
      for (const auto& [sid, list] : byStudy) distinct.merge(app::distinguishingSettings(ws_->store(), list).text);
    } catch (const std::exception&) {
      // the store went away between the reads: labels without settings
    }
  }
  std::map<qint64, std::map<app::RunState, int>> counts;
  int total = 0, running = 0, finished = 0;
  // a run under its own study, and under each study that includes it
  auto addRun = [&](const app::RunRecord& r, qint64 sid, const QString& variant) {
    if (!studyItems.count(sid)) makeStudy(sid, tr("Imported runs"), tr("Runs added with `adamix import`"));
    QTreeWidgetItem* parent = studyItems[sid];
    const QString name = app::runStateName(r.status);
    QString label = QStringLiteral("%1 · %2").arg(r.task, app::variantDisplayName(variant));
    if (const QString& d = distinct[r.id]; !d.isEmpty()) label += QStringLiteral(" · ") + d;
    auto* item = new QTreeWidgetItem(parent, {label, name, QString::number(r.seed)});
    item->setIcon(0, statusIcon(r.status));
    item->setData(0, kIdRole, r.id);
    item->setData(0, kKindRole, 1);
    item->setData(0, kStatusRole, name);
    QString tip = QStringLiteral("%1 · seed %2\n%3\n%4 — %5")
                      .arg(label)
                      .arg(r.seed)
                      .arg(r.config.value("run_id", std::string()).c_str(), name, statusExplanation(r.status));
    if (!r.errorMessage.isEmpty()) tip += QStringLiteral("\n%1").arg(r.errorMessage);
    if (r.studyId && sid != *r.studyId)
      tip += tr("\nRun of study %1, whose identical config this study includes: trained once, in both")
                 .arg(studyItems.count(*r.studyId) ? studyItems[*r.studyId]->text(0) : QString::number(*r.studyId));
    for (int c = 0; c < 3; ++c) item->setToolTip(c, tip);
    item->setForeground(1, statusColor(r.status));
    if (selected.contains(r.id)) item->setSelected(true);
    counts[sid][r.status] += 1;
  };
  for (const app::RunRecord& r : runs) {
    addRun(r, r.studyId.value_or(-1), r.variant);
    const auto [from, to] = includedIn.equal_range(r.id);
    for (auto it = from; it != to; ++it)
      addRun(r, it->second.studyId, it->second.variant.isEmpty() ? r.variant : it->second.variant);
    ++total;
    running += r.status == app::RunState::Running;
    finished += r.status == app::RunState::Finished;
  }
  for (auto& [sid, item] : studyItems) {
    const auto& c = counts[sid];
    int n = 0, fin = 0;
    for (const auto& [st, k] : c) {
      n += k;
      if (st == app::RunState::Finished) fin += k;
    }
    item->setText(1, tr("%1/%2 done").arg(fin).arg(n));
    if (c.count(app::RunState::Running))
      item->setIcon(0, statusIcon(app::RunState::Running));
    else if (c.count(app::RunState::Failed) || c.count(app::RunState::Lost))
      item->setIcon(0, statusIcon(app::RunState::Failed));
    else if (n > 0 && fin == n)
      item->setIcon(0, statusIcon(app::RunState::Finished));
    else
      item->setIcon(0, statusIcon(app::RunState::Queued));
  }
  summary_->setText(tr("%1 runs: %2 finished, %3 running").arg(total).arg(finished).arg(running));
  applyFilter();
}

void RunTree::applyFilter() {
  const QString text = filter_->text().trimmed();
  const QString st = status_->currentData().toString();
  for (int i = 0; i < tree_->topLevelItemCount(); ++i) {
    QTreeWidgetItem* s = tree_->topLevelItem(i);
    int shown = 0;
    for (int j = 0; j < s->childCount(); ++j) {
      QTreeWidgetItem* r = s->child(j);
      const QString hay = r->text(0) + QLatin1Char(' ') + r->text(1) + QStringLiteral(" s") + r->text(2) +
                          QLatin1Char(' ') + s->text(0);
      const bool ok = (text.isEmpty() || hay.contains(text, Qt::CaseInsensitive)) &&
                      (st.isEmpty() || r->data(0, kStatusRole).toString() == st) &&
                      !hidden_.contains(r->data(0, kIdRole).toLongLong());
      r->setHidden(!ok);
      shown += ok;
    }
    s->setHidden(shown == 0 && (!text.isEmpty() || !st.isEmpty() || !hidden_.isEmpty()));
  }
}

void RunTree::setHiddenRuns(const QSet<qint64>& runIds) {
  hidden_ = runIds;
  applyFilter();
}

int RunTree::visibleRunCount() const {
  QSet<qint64> shown;  // a run under two studies (one includes the other's) counts once
  for (int i = 0; i < tree_->topLevelItemCount(); ++i) {
    QTreeWidgetItem* s = tree_->topLevelItem(i);
    for (int j = 0; j < s->childCount(); ++j)
      if (!s->child(j)->isHidden()) shown.insert(s->child(j)->data(0, kIdRole).toLongLong());
  }
  return int(shown.size());
}

QList<qint64> RunTree::selectedRuns() const {
  QList<qint64> out;
  QSet<qint64> seen;
  for (QTreeWidgetItem* it : tree_->selectedItems()) {
    if (it->data(0, kKindRole).toInt() == 1) {
      const qint64 id = it->data(0, kIdRole).toLongLong();
      if (!seen.contains(id)) {
        seen.insert(id);
        out << id;
      }
    } else {
      for (int j = 0; j < it->childCount(); ++j) {
        if (it->child(j)->isHidden()) continue;
        const qint64 id = it->child(j)->data(0, kIdRole).toLongLong();
        if (!seen.contains(id)) {
          seen.insert(id);
          out << id;
        }
      }
    }
  }
  return out;
}

std::optional<qint64> RunTree::currentStudy() const {
  QTreeWidgetItem* it = tree_->currentItem();
  if (!it) return std::nullopt;
  if (it->data(0, kKindRole).toInt() == 1) it = it->parent();
  if (!it) return std::nullopt;
  const qint64 id = it->data(0, kIdRole).toLongLong();
  if (id < 0) return std::nullopt;
  return id;
}

void RunTree::selectRuns(const QList<qint64>& runIds) {
  const QSet<qint64> want(runIds.begin(), runIds.end());
  {
    const QSignalBlocker block(tree_);
    tree_->clearSelection();
    QTreeWidgetItem* first = nullptr;
    for (int i = 0; i < tree_->topLevelItemCount(); ++i) {
      QTreeWidgetItem* s = tree_->topLevelItem(i);
      for (int j = 0; j < s->childCount(); ++j) {
        QTreeWidgetItem* r = s->child(j);
        if (!want.contains(r->data(0, kIdRole).toLongLong())) continue;
        // a collapsed study (a just launched one) opens: the selected run is seen, and selected
        s->setExpanded(true);
        r->setSelected(true);
        if (!first) first = r;
      }
    }
    if (first) tree_->scrollToItem(first);
  }
  emit runsSelected(selectedRuns());
}

}  // namespace adamix::ui
