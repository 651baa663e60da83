#include "artifacts/run_artifact.h"

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "artifacts/official_adamix_config.h"
#include "data/glue.h"
#include "data/own_task.h"
#include "io/errors.h"
#include "io/untrusted_input.h"
#include "io/safetensors.h"
#include "model/checkpoint.h"

namespace fs = std::filesystem;
using nlohmann::json;

namespace adamix {

namespace {

/// results.json's weights_step, or total_steps for a run written before weights_step existed.
int64_t weightsStepOf(const fs::path& results_path) {
  if (!fs::exists(results_path)) return -1;
  const json r = readJsonFileBounded(results_path.string(), kMaxConfigFileBytes, ErrorKind::Model, "results file");
  for (const char* key : {"weights_step", "total_steps"})
    if (r.contains(key) && r[key].is_number_integer()) return r[key].get<int64_t>();
  return -1;
}

}  // namespace

HeadType taskHeadType(const TaskConfig& task) {
  if (isGenerationTask(task)) return HeadType::CausalLM;
  return taskSpecOf(task).regression ? HeadType::Regression : HeadType::Classification;
}

LoadedRun buildRunModel(const RunConfig& cfg) {
  LoadedRun run;
  run.config = cfg;
  const HeadType head = taskHeadType(cfg.task);
  const int64_t num_labels = head == HeadType::CausalLM ? 0 : taskSpecOf(cfg.task).num_labels;
  run.model = loadTaskModel(cfg.model_path, head, num_labels, cfg.seed, cfg.model_dropout);
  checkSequenceLengthFits(cfg.task.max_seq_length, run.model->config(), "/task/max_seq_length");
  run.tokenizer = loadTokenizer(cfg.model_path, run.model->config().vocab_size);
  if (const auto tmpl = run.tokenizer->pairTemplate(); !tmpl.middle.empty())
    run.model->setSegmentSeparator(tmpl.middle.front());
  run.peft = applyPeft(*run.model, cfg.peft, run.model->headPrefixes(), cfg.seed);
  if (cfg.model_dtype == "bfloat16") storeFrozenProjections(*run.model, torch::kBFloat16);  // as the run trained
  run.model->eval();
  return run;
}

void loadTrainableWeights(TaskModelImpl& model, const std::map<std::string, torch::Tensor>& tensors,
                          const std::string& file) {
  torch::NoGradGuard no_grad;
  std::set<std::string> used;
  for (auto& [name, param] : trainableParameters(model)) {
    const auto it = tensors.find(name);
    if (it == tensors.end())
      throw EngineError(ErrorKind::Model, "missing tensor: the model built from the run's config.json trains it",
                        file + ":" + name);
    const auto& t = it->second;
    if (!t.is_floating_point())
      throw EngineError(ErrorKind::Model, "tensor is not floating point", file + ":" + name);
    if (t.sizes() != param.sizes())
      throw EngineError(ErrorKind::Model,
                        "shape " + shapeText(t.sizes()) + " in the file, the model expects " + shapeText(param.sizes()),
                        file + ":" + name);
    param.copy_(t.to(param.dtype()));
    used.insert(name);
  }
  for (const auto& [name, t] : tensors)
    if (!used.count(name))
      throw EngineError(ErrorKind::Model,
                        "unexpected tensor: the model built from the run's config.json has no trainable parameter "
                        "of that name",
                        file + ":" + name);
}

LoadedRun loadModelForTask(const std::string& model_dir, const std::string& task, const std::string& adapter_dir,
                            int64_t max_seq_length) {
  // Through the run-config parser, which turns an official AdaMix checkpoint or a PEFT adapter into
  // the PEFT settings and starting weights (artifacts/official_adamix_config.h, peft_adapter_config.h).
  json j = {{"model", {{"path", model_dir}, {"adapter", adapter_dir}}}, {"task", {{"name", task}, {"data_dir", ""}}}};
  // Without a length: the task's default, cut to the model's positions (a model of 64 positions
  // evaluates at 64, as training it would have to).
  j["task"]["max_seq_length"] =
      max_seq_length > 0 ? max_seq_length
                         : std::min(TaskConfig{}.max_seq_length, maxSequenceLength(loadModelConfig(model_dir)));
  const auto official = readOfficialAdaMixConfig(model_dir);
  if (official && !officialInferenceMode(official->inference_level))
    j["peft"] = {{"adamix", {{"inference", "merged"}}}};  // level 0 / 2: no engine mode; eval --inference chooses
  else if (!official && adapter_dir.empty())
    j["peft"] = {{"method", "head"}};
  return buildRunModel(parseRunConfig(j));
}

LoadedRun loadRun(const std::string& run_dir) {
  const fs::path dir(run_dir);
  const auto config_path = dir / "config.json";
  if (!fs::exists(config_path))
    throw EngineError(ErrorKind::Config, "not a run directory: config.json is missing", config_path.string());
  LoadedRun run = buildRunModel(loadRunConfig(config_path.string()));
  const auto adapters_path = (dir / "adapters.safetensors").string();
  if (!fs::exists(adapters_path))
    throw EngineError(ErrorKind::Model, "adapters.safetensors is missing (the run did not finish?)", adapters_path);
  loadTrainableWeights(*run.model, loadSafetensors(adapters_path).tensors, adapters_path);
  run.weights_step = weightsStepOf(dir / "results.json");
  run.model->eval();
  return run;
}

}  // namespace adamix
