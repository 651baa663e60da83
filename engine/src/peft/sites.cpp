#include "peft/sites.h"

#include "io/errors.h"
#include "peft/adapter_mixture.h"
#include "peft/lora_mixture.h"

namespace F = torch::nn::functional;

namespace adamix {

PeftLinearImpl::PeftLinearImpl(int64_t in, int64_t out, bool with_bias, bool is_conv1d)
    : in_features(in), out_features(out), conv1d(is_conv1d) {
  weight = register_parameter("weight", is_conv1d ? torch::empty({in, out}) : torch::empty({out, in}));
  if (with_bias) bias = register_parameter("bias", torch::zeros({out}));
  torch::NoGradGuard no_grad;
  weight.normal_(0.0, 0.02);
}

torch::Tensor PeftLinearImpl::baseForward(const torch::Tensor& x) const {
  if (conv1d) {
    auto y = torch::matmul(x, weight);
    return bias.defined() ? y + bias : y;
  }
  return F::linear(x, weight, bias);
}

torch::Tensor PeftLinearImpl::forward(const torch::Tensor& x) {
  auto y = baseForward(x);
  if (lora_) y = y + lora_->forward(x);
  if (!part_container_) return y;
  // Per-part deltas, zeros for parts without LoRA, concatenated along the output features.
  std::vector<torch::Tensor> deltas;
  for (size_t i = 0; i < parts.size(); ++i) {
    if (part_loras_[i]) {
      deltas.push_back(part_loras_[i]->forward(x));
    } else {
      auto shape = y.sizes().vec();
      shape.back() = parts[i].size;
      deltas.push_back(torch::zeros(shape, y.options()));
    }
  }
  return y + torch::cat(deltas, -1);
}

void PeftLinearImpl::setParts(std::vector<Part> p, std::vector<std::string> defaults) {
  int64_t total = 0;
  for (const auto& part : p) total += part.size;
  if (total != out_features) throw EngineError(ErrorKind::Internal, "fused parts do not add up to out_features");
  parts = std::move(p);
  default_lora_parts = std::move(defaults);
  part_loras_.assign(parts.size(), nullptr);
}

int64_t PeftLinearImpl::partSize(const std::string& name) const {
  for (const auto& p : parts)
    if (p.name == name) return p.size;
  return -1;
}

void PeftLinearImpl::attachPartLora(const std::string& part, std::shared_ptr<LoraMixtureImpl> lora) {
  for (size_t i = 0; i < parts.size(); ++i) {
    if (parts[i].name != part) continue;
    if (part_loras_[i]) throw EngineError(ErrorKind::Internal, "LoRA already attached to part '" + part + "'");
    if (lora_) throw EngineError(ErrorKind::Internal, "LoRA already attached to the whole projection");
    if (!part_container_) part_container_ = register_module("lora", std::make_shared<torch::nn::Module>());
    part_loras_[i] = part_container_->register_module(part, std::move(lora));
    return;
  }
  throw EngineError(ErrorKind::Internal, "projection has no part '" + part + "'");
}

std::shared_ptr<LoraMixtureImpl> PeftLinearImpl::partLora(const std::string& part) const {
  for (size_t i = 0; i < parts.size(); ++i)
    if (parts[i].name == part) return part_loras_[i];
  return nullptr;
}

void PeftLinearImpl::attachLora(std::shared_ptr<LoraMixtureImpl> lora) {
  if (lora_ || part_container_) throw EngineError(ErrorKind::Internal, "LoRA already attached to this projection");
  lora_ = register_module("lora", std::move(lora));
}

AdapterSiteImpl::AdapterSiteImpl(int64_t d) : hidden_size(d) {}

torch::Tensor AdapterSiteImpl::forward(const torch::Tensor& h) { return adapter_ ? h + adapter_->forward(h) : h; }

void AdapterSiteImpl::attachAdapter(std::shared_ptr<AdapterMixtureImpl> adapter) {
  if (adapter_) throw EngineError(ErrorKind::Internal, "adapter already attached to this site");
  adapter_ = register_module("adapter", std::move(adapter));
}

}  // namespace adamix
