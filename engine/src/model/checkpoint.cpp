#include "model/checkpoint.h"

#include <ATen/CPUGeneratorImpl.h>

#include <filesystem>
#include <functional>
#include <set>
#include <iostream>
#include <sstream>

#include "artifacts/official_adamix_config.h"
#include "io/errors.h"
#include "io/safetensors.h"
#include "io/safetensors_index.h"
#include "model/bert.h"
#include "model/gpt2.h"
#include "model/llama.h"
#include "model/roberta.h"

namespace adamix {
namespace {

using Builder = std::function<std::shared_ptr<TaskModelImpl>(const ModelConfig&, HeadType, int64_t)>;

// One entry per architecture.
const std::map<Architecture, Builder>& registry() {
  static const std::map<Architecture, Builder> r = {
      {Architecture::Llama,
       [](const ModelConfig& c, HeadType h, int64_t n) -> std::shared_ptr<TaskModelImpl> {
         return std::make_shared<LlamaForTaskImpl>(c, h, n);
       }},
      {Architecture::Bert,
       [](const ModelConfig& c, HeadType h, int64_t n) -> std::shared_ptr<TaskModelImpl> {
         return std::make_shared<BertForTaskImpl>(c, h, n);
       }},
      {Architecture::Roberta,
       [](const ModelConfig& c, HeadType h, int64_t n) -> std::shared_ptr<TaskModelImpl> {
         return std::make_shared<RobertaForTaskImpl>(c, h, n);
       }},
      {Architecture::Gpt2,
       [](const ModelConfig& c, HeadType h, int64_t n) -> std::shared_ptr<TaskModelImpl> {
         return std::make_shared<Gpt2ForTaskImpl>(c, h, n);
       }},
  };
  return r;
}

bool isPeftParam(const std::string& name) {
  return name.find(".lora.") != std::string::npos || name.find(".adapter.") != std::string::npos;
}

bool startsWith(const std::string& s, const std::string& p) { return s.rfind(p, 0) == 0; }

bool endsWith(const std::string& s, const std::string& p) {
  return s.size() >= p.size() && s.compare(s.size() - p.size(), p.size(), p) == 0;
}

bool isNormWeight(const std::string& name, const torch::Tensor& p) {
  if (p.dim() != 1 || !endsWith(name, ".weight")) return false;
  const auto dot = name.rfind('.', name.size() - 8);  // local module name, e.g. "ln_1", "LayerNorm"
  const std::string module = dot == std::string::npos ? name : name.substr(dot + 1);
  return name.find("norm") != std::string::npos || name.find("LayerNorm") != std::string::npos ||
         module.rfind("ln_", 0) == 0;
}

void initParam(const std::string& name, torch::Tensor& p, double std_dev, at::Generator& gen) {
  torch::NoGradGuard ng;
  if (endsWith(name, ".bias"))
    p.zero_();
  else if (isNormWeight(name, p))
    p.fill_(1.0);
  else
    p.normal_(0.0, std_dev, gen);
}

}  // namespace

std::shared_ptr<TaskModelImpl> buildTaskModel(const ModelConfig& config, HeadType head, int64_t num_labels) {
  auto it = registry().find(config.architecture);
  if (it == registry().end())
    throw EngineError(ErrorKind::Model, "no model implementation for model_type '" + config.model_type + "'",
                      config.source);
  return it->second(config, head, num_labels);
}

void initTaskModelWeights(TaskModelImpl& model, uint64_t seed, bool backbone_and_head_only) {
  at::Generator gen = at::make_generator<at::CPUGeneratorImpl>(seed);
  const double std_dev = model.config().initializer_range;
  for (auto& kv : model.named_parameters(true)) {
    if (backbone_and_head_only && isPeftParam(kv.key())) continue;
    initParam(kv.key(), kv.value(), std_dev, gen);
  }
}

std::map<std::string, torch::Tensor> namedTensors(const torch::nn::Module& model) {
  std::map<std::string, torch::Tensor> out;
  for (const auto& kv : model.named_parameters(true)) out.emplace(kv.key(), kv.value().detach());
  return out;
}

namespace {
/// Legacy parameter names: checkpoints converted from TensorFlow (google-bert/bert-base-uncased
/// among them) store LayerNorm parameters as `.gamma` / `.beta`; renamed to `.weight` / `.bias`,
/// as transformers' PreTrainedModel loading does. A name already present is kept as it is.
std::map<std::string, torch::Tensor> withLegacyNamesFixed(const std::map<std::string, torch::Tensor>& tensors) {
  std::map<std::string, torch::Tensor> out;
  for (const auto& [name, t] : tensors) {
    std::string fixed = name;
    if (endsWith(name, ".gamma")) fixed = name.substr(0, name.size() - 6) + ".weight";
    if (endsWith(name, ".beta")) fixed = name.substr(0, name.size() - 5) + ".bias";
    if (fixed != name && tensors.count(fixed)) fixed = name;
    out.emplace(fixed, t);
  }
  return out;
}
}  // namespace

void loadTaskModelState(TaskModelImpl& model, const std::map<std::string, torch::Tensor>& file_tensors,
                        const std::string& file, uint64_t head_seed) {
  const auto tensors = withLegacyNamesFixed(file_tensors);
  const auto heads = model.headPrefixes();
  auto isHead = [&](const std::string& n) {
    for (const auto& p : heads)
      if (startsWith(n, p)) return true;
    return false;
  };
  at::Generator gen = at::make_generator<at::CPUGeneratorImpl>(head_seed);
  const double std_dev = model.config().initializer_range;
  std::set<std::string> expected;
  const std::string prefix = model.backbonePrefix();
  torch::NoGradGuard ng;
  for (auto& kv : model.named_parameters(true)) {
    const std::string& name = kv.key();
    if (isPeftParam(name)) continue;
    expected.insert(name);
    torch::Tensor& p = kv.value();
    auto it = tensors.find(name);
    if (it == tensors.end() && startsWith(name, prefix)) it = tensors.find(name.substr(prefix.size()));
    if (it == tensors.end()) {
      if (isHead(name)) {
        initParam(name, p, std_dev, gen);
        continue;
      }
      throw EngineError(ErrorKind::Model, "missing tensor (the model expects shape " + shapeText(p.sizes()) + ")",
                        file + ":" + name);
    }
    const torch::Tensor& t = it->second;
    if (!t.is_floating_point())
      throw EngineError(ErrorKind::Model,
                        std::string("dtype ") + c10::toString(t.scalar_type()) +
                            " where a floating-point tensor (F32/F16/BF16) is expected",
                        file + ":" + name);
    if (t.sizes() != p.sizes())
      throw EngineError(ErrorKind::Model,
                        "shape " + shapeText(t.sizes()) + " in the file, the model expects " + shapeText(p.sizes()),
                        file + ":" + name);
    p.copy_(t);
  }
  const bool tied_lm = model.headType() == HeadType::CausalLM && model.config().tie_word_embeddings;
  for (const auto& [name, t] : tensors) {
    if (expected.count(name) || expected.count(prefix + name)) continue;
    if (endsWith(name, "rotary_emb.inv_freq")) continue;  // buffer stored by older HF versions
    if (tied_lm && name == "lm_head.weight") continue;    // tied copy of the embeddings
    if (model.ignorableCheckpointTensor(name)) continue;
    // Official AdaMix experts are PEFT weights: applyPeft loads them (artifacts/official_adamix.h).
    if (isOfficialExpertSoupTensor(name)) continue;
    if (startsWith(name, prefix))
      throw EngineError(ErrorKind::Model,
                        "unexpected tensor for a '" + model.config().model_type +
                            "' model with this config.json (different architecture, layer count or biases?)",
                        file + ":" + name);
    std::cerr << "warning: " << file << ":" << name << ": tensor not used by this model, ignored\n";
  }
}

std::shared_ptr<TaskModelImpl> loadTaskModel(const std::string& model_dir, HeadType head, int64_t num_labels,
                                             uint64_t head_seed, const DropoutOverrides& dropout) {
  namespace fs = std::filesystem;
  ModelConfig cfg = loadModelConfig(model_dir);
  applyDropoutOverrides(cfg, dropout);
  std::string file = (fs::path(model_dir) / "model.safetensors").string();
  const std::string index = (fs::path(model_dir) / kSafetensorsIndexName).string();
  std::error_code ec;
  // A single model.safetensors is read when present (as transformers does); else the sharded
  // checkpoint its index describes (io/safetensors_index.h checks paths, shards and tensors).
  std::vector<std::string> files;
  if (fs::exists(file, ec)) {
    files = {file};
  } else if (fs::exists(index, ec)) {
    files = readSafetensorsIndex(model_dir).files;
    file = index;
  } else {
    std::string hint;
    if (fs::exists(fs::path(model_dir) / "pytorch_model.bin", ec))
      hint = " (only safetensors weights are supported; convert pytorch_model.bin)";
    throw EngineError(ErrorKind::Model, "model weights not found" + hint, file);
  }
  // bounds before allocating the model (issue 16): a config.json claiming a far larger model than
  // the weights file holds, or than this machine's memory, is rejected with its source named
  double values = 0;
  bool half = false;
  for (const auto& f : files) {
    const SafetensorsHeader header = readSafetensorsHeader(f);
    for (const auto& [name, e] : header.entries) {
      values += static_cast<double>(e.end - e.begin) / static_cast<double>(safetensorsDtypeSize(e.dtype));
      half |= e.dtype == "BF16" || e.dtype == "F16";
    }
  }
  checkModelSize(cfg, 4 * (1.5 * values + (1 << 20)),
                 "(1.5 x the " + std::to_string(static_cast<int64_t>(values)) + " values in " + file +
                     "): config.json does not describe these weights");
  checkModelFitsMemory(cfg);
  auto model = buildTaskModel(cfg, head, num_labels);
  std::map<std::string, torch::Tensor> tensors;
  for (const auto& f : files) {
    SafetensorsFile st = loadSafetensors(f, /*to_float32=*/true);
    tensors.merge(st.tensors);  // names are unique across shards (readSafetensorsIndex)
  }
  // BF16/F16 weights are widened to float32 (docs/models.md § Weights in BF16/F16: the PEFT
  // modules, the optimizer and the CPU kernels run in float32).
  if (half)
    std::cerr << "note: " << file << ": BF16/F16 weights converted to float32 (model.dtype bfloat16 stores the frozen projections back in BF16)\n";
  loadTaskModelState(*model, tensors, file, head_seed);
  model->eval();
  return model;
}

}  // namespace adamix
