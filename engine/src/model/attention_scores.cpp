#include "model/attention_scores.h"

#include <ATen/ExpandUtils.h>
#include <ATen/Parallel.h>
#include <ATen/TensorIterator.h>

#include <vector>

namespace adamix {

namespace {

bool kernelApplies(const torch::Tensor& scores, const torch::Tensor& bias) {
  if (!scores.device().is_cpu() || scores.scalar_type() != torch::kFloat32 || !scores.is_contiguous() ||
      scores.numel() == 0 || scores.dim() < 1)
    return false;
  if (!bias.device().is_cpu() || bias.scalar_type() != torch::kFloat32 || bias.requires_grad() ||
      bias.dim() > scores.dim())
    return false;
  if (at::infer_size(scores.sizes(), bias.sizes()) != scores.sizes()) return false;
  // This loop is serial; ATen's two passes split a large tensor across its threads.
  return at::get_num_threads() == 1 || scores.numel() < at::internal::GRAIN_SIZE;
}

/// out = scores / d + bias over rows of the last dimension; bias read through its broadcast
/// strides (0 where it repeats). Each element: one division, one addition, as the composite.
torch::Tensor forwardKernel(const torch::Tensor& scores, double divisor, const torch::Tensor& bias) {
  const auto b = bias.expand(scores.sizes());
  auto out = torch::empty(scores.sizes(), scores.options().requires_grad(false));
  const float d = static_cast<float>(divisor);  // the wrapped scalar, cast to the float32 operation
  const int64_t dims = scores.dim(), S = scores.size(dims - 1), rows = scores.numel() / S, bs = b.stride(dims - 1);
  const float* sp = scores.data_ptr<float>();
  float* op = out.data_ptr<float>();
  const float* bp = b.data_ptr<float>();
  // The bias row of each score row, counted over the outer dimensions (no division per row).
  std::vector<int64_t> index(static_cast<size_t>(dims - 1), 0);
  const float* brow = bp;
  for (int64_t r = 0; r < rows; ++r) {
    const float* srow = sp + r * S;
    float* orow = op + r * S;
    if (bs == 1) {
      for (int64_t j = 0; j < S; ++j) {
        const float q = srow[j] / d;
        orow[j] = q + brow[j];
      }
    } else {
      for (int64_t j = 0; j < S; ++j) {
        const float q = srow[j] / d;
        orow[j] = q + brow[j * bs];
      }
    }
    for (int64_t k = dims - 2; k >= 0; --k) {  // next row: advance the outer index like an odometer
      brow += b.stride(k);
      if (++index[static_cast<size_t>(k)] < scores.size(k)) break;
      brow -= b.stride(k) * scores.size(k);
      index[static_cast<size_t>(k)] = 0;
    }
  }
  return out;
}

struct ScaleAndAddBias : torch::autograd::Function<ScaleAndAddBias> {
  static torch::Tensor forward(torch::autograd::AutogradContext* ctx, const torch::Tensor& scores, double divisor,
                               const torch::Tensor& bias) {
    ctx->saved_data["divisor"] = divisor;
    return forwardKernel(scores, divisor, bias);
  }
  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                 torch::autograd::variable_list grads) {
    // DivBackward0 of `scores / divisor`: grad / divisor (AddBackward passes grad through).
    return {grads[0] / ctx->saved_data["divisor"].toDouble(), torch::Tensor(), torch::Tensor()};
  }
};

}  // namespace

torch::Tensor scaleAndAddBias(const torch::Tensor& scores, double divisor, const torch::Tensor& bias) {
  if (!kernelApplies(scores, bias)) return scores / divisor + bias;
  if (torch::GradMode::is_enabled() && scores.requires_grad()) return ScaleAndAddBias::apply(scores, divisor, bias);
  return forwardKernel(scores, divisor, bias);
}

}  // namespace adamix
