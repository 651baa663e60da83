// Typed adamix-engine events (docs/protocol.md): the one place where an event's JSON object is
// picked apart. EventParser turns stdout lines into JSON objects; decodeEvent() turns those into
// the structs below, which everything else (executor, store glue, CLI, GUI) consumes.
// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "exec/run_state.h"
#include "store/store.h"

#include <nlohmann/json.hpp>

#include <QMetaType>
#include <QString>
#include <QStringList>

#include <optional>
#include <stdexcept>
#include <variant>
#include <vector>

namespace adamix::app {

/// A malformed event: what() names the event kind and the field at fault.
class EventDecodeError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// Parameter counts (`params` of `started` and `finished`).
struct ParamCounts {
  qint64 total = 0, trainable = 0, trainablePeft = 0, inferencePeft = 0, head = 0;
  qint64 base = 0;  ///< the pretrained backbone alone (schema ≥ 1.2; 0 when absent)
  /// The protocol's JSON object ({total, trainable, trainable_peft, inference_peft, head, base}).
  nlohmann::json toJson() const;
};

/// `started`: the engine validated its config and begins (or resumes) training.
struct StartedEvent {
  nlohmann::json config = nlohmann::json::object();  ///< the resolved config
  QString device;                                    ///< "cpu", "cuda:0"
  int threads = 0;
  /// The kernels that computed the run (schema 1.3): "" / false from older engines.
  QString blasCore;           ///< OpenBLAS's kernel set ("Haswell", "Cooperlake", …); "" not OpenBLAS
  bool fusedCpuKernels = false;  ///< the opt-in fused CPU kernels ran
  bool kernelsKnown = false;     ///< the event had a well-formed `kernels` (engine schema >= 1.3)
  ParamCounts params;
  qint64 totalSteps = 0;
  qint64 resumedFromStep = 0;  ///< 0 for a fresh start
  // `adamix-engine eval` only (empty / 0 for training):
  QString mode;       ///< "eval"; empty for training
  QString split;      ///< the evaluated split, or the data file's stem
  QString inference;  ///< merged | random | module:K | ensemble
  qint64 examples = 0;
};

/// What computed a run, as the store keeps it (RunRecord::compute): {"device": "cpu" | "cuda"
/// (the device index dropped), "blas_core", "fused_cpu_kernels"}; the last two only when the
/// engine reported them (schema >= 1.3).
nlohmann::json computeOf(const StartedEvent& started);

/// A short label of computeOf()'s object for tables and notes: "CPU, OpenBLAS Haswell",
/// "CPU, OpenBLAS Cooperlake, fused CPU kernels", "CPU" (LibTorch without OpenBLAS), "CUDA"; ""
/// (unknown) for a null or empty object and for a CPU run without kernels (engines before 1.3).
QString computeLabel(const nlohmann::json& compute);

/// `progress`: training advanced to `step`. Optional fields are absent (or null) in the event.
struct ProgressEvent {
  qint64 step = 0;
  qint64 totalSteps = 0;  ///< 0 when absent
  std::optional<double> epoch, loss, lr, examplesPerS, tokensPerS;
};

/// `metric`: one metric point. `value` is nullopt when the engine wrote null (NaN).
struct MetricEvent {
  qint64 step = 0;
  double epoch = 0;
  QString split, name;
  std::optional<double> value;
};

/// `heartbeat`: the process is alive.
struct HeartbeatEvent {
  qint64 step = 0;
};

/// `checkpoint`: a checkpoint of `step` was written at `path` (relative to the run directory).
struct CheckpointEvent {
  qint64 step = 0;
  QString path;
};

/// `finished`: training ended normally; `results` holds `final` then `best` values.
struct FinishedEvent {
  std::vector<ResultValue> results;
  qint64 bestStep = 0;
  QString primaryMetric;
  double wallS = 0;
  ParamCounts params;
  QString predictions;  ///< generation tasks: "predictions/dev.tsv"; eval: "predictions.tsv"
  nlohmann::json metricNotes = nlohmann::json::object();
  // `adamix-engine eval` only (empty / 0 for training):
  QString mode;        ///< "eval"; empty for training
  QString split;       ///< the evaluated split, or the data file's stem
  QString inference;   ///< merged | random | module:K | ensemble
  qint64 examples = 0;
  QString out;         ///< absolute output directory
  QString submission;  ///< GLUE-benchmark submission file name in `out` (test splits), e.g. "RTE.tsv"
  // `adamix-engine merge` only:
  QString strategy;                                   ///< uniform | greedy-soup | learned
  nlohmann::json heldout = nlohmann::json::object();  ///< {split, examples, seed}
  std::optional<double> heldoutScore;                 ///< the merge's primary metric on the held-out sample
  std::vector<qint64> kept;                           ///< greedy-soup: the modules kept (ascending)
};

/// `evaluation` (schema ≥ 1.2): at the end of an AdaMix run, the saved weights evaluated on dev
/// under one more inference mode (module:K, random, ensemble); written to `out`.
struct EvaluationEvent {
  QString split;       ///< "dev"
  QString inference;   ///< module:K | random | ensemble
  qint64 weightsStep = 0;  ///< 0 when unknown
  qint64 examples = 0;
  std::vector<std::pair<QString, double>> metrics;  ///< metric name → value (fractions, as `metric`)
  QString primaryMetric;
  QString out;          ///< absolute output directory
  QString predictions;  ///< file name in `out`
  double wallS = 0;     ///< seconds this evaluation took
};

/// `exported`: the single line of `adamix-engine export` (the run's weights written as `format`).
struct ExportedEvent {
  QString format;     ///< peft | merged-model | adamix
  QString out;        ///< absolute output directory
  QStringList files;  ///< written files, relative to `out`
  QStringList notes;  ///< remarks of the exporter (e.g. how a fused projection was expressed)
};

/// `error`: the run failed. `synthetic` marks events made by the app for runs that ended
/// without reporting (crash, lost, cancelled before start).
struct ErrorEvent {
  QString kind, message, location;
  bool synthetic = false;
};

/// An event kind this app does not know (a newer minor schema); kept, never an error.
struct OtherEvent {
  nlohmann::json fields = nlohmann::json::object();  ///< the whole event object
};

/// One decoded engine event: the common fields and the kind-specific body.
struct EngineEvent {
  QString name;                ///< the `event` field
  QString run;                 ///< the `run` field (may be empty)
  std::optional<double> time;  ///< UNIX seconds; nullopt when absent
  std::variant<OtherEvent, StartedEvent, ProgressEvent, MetricEvent, HeartbeatEvent, CheckpointEvent, FinishedEvent,
               ErrorEvent, ExportedEvent, EvaluationEvent>
      body;

  /// The body if it is a `T`, else nullptr.
  template <class T>
  const T* as() const {
    return std::get_if<T>(&body);
  }
};

/// Decodes one event object (as returned by EventParser). Unknown kinds become OtherEvent;
/// absent optional fields take their defaults; a field of the wrong type, or a missing required
/// one (`metric.value`, `progress.step`), throws EventDecodeError naming the field.
EngineEvent decodeEvent(const nlohmann::json& event);

/// decodeEvent() without exceptions: nullopt and `error` set for a malformed event.
std::optional<EngineEvent> tryDecodeEvent(const nlohmann::json& event, QString* error);

/// The `error` event the app reports for a run that ended without one (`synthetic`).
EngineEvent syntheticErrorEvent(const QString& run, const RunError& error);

/// The store row of a metric event; `fallbackTime` when the event carries no time.
MetricPoint toMetricPoint(qint64 runId, const EngineEvent& event, const MetricEvent& metric, double fallbackTime);

}  // namespace adamix::app

Q_DECLARE_METATYPE(adamix::app::EngineEvent)
