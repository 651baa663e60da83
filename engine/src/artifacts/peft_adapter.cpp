#include "artifacts/peft_adapter.h"

#include <filesystem>
#include <iostream>
#include <set>

#include "io/errors.h"
#include "io/safetensors.h"
#include "peft/lora_mixture.h"
#include "peft/mixture_linear.h"
#include "peft/peft.h"
#include "peft/sites.h"

namespace adamix {

std::vector<std::pair<std::string, std::shared_ptr<PeftLinearImpl>>> loraProjections(torch::nn::Module& model) {
  std::vector<std::pair<std::string, std::shared_ptr<PeftLinearImpl>>> out;
  for (const auto& item : model.named_modules("", /*include_self=*/false))
    if (auto lin = std::dynamic_pointer_cast<PeftLinearImpl>(item.value()); lin && lin->lora())
      out.emplace_back(item.key(), lin);
  return out;
}

WholeProjectionLora wholeProjectionLora(const PeftLinearImpl& lin) {
  torch::NoGradGuard no_grad;
  WholeProjectionLora w;
  w.scaling = lin.lora()->scaling;
  // Averaged in fp32: bf16 modules averaged in bf16 would lose the merge's precision (peft#2502).
  w.a = lin.lora()->lora_A->mergedWeight(torch::kFloat32).detach().to(torch::kCPU).contiguous();  // [G·r, in]
  const auto b = lin.lora()->lora_B->mergedWeight(torch::kFloat32).detach().to(torch::kCPU);     // [G·s, r]
  const auto& parts = lin.loraParts();
  if (parts.empty()) {
    w.b = b.contiguous();
    return w;
  }
  const int64_t r = b.size(1), groups = static_cast<int64_t>(parts.size());
  w.b = torch::zeros({lin.out_features, groups * r}, b.options());
  for (int64_t g = 0; g < groups; ++g) {
    const int64_t size = lin.partSize(parts[g]), off = lin.partOffset(parts[g]);
    w.b.slice(0, off, off + size).slice(1, g * r, (g + 1) * r).copy_(b.slice(0, g * size, (g + 1) * size));
  }
  return w;
}

std::map<std::string, torch::Tensor> peftAdapterTensors(torch::nn::Module& model,
                                                        const std::vector<std::string>& head_prefixes) {
  torch::NoGradGuard no_grad;
  std::map<std::string, torch::Tensor> out;
  for (const auto& [name, lin] : loraProjections(model)) {
    auto w = wholeProjectionLora(*lin);
    out[kPeftKeyPrefix + name + ".lora_A.weight"] = w.a;
    out[kPeftKeyPrefix + name + ".lora_B.weight"] = w.b;
  }
  for (const auto& p : model.named_parameters())
    if (isHeadParameter(p.key(), head_prefixes))
      out[kPeftKeyPrefix + p.key()] = p.value().detach().to(torch::kCPU, torch::kFloat32).clone();
  return out;
}

void loadPeftAdapterWeights(torch::nn::Module& model, const std::string& adapter_dir,
                            const std::vector<std::string>& head_prefixes) {
  const std::string file = (std::filesystem::path(adapter_dir) / "adapter_model.safetensors").string();
  std::error_code ec;
  if (!std::filesystem::exists(file, ec))
    throw EngineError(ErrorKind::Model,
                      "adapter weights not found (PEFT adapters are read from adapter_model.safetensors; convert "
                      "adapter_model.bin)",
                      file);
  const auto st = loadSafetensors(file, /*to_float32=*/true);
  std::set<std::string> used;
  torch::NoGradGuard no_grad;
  auto take = [&](const std::string& key, at::IntArrayRef shape) -> const torch::Tensor& {
    const auto it = st.tensors.find(key);
    if (it == st.tensors.end())
      throw EngineError(ErrorKind::Model, "missing tensor: the adapter's config targets this projection",
                        file + ":" + key);
    if (it->second.sizes() != shape)
      throw EngineError(ErrorKind::Model,
                        "shape " + shapeText(it->second.sizes()) + " in the file, the model expects " + shapeText(shape),
                        file + ":" + key);
    used.insert(key);
    return it->second;
  };
  for (const auto& [name, lin] : loraProjections(model)) {
    auto& lora = *lin->lora();
    if (lora.lora_A->numModules() != 1 || lora.lora_B->numModules() != 1)
      throw EngineError(ErrorKind::Internal, "a PEFT adapter loads onto LoRA with one module");
    auto wa = lora.lora_A->weight(0), wb = lora.lora_B->weight(0);
    const auto& parts = lin->loraParts();
    wa.copy_(take(kPeftKeyPrefix + name + ".lora_A.weight", wa.sizes()));
    const std::string key_b = kPeftKeyPrefix + name + ".lora_B.weight";
    if (parts.empty()) {
      wb.copy_(take(key_b, wb.sizes()));
      continue;
    }
    const int64_t r = wb.size(1), groups = static_cast<int64_t>(parts.size());
    const auto& b_full = take(key_b, {lin->out_features, groups * r});
    auto rest = b_full.clone();
    for (int64_t g = 0; g < groups; ++g) {
      const int64_t size = lin->partSize(parts[g]), off = lin->partOffset(parts[g]);
      auto block = rest.slice(0, off, off + size).slice(1, g * r, (g + 1) * r);
      wb.slice(0, g * size, (g + 1) * size).copy_(block);
      block.zero_();
    }
    if (rest.abs().max().item<double>() != 0.0)
      throw EngineError(ErrorKind::Model,
                        "lora_B has non-zero entries outside the parts the engine covers (" +
                            std::to_string(groups) +
                            " parts of the fused projection, one rank-r block each): a LoRA on the whole fused "
                            "projection cannot be represented",
                        file + ":" + key_b);
  }
  bool head_missing = false;
  for (auto& p : model.named_parameters()) {
    if (!isHeadParameter(p.key(), head_prefixes)) continue;
    const std::string key = kPeftKeyPrefix + p.key();
    if (!st.tensors.count(key)) {
      head_missing = true;
      continue;
    }
    p.value().copy_(take(key, p.value().sizes()));
  }
  if (head_missing)
    std::cerr << "warning: " << file << ": the adapter holds no task head (modules_to_save); the head keeps its "
              << "initialisation\n";
  for (const auto& [key, t] : st.tensors)
    if (!used.count(key))
      throw EngineError(ErrorKind::Model,
                        "unexpected tensor: no LoRA module or head parameter of the model has this PEFT name",
                        file + ":" + key);
}

}  // namespace adamix
