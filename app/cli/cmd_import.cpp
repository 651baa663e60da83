// adamix import RUN_DIR
// SPDX-License-Identifier: GPL-3.0-or-later
#include "cli_common.h"
#include "io/file_kind.h"
#include "io/safetensors_header.h"
#include "io/untrusted_input.h"
#include "cli_store.h"
#include "commands.h"

#include "assets/assets.h"
#include "config/run_config.h"
#include "exec/event_replay.h"
#include "store/store.h"
#include "study/config_identity.h"
#include "study/study.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QHash>

namespace adamix::cli {

namespace {

/// The variant label of a validated run config: "adapter", "lora", "AdaMix-adapter M=4", ...
QString describeVariant(const adamix::RunConfig& config) {
  QString v = QString::fromLatin1(adamix::peftMethodName(config.peft.method));
  const int64_t m = config.peft.adamix.num_modules;
  if (m > 1) v = QStringLiteral("AdaMix-%1 M=%2").arg(v).arg(m);
  return v;
}

/// Validates `config` (RUN_DIR/config.json) with the engine's run-config parser. A run trained
/// elsewhere names paths of that machine: a model.adapter whose adapter_config.json is not here is
/// left out of the check (the LoRA settings it set are in the engine's resolved config), as a
/// model.path that is not here already is. Throws EngineError(Config, msg, "/json/path").
adamix::RunConfig validateImportedConfig(const nlohmann::json& config) {
  nlohmann::json checked = config;
  if (auto model = checked.find("model"); model != checked.end() && model->is_object()) {
    if (auto adapter = model->find("adapter");
        adapter != model->end() && adapter->is_string() && !adapter->get<std::string>().empty() &&
        !QFileInfo(
             QDir(QString::fromStdString(adapter->get<std::string>())).filePath(QStringLiteral("adapter_config.json")))
             .isFile())
      model->erase(adapter);
  }
  return adamix::parseRunConfig(checked);
}

/// The finished run already stored for `config`, if any: one with its hash, or a run of the same
/// task and seed whose stored config is the same run written another way (a study stores its
/// configs with this machine's asset paths and hashes them with `asset:` references, while a run
/// directory's config.json spells out every default; sameRunConfig()).
std::optional<app::RunRecord> finishedDuplicate(app::Store& store, const nlohmann::json& config,
                                                const QString& runKey, const adamix::RunConfig& parsed) {
  if (auto existing = store.findRunByHash(runKey); existing && existing->status == app::RunState::Finished)
    return existing;
  app::RunFilter filter;
  filter.task = QString::fromStdString(parsed.task.name);
  filter.statuses = {app::RunState::Finished};
  const QString assetRoot = app::AssetCache::defaultCacheDir();
  const QStringList assetNames = app::AssetManifest::builtin().names();
  for (app::RunRecord& r : store.listRuns(filter))
    if (r.seed == static_cast<int>(parsed.seed) && app::sameRunConfig(r.config, config, assetRoot, assetNames)) return std::move(r);
  return std::nullopt;
}

/// Prints the warnings of a replayed event log: identical ones once with their count, at most
/// kShown distinct ones (a file of other bytes has a warning per line).
void printWarnings(const QString& file, const QStringList& warnings) {
  constexpr int kShown = 20;
  QStringList order;
  QHash<QString, int> count;
  for (const QString& w : warnings)
    if (count[w]++ == 0) order << w;
  for (int i = 0; i < order.size() && i < kShown; ++i) {
    err() << "warning: " << file << ": " << order[i];
    if (const int n = count[order[i]]; n > 1) err() << " (" << n << " times)";
    err() << "\n";
  }
  if (order.size() > kShown) {
    qsizetype rest = 0;
    for (int i = kShown; i < order.size(); ++i) rest += count[order[i]];
    err() << "warning: " << file << ": " << rest << " more warnings not shown\n";
  }
}

/// Why the trained weights of a finished run directory `dir` cannot be used ("" when they can):
/// adapters.safetensors, which `adamix-engine eval` / `merge` / `export` load (loadRun), is missing,
/// not a regular file, or its safetensors header is unreadable (too short, a header length beyond
/// the file's size, invalid JSON, tensor data past the end of the file: a half-copied folder).
/// Only the header is read (readSafetensorsHeader), never the tensor data.
QString weightsProblem(const QDir& dir) {
  const QString file = dir.filePath(QStringLiteral("adapters.safetensors"));
  const std::string path = QFile::encodeName(file).toStdString();
  if (const std::string why = adamix::whyNotARegularFile(path); !why.empty())
    return why == "no such file" ? QStringLiteral("missing") : QString::fromStdString(why);
  try {
    adamix::readSafetensorsHeader(path);
  } catch (const std::exception& e) {
    const auto* engineError = dynamic_cast<const adamix::EngineError*>(&e);
    return QString::fromUtf8(engineError ? engineError->message().c_str() : e.what());
  }
  return {};
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
  // Everything is read and checked before the database is opened: a refused run directory
  // leaves no trace there. Both files must be regular files of bounded size (a symlink to
  // /dev/zero reads forever).
  // absolute (no "." or ".."): the paths stored for the run and its artifacts must not depend on
  // the working directory of this command
  const QDir dir(QDir(p.positionalArguments().first()).absolutePath());
  const QString configFile = dir.filePath("config.json");
  nlohmann::json config;
  adamix::RunConfig parsed;
  try {
    config =
        adamix::parseJsonBounded(adamix::readRegularFileBounded(configFile.toStdString(), adamix::kMaxConfigFileBytes,
                                                                adamix::ErrorKind::Config, "run config"),
                                 configFile.toStdString(), adamix::ErrorKind::Config);
  } catch (const adamix::EngineError& e) {
    err() << "adamix import: " << QString::fromUtf8(e.what()) << "\n";
    return kBadInput;
  }
  if (!config.is_object()) {
    err() << "adamix import: " << configFile << ": not a JSON object\n";
    return kBadInput;
  }
  try {
    parsed = validateImportedConfig(config);
  } catch (const adamix::EngineError& e) {  // "/train/learning_rate: must be > 0"
    err() << "adamix import: " << configFile << ": " << QString::fromUtf8(e.what()) << "\n";
    return kBadInput;
  } catch (const std::exception& e) {  // not expected from the parser; still the file's fault
    err() << "adamix import: " << configFile << ": invalid run config: " << QString::fromUtf8(e.what()) << "\n";
    return kBadInput;
  }
  const QString eventsFile = dir.filePath("events.jsonl");
  app::ReplayedRun replay;
  try {
    replay = app::replayEventLogFile(eventsFile);
  } catch (const adamix::EngineError& e) {
    err() << "adamix import: " << QString::fromUtf8(e.what()) << "\n";
    return kBadInput;
  }
  printWarnings(eventsFile, replay.warnings);
  if (const QString why = app::notAnEngineRunLog(replay); !why.isEmpty()) {
    err() << "adamix import: " << eventsFile << ": " << why << "\n";
    return kBadInput;
  }
  const app::RunState status = replay.state;
  std::vector<app::MetricPoint> points = replay.points;
  // A half-copied run folder (its log says finished, its weights are not all there) is still
  // imported — its metrics are useful — but said so (below): what needs the weights will fail.
  const QString weightsWhy = status == app::RunState::Finished ? weightsProblem(dir) : QString();

  app::Store store;
  if (!openStore(p, store, false)) return kStoreError;
  try {
    app::NewRun nr;
    nr.runKey = app::configHash(config);
    nr.variant = p.isSet("variant") ? p.value("variant") : describeVariant(parsed);
    if (p.isSet("study")) {
      const auto s = findStudyOrFail(store, p.value("study"));
      if (!s) return kBadInput;
      nr.studyId = s->id;
      // The study's tables label rows by axis values: the run's label as the study's axes hold it.
      try {
        nr.axes = app::axesForLabel(app::parseStudy(s->json), nr.variant);
      } catch (const app::StudyError&) {  // a stored study that no longer parses: its tables use the runs' axes
        nr.axes = nlohmann::json::object({{"variant", nr.variant.toStdString()}});
      }
    }
    nr.task = QString::fromStdString(parsed.task.name);
    nr.seed = static_cast<int>(parsed.seed);
    nr.config = config;
    nr.status = status;
    nr.runDir = dir.absolutePath();
    if (!p.isSet("force")) {
      if (const auto existing = finishedDuplicate(store, config, nr.runKey, parsed)) {
        out() << "already stored: run " << existing->id
              << " has the same config (finished); use --force to import anyway\n";
        return kOk;
      }
    }
    if (!weightsWhy.isEmpty())
      err() << "warning: " << dir.filePath(QStringLiteral("adapters.safetensors")) << ": " << weightsWhy
            << " — the run's metrics are imported, but its trained weights are not usable: run eval, predict, "
               "merge and export will fail until a complete adapters.safetensors is copied there\n";
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
