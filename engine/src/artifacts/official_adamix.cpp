#include "artifacts/official_adamix.h"

#include <filesystem>
#include <set>

#include "artifacts/official_adamix_config.h"
#include "io/errors.h"
#include "io/safetensors.h"

namespace adamix {

void loadOfficialAdaMixWeights(torch::nn::Module& model, const std::string& model_dir) {
  const std::string file = (std::filesystem::path(model_dir) / "model.safetensors").string();
  const auto st = loadSafetensors(file, /*to_float32=*/true);
  auto params = model.named_parameters();
  std::set<std::string> loaded;
  torch::NoGradGuard no_grad;
  for (const auto& [name, t] : st.tensors) {
    if (!isOfficialExpertSoupTensor(name)) continue;
    const std::string where = file + ":" + name;
    if (name.size() >= 20 && name.compare(name.size() - 20, 20, ".expert_score_weight") == 0) {
      if (t.numel() > 1 && !torch::equal(t, t.flatten()[0].expand_as(t)))
        throw EngineError(ErrorKind::Model,
                          "non-uniform expert scores: the official soup would weight the experts by their softmax, "
                          "the engine merges them uniformly",
                          where);
      continue;
    }
    const auto engine = engineNameOfOfficial(name);
    if (!engine) throw EngineError(ErrorKind::Model, "not an ExpertSoup expert parameter", where);
    auto* p = params.find(*engine);
    if (!p)
      throw EngineError(ErrorKind::Model,
                        "no adapter module '" + *engine + "' in the model (does config.json's num_experts / "
                        "sharing_up / sharing_down match the tensors?)",
                        where);
    if (p->sizes() != t.sizes())
      throw EngineError(ErrorKind::Model,
                        "shape " + shapeText(t.sizes()) + " in the file, the adapter module expects " +
                            shapeText(p->sizes()) + " (config.json adapter_size / hidden_size)",
                        where);
    p->copy_(t);
    loaded.insert(*engine);
  }
  for (const auto& item : params) {
    const auto& name = item.key();
    if (name.find(".adapter.") == std::string::npos || loaded.count(name)) continue;
    const auto official = officialNameOfEngine(name);
    throw EngineError(ErrorKind::Model, "missing expert tensor for the engine's adapter module '" + name + "'",
                      file + ":" + official.value_or(name));
  }
}

}  // namespace adamix
