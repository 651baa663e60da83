// adamix import RUN_DIR
// SPDX-License-Identifier: GPL-3.0-or-later
#include "cli_common.h"
#include "io/untrusted_input.h"
#include "cli_store.h"
#include "commands.h"

#include "exec/event_replay.h"
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
  if (static_cast<uint64_t>(cf.size()) > adamix::kMaxConfigFileBytes) {
    err() << "adamix import: " << cf.fileName() << " is " << cf.size() << " bytes, more than the limit of "
          << adamix::kMaxConfigFileBytes << " bytes for a run config\n";
    return kBadInput;
  }
  const QByteArray cbytes = cf.readAll();
  nlohmann::json config;
  try {
    config = adamix::parseJsonBounded(std::string_view(cbytes.constData(), static_cast<size_t>(cbytes.size())),
                                      cf.fileName().toStdString(), adamix::ErrorKind::Config);
  } catch (const adamix::EngineError& e) {
    err() << "adamix import: " << QString::fromUtf8(e.what()) << "\n";
    return kBadInput;
  }
  if (!config.is_object()) {
    err() << "adamix import: " << cf.fileName() << " is not a JSON object\n";
    return kBadInput;
  }
  QFile ef(dir.filePath("events.jsonl"));
  if (!ef.open(QIODevice::ReadOnly)) {
    err() << "adamix import: cannot read " << ef.fileName() << "\n";
    return kBadInput;
  }
  const app::ReplayedRun replay = app::replayEventLog(ef.readAll());
  for (const QString& e : replay.warnings) err() << "warning: " << ef.fileName() << ": " << e << "\n";
  const app::RunState status = replay.state;
  std::vector<app::MetricPoint> points = replay.points;

  app::Store store;
  if (!openStore(p, store, false)) return kStoreError;
  try {
    app::NewRun nr;
    if (p.isSet("study")) {
      const auto s = findStudyOrFail(store, p.value("study"));
      if (!s) return kBadInput;
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
          existing && existing->status == app::RunState::Finished) {
        out() << "already stored: run " << existing->id
              << " has the same config (finished); use --force to import anyway\n";
        return kOk;
      }
    }
    const qint64 id = store.addRun(nr);
    app::RunUpdate u;
    u.started = replay.started;
    u.finished = replay.ended;
    u.runDir = dir.absolutePath();
    if (replay.error) {
      u.errorKind = replay.error->kind;
      u.errorMessage = replay.error->message;
      u.errorLocation = replay.error->location;
    }
    for (auto& mp : points) mp.runId = id;
    store.appendMetricPoints(points);
    store.setRunStatus(id, status, u);
    if (replay.finished) {
      store.setResults(id, replay.finished->results);
      store.setRunParams(id, replay.finished->params.toJson());
    } else if (replay.startedParams) {  // an interrupted or failed run: the counts it started with
      store.setRunParams(id, replay.startedParams->toJson());
    }
    if (!replay.compute.is_null()) store.setRunCompute(id, replay.compute);
    for (const auto& [kind, rel] : {std::pair<const char*, const char*>{"adapters", "adapters.safetensors"},
                                    {"merged", "merged.safetensors"},
                                    {"predictions", "predictions/dev.tsv"},
                                    {"events", "events.jsonl"}})
      if (dir.exists(rel)) store.addArtifact(id, kind, dir.filePath(rel));
    out() << "imported " << dir.absolutePath() << " as run " << id << " (" << app::runStateName(status) << ", "
          << points.size() << " metric points) into " << store.path() << "\n";
  } catch (const std::exception& e) {
    return storeFailure(store, e);
  }
  return kOk;
}

}  // namespace adamix::cli
