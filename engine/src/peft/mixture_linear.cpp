#include "peft/mixture_linear.h"

#include "io/errors.h"

namespace F = torch::nn::functional;

namespace adamix {

namespace {
/// Holder for one module's parameters so that names read "<proj>.<k>.weight".
struct ModuleParams : torch::nn::Module {
  torch::Tensor weight, bias;
  ModuleParams(int64_t in, int64_t out, bool with_bias) {
    // Zeros, never uninitialised memory: the adapter / LoRA mixtures set their own init.
    weight = register_parameter("weight", torch::zeros({out, in}));
    if (with_bias) bias = register_parameter("bias", torch::zeros({out}));
  }
};
}  // namespace

MixtureLinearImpl::MixtureLinearImpl(int64_t in, int64_t out, int64_t num_modules, bool bias,
                                     std::shared_ptr<RouteContext> routes, int64_t num_groups)
    : in_features(in), out_features(out), groups(num_groups), routes_(std::move(routes)) {
  if (num_modules < 1) throw EngineError(ErrorKind::Config, "number of modules must be >= 1");
  if (groups < 1 || in % groups != 0 || out % groups != 0)
    throw EngineError(ErrorKind::Internal, "groups must divide in_features and out_features");
  for (int64_t k = 0; k < num_modules; ++k) {
    auto p = register_module(std::to_string(k), std::make_shared<ModuleParams>(in / groups, out, bias));
    weights_.push_back(p->weight);
    biases_.push_back(p->bias);
  }
  if (num_modules > 1) slot_ = routes_->registerSlot();
}

torch::Tensor MixtureLinearImpl::linearWith(const torch::Tensor& x, int64_t k) const {
  return groupedLinear(x, weights_[k], biases_[k]);
}

torch::Tensor MixtureLinearImpl::groupedLinear(const torch::Tensor& x, const torch::Tensor& w,
                                               const torch::Tensor& b) const {
  if (groups == 1) return F::linear(x, w, b);
  // x [..., G·i] -> [..., G, i]; w [G·o, i] -> [G, o, i]; y[..., g, :] = w[g] x[..., g, :].
  auto shape = x.sizes().vec();
  shape.back() = groups;
  shape.push_back(in_features / groups);
  auto y = torch::einsum("...gi,goi->...go", {x.reshape(shape), w.view({groups, out_features / groups, -1})});
  y = y.flatten(-2);
  return b.defined() ? y + b : y;
}

torch::Tensor MixtureLinearImpl::routedPerElement(const torch::Tensor& x, const torch::Tensor& idx) const {
  // All M outputs [B, T, M, out], then the routed one per element. Costs M projections; used
  // only by the per-example / per-token / random-inference ablations.
  TORCH_CHECK(x.dim() == 3, "per-example/per-token routing needs [B, T, in] inputs");
  std::vector<torch::Tensor> outs;
  for (int64_t k = 0; k < numModules(); ++k) outs.push_back(linearWith(x, k));
  auto all = torch::stack(outs, 2);
  auto index = idx.to(x.device()).view({x.size(0), -1, 1, 1}).expand({x.size(0), x.size(1), 1, out_features});
  return all.gather(2, index).squeeze(2);
}

torch::Tensor MixtureLinearImpl::mergedWeight() const {
  // Recomputed at every call (M small matrices per projection, negligible next to the batch), so
  // merged weights can never be stale after an optimizer step or a checkpoint load — the reference
  // NLG code caches them and goes stale.
  return mergeModules(weights_, soup_);
}

torch::Tensor MixtureLinearImpl::mergedWeight(torch::ScalarType dtype) const {
  return mergeModules(weights_, soup_, dtype);
}

torch::Tensor MixtureLinearImpl::mergedBias() const {
  if (!biases_[0].defined()) return biases_[0];
  return mergeModules(biases_, soup_);
}

void MixtureLinearImpl::setSoup(SoupWeights soup) {
  if (!soup.uniform()) mergeModules(std::vector<torch::Tensor>(weights_.size(), torch::zeros({1})), soup);  // checks it
  soup_ = std::move(soup);
  merged_weight_ = merged_bias_ = torch::Tensor();
  merged_key_.clear();
}

std::pair<torch::Tensor, torch::Tensor> MixtureLinearImpl::mergedForInference() const {
  if (torch::GradMode::is_enabled()) return {mergedWeight(), mergedBias()};  // differentiable: never cached
  std::vector<std::pair<const void*, uint32_t>> key;
  key.reserve(2 * weights_.size());
  for (size_t k = 0; k < weights_.size(); ++k) {
    key.emplace_back(weights_[k].data_ptr(), weights_[k]._version());
    if (biases_[k].defined()) key.emplace_back(biases_[k].data_ptr(), biases_[k]._version());
  }
  if (key != merged_key_ || !merged_weight_.defined()) {
    merged_weight_ = mergedWeight();
    merged_bias_ = mergedBias();
    merged_key_ = std::move(key);
  }
  return {merged_weight_, merged_bias_};
}

int64_t MixtureLinearImpl::inferenceParameterCount() const {
  return in_features / groups * out_features + (biases_[0].defined() ? out_features : 0);
}

torch::Tensor MixtureLinearImpl::forward(const torch::Tensor& x) {
  const int64_t m = numModules();
  if (m == 1) return linearWith(x, 0);
  if (routes_->forced) return linearWith(x, std::min<int64_t>(*routes_->forced, m - 1));
  if (!is_training()) {
    switch (routes_->inference) {
      case InferenceMode::Merged:
      case InferenceMode::Ensemble: {  // ensemble without a forced module falls back to merged
        const auto [w, b] = mergedForInference();
        return groupedLinear(x, w, b);
      }
      case InferenceMode::Module: return linearWith(x, std::min<int64_t>(routes_->inference_module, m - 1));
      case InferenceMode::Random:  // per example; one route per sequence inside a sequence scope
        return routedPerElement(x, routes_->randomInferenceIndices(slot_, m, x.size(0)));
    }
  }
  switch (routes_->routing) {
    case RoutingMode::Batch: return linearWith(x, routes_->drawBatch(slot_, m));
    case RoutingMode::Fixed: return linearWith(x, 0);
    case RoutingMode::Example: return routedPerElement(x, routes_->drawIndices(m, {x.size(0)}));
    case RoutingMode::Token: return routedPerElement(x, routes_->drawIndices(m, {x.size(0), x.size(1)}));
  }
  return linearWith(x, 0);
}

}  // namespace adamix
