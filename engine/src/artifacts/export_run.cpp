#include "artifacts/export_run.h"

#include <algorithm>

#include "artifacts/export_adamix.h"
#include "artifacts/export_merged_model.h"
#include "artifacts/export_peft.h"
#include "artifacts/run_artifact.h"
#include "io/errors.h"

namespace adamix {

const std::vector<std::string>& exportFormats() {
  static const std::vector<std::string> formats = {"peft", "merged-model", "adamix"};
  return formats;
}

ExportResult exportRun(const std::string& run_dir, const std::string& format, const std::string& out_dir) {
  const auto& formats = exportFormats();
  if (std::find(formats.begin(), formats.end(), format) == formats.end())
    throw EngineError(ErrorKind::Config, "unknown export format '" + format + "' (peft, merged-model, adamix)",
                      "--format");
  LoadedRun run = loadRun(run_dir);
  ExportResult result = format == "peft"           ? exportPeft(run, out_dir)
                        : format == "merged-model" ? exportMergedModel(run, out_dir)
                                                   : exportAdaMix(run, out_dir);
  // The formats carry no input length; scores depend on it (a new user's check of an export
  // against its run differed by a point at eval's default 128 for a run trained with 64).
  const int64_t length = run.config.task.max_seq_length;
  result.notes.push_back("the run trained and evaluated with max_seq_length " + std::to_string(length) +
                         ": `adamix-engine eval --model … --max-seq-length " + std::to_string(length) +
                         "` reproduces its scores");
  return result;
}

}  // namespace adamix
