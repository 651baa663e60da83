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
  return lora_ ? y + lora_->forward(x) : y;
}

void PeftLinearImpl::attachLora(std::shared_ptr<LoraMixtureImpl> lora) {
  if (lora_) throw EngineError(ErrorKind::Internal, "LoRA already attached to this projection");
  lora_ = register_module("lora", std::move(lora));
}

AdapterSiteImpl::AdapterSiteImpl(int64_t d) : hidden_size(d) {}

torch::Tensor AdapterSiteImpl::forward(const torch::Tensor& h) {
  return adapter_ ? h + adapter_->forward(h) : h;
}

void AdapterSiteImpl::attachAdapter(std::shared_ptr<AdapterMixtureImpl> adapter) {
  if (adapter_) throw EngineError(ErrorKind::Internal, "adapter already attached to this site");
  adapter_ = register_module("adapter", std::move(adapter));
}

}  // namespace adamix
