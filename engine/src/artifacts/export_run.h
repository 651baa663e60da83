// `adamix-engine export --run-dir RUN --format peft|merged-model|adamix --out DIR`
// (docs/artifacts.md): a finished run (artifacts/run_artifact.h loadRun) written in a format other
// libraries read. One file per format: export_peft.h, export_merged_model.h, export_adamix.h.
#pragma once
#include <string>
#include <vector>

namespace adamix {

/// What an export wrote: file names relative to the output directory, and notes for the user
/// (how the run was converted, e.g. "4 modules merged"). The `exported` event carries both.
struct ExportResult {
  std::vector<std::string> files;
  std::vector<std::string> notes;
};

/// The export formats, as the command line names them: "peft", "merged-model", "adamix".
const std::vector<std::string>& exportFormats();

/// Loads `run_dir` (loadRun) and writes it to `out_dir` in `format`: into a hidden sibling
/// directory first (io/staging_dir.h StagingDir: `.<name>.partial-<host>-<pid>`; stale ones of
/// killed exports of this host removed), renamed to `out_dir` at the end, so that a failure or an
/// interrupt (SIGINT/SIGTERM, polled per written tensor: EngineError(Interrupted)) leaves nothing
/// behind.
/// `out_dir` must not exist or be empty: EngineError(Usage, naming what it holds) otherwise —
/// an export never replaces files (a run's or a base model's own directory included); Io when it
/// is not a directory. Throws EngineError(Config, msg, "--format") for an unknown format or one
/// the run cannot be expressed in (the message says why), and the errors of loadRun and of the
/// format's writer (Io naming the file, under `out_dir`).
ExportResult exportRun(const std::string& run_dir, const std::string& format, const std::string& out_dir);

}  // namespace adamix
