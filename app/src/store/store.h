// The workspace store: one SQLite database (WAL) through Qt Sql. One Store = one connection;
// use one Store per thread (or process). All methods throw StoreError on failure.
#pragma once

#include "exec/run_state.h"
#include "store/metric_buckets.h"
#include "store/run_dir_owner.h"

#include <QSqlDatabase>
#include <QString>
#include <QStringList>

#include <nlohmann/json.hpp>

#include <functional>
#include <map>
#include <optional>
#include <stdexcept>
#include <vector>

namespace adamix::app {

/// A store failure (open, migration or query); what() includes the SQL error.
class StoreError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// A deletion refused because runs are queued or running (an executor owns them); nothing was deleted.
class RunBusyError : public StoreError {
 public:
  RunBusyError(const std::string& what, std::vector<qint64> runIds) : StoreError(what), runIds(std::move(runIds)) {}
  std::vector<qint64> runIds;  ///< the queued or running runs
};

/// Rows per table ("runs", "metric_points", …) that a deletion removed or would remove.
using RowCounts = std::map<QString, qint64>;

/// Current UNIX time in seconds (fractional), the store's time unit.
double unixNow();

/// A row of the studies table.
struct StudyRecord {
  qint64 id = 0;
  QString name;
  QString filePath;
  nlohmann::json json;
  double created = 0;
};

/// What addRun()/ensureRun() insert.
struct NewRun {
  std::optional<qint64> studyId;  ///< none for imported runs without a study
  QString runKey;                 ///< config hash (configHash())
  QString variant;
  QString task;
  int seed = 0;
  nlohmann::json axes = nlohmann::json::object();
  nlohmann::json config = nlohmann::json::object();
  RunState status = RunState::Queued;
  QString runDir;
};

/// A row of the runs table. Times are UNIX seconds.
struct RunRecord {
  qint64 id = 0;
  std::optional<qint64> studyId;
  QString runKey, variant, task;
  int seed = 0;
  nlohmann::json axes, config;
  RunState status = RunState::Queued;
  QString runDir;
  double created = 0;
  std::optional<double> started, finished, lastHeartbeat;
  QString host, engineVersion;
  std::optional<int> exitCode;
  QString errorKind, errorMessage, errorLocation;
  std::optional<qint64> pid;
  QString executor;            ///< "local", "slurm"; "" for runs stored before schema v4
  QString jobId;               ///< Slurm "<array job>_<task>"; "" for local runs
  QString jobState, jobReason;  ///< the scheduler's last seen state and reason ("" local)
  /// The engine's `params` object ({total, trainable, trainable_peft, inference_peft, head, base},
  /// docs/protocol.md); null until the run's `started` event was stored.
  nlohmann::json params;
  /// What computed it: {"device", "blas_core", "fused_cpu_kernels"} from its (latest) `started`
  /// event (computeOf(), engine_events.h); null until stored, and for runs stored before schema v8.
  nlohmann::json compute;
  /// The executor settings of its latest submission to a batch scheduler: executorSpecToJson() of
  /// the spec it was queued with (the study's executor section with the command line's overrides).
  /// Null when it was last queued locally, never queued, or queued before schema v10.
  nlohmann::json launchExecutor;
};

/// Optional fields written together with a status change (unset fields are left as they are).
struct RunUpdate {
  std::optional<double> started, finished, lastHeartbeat;
  std::optional<QString> runDir, host, engineVersion;
  std::optional<int> exitCode;
  std::optional<QString> errorKind, errorMessage, errorLocation;
  std::optional<qint64> pid;
  std::optional<QString> executor, jobId, jobState, jobReason;
  /// RunRecord::launchExecutor; a null json clears it (a run queued locally).
  std::optional<nlohmann::json> launchExecutor;
  bool clearError = false;  ///< reset exit code and error fields (e.g. on a rerun)
};

/// A scheduler state of one run seen by one poll (table job_states: the history behind
/// runs.job_state / job_reason).
struct JobStateRecord {
  qint64 runId = 0;
  double time = 0;  ///< UNIX seconds of the poll; every record of one poll has the same time
  QString jobId, state, reason;
};

/// Filter for listRuns(); unset members match everything.
struct RunFilter {
  /// The study's own runs and those of other studies it includes; an included run reads as this
  /// study's (RunRecord::studyId) with this study's label for it (RunRecord::variant).
  std::optional<qint64> studyId;
  std::vector<RunState> statuses;
  std::optional<QString> task, variant, runKey;
};

/// One metric point (a `metric` event).
struct MetricPoint {
  qint64 runId = 0;
  qint64 step = 0;
  double epoch = 0;
  QString split, name;
  double value = 0;
  double time = 0;
};

/// One stored result value: kind "final" (last evaluation) or "best" (best evaluation).
struct ResultValue {
  QString split, name;
  double value = 0;
  QString kind = QStringLiteral("final");
};

/// A file produced by a run (checkpoint, adapters, merged weights, predictions, logs).
struct Artifact {
  qint64 id = 0;
  qint64 runId = 0;
  QString kind, path, sha256;  ///< sha256 may be empty
};

/// One evaluation of a run's saved weights (`adamix-engine eval`): a split of its task or a data
/// file, with one inference mode. Kept apart from the run's own results (table `evaluations`).
struct Evaluation {
  qint64 id = 0;
  qint64 runId = 0;
  QString split;     ///< split name ("dev", "test_matched", …); empty when `dataFile` is set
  QString dataFile;  ///< evaluated file (absolute); empty when `split` is set
  QString inference;                 ///< merged | random | module:K | ensemble
  std::optional<qint64> weightsStep;  ///< the step whose weights were evaluated, when known
  qint64 examples = 0;
  std::vector<std::pair<QString, double>> metrics;  ///< metric → value, by name; empty without labels
  QString primaryMetric;
  QString outDir;       ///< absolute output directory
  QString predictions;  ///< predictions file name in outDir
  QString submission;   ///< GLUE submission file name in outDir (test splits), else empty
  /// What else the engine said of it: "wall_s" (its cost, seconds), "end_of_run" (true: one of the
  /// modes an AdaMix run evaluates as it ends, `evaluation` events), and for merge strategies
  /// "strategy", "heldout" {split, examples, seed}; an empty object when nothing.
  nlohmann::json details = nlohmann::json::object();
  double created = 0;   ///< UNIX seconds

  /// What was evaluated: the split, else the data file's name.
  QString target() const;
};

/// Result of ensureRun().
struct EnsuredRun {
  qint64 id = 0;
  bool created = false;  ///< false: an existing run with the same key was returned
};

/// A launcher (one StudyRunner of one process) that holds or asks for runs' claims.
struct ClaimOwner {
  QString id;        ///< random, unique per launcher
  QString host;      ///< the launcher's machine
  qint64 pid = 0;    ///< the launcher's process id on `host`
  QString pidStart;  ///< that process's start time as the OS reports it ("" unknown)
};

/// A row of run_claims: who trains a run, and until when its lease runs without a renewal.
struct RunClaim {
  qint64 runId = 0;
  ClaimOwner owner;
  double claimed = 0;     ///< UNIX seconds the claim was taken
  double leaseUntil = 0;  ///< UNIX seconds; the owner renews it while it lives
};

/// What Store::claimRun() found and did.
struct ClaimResult {
  bool won = false;                  ///< the caller holds the claim now (new, its own, or taken over)
  bool tookOver = false;             ///< won from an owner the caller's test declared gone
  std::optional<RunClaim> previous;  ///< the claim found before: the live holder when !won
};

/// SQLite store. Safe for several Store objects (threads or processes) writing one file:
/// WAL, busy_timeout and BEGIN IMMEDIATE transactions with retries.
class Store {
 public:
  Store();
  ~Store();
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  /// Opens (creating if needed) and migrates the database: WAL, foreign keys, busy_timeout.
  void open(const QString& path, int busyTimeoutMs = 15000);
  /// Closes the connection (also done by the destructor).
  void close();
  bool isOpen() const;
  QString path() const { return path_; }
  /// PRAGMA user_version of the open database.
  int schemaVersion();
  /// The Qt connection name (unique per Store).
  QString connectionName() const { return connection_; }

  // --- studies ---
  /// Inserts or updates (by name) a study; returns its id.
  qint64 upsertStudy(const QString& name, const QString& filePath, const nlohmann::json& json);
  std::optional<StudyRecord> findStudy(const QString& name);
  std::optional<StudyRecord> study(qint64 id);
  std::vector<StudyRecord> listStudies();

  // --- runs ---
  /// Inserts a run unconditionally; returns its id.
  qint64 addRun(const NewRun& run);
  /// Returns the existing run with the same runKey (preferring finished, then the newest) unless
  /// `force`, else inserts: identical configs are not trained twice unless forced. Atomic.
  EnsuredRun ensureRun(const NewRun& run, bool force = false);
  /// The run with this config hash, preferring a finished one, then the newest.
  std::optional<RunRecord> findRunByHash(const QString& runKey);
  std::optional<RunRecord> run(qint64 id);
  std::vector<RunRecord> listRuns(const RunFilter& filter = {});
  /// Includes run `runId` of another study in study `studyId` (table study_runs): an identical run
  /// config, trained once, belongs to both (listRuns, tables, exports), labelled `variant` with
  /// axis values `axes` in this study ("" / null: its own; a study copied under another name may
  /// call a variant otherwise).
  /// Included already: the label is updated. A run of no study (an imported one) becomes the
  /// study's own; nothing when it is that study's own run.
  void includeRunInStudy(qint64 studyId, qint64 runId, const QString& variant = {},
                         const nlohmann::json& axes = nullptr);
  /// The studies other than `studyId` that run `runId` belongs to — its own study, and those that
  /// include it — ascending by id.
  std::vector<qint64> otherStudiesOf(qint64 runId, qint64 studyId);
  /// One inclusion of a run in a study not its own (includeRunInStudy).
  struct StudyInclusion {
    qint64 studyId = 0, runId = 0;
    QString variant;  ///< its label in that study ("" = the run's own)
    bool operator==(const StudyInclusion& o) const {
      return studyId == o.studyId && runId == o.runId && variant == o.variant;
    }
  };
  /// Every inclusion, by study and run id.
  std::vector<StudyInclusion> studyInclusions();
  /// Sets the status and any fields given in `update`.
  void setRunStatus(qint64 runId, RunState status, const RunUpdate& update = {});
  /// Stores the engine's `params` object of a run (RunRecord::params).
  void setRunParams(qint64 runId, const nlohmann::json& params);
  /// Stores what computed a run (RunRecord::compute).
  void setRunCompute(qint64 runId, const nlohmann::json& compute);
  /// Records a heartbeat time (UNIX seconds).
  void touchHeartbeat(qint64 runId, double time);
  /// Appends scheduler states seen by one poll to the history and sets each run's job_id /
  /// job_state / job_reason, in one transaction.
  void recordJobStates(const std::vector<JobStateRecord>& states);
  /// A run's scheduler state history, oldest first.
  std::vector<JobStateRecord> jobStates(qint64 runId);
  /// Marks every `running` run `interrupted` (call at app start); returns how many.
  int markInFlightAsInterrupted();

  // --- claims: which launcher trains a run (store/run_claims.cpp) ---
  /// Claims a run for `me` in one write transaction (BEGIN IMMEDIATE), so of two launchers asking
  /// at once exactly one wins: it wins when nobody holds the run, when `me` holds it already
  /// (the lease is renewed), or when `holderGone(current claim)` says the holder is provably gone
  /// (taken over). The lease runs `leaseS` seconds from now. Throws StoreError.
  ClaimResult claimRun(qint64 runId, const ClaimOwner& me, double leaseS,
                       const std::function<bool(const RunClaim&)>& holderGone);
  /// Extends the lease of every claim `ownerId` holds to now + `leaseS`; returns how many it holds.
  int renewClaims(const QString& ownerId, double leaseS);
  /// Drops `ownerId`'s claim of a run; false when it did not hold it (nothing changed).
  bool releaseClaim(qint64 runId, const QString& ownerId);
  /// Drops every claim `ownerId` holds; returns how many.
  int releaseClaims(const QString& ownerId);
  /// The claim of a run, if any.
  std::optional<RunClaim> claim(qint64 runId);

  // --- metrics, results, artifacts ---
  /// Stores a batch of points in one transaction. A run has one point per (split, name, step): a
  /// point whose key is already stored replaces it (followers of one run each read its log).
  void appendMetricPoints(const std::vector<MetricPoint>& points);
  /// Deletes a run's points with step > `step` (before resuming from a checkpoint at `step`).
  void deleteMetricPointsAfter(qint64 runId, qint64 step);
  /// Replaces all metric points of `runId` by `points` (their runId is set to `runId`) in one
  /// transaction: a reader sees either the old series or the new ones, never a gap.
  void replaceMetricPoints(qint64 runId, std::vector<MetricPoint> points);
  /// The points of one series ordered by step (then time).
  std::vector<MetricPoint> metricSeries(qint64 runId, const QString& split, const QString& name);
  /// All points of a run ordered by split, name, step.
  std::vector<MetricPoint> metricPoints(qint64 runId);
  /// Calls `fn` for each point of a run, in metricPoints()' order, reading them one at a time (a
  /// cursor: nothing is collected). Empty split/name filters match everything.
  void forEachMetricPoint(qint64 runId, const QString& split, const QString& name,
                          const std::function<void(const MetricPoint&)>& fn);
  /// The (split, name) pairs a run has points of, ordered by split then name; found by seeking the
  /// series index once per pair (the points themselves are not read), in one statement.
  std::vector<std::pair<QString, QString>> metricNames(qint64 runId);
  /// metricNames() of every run that has points, in one statement (the same skip scan across
  /// runs), keyed by run id: 31 ms for 1,000 runs × 5,050 points, against 0.6 s for 1,000
  /// metricNames() calls.
  std::map<qint64, std::vector<std::pair<QString, QString>>> metricNamesOfAllRuns();
  /// The first and last point (by step) of one series; nullopt when it has none. Two index seeks.
  std::optional<std::pair<SeriesSample, SeriesSample>> metricSeriesEnds(qint64 runId, const QString& split,
                                                                        const QString& name);
  /// Earliest point time (> 0) of a run over all its series; nullopt when none (wall-time origin).
  std::optional<double> metricStartTime(qint64 runId);
  /// The points of one series with stepLo <= step <= stepHi, by step (exact stored values).
  std::vector<SeriesSample> metricSamples(qint64 runId, const QString& split, const QString& name, double stepLo,
                                          double stepHi);
  /// The points of one series with stepLo <= step <= stepHi summarised in buckets of `width`
  /// steps (app::SeriesBucketer; width <= 1: one bucket per point). Widths of 8 steps and more
  /// (powers of two) are merged from the run's stored summaries (table metric_lod: the series in
  /// buckets of pyramidWidths()), so the points themselves are not read: a run that ended gets
  /// them then (setRunStatus), an older one at its first read here. Otherwise, and with
  /// `positiveOnly` (leave out values <= 0, for log axes), the points are streamed from the series
  /// index into buckets: only the buckets are held. The result is the same either way.
  std::vector<SeriesBucket> metricBuckets(qint64 runId, const QString& split, const QString& name, double stepLo,
                                          double stepHi, double width, bool positiveOnly = false);
  /// Summarises each series of a run in buckets of pyramidWidths() (table metric_lod), replacing
  /// what was there; done when a run reaches a terminal state. Any later write to the run's points
  /// drops them again (they are read back from metric_points when needed).
  void buildMetricSummaries(qint64 runId);
  /// Replaces all results of a run.
  void setResults(qint64 runId, const std::vector<ResultValue>& results);
  std::vector<ResultValue> results(qint64 runId);
  void addArtifact(qint64 runId, const QString& kind, const QString& path, const QString& sha256 = {});
  std::vector<Artifact> artifacts(qint64 runId);
  /// Records an evaluation; returns its id (`id` and `created` of the argument are ignored; created = now).
  qint64 addEvaluation(const Evaluation& evaluation);
  /// A run's evaluations, oldest first.
  std::vector<Evaluation> evaluations(qint64 runId);
  /// Removes a run's metric points, results, artifacts and evaluations and clears its error, job
  /// and launch settings (for a rerun).
  void clearRunData(qint64 runId);

  // --- deleting runs and studies ---
  /// The tables whose rows belong to one run (a `run_id` column referencing runs): metric_points,
  /// results, artifacts, evaluations, job_states. clearRunData() and deleteRuns() empty exactly these.
  static const QStringList& runDataTables();
  /// The rows deleteRuns(runIds) would remove, per table (runDataTables() and "runs"); unknown ids count nothing.
  RowCounts runRowCounts(const std::vector<qint64>& runIds);
  /// Deletes these runs and every row that references them, in one transaction. Queued and running
  /// runs belong to an executor: the whole deletion is refused (RunBusyError, nothing deleted); cancel
  /// them first. Unknown ids are a StoreError. Returns the rows removed per table.
  RowCounts deleteRuns(const std::vector<qint64>& runIds);
  /// Deletes a study with its runs and their rows (as deleteRuns), in one transaction; refused in
  /// the same way while one of the runs it deletes is queued or running. Runs another study also
  /// has (otherStudiesOf) stay: one of its own passes to the first of those studies, one it
  /// included is only no longer included. Returns the rows removed per table ("studies" included).
  /// `planned`: the runs a deletion plan deletes (planStudyDeletion): when the store's differ (another
  /// study included one since, or no longer does), throws StoreError and deletes nothing.
  RowCounts deleteStudy(qint64 studyId, const std::optional<std::vector<qint64>>& planned = std::nullopt);

  /// Runs `fn` inside BEGIN IMMEDIATE … COMMIT (rolled back if it throws); retries when busy.
  /// Nested calls (from `fn`) join the outer transaction: everything commits or rolls back together.
  template <class F>
  void writeTransaction(F&& fn) {
    if (transactionDepth_ > 0) {
      fn();
      return;
    }
    begin();
    ++transactionDepth_;
    try {
      fn();
    } catch (...) {
      --transactionDepth_;
      rollback();
      throw;
    }
    --transactionDepth_;
    commit();
  }

 private:
  /// The stored buckets of one series at the widest stored width <= `width` (empty: none); `any`
  /// tells whether the series has stored summaries at all.
  std::vector<SeriesBucket> storedBuckets(qint64 runId, const QString& split, const QString& name, double width,
                                          double* storedWidth, bool* any);
  /// Drops the stored summaries of these runs (their points changed); callers hold the write transaction.
  void dropMetricSummaries(const std::vector<qint64>& runIds);
  /// INSERT of one run row; callers hold the write transaction.
  qint64 insertRun(const NewRun& run);
  /// DELETE of runs and their rows after the busy check; callers hold the write transaction.
  void deleteRunsLocked(const std::vector<qint64>& runIds, RowCounts* counts);
  void begin();
  void commit();
  void rollback();
  void migrate();
  QSqlDatabase db() const;
  /// UPDATE runs SET <column> = value's JSON text (column: a name of this file's, never user input).
  void setRunJsonColumn(qint64 runId, const char* column, const nlohmann::json& value);

  QString connection_;
  QString path_;
  int transactionDepth_ = 0;  ///< writeTransaction() calls in progress
};

}  // namespace adamix::app
