#include "peft/merge_weights.h"

#include "io/errors.h"

namespace adamix {

namespace {

bool reducedPrecision(const torch::Tensor& t) {
  return t.scalar_type() == torch::kBFloat16 || t.scalar_type() == torch::kHalf;
}

/// The modules the soup averages: `kept`, or all of them.
std::vector<torch::Tensor> selected(const std::vector<torch::Tensor>& modules, const SoupWeights& soup) {
  if (soup.kept.empty()) return modules;
  std::vector<torch::Tensor> out;
  for (const int64_t k : soup.kept) {
    if (k < 0 || k >= static_cast<int64_t>(modules.size()))
      throw EngineError(ErrorKind::Internal, "soup module " + std::to_string(k) + " out of range");
    out.push_back(modules[static_cast<size_t>(k)]);
  }
  return out;
}

/// Uniform mean of `ts` computed in `dtype`.
torch::Tensor meanIn(const std::vector<torch::Tensor>& ts, torch::ScalarType dtype) {
  std::vector<torch::Tensor> converted;
  converted.reserve(ts.size());
  for (const auto& t : ts) converted.push_back(t.to(dtype));
  return torch::stack(converted).mean(0);
}

/// Σ_k c_k ts[k] computed in `dtype`.
torch::Tensor weightedIn(const std::vector<torch::Tensor>& ts, const torch::Tensor& c, torch::ScalarType dtype) {
  if (c.dim() != 1 || c.size(0) != static_cast<int64_t>(ts.size()))
    throw EngineError(ErrorKind::Internal, "soup coefficients must be [" + std::to_string(ts.size()) + "]");
  std::vector<torch::Tensor> converted;
  converted.reserve(ts.size());
  for (const auto& t : ts) converted.push_back(t.to(dtype));
  auto stacked = torch::stack(converted);
  std::vector<int64_t> shape(static_cast<size_t>(stacked.dim()), 1);
  shape[0] = c.size(0);
  return (stacked * c.to(stacked.device(), dtype).view(shape)).sum(0);
}

}  // namespace

torch::Tensor mergeModules(const std::vector<torch::Tensor>& modules, const SoupWeights& soup,
                           std::optional<torch::ScalarType> dtype) {
  const auto own = modules.at(0).scalar_type();
  const auto compute = dtype ? *dtype : reducedPrecision(modules[0]) ? torch::kFloat32 : own;
  torch::Tensor merged;
  if (soup.coefficients.defined()) {
    merged = weightedIn(modules, soup.coefficients, compute);
  } else {
    const auto ts = selected(modules, soup);
    if (ts.size() == 1 && !dtype) return ts[0];
    merged = meanIn(ts, compute);
  }
  return dtype ? merged : merged.to(own);
}

}  // namespace adamix
