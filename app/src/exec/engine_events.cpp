// SPDX-License-Identifier: GPL-3.0-or-later
#include "exec/engine_events.h"

#include <QDateTime>

namespace adamix::app {

using nlohmann::json;

namespace {

/// Typed access to the fields of one event object; errors name the event and the field.
class Fields {
 public:
  Fields(const json& j, std::string label) : j_(j), label_(std::move(label)) {}

  [[noreturn]] void fail(const char* field, const char* what) const {
    throw EventDecodeError(label_ + ": field '" + field + "' " + what);
  }
  /// The field, or nullptr when absent or null.
  const json* find(const char* field) const {
    auto it = j_.find(field);
    return it == j_.end() || it->is_null() ? nullptr : &*it;
  }
  std::optional<double> optNumber(const char* field) const {
    const json* v = find(field);
    if (!v) return std::nullopt;
    if (!v->is_number()) fail(field, "must be a number");
    return v->get<double>();
  }
  double number(const char* field, double fallback = 0) const { return optNumber(field).value_or(fallback); }
  qint64 integer(const char* field, qint64 fallback = 0) const {
    const json* v = find(field);
    if (!v) return fallback;
    if (!v->is_number()) fail(field, "must be an integer");
    if (v->is_number_float()) {
      // a float outside qint64's range cannot be converted (undefined behaviour: found by fuzz_engine_events)
      const double d = v->get<double>();
      if (!(d >= -9223372036854775808.0 && d < 9223372036854775808.0)) fail(field, "is out of range for an integer");
      return qint64(d);
    }
    return v->get<qint64>();
  }
  qint64 requiredInteger(const char* field) const {
    if (!j_.contains(field)) fail(field, "is missing");
    return integer(field);
  }
  QString string(const char* field) const {
    const json* v = find(field);
    if (!v) return {};
    if (!v->is_string()) fail(field, "must be a string");
    return QString::fromStdString(v->get<std::string>());
  }
  bool boolean(const char* field) const {
    const json* v = find(field);
    if (!v) return false;
    if (!v->is_boolean()) fail(field, "must be true or false");
    return v->get<bool>();
  }
  json object(const char* field) const {
    const json* v = find(field);
    if (!v) return json::object();
    if (!v->is_object()) fail(field, "must be an object");
    return *v;
  }
  /// An array of strings (absent: empty).
  QStringList strings(const char* field) const {
    const json* v = find(field);
    if (!v) return {};
    if (!v->is_array()) fail(field, "must be an array of strings");
    QStringList out;
    for (const json& item : *v) {
      if (!item.is_string()) fail(field, "must be an array of strings");
      out << QString::fromStdString(item.get<std::string>());
    }
    return out;
  }
  /// An array of integers (absent: empty).
  std::vector<qint64> integers(const char* field) const {
    const json* v = find(field);
    if (!v) return {};
    if (!v->is_array()) fail(field, "must be an array of integers");
    std::vector<qint64> out;
    for (const json& item : *v) {
      if (!item.is_number_integer()) fail(field, "must be an array of integers");
      out.push_back(item.get<qint64>());
    }
    return out;
  }
  ParamCounts params() const {
    const json obj = object("params");
    const Fields p(obj, label_ + ": params");
    return {p.integer("total"),          p.integer("trainable"), p.integer("trainable_peft"),
            p.integer("inference_peft"), p.integer("head"),      p.integer("base")};
  }

 private:
  const json& j_;
  std::string label_;  ///< "metric event", "started event: params", ...
};

/// `metrics` of an `evaluation` event (metric → value); null (NaN) values are left out.
std::vector<std::pair<QString, double>> metricValues(const Fields& f) {
  std::vector<std::pair<QString, double>> out;
  const json metrics = f.object("metrics");
  for (auto m = metrics.begin(); m != metrics.end(); ++m) {
    if (m->is_null()) continue;
    if (!m->is_number()) f.fail("metrics", "must map each metric name to a number");
    out.emplace_back(QString::fromStdString(m.key()), m->get<double>());
  }
  return out;
}

/// `final` then `best` (split → metric → value); null (NaN) values are left out.
std::vector<ResultValue> finishedResults(const Fields& f) {
  std::vector<ResultValue> out;
  for (const char* kind : {"final", "best"}) {
    const json results = f.object(kind);
    for (auto split = results.begin(); split != results.end(); ++split) {
      if (!split->is_object()) f.fail(kind, "must map each split to an object of metric values");
      for (auto m = split->begin(); m != split->end(); ++m)
        if (m->is_number())
          out.push_back({QString::fromStdString(split.key()), QString::fromStdString(m.key()), m->get<double>(),
                         QString::fromLatin1(kind)});
    }
  }
  return out;
}

}  // namespace

json ParamCounts::toJson() const {
  return {{"total", total},   {"trainable", trainable}, {"trainable_peft", trainablePeft}, {"inference_peft", inferencePeft},
          {"head", head},     {"base", base}};
}

json computeOf(const StartedEvent& started) {
  json out = json::object();
  // "cuda:1" and "cuda:0" compute alike: the kind of device is what moves results.
  out["device"] = started.device.section(u':', 0, 0).toStdString();
  if (started.kernelsKnown) {
    out["blas_core"] = started.blasCore.toStdString();
    out["fused_cpu_kernels"] = started.fusedCpuKernels;
  }
  return out;
}

QString computeLabel(const json& compute) {
  if (!compute.is_object() || compute.empty()) return {};
  auto text = [&](const char* key) {
    const auto it = compute.find(key);
    return it != compute.end() && it->is_string() ? QString::fromStdString(it->get<std::string>()) : QString();
  };
  const QString device = text("device");
  if (device.isEmpty()) return {};
  if (device != QLatin1String("cpu")) return device.toUpper();  // "CUDA": the BLAS does not matter there
  // A CPU run of an engine before protocol 1.3 (no kernels): unknown, not "CPU" (that is a CPU run
  // whose LibTorch does not call OpenBLAS, blas_core "").
  if (!compute.contains("blas_core")) return {};
  QStringList parts{QStringLiteral("CPU")};
  if (const QString core = text("blas_core"); !core.isEmpty()) parts << QStringLiteral("OpenBLAS ") + core;
  const auto fused = compute.find("fused_cpu_kernels");
  if (fused != compute.end() && fused->is_boolean() && fused->get<bool>()) parts << QStringLiteral("fused CPU kernels");
  return parts.join(QStringLiteral(", "));
}

EngineEvent decodeEvent(const json& ev) {
  if (!ev.is_object()) throw EventDecodeError("event: not a JSON object");
  auto name = ev.find("event");
  if (name == ev.end() || !name->is_string()) throw EventDecodeError("event: field 'event' must be a string");
  EngineEvent e;
  const std::string kind = name->get<std::string>();
  const Fields f(ev, kind + " event");
  e.name = QString::fromStdString(kind);
  e.run = f.string("run");
  e.time = f.optNumber("time");
  if (kind == "started") {
    StartedEvent s;
    s.config = f.object("config");
    s.device = f.string("device");
    s.threads = int(f.integer("threads"));
    // Informational (schema 1.3): a malformed `kernels` leaves them unknown rather than losing the
    // event (its params and resume step matter more).
    if (const auto k = ev.find("kernels"); k != ev.end() && k->is_object()) {
      const auto core = k->find("blas_core"), fused = k->find("fused_cpu_kernels");
      if (core != k->end() && core->is_string() && fused != k->end() && fused->is_boolean()) {
        s.blasCore = QString::fromStdString(core->get<std::string>());
        s.fusedCpuKernels = fused->get<bool>();
        s.kernelsKnown = true;
      }
    }
    s.params = f.params();
    s.totalSteps = f.integer("total_steps");
    s.resumedFromStep = f.integer("resumed_from_step");
    s.mode = f.string("mode");
    s.split = f.string("split");
    s.inference = f.string("inference");
    s.examples = f.integer("examples");
    e.body = std::move(s);
  } else if (kind == "progress") {
    ProgressEvent p;
    p.step = f.requiredInteger("step");
    p.totalSteps = f.integer("total_steps");
    p.epoch = f.optNumber("epoch");
    p.loss = f.optNumber("loss");
    p.lr = f.optNumber("lr");
    p.examplesPerS = f.optNumber("examples_per_s");
    p.tokensPerS = f.optNumber("tokens_per_s");
    e.body = p;
  } else if (kind == "metric") {
    MetricEvent m;
    if (!ev.contains("value")) f.fail("value", "is missing");
    m.value = f.optNumber("value");
    m.step = f.integer("step");
    m.epoch = f.number("epoch");
    m.split = f.string("split");
    m.name = f.string("name");
    e.body = std::move(m);
  } else if (kind == "heartbeat") {
    e.body = HeartbeatEvent{f.integer("step")};
  } else if (kind == "checkpoint") {
    e.body = CheckpointEvent{f.integer("step"), f.string("path")};
  } else if (kind == "finished") {
    FinishedEvent d;
    d.results = finishedResults(f);
    d.bestStep = f.integer("best_step");
    d.primaryMetric = f.string("primary_metric");
    d.wallS = f.number("wall_s");
    d.params = f.params();
    d.predictions = f.string("predictions");
    d.metricNotes = f.object("metric_notes");
    d.mode = f.string("mode");
    d.split = f.string("split");
    d.inference = f.string("inference");
    d.examples = f.integer("examples");
    d.out = f.string("out");
    d.submission = f.string("submission");
    d.strategy = f.string("strategy");
    d.heldout = f.object("heldout");
    d.heldoutScore = f.optNumber("heldout_score");
    d.kept = f.integers("kept");
    e.body = std::move(d);
  } else if (kind == "evaluation") {
    EvaluationEvent v;
    v.split = f.string("split");
    v.inference = f.string("inference");
    if (v.inference.isEmpty()) f.fail("inference", "is missing");
    v.weightsStep = f.integer("weights_step");
    v.examples = f.integer("examples");
    v.metrics = metricValues(f);
    v.primaryMetric = f.string("primary_metric");
    v.out = f.string("out");
    v.predictions = f.string("predictions");
    v.wallS = f.number("wall_s");
    e.body = std::move(v);
  } else if (kind == "error") {
    e.body = ErrorEvent{f.string("kind"), f.string("message"), f.string("location"), f.boolean("synthetic")};
  } else if (kind == "exported") {
    e.body = ExportedEvent{f.string("format"), f.string("out"), f.strings("files"), f.strings("notes")};
  } else {
    e.body = OtherEvent{ev};
  }
  return e;
}

std::optional<EngineEvent> tryDecodeEvent(const json& event, QString* error) {
  try {
    return decodeEvent(event);
  } catch (const std::exception& ex) {  // EventDecodeError, or a json conversion out of range
    if (error) *error = QString::fromUtf8(ex.what());
    return std::nullopt;
  }
}

EngineEvent syntheticErrorEvent(const QString& run, const RunError& error) {
  EngineEvent e;
  e.name = QStringLiteral("error");
  e.run = run;
  e.time = double(QDateTime::currentMSecsSinceEpoch()) / 1000.0;
  e.body = ErrorEvent{error.kind, error.message, error.location, true};
  return e;
}

MetricPoint toMetricPoint(qint64 runId, const EngineEvent& event, const MetricEvent& metric, double fallbackTime) {
  MetricPoint mp;
  mp.runId = runId;
  mp.step = metric.step;
  mp.epoch = metric.epoch;
  mp.split = metric.split;
  mp.name = metric.name;
  mp.value = metric.value.value_or(0.0);
  mp.time = event.time.value_or(fallbackTime);
  return mp;
}

}  // namespace adamix::app
