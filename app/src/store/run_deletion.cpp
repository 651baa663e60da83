// SPDX-License-Identifier: GPL-3.0-or-later
#include "store/run_deletion.h"

#include "store/run_dir_owner.h"
#include "store/sibling_databases.h"
#include "study/study.h"

#include <QDir>
#include <QFileInfo>
#include <QSet>

#include <algorithm>

namespace adamix::app {

namespace {

QString runLine(const RunRecord& r) {
  return QStringLiteral("#%1 %2 · %3 · seed %4 (%5)")
      .arg(r.id)
      .arg(r.task, variantDisplayName(r.variant))
      .arg(r.seed)
      .arg(runStateName(r.status));
}

/// "120 metric points", "1 evaluation", "3 runs".
QString rowsText(const QString& table, qint64 n) {
  struct Name {
    const char *one, *many;
  };
  static const std::map<QString, Name> names = {
      {QStringLiteral("studies"), {"study", "studies"}},
      {QStringLiteral("runs"), {"run", "runs"}},
      {QStringLiteral("metric_points"), {"metric point", "metric points"}},
      {QStringLiteral("results"), {"result", "results"}},
      {QStringLiteral("artifacts"), {"artifact record", "artifact records"}},
      {QStringLiteral("evaluations"), {"evaluation", "evaluations"}},
      {QStringLiteral("job_states"), {"scheduler state", "scheduler states"}},
  };
  const auto it = names.find(table);
  if (it == names.end()) return QStringLiteral("%1 rows of %2").arg(n).arg(table);
  return QStringLiteral("%1 %2").arg(n).arg(QLatin1String(n == 1 ? it->second.one : it->second.many));
}

/// True when `path` is `dir` or lies below it (lexically, for files that may be gone already).
bool underLexically(const QString& path, const QString& dir) {
  const QString p = QDir::cleanPath(QFileInfo(path).absoluteFilePath());
  const QString d = QDir::cleanPath(QFileInfo(dir).absoluteFilePath());
  return p == d || p.startsWith(d + QLatin1Char('/'));
}

RunDeletion plan(Store& store, std::vector<RunRecord> runs, std::optional<StudyRecord> study,
                 const QString& runsDir) {
  RunDeletion d;
  d.study = std::move(study);
  d.runs = std::move(runs);
  std::vector<qint64> ids;
  QSet<qint64> deleted;
  for (const RunRecord& r : d.runs) {
    ids.push_back(r.id);
    deleted.insert(r.id);
    if (r.status == RunState::Queued || r.status == RunState::Running) d.busy.push_back(r);
  }
  d.rows = store.runRowCounts(ids);
  if (d.study) d.rows[QStringLiteral("studies")] = 1;

  // directories still used by a run that stays
  QHash<QString, qint64> usedByOthers;
  for (const RunRecord& r : store.listRuns())
    if (!deleted.contains(r.id) && !r.runDir.isEmpty())
      usedByOthers.insert(QDir::cleanPath(QFileInfo(r.runDir).absoluteFilePath()), r.id);

  // the databases beside this one (copies in the same folder), read when first needed
  std::optional<SiblingDatabases> siblings;
  auto siblingUse = [&](const QString& dir) {
    if (!siblings) siblings.emplace(store.path());
    return siblings->useOf(dir);
  };

  QSet<QString> seen;
  for (const RunRecord& r : d.runs) {
    if (r.runDir.isEmpty()) continue;
    const QString dir = QDir::cleanPath(QFileInfo(r.runDir).absoluteFilePath());
    if (seen.contains(dir) || !QFileInfo(dir).exists()) continue;  // nothing (more) to remove
    seen.insert(dir);
    if (usedByOthers.contains(dir)) {
      d.kept.push_back({dir, QStringLiteral("also the run directory of run #%1, which stays").arg(usedByOthers[dir])});
    } else if (const QString other = otherWorkspaceOf(dir, store.path()); !other.isEmpty()) {
      // a copy of a database names the original's directories: never removed from the copy
      d.kept.push_back({dir, QStringLiteral("belongs to %1").arg(otherOwnerText(dir, store.path()))});
    } else if (!liesInside(dir, runsDir)) {
      d.kept.push_back({dir, QStringLiteral("outside the workspace's runs folder %1").arg(runsDir)});
    } else if (const auto use = runDirOwnerUnknown(dir) ? siblingUse(dir) : std::nullopt) {
      // made before owner files, or its owner database is gone (renamed, moved): a copy of this
      // database beside it (the same runs folder) names the same directories, and either may be
      // the original — kept while another names it
      d.kept.push_back({dir, use->unreadable.isEmpty()
                                 ? QStringLiteral("still used by run #%1 of %2, a database beside this one (is one a "
                                                  "copy of the other?)")
                                       .arg(use->runId)
                                       .arg(use->database)
                                 : QStringLiteral("%1 beside this database could not be read (%2), so it may still use "
                                                  "this directory (made before owner files); remove it by hand if not")
                                       .arg(use->database, use->unreadable)});
    } else {
      d.removeDirs << dir;
    }
  }
  // what this database made of runs whose directories belong to another workspace (its copy's
  // evaluations and merges, in its own runs folder: ownRunDirFor()) goes with them
  for (const RunRecord& r : d.runs) {
    const QString own = r.runDir.isEmpty() ? QString() : ownRunDirFor(r.runDir, store.path());
    if (own.isEmpty() || !QFileInfo(own).isDir() || !liesInside(own, runsDir)) continue;
    const QString dir = QDir::cleanPath(QFileInfo(own).absoluteFilePath());
    if (!seen.contains(dir) && !usedByOthers.contains(dir)) {
      seen.insert(dir);
      d.removeDirs << dir;
    }
  }
  // outputs written elsewhere (exported adapters, evaluations with their own output folder)
  auto keepOutput = [&](const QString& path, const QString& what) {
    if (path.isEmpty() || !QFileInfo::exists(path)) return;
    for (const QString& dir : d.removeDirs)
      if (underLexically(path, dir)) return;
    for (const KeptPath& k : d.kept)
      if (underLexically(path, k.path)) return;
    d.kept.push_back({QDir::cleanPath(QFileInfo(path).absoluteFilePath()), what});
  };
  for (const RunRecord& r : d.runs) {
    for (const Artifact& a : store.artifacts(r.id))
      keepOutput(a.path, QStringLiteral("%1 of run #%2, outside its run directory").arg(a.kind).arg(r.id));
    for (const Evaluation& e : store.evaluations(r.id))
      keepOutput(e.outDir, QStringLiteral("evaluation output of run #%1, outside its run directory").arg(r.id));
  }
  if (d.study && !d.study->filePath.isEmpty() && QFileInfo::exists(d.study->filePath))
    d.kept.push_back({QFileInfo(d.study->filePath).absoluteFilePath(), QStringLiteral("the study file")});
  return d;
}

}  // namespace

bool liesInside(const QString& path, const QString& folder) {
  const QString p = QFileInfo(path).canonicalFilePath();
  const QString f = QFileInfo(folder).canonicalFilePath();
  if (p.isEmpty() || f.isEmpty() || p == f) return false;
  return p.startsWith(f.endsWith(QLatin1Char('/')) ? f : f + QLatin1Char('/'));
}

QString rowCountsText(const RowCounts& rows) {
  QStringList texts;
  const QStringList known = QStringList{QStringLiteral("studies"), QStringLiteral("runs")} + Store::runDataTables();
  for (const QString& table : known) {
    if (!rows.count(table)) continue;
    // scheduler history exists only for cluster runs: named when there is some
    if (table == QLatin1String("job_states") && rows.at(table) == 0) continue;
    texts << rowsText(table, rows.at(table));
  }
  for (const auto& [table, n] : rows)
    if (!known.contains(table)) texts << rowsText(table, n);
  return texts.join(QStringLiteral(", "));
}

QString RunDeletion::subject() const {
  if (study) return QStringLiteral("study %1 (%2 runs)").arg(study->name).arg(runs.size());
  if (runs.size() == 1) return QStringLiteral("run %1").arg(runLine(runs.front()));
  return QStringLiteral("%1 runs").arg(runs.size());
}

QStringList RunDeletion::describe() const {
  QStringList out;
  if (study) out << QStringLiteral("Study %1").arg(study->name);
  out << QStringLiteral("Runs (%1):").arg(runs.size());
  for (const RunRecord& r : runs) out << QStringLiteral("  ") + runLine(r);
  if (refused()) {
    out << QStringLiteral("Refused: %1 of them %2 queued or running; cancel %3 first.")
               .arg(busy.size())
               .arg(QLatin1String(busy.size() == 1 ? "is" : "are"))
               .arg(QLatin1String(busy.size() == 1 ? "it" : "them"));
    return out;
  }
  out << QStringLiteral("Database rows: %1").arg(rowCountsText(rows));
  if (!sharedRuns.empty()) {
    out << QStringLiteral("Runs other studies include too, deleted from them as well (%1):").arg(sharedRuns.size());
    for (const auto& [r, whose] : sharedRuns) out << QStringLiteral("  %1 — also in %2").arg(runLine(r), whose);
  }
  if (!keptRuns.empty()) {
    out << QStringLiteral("Runs kept, with their rows and directories (%1):").arg(keptRuns.size());
    for (const auto& [r, why] : keptRuns) out << QStringLiteral("  %1 — %2").arg(runLine(r), why);
  }
  out << QStringLiteral("Run directories removed (%1):").arg(removeDirs.size());
  for (const QString& dir : removeDirs) out << QStringLiteral("  ") + dir;
  if (!kept.empty()) {
    out << QStringLiteral("Kept on disk (%1):").arg(kept.size());
    for (const KeptPath& k : kept) out << QStringLiteral("  %1 — %2").arg(k.path, k.reason);
  }
  return out;
}

namespace {

/// A study's name, "#<id>" when it is gone.
QString studyName(Store& store, qint64 studyId) {
  const auto st = store.study(studyId);
  return st ? st->name : QStringLiteral("#%1").arg(studyId);
}

}  // namespace

RunDeletion planRunDeletion(Store& store, const std::vector<qint64>& runIds, const QString& runsDir) {
  std::vector<RunRecord> runs;
  for (qint64 id : runIds) {
    if (std::any_of(runs.begin(), runs.end(), [id](const RunRecord& r) { return r.id == id; })) continue;
    auto r = store.run(id);
    if (!r) throw StoreError("store: no run with id " + std::to_string(id));
    runs.push_back(std::move(*r));
  }
  RunDeletion d = plan(store, std::move(runs), std::nullopt, runsDir);
  for (const RunRecord& r : d.runs) {
    QStringList names;
    for (qint64 other : store.otherStudiesOf(r.id, r.studyId.value_or(-1)))
      names << QStringLiteral("study %1").arg(studyName(store, other));
    if (!names.isEmpty()) d.sharedRuns.emplace_back(r, names.join(QStringLiteral(", ")));
  }
  return d;
}

RunDeletion planStudyDeletion(Store& store, qint64 studyId, const QString& runsDir) {
  auto study = store.study(studyId);
  if (!study) throw StoreError("store: no study with id " + std::to_string(studyId));
  RunFilter f;
  f.studyId = studyId;
  std::vector<RunRecord> deleted;
  std::vector<std::pair<RunRecord, QString>> kept;
  for (RunRecord& r : store.listRuns(f)) {
    const std::vector<qint64> others = store.otherStudiesOf(r.id, studyId);
    if (others.empty()) {
      deleted.push_back(std::move(r));
      continue;
    }
    kept.emplace_back(std::move(r), QStringLiteral("also in study %1").arg(studyName(store, others.front())));
  }
  RunDeletion d = plan(store, std::move(deleted), std::move(study), runsDir);
  d.keptRuns = std::move(kept);
  return d;
}

DeletionOutcome deleteRunsAndDirectories(Store& store, const RunDeletion& plan, const QString& runsDir) {
  DeletionOutcome out;
  if (plan.study) {
    std::vector<qint64> planned;
    for (const RunRecord& r : plan.runs) planned.push_back(r.id);
    out.rows = store.deleteStudy(plan.study->id, planned);
  } else {
    std::vector<qint64> ids;
    for (const RunRecord& r : plan.runs) ids.push_back(r.id);
    out.rows = store.deleteRuns(ids);
  }
  out.kept = plan.kept;
  for (const QString& dir : plan.removeDirs) {
    if (!liesInside(dir, runsDir)) {  // checked again: the plan may be older than the disk
      if (QFileInfo::exists(dir))
        out.kept.push_back({dir, QStringLiteral("outside the workspace's runs folder %1").arg(runsDir)});
      continue;
    }
    // removeRecursively deletes links inside, never what they point to
    if (QDir(dir).removeRecursively())
      out.removedDirs << dir;
    else
      out.kept.push_back({dir, QStringLiteral("could not be removed completely")});
  }
  return out;
}

}  // namespace adamix::app
