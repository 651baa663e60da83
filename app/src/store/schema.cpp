// SQLite schema history. Never edit a released version's text: add a migration instead.
#include "store/schema.h"

namespace adamix::app::schema {

QStringList v1Statements() {
  return {
      QStringLiteral("CREATE TABLE studies ("
                     " id INTEGER PRIMARY KEY,"
                     " name TEXT NOT NULL UNIQUE,"
                     " file_path TEXT,"
                     " json TEXT NOT NULL,"
                     " created REAL NOT NULL)"),
      QStringLiteral("CREATE TABLE runs ("
                     " id INTEGER PRIMARY KEY,"
                     " study_id INTEGER REFERENCES studies(id) ON DELETE CASCADE,"
                     " run_key TEXT NOT NULL,"
                     " variant TEXT NOT NULL DEFAULT '',"
                     " task TEXT NOT NULL DEFAULT '',"
                     " seed INTEGER NOT NULL DEFAULT 0,"
                     " axes TEXT NOT NULL DEFAULT '{}',"
                     " config TEXT NOT NULL,"
                     " status TEXT NOT NULL,"
                     " run_dir TEXT,"
                     " created REAL NOT NULL,"
                     " started REAL,"
                     " finished REAL,"
                     " exit_code INTEGER,"
                     " error_kind TEXT,"
                     " error_message TEXT)"),
      QStringLiteral("CREATE TABLE metric_points ("
                     " run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,"
                     " step INTEGER NOT NULL,"
                     " epoch REAL,"
                     " split TEXT NOT NULL,"
                     " name TEXT NOT NULL,"
                     " value REAL NOT NULL,"
                     " time REAL)"),
      QStringLiteral("CREATE TABLE results ("
                     " run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,"
                     " split TEXT NOT NULL,"
                     " name TEXT NOT NULL,"
                     " value REAL NOT NULL,"
                     " kind TEXT NOT NULL)"),
  };
}

QStringList migrationStatements(int to) {
  switch (to) {
    case 2:  // executor bookkeeping, artifacts, indexes for the comparison queries
      return {
          QStringLiteral("ALTER TABLE runs ADD COLUMN host TEXT"),
          QStringLiteral("ALTER TABLE runs ADD COLUMN engine_version TEXT"),
          QStringLiteral("ALTER TABLE runs ADD COLUMN error_location TEXT"),
          QStringLiteral("ALTER TABLE runs ADD COLUMN pid INTEGER"),
          QStringLiteral("ALTER TABLE runs ADD COLUMN last_heartbeat REAL"),
          QStringLiteral("CREATE TABLE artifacts ("
                         " id INTEGER PRIMARY KEY,"
                         " run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,"
                         " kind TEXT NOT NULL,"
                         " path TEXT NOT NULL,"
                         " sha256 TEXT)"),
          QStringLiteral("CREATE INDEX metric_points_series ON metric_points(run_id, split, name, step)"),
          QStringLiteral("CREATE INDEX runs_run_key ON runs(run_key)"),
          QStringLiteral("CREATE INDEX runs_study ON runs(study_id, status)"),
          // v1 allowed duplicate results; keep the last written before adding the unique index.
          QStringLiteral("DELETE FROM results WHERE rowid NOT IN"
                         " (SELECT MAX(rowid) FROM results GROUP BY run_id, split, name, kind)"),
          QStringLiteral("CREATE UNIQUE INDEX results_key ON results(run_id, split, name, kind)"),
          QStringLiteral("CREATE INDEX artifacts_run ON artifacts(run_id)"),
      };
    case 3:  // evaluations of a run's saved weights (`adamix-engine eval`): beside, never inside, `results`
      return {
          QStringLiteral("CREATE TABLE evaluations ("
                         " id INTEGER PRIMARY KEY,"
                         " run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,"
                         " split TEXT NOT NULL DEFAULT '',"      // split name, or '' with data_file
                         " data_file TEXT NOT NULL DEFAULT '',"  // evaluated file, or '' with split
                         " inference TEXT NOT NULL,"
                         " weights_step INTEGER,"                // NULL when the engine did not know
                         " examples INTEGER NOT NULL DEFAULT 0,"
                         " metrics TEXT NOT NULL DEFAULT '{}',"  // {metric: value}; {} without labels
                         " primary_metric TEXT NOT NULL DEFAULT '',"
                         " out_dir TEXT NOT NULL,"
                         " predictions TEXT NOT NULL DEFAULT '',"
                         " submission TEXT NOT NULL DEFAULT '',"
                         " created REAL NOT NULL)"),
          QStringLiteral("CREATE INDEX evaluations_run ON evaluations(run_id, created)"),
      };
    case 4:  // batch-scheduler executors (Slurm): job ids, the scheduler's state, its history
      return {
          QStringLiteral("ALTER TABLE runs ADD COLUMN executor TEXT"),    // 'local' | 'slurm'; NULL before v4
          QStringLiteral("ALTER TABLE runs ADD COLUMN job_id TEXT"),      // Slurm '<array job>_<task>'
          QStringLiteral("ALTER TABLE runs ADD COLUMN job_state TEXT"),   // PENDING, RUNNING, … (last seen)
          QStringLiteral("ALTER TABLE runs ADD COLUMN job_reason TEXT"),  // why it waits / ended
          QStringLiteral("CREATE TABLE job_states ("
                         " run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,"
                         " time REAL NOT NULL,"  // the poll that saw it (one time for one poll)
                         " job_id TEXT NOT NULL,"
                         " state TEXT NOT NULL,"
                         " reason TEXT NOT NULL DEFAULT '')"),
          QStringLiteral("CREATE INDEX job_states_run ON job_states(run_id, time)"),
      };
    case 5:  // plots at study scale: a run's series summarised in buckets. A cache made from metric_points,
             // not run data: no foreign key, not in Store::runDataTables(); the store drops a run's rows
             // whenever its points change or it is deleted (Store::dropMetricSummaries)
      return {
          QStringLiteral("CREATE TABLE metric_lod ("
                         " run_id INTEGER NOT NULL,"
                         " split TEXT NOT NULL,"
                         " name TEXT NOT NULL,"
                         " width INTEGER NOT NULL,"  // steps per bucket: 8, 32, 128, … (pyramidWidths)
                         " buckets BLOB NOT NULL)"),  // encodeBuckets()
          QStringLiteral("CREATE UNIQUE INDEX metric_lod_series ON metric_lod(run_id, split, name, width)"),
      };
    case 6:  // two launchers, one workspace: the launcher that trains a run holds its claim (Store::claimRun).
             // A lease, not run data: no foreign key, not in Store::runDataTables(); deleteRuns drops it
      return {
          QStringLiteral("CREATE TABLE run_claims ("
                         " run_id INTEGER PRIMARY KEY,"
                         " owner TEXT NOT NULL,"                 // random id of the launcher (StudyRunner)
                         " host TEXT NOT NULL,"                  // the launcher's machine
                         " pid INTEGER NOT NULL,"                // the launcher's process id on `host`
                         " pid_start TEXT NOT NULL DEFAULT '',"  // its start time (/proc/<pid>/stat), '' unknown
                         " claimed REAL NOT NULL,"               // UNIX seconds the claim was taken
                         " lease_until REAL NOT NULL)"),         // UNIX seconds; renewed while the owner lives
      };
    case 7:  // the paper's analyses (issue 14): a run's parameter counts (x axes of score vs % parameters),
             // and what an evaluation needs beyond its metrics (its cost, a merge's held-out split)
      return {
          QStringLiteral("ALTER TABLE runs ADD COLUMN params TEXT"),  // the engine's `params` JSON; NULL unknown
          // {"wall_s": seconds, "strategy": …, "heldout": {split, examples, seed}, …}; {} for older rows
          QStringLiteral("ALTER TABLE evaluations ADD COLUMN details TEXT NOT NULL DEFAULT '{}'"),
      };
    case 8:  // what computed a run (its `started` event, schema 1.3): device and kernels move results in the
             // last bits, so tables say when their runs were computed differently (export/pivot.h)
      return {
          // {"device": "cpu", "blas_core": "Haswell", "fused_cpu_kernels": false}; NULL unknown
          QStringLiteral("ALTER TABLE runs ADD COLUMN compute TEXT"),
      };
    case 9:  // one point per (run, split, name, step): several followers of one run (a Slurm study followed by
             // `study run` and `study follow` or the GUI) each read its events.jsonl, and each stored every point.
             // Older workspaces keep the last point written of each key; their summaries are made again
      return {
          QStringLiteral("DELETE FROM metric_lod WHERE run_id IN (SELECT run_id FROM metric_points"
                         " GROUP BY run_id, split, name, step HAVING COUNT(*) > 1)"),
          QStringLiteral("DELETE FROM metric_points WHERE EXISTS (SELECT 1 FROM metric_points later"
                         " WHERE later.run_id = metric_points.run_id AND later.split = metric_points.split"
                         " AND later.name = metric_points.name AND later.step = metric_points.step"
                         " AND later.rowid > metric_points.rowid)"),
          QStringLiteral("DROP INDEX metric_points_series"),
          QStringLiteral("CREATE UNIQUE INDEX metric_points_series ON metric_points(run_id, split, name, step)"),
      };
    case 10:  // the executor settings a run was last submitted with (a batch scheduler's: the study's executor
              // section with the command line's overrides), so whoever follows it later (study follow / status,
              // the GUI) uses them, whatever a later launch wrote into the study document
      return {
          // executorSpecToJson() of the submission's spec; NULL: run locally, or submitted before v10
          QStringLiteral("ALTER TABLE runs ADD COLUMN launch_executor TEXT"),
      };
    case 11:  // a study that includes runs of another study: identical run configs (a study file copied and
              // renamed, or one that adds variants to another's) are trained once and belong to both
      return {
          QStringLiteral("CREATE TABLE study_runs ("
                         " study_id INTEGER NOT NULL REFERENCES studies(id) ON DELETE CASCADE,"
                         " run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,"  // a run of another study
                         " variant TEXT NOT NULL DEFAULT '',"  // its label in this study ('' = the run's own)
                         " axes TEXT,"  // its axis values there ({axis: label or value}); NULL = the run's own
                         " PRIMARY KEY (study_id, run_id)) WITHOUT ROWID"),
          QStringLiteral("CREATE INDEX study_runs_run ON study_runs(run_id)"),
      };
    default: return {};
  }
}

}  // namespace adamix::app::schema
