#include "artifacts/export_run.h"

#include <algorithm>
#include <filesystem>

#include "artifacts/export_adamix.h"
#include "artifacts/export_merged_model.h"
#include "artifacts/export_peft.h"
#include "artifacts/run_artifact.h"
#include "io/errors.h"
#include "io/staging_dir.h"

namespace adamix {

namespace fs = std::filesystem;

namespace {

/// Refuses an output directory that exists and holds anything: an export never replaces files.
/// (Exporting into the run's own directory replaced its config.json with the model's; into the
/// base model's directory, the model itself.) Io when the path is not a directory.
void requireNewOrEmptyDirectory(const fs::path& out) {
  std::error_code ec;
  const auto st = fs::status(out, ec);
  if (!fs::exists(st)) return;
  if (!fs::is_directory(st))
    throw EngineError(ErrorKind::Io, "the output path exists and is not a directory", out.string());
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(out, ec)) names.push_back(e.path().filename().string());
  if (ec) throw EngineError(ErrorKind::Io, "cannot read the output directory: " + ec.message(), out.string());
  if (names.empty()) return;
  std::sort(names.begin(), names.end());
  std::string listed;
  for (size_t i = 0; i < names.size() && i < 3; ++i) listed += (i ? ", " : "") + names[i];
  if (names.size() > 3) listed += ", … (" + std::to_string(names.size()) + " entries)";
  throw EngineError(ErrorKind::Usage,
                    "the output directory is not empty (it holds " + listed +
                        "): export into a new or empty directory; an export never replaces files, nothing was written",
                    out.string());
}

/// `location` with the staging directory's path replaced by the output directory's, so that an
/// error names the path the user gave.
std::string underOutput(const std::string& location, const fs::path& staging, const fs::path& out) {
  const std::string s = staging.string();
  return location.rfind(s, 0) == 0 ? out.string() + location.substr(s.size()) : location;
}

}  // namespace

const std::vector<std::string>& exportFormats() {
  static const std::vector<std::string> formats = {"peft", "merged-model", "adamix"};
  return formats;
}

ExportResult exportRun(const std::string& run_dir, const std::string& format, const std::string& out_dir) {
  const auto& formats = exportFormats();
  if (std::find(formats.begin(), formats.end(), format) == formats.end())
    throw EngineError(ErrorKind::Config, "unknown export format '" + format + "' (peft, merged-model, adamix)",
                      "--format");
  fs::path out = fs::absolute(out_dir).lexically_normal();
  if (!out.has_filename()) out = out.parent_path();  // "dir/"
  requireNewOrEmptyDirectory(out);
  // Written into a hidden sibling (`.<name>.partial-<host>-<pid>`, io/staging_dir.h) and renamed
  // into place at the end: a failure or an interrupt leaves no half export. Made before the run is
  // loaded, so that stale siblings of killed exports are gone whatever this one does.
  StagingDir staging(out);  // removed again by its destructor unless committed
  LoadedRun run = loadRun(run_dir);
  ExportResult result;
  try {
    const auto dir = staging.path().string();
    result = format == "peft"           ? exportPeft(run, dir)
             : format == "merged-model" ? exportMergedModel(run, dir)
                                        : exportAdaMix(run, dir);
    requireNewOrEmptyDirectory(out);  // nothing appeared there meanwhile
    staging.commit();
  } catch (const EngineError& e) {
    throw EngineError(e.kind(), e.message(), underOutput(e.location(), staging.path(), out));
  } catch (const fs::filesystem_error& e) {
    throw EngineError(ErrorKind::Io, std::string("cannot write the export: ") + e.code().message(), out.string());
  }
  // The formats carry no input length; scores depend on it (a new user's check of an export
  // against its run differed by a point at eval's default 128 for a run trained with 64).
  const int64_t length = run.config.task.max_seq_length;
  result.notes.push_back("the run trained and evaluated with max_seq_length " + std::to_string(length) +
                         ": `adamix-engine eval --model … --max-seq-length " + std::to_string(length) +
                         "` reproduces its scores");
  return result;
}

}  // namespace adamix
