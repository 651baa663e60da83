// adamix import RUN_DIR
// SPDX-License-Identifier: GPL-3.0-or-later
#include "cli_common.h"
#include "commands.h"

#include "exec/event_parser.h"
#include "store/store.h"
#include "study/study.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>

namespace adamix::cli {

namespace {

QString describeVariant(const nlohmann::json& config) {
  const nlohmann::json peft = config.value("peft", nlohmann::json::object());
  QString v = QString::fromStdString(peft.value("method", std::string("adapter")));
  const nlohmann::json mix = peft.value("adamix", nlohmann::json::object());
  const int m = mix.value("num_modules", 1);
  if (m > 1) v = QStringLiteral("AdaMix-%1 M=%2").arg(v).arg(m);
  return v;
}

}  // namespace

int cmdImport(const QStringList& args) {
  QCommandLineParser p;
  p.setApplicationDescription(
      "Adds a run trained elsewhere (e.g. on a cluster) to the database: reads RUN_DIR/config.json\n"
      "and RUN_DIR/events.jsonl (metric points, results, final status).");
  p.addPositionalArgument("RUN_DIR", "The engine's run directory.");
  addDbOption(p);
  p.addOptions({
      {"study", "Attach the run to this study (must exist in the database).", "NAME"},
      {"variant", "Variant label (default: derived from the config, e.g. 'AdaMix-adapter M=4').", "LABEL"},
      {"force", "Import even if a finished run with the same config is already stored."},
  });
  if (int rc = parseCommand(p, "import", args); rc >= 0) return rc;
  if (p.positionalArguments().size() != 1) {
    err() << "adamix import: expected one RUN_DIR\n";
    return kUsage;
  }
  const QDir dir(p.positionalArguments().first());
  QFile cf(dir.filePath("config.json"));
  if (!cf.open(QIODevice::ReadOnly)) {
    err() << "adamix import: cannot read " << cf.fileName() << "\n";
    return kBadInput;
  }
  const QByteArray cbytes = cf.readAll();
  const nlohmann::json config = nlohmann::json::parse(cbytes.constBegin(), cbytes.constEnd(), nullptr, false);
  if (config.is_discarded() || !config.is_object()) {
    err() << "adamix import: " << cf.fileName() << " is not a JSON object\n";
    return kBadInput;
  }
  QFile ef(dir.filePath("events.jsonl"));
  if (!ef.open(QIODevice::ReadOnly)) {
    err() << "adamix import: cannot read " << ef.fileName() << "\n";
    return kBadInput;
  }
  EventParser parser;
  EventParser::Output o = parser.feed(ef.readAll());
  EventParser::Output tail = parser.finish();
  for (auto& e : tail.events) o.events.push_back(std::move(e));
  o.errors << tail.errors;
  for (const QString& e : o.errors) err() << "warning: " << ef.fileName() << ": " << e << "\n";

  std::vector<app::MetricPoint> points;
  nlohmann::json finished, error;
  std::optional<double> started, ended;
  for (const nlohmann::json& ev : o.events) {
    const std::string name = ev.value("event", "");
    const double t = ev.contains("time") && ev["time"].is_number() ? ev["time"].get<double>() : 0.0;
    if (name == "started") {
      if (!started) started = t;
      const qint64 from = ev.value("resumed_from_step", qint64(0));
      if (from > 0)  // a resumed segment replaces the points after its checkpoint
        points.erase(std::remove_if(points.begin(), points.end(), [&](const auto& mp) { return mp.step > from; }),
                     points.end());
    } else if (name == "metric" && ev.contains("value") && ev["value"].is_number()) {
      app::MetricPoint mp;
      mp.step = ev.value("step", qint64(0));
      mp.epoch = ev.value("epoch", 0.0);
      mp.split = QString::fromStdString(ev.value("split", ""));
      mp.name = QString::fromStdString(ev.value("name", ""));
      mp.value = ev["value"].get<double>();
      mp.time = t;
      points.push_back(mp);
    } else if (name == "finished") {
      finished = ev;
      error = nullptr;
      ended = t;
    } else if (name == "error") {
      error = ev;
      ended = t;
    }
  }
  app::RunStatus status = app::RunStatus::Interrupted;
  if (!finished.is_null() && error.is_null())
    status = app::RunStatus::Finished;
  else if (!error.is_null())
    status = error.value("kind", "") == "interrupted" ? app::RunStatus::Interrupted : app::RunStatus::Failed;

  const QString db = dbPath(p);
  try {
    app::Store store;
    QDir().mkpath(QFileInfo(db).absolutePath());
    store.open(db);
    app::NewRun nr;
    if (p.isSet("study")) {
      const auto s = store.findStudy(p.value("study"));
      if (!s) {
        err() << "adamix: no study named '" << p.value("study") << "' in " << db << "\n";
        return kBadInput;
      }
      nr.studyId = s->id;
    }
    nr.runKey = app::configHash(config);
    nr.variant = p.isSet("variant") ? p.value("variant") : describeVariant(config);
    const nlohmann::json task = config.value("task", nlohmann::json::object());
    nr.task = QString::fromStdString(task.value("name", std::string()));
    nr.seed = config.value("seed", 0);
    nr.config = config;
    nr.status = status;
    nr.runDir = dir.absolutePath();
    if (!p.isSet("force")) {
      if (const auto existing = store.findRunByHash(nr.runKey);
          existing && existing->status == app::RunStatus::Finished) {
        out() << "already stored: run " << existing->id
              << " has the same config (finished); use --force to import anyway\n";
        return kOk;
      }
    }
    const qint64 id = store.addRun(nr);
    app::RunUpdate u;
    u.started = started;
    u.finished = ended;
    u.runDir = dir.absolutePath();
    if (!error.is_null()) {
      u.errorKind = QString::fromStdString(error.value("kind", ""));
      u.errorMessage = QString::fromStdString(error.value("message", ""));
      u.errorLocation = QString::fromStdString(error.value("location", ""));
    }
    for (auto& mp : points) mp.runId = id;
    store.appendMetricPoints(points);
    store.setRunStatus(id, status, u);
    if (!finished.is_null()) store.setResults(id, app::resultsFromFinishedEvent(finished));
    for (const auto& [kind, rel] : {std::pair<const char*, const char*>{"adapters", "adapters.safetensors"},
                                    {"merged", "merged.safetensors"},
                                    {"predictions", "predictions/dev.tsv"},
                                    {"events", "events.jsonl"}})
      if (dir.exists(rel)) store.addArtifact(id, kind, dir.filePath(rel));
    out() << "imported " << dir.absolutePath() << " as run " << id << " (" << app::runStatusName(status) << ", "
          << points.size() << " metric points) into " << db << "\n";
  } catch (const std::exception& e) {
    err() << "adamix: database " << db << ": " << e.what() << "\n";
    return kStoreError;
  }
  return kOk;
}

}  // namespace adamix::cli
