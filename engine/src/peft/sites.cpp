#include "peft/sites.h"

#include <ATen/autocast_mode.h>

#include <algorithm>

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
  // A frozen weight stored in BF16 (storeFrozenProjections, model.dtype bfloat16): the product in
  // the weight's dtype, the bias and everything after it in x's.
  const bool cast = weight.scalar_type() != x.scalar_type() && !at::autocast::is_enabled();
  if (!conv1d && !cast) return F::linear(x, weight, bias);
  const auto in = cast ? x.to(weight.scalar_type()) : x;
  auto y = conv1d ? torch::matmul(in, weight) : F::linear(in, weight);
  if (cast) y = y.to(x.scalar_type());
  return bias.defined() ? y + bias : y;
}

torch::Tensor PeftLinearImpl::forward(const torch::Tensor& x) {
  auto y = baseForward(x);
  if (!lora_) return y;
  auto delta = lora_->forward(x);
  if (lora_parts_.empty()) return y + delta;
  // Scatter the covered slices' delta into their columns (loralib zero_pad); other parts get 0.
  // Same dtype as y: under bf16 autocast the delta is bf16 while y (fp32 bias added) is fp32,
  // and index_add does not promote.
  if (lora_columns_.device() != y.device()) lora_columns_ = lora_columns_.to(y.device());
  return y.index_add(-1, lora_columns_, delta.to(y.scalar_type()));
}

void PeftLinearImpl::setParts(std::vector<Part> p, std::vector<std::string> defaults) {
  int64_t total = 0;
  for (const auto& part : p) total += part.size;
  if (total != out_features) throw EngineError(ErrorKind::Internal, "fused parts do not add up to out_features");
  parts = std::move(p);
  default_lora_parts = std::move(defaults);
}

int64_t PeftLinearImpl::partSize(const std::string& name) const {
  for (const auto& p : parts)
    if (p.name == name) return p.size;
  return -1;
}

int64_t PeftLinearImpl::partOffset(const std::string& name) const {
  int64_t offset = 0;
  for (const auto& p : parts) {
    if (p.name == name) return offset;
    offset += p.size;
  }
  return -1;
}

void PeftLinearImpl::attachLora(std::shared_ptr<LoraMixtureImpl> lora, std::vector<std::string> lora_parts) {
  if (lora_) throw EngineError(ErrorKind::Internal, "LoRA already attached to this projection");
  if (!lora_parts.empty()) {
    // The covered parts in declaration order (q before v) and their output columns.
    std::vector<std::string> ordered;
    std::vector<int64_t> columns;
    int64_t offset = 0;
    for (const auto& p : parts) {
      if (std::find(lora_parts.begin(), lora_parts.end(), p.name) != lora_parts.end()) {
        if (!ordered.empty() && p.size != partSize(ordered.front()))
          throw EngineError(ErrorKind::Internal, "LoRA parts of one projection must have equal sizes");
        ordered.push_back(p.name);
        for (int64_t c = 0; c < p.size; ++c) columns.push_back(offset + c);
      }
      offset += p.size;
    }
    if (ordered.size() != lora_parts.size()) throw EngineError(ErrorKind::Internal, "LoRA parts are unknown or repeated");
    lora_columns_ = torch::tensor(columns, torch::kInt64);
    lora_parts = std::move(ordered);
  }
  lora_parts_ = std::move(lora_parts);
  lora_ = register_module("lora", std::move(lora));
}

AdapterSiteImpl::AdapterSiteImpl(int64_t d) : hidden_size(d) {}

torch::Tensor AdapterSiteImpl::forward(const torch::Tensor& h) { return adapter_ ? h + adapter_->forward(h) : h; }

void AdapterSiteImpl::attachAdapter(std::shared_ptr<AdapterMixtureImpl> adapter) {
  if (adapter_) throw EngineError(ErrorKind::Internal, "adapter already attached to this site");
  adapter_ = register_module("adapter", std::move(adapter));
}

}  // namespace adamix
