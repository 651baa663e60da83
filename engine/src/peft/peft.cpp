#include "peft/peft.h"

#include <algorithm>
#include <optional>
#include <set>

#include "artifacts/official_adamix.h"
#include "artifacts/peft_adapter.h"
#include "io/errors.h"
#include "peft/adapter_mixture.h"
#include "peft/lora_mixture.h"
#include "peft/mixture_linear.h"
#include "peft/sites.h"

namespace adamix {

namespace {

std::string localName(const std::string& qualified) {
  const auto dot = qualified.rfind('.');
  return dot == std::string::npos ? qualified : qualified.substr(dot + 1);
}

bool endsWith(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// Which parts of projection `name` a LoRA target selects: nullopt = not this projection,
// {} = the whole projection, {"q", "v"} = those output parts of a fused projection.
// A target matches by local name ("query", "c_attn"), by a dotted suffix of the qualified name
// ("attention.output.dense"), as "<projection>.<part>" ("c_attn.k"), or by an alias the
// architecture declares ("q_proj" -> BERT query, GPT-2 c_attn part q).
std::optional<std::vector<std::string>> matchLoraTarget(const std::string& name, const PeftLinearImpl& lin,
                                                        const std::string& target) {
  if (localName(name) == target || endsWith(name, "." + target)) return lin.default_lora_parts;
  for (const auto& part : lin.parts) {
    if (!endsWith(target, "." + part.name)) continue;
    const std::string whole = target.substr(0, target.size() - part.name.size() - 1);
    if (localName(name) == whole || endsWith(name, "." + whole)) return std::vector<std::string>{part.name};
  }
  for (const auto& alias : lin.aliases) {
    if (alias.target != target) continue;
    if (alias.part.empty()) return std::vector<std::string>{};
    return std::vector<std::string>{alias.part};
  }
  return std::nullopt;
}

bool isMixtureParameter(const std::string& name) {
  return name.find(".adapter.") != std::string::npos || name.find(".lora.") != std::string::npos;
}

}  // namespace

int64_t storeFrozenProjections(torch::nn::Module& model, torch::ScalarType dtype) {
  torch::NoGradGuard no_grad;
  int64_t n = 0;
  for (const auto& item : model.named_modules("", /*include_self=*/false)) {
    auto* lin = dynamic_cast<PeftLinearImpl*>(item.value().get());
    if (!lin || lin->weight.requires_grad() || lin->weight.scalar_type() == dtype) continue;
    lin->weight.set_data(lin->weight.detach().to(dtype));
    ++n;
  }
  return n;
}

PeftHandle applyPeft(torch::nn::Module& model, const PeftConfig& cfg, const std::vector<std::string>& head_prefixes,
                     uint64_t init_seed) {
  PeftHandle handle;
  handle.routes = std::make_shared<RouteContext>();
  auto& routes = *handle.routes;
  routes.routing = cfg.adamix.routing;
  routes.inference = cfg.adamix.inference;
  routes.inference_module = cfg.adamix.inference_module;
  routes.distinct_routes = cfg.adamix.distinct_routes;
  torch::manual_seed(init_seed);

  // Collect sites first: attaching registers new children while we iterate otherwise.
  std::vector<std::pair<std::string, std::shared_ptr<AdapterSiteImpl>>> sites;
  std::vector<std::pair<std::string, std::shared_ptr<PeftLinearImpl>>> linears;
  for (const auto& item : model.named_modules("", /*include_self=*/false)) {
    if (auto s = std::dynamic_pointer_cast<AdapterSiteImpl>(item.value())) sites.emplace_back(item.key(), s);
    if (auto l = std::dynamic_pointer_cast<PeftLinearImpl>(item.value())) linears.emplace_back(item.key(), l);
  }

  if (cfg.method == PeftMethod::Adapter) {
    int attached = 0;
    for (auto& [name, site] : sites) {
      const auto local = localName(name);
      if (local == "ffn_adapter" || (cfg.adapter.attention_adapter && local == "attn_adapter")) {
        site->attachAdapter(
            std::make_shared<AdapterMixtureImpl>(site->hidden_size, cfg.adapter, cfg.adamix, handle.routes));
        ++attached;
      }
    }
    if (attached == 0) throw EngineError(ErrorKind::Config, "the model has no adapter sites", "/peft/method");
  } else if (cfg.method == PeftMethod::Lora) {
    // Which parts each projection gets, over all targets ({} = the whole projection), then one
    // LoRA mixture per projection: parts of a fused projection selected by several targets
    // (q_proj and v_proj on GPT-2's c_attn) share one mixture, as loralib's MergedLinear.
    std::map<std::string, std::vector<std::string>> selected;
    for (size_t t = 0; t < cfg.lora.targets.size(); ++t) {
      const auto& target = cfg.lora.targets[t];
      const std::string where = "/peft/lora/targets/" + std::to_string(t);
      int attached = 0;
      for (auto& [name, lin] : linears) {
        const auto parts = matchLoraTarget(name, *lin, target);
        if (!parts) continue;
        ++attached;
        const bool seen = selected.count(name) > 0;
        auto& chosen = selected[name];
        if (seen && (chosen.empty() || parts->empty()))
          throw EngineError(ErrorKind::Config, "LoRA targets overlap on '" + name + "'", where);
        for (const auto& part : *parts) {
          if (std::find(chosen.begin(), chosen.end(), part) != chosen.end())
            throw EngineError(ErrorKind::Config, "LoRA targets overlap on '" + name + "' part " + part, where);
          chosen.push_back(part);
        }
      }
      if (attached == 0)
        throw EngineError(ErrorKind::Config, "the model has no projection named '" + target + "'", where);
    }
    for (auto& [name, lin] : linears) {
      const auto it = selected.find(name);
      if (it == selected.end()) continue;
      const auto& parts = it->second;  // attachLora puts them in output order (and checks equal sizes)
      const int64_t groups = parts.empty() ? 1 : static_cast<int64_t>(parts.size());
      const int64_t out = parts.empty() ? lin->out_features : groups * lin->partSize(parts.front());
      lin->attachLora(
          std::make_shared<LoraMixtureImpl>(lin->in_features, out, cfg.lora, cfg.adamix, handle.routes, groups), parts);
    }
  }

  bool any_bias = false;
  for (auto& p : model.named_parameters()) {
    const auto& name = p.key();
    const bool is_bias = localName(name) == "bias" && !isMixtureParameter(name);
    const bool head = isHeadParameter(name, head_prefixes);
    bool trainable = head || isMixtureParameter(name);
    if (cfg.method == PeftMethod::Full) trainable = true;
    if (cfg.method == PeftMethod::BitFit && is_bias && !head) {
      trainable = true;
      any_bias = true;
    }
    p.value().set_requires_grad(trainable);
  }
  if (cfg.method == PeftMethod::BitFit && !any_bias)
    throw EngineError(ErrorKind::Config, "BitFit needs a backbone with bias terms; this model has none",
                      "/peft/method");

  // Imported starting weights (official AdaMix checkpoint, PEFT LoRA adapter) replace the seeded ones.
  if (cfg.weights_source == PeftWeightsSource::OfficialAdaMix) loadOfficialAdaMixWeights(model, cfg.weights_dir);
  if (cfg.weights_source == PeftWeightsSource::PeftAdapter) loadPeftAdapterWeights(model, cfg.weights_dir, head_prefixes);

  handle.num_modules = cfg.adamix.num_modules;
  handle.counts = countParameters(model, head_prefixes);
  return handle;
}

bool isHeadParameter(const std::string& name, const std::vector<std::string>& head_prefixes) {
  for (const auto& p : head_prefixes)
    if (name.rfind(p, 0) == 0) return true;
  return false;
}

ParamCounts countParameters(torch::nn::Module& model, const std::vector<std::string>& head_prefixes) {
  ParamCounts c;
  for (const auto& p : model.named_parameters()) {
    const int64_t n = p.value().numel();
    c.total += n;
    const bool head = isHeadParameter(p.key(), head_prefixes);
    if (head) c.head += n;
    if (!head && !isMixtureParameter(p.key())) c.base += n;
    if (p.value().requires_grad()) {
      c.trainable += n;
      if (!head) c.trainable_peft += n;
    }
  }
  // At inference each mixture projection runs one (merged) module.
  for (const auto& m : model.modules(/*include_self=*/false)) {
    if (auto mix = std::dynamic_pointer_cast<MixtureLinearImpl>(m)) c.inference_peft += mix->inferenceParameterCount();
  }
  // Non-mixture trainable parameters outside the head (full FT, BitFit) also run at inference.
  for (const auto& p : model.named_parameters()) {
    if (p.value().requires_grad() && !isMixtureParameter(p.key()) && !isHeadParameter(p.key(), head_prefixes))
      c.inference_peft += p.value().numel();
  }
  return c;
}

std::vector<std::pair<std::string, torch::Tensor>> trainableParameters(torch::nn::Module& model) {
  std::vector<std::pair<std::string, torch::Tensor>> out;
  for (const auto& p : model.named_parameters())
    if (p.value().requires_grad()) out.emplace_back(p.key(), p.value());
  return out;
}

std::map<std::string, torch::Tensor> mergedParameters(torch::nn::Module& model) {
  torch::NoGradGuard no_grad;
  std::map<std::string, torch::Tensor> out;
  for (const auto& item : model.named_modules("", /*include_self=*/false)) {
    auto mix = std::dynamic_pointer_cast<MixtureLinearImpl>(item.value());
    if (!mix) continue;
    out[item.key() + ".weight"] = mix->mergedWeight().detach().clone();
    auto b = mix->mergedBias();
    if (b.defined()) out[item.key() + ".bias"] = b.detach().clone();
  }
  for (const auto& p : model.named_parameters())
    if (p.value().requires_grad() && !isMixtureParameter(p.key())) out[p.key()] = p.value().detach().clone();
  return out;
}

}  // namespace adamix
