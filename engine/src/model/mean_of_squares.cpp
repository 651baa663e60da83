#include "model/mean_of_squares.h"

#include <ATen/Parallel.h>

namespace adamix {

namespace {

bool kernelApplies(const torch::Tensor& x) {
  return x.device().is_cpu() && x.scalar_type() == torch::kFloat32 && x.dim() >= 1 && x.numel() > 0 &&
         x.is_contiguous();
}

torch::Tensor composite(const torch::Tensor& x) { return x.pow(2).mean(-1, /*keepdim=*/true); }

/// dx[r, j] = t[r] * (2 * x[r, j]) over rows of N, with t = grad / N: PowBackward's
/// `grad * (2.0 * x.pow(1))` on MeanBackward's expanded quotient. Each element is one exact
/// doubling and one rounded product, so how rows are split across threads changes nothing.
torch::Tensor backwardKernel(const torch::Tensor& grad, const torch::Tensor& x) {
  const int64_t N = x.size(-1), rows = x.numel() / N;
  // MeanBackward: sum_backward(grad) / N, the expand first; every element of a row holds the
  // same quotient, which is this division of the row's one gradient.
  const auto t = (grad.reshape({rows}) / N).contiguous();
  auto dx = torch::empty_like(x, torch::MemoryFormat::Contiguous);
  const float* tp = t.data_ptr<float>();
  const float* xp = x.data_ptr<float>();
  float* dp = dx.data_ptr<float>();
  at::parallel_for(0, rows, std::max<int64_t>(1, at::internal::GRAIN_SIZE / N), [&](int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; ++r) {
      const float tr = tp[r];
      const float* xr = xp + r * N;
      float* dr = dp + r * N;
      for (int64_t j = 0; j < N; ++j) {
        const float twice = 2.0f * xr[j];
        dr[j] = tr * twice;
      }
    }
  });
  return dx;
}

struct MeanOfSquares : torch::autograd::Function<MeanOfSquares> {
  static torch::Tensor forward(torch::autograd::AutogradContext* ctx, const torch::Tensor& x) {
    ctx->save_for_backward({x});
    return composite(x);  // under the Function's no-grad guard: ATen's values, no graph
  }
  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                 torch::autograd::variable_list grads) {
    return {backwardKernel(grads[0], ctx->get_saved_variables()[0])};
  }
};

}  // namespace

torch::Tensor meanOfSquares(const torch::Tensor& x) {
  if (!kernelApplies(x)) return composite(x);
  if (torch::GradMode::is_enabled() && x.requires_grad()) return MeanOfSquares::apply(x);
  return composite(x);
}

}  // namespace adamix
