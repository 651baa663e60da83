#include "artifacts/export_merged_model.h"

#include <filesystem>

#include "artifacts/export_adamix.h"
#include "artifacts/hf_model_dir.h"
#include "artifacts/peft_adapter.h"
#include "io/errors.h"
#include "io/interrupt.h"
#include "io/safetensors.h"
#include "peft/sites.h"

namespace fs = std::filesystem;

namespace adamix {

ExportResult exportMergedModel(LoadedRun& run, const std::string& out_dir) {
  const auto& peft = run.config.peft;
  if (peft.method == PeftMethod::Adapter)
    throw EngineError(ErrorKind::Config,
                      "adapters cannot be folded into the base weights: an adapter computes up(GELU(down(h))), a "
                      "non-linear function of h, so no weight matrix of the base model can hold it; " +
                          adapterExportAdvice(run),
                      "--format");
  auto& model = *run.model;
  auto tensors = hfModelTensors(model);
  ExportResult result;
  int64_t folded = 0;
  torch::NoGradGuard no_grad;
  for (const auto& [name, lin] : loraProjections(model)) {
    throwIfInterrupted("folding LoRA into the base weights", name + ".weight");  // SIGINT/SIGTERM, per tensor
    const auto w = wholeProjectionLora(*lin);
    auto delta = torch::matmul(w.b.to(torch::kFloat64), w.a.to(torch::kFloat64)) * w.scaling;  // [out, in]
    if (lin->conv1d) delta = delta.t();
    auto& base = tensors.at(name + ".weight");
    base = (base.to(torch::kFloat64) + delta).to(torch::kFloat32).contiguous();
    ++folded;
  }
  if (folded > 0)
    result.notes.push_back("LoRA folded into " + std::to_string(folded) + " projections (W + alpha/r · B A" +
                           std::string(run.peft.num_modules > 1 ? ", the M modules merged by uniform averaging first"
                                                                : "") +
                           ")");
  std::error_code ec;
  fs::create_directories(out_dir, ec);
  if (ec) throw EngineError(ErrorKind::Io, "cannot create the output directory: " + ec.message(), out_dir);
  auto config = taskModelHfConfig(run);
  writeJsonFile(out_dir, "config.json", config);
  saveSafetensors((fs::path(out_dir) / "model.safetensors").string(), tensors, {{"format", "pt"}},
                  /*interruptible=*/true);
  result.files = {"config.json", "model.safetensors"};
  for (auto& f : copyTokenizerFiles(run.config.model_path, out_dir)) result.files.push_back(f);
  return result;
}

}  // namespace adamix
