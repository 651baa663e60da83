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
  if (format == "peft") return exportPeft(run, out_dir);
  if (format == "merged-model") return exportMergedModel(run, out_dir);
  return exportAdaMix(run, out_dir);
}

}  // namespace adamix
