#include "model/rms_norm.h"

#include <ATen/ExpandUtils.h>

#include "model/row_parallel.h"

namespace adamix {

namespace {

bool floatCpu(const torch::Tensor& t) {
  return t.device().is_cpu() && t.scalar_type() == torch::kFloat32 && t.is_contiguous();
}

/// Runs `row(r)` for r in [0, rows) through forRowChunks (model/row_parallel.h): every element
/// here is computed by its own roundings, so any split gives the same bits.
template <class Row>
void forRows(int64_t rows, int64_t N, const Row& row) {
  forRowChunks(rows, N, [&](int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; ++r) row(r);
  });
}

// --- mean(x^2) ------------------------------------------------------------------------------

torch::Tensor meanOfSquaresComposite(const torch::Tensor& x) { return x.pow(2).mean(-1, /*keepdim=*/true); }

/// dx[r, j] = t[r] * (2 * x[r, j]) with t = grad / N: PowBackward's `grad * (2.0 * x.pow(1))` on
/// MeanBackward's expanded quotient; one exact doubling and one rounded product per element.
torch::Tensor meanOfSquaresBackward(const torch::Tensor& grad, const torch::Tensor& x) {
  const int64_t N = x.size(-1), rows = x.numel() / N;
  // MeanBackward: sum_backward(grad) / N, the expand first; every element of a row holds the
  // same quotient, which is this division of the row's one gradient.
  const auto t = (grad.reshape({rows}) / N).contiguous();
  auto dx = torch::empty_like(x, torch::MemoryFormat::Contiguous);
  const float* tp = t.data_ptr<float>();
  const float* xp = x.data_ptr<float>();
  float* dp = dx.data_ptr<float>();
  forRows(rows, N, [&](int64_t r) {
    const float tr = tp[r];
    const float* xr = xp + r * N;
    float* dr = dp + r * N;
    for (int64_t j = 0; j < N; ++j) {
      const float twice = 2.0f * xr[j];
      dr[j] = tr * twice;
    }
  });
  return dx;
}

struct MeanOfSquares : torch::autograd::Function<MeanOfSquares> {
  static torch::Tensor forward(torch::autograd::AutogradContext* ctx, const torch::Tensor& x) {
    ctx->save_for_backward({x});
    return meanOfSquaresComposite(x);  // under the Function's no-grad guard: ATen's values
  }
  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                 torch::autograd::variable_list grads) {
    const auto x = ctx->get_saved_variables()[0];
    // A backward that builds a graph (create_graph): MeanBackward's and PowBackward's own
    // operators, which record it.
    if (torch::GradMode::is_enabled()) return {(grads[0].expand(x.sizes()) / x.size(-1)) * (2.0 * x.pow(1.0))};
    return {meanOfSquaresBackward(grads[0], x)};
  }
};

// --- weight * (x * rstd) --------------------------------------------------------------------

torch::Tensor scaleComposite(const torch::Tensor& x, const torch::Tensor& rstd, const torch::Tensor& weight) {
  return weight * (x * rstd);
}

bool scaleApplies(const torch::Tensor& x, const torch::Tensor& rstd, const torch::Tensor& weight) {
  if (!floatCpu(x) || !floatCpu(rstd) || !floatCpu(weight) || x.dim() < 1 || x.numel() == 0) return false;
  const int64_t N = x.size(-1);
  auto row_shape = x.sizes().vec();
  row_shape.back() = 1;
  return weight.dim() == 1 && weight.size(0) == N && rstd.sizes().vec() == row_shape;
}

/// y = w * (x * rstd) row by row; with `normalized`, also x * rstd (what the weight's gradient needs).
torch::Tensor scaleForward(const torch::Tensor& x, const torch::Tensor& rstd, const torch::Tensor& weight,
                           torch::Tensor* normalized) {
  const int64_t N = x.size(-1), rows = x.numel() / N;
  auto y = torch::empty_like(x, torch::MemoryFormat::Contiguous);
  if (normalized) *normalized = torch::empty_like(x, torch::MemoryFormat::Contiguous);
  const float *xp = x.data_ptr<float>(), *rp = rstd.data_ptr<float>(), *wp = weight.data_ptr<float>();
  float* yp = y.data_ptr<float>();
  float* hp = normalized ? normalized->data_ptr<float>() : nullptr;
  forRows(rows, N, [&](int64_t r) {
    const float rr = rp[r];
    const float* xr = xp + r * N;
    float* yr = yp + r * N;
    if (hp) {
      float* hr = hp + r * N;
      for (int64_t j = 0; j < N; ++j) {
        const float h = xr[j] * rr;
        hr[j] = h;
        yr[j] = wp[j] * h;
      }
    } else {
      for (int64_t j = 0; j < N; ++j) {
        const float h = xr[j] * rr;
        yr[j] = wp[j] * h;
      }
    }
  });
  return y;
}

struct ScaleNormalized : torch::autograd::Function<ScaleNormalized> {
  static torch::Tensor forward(torch::autograd::AutogradContext* ctx, const torch::Tensor& x, const torch::Tensor& rstd,
                               const torch::Tensor& weight) {
    torch::Tensor normalized;
    auto y = scaleForward(x, rstd, weight, weight.requires_grad() ? &normalized : nullptr);
    ctx->save_for_backward({x, rstd, weight, normalized});
    return y;
  }
  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                 torch::autograd::variable_list grads) {
    const auto saved = ctx->get_saved_variables();
    const auto &x = saved[0], &rstd = saved[1], &weight = saved[2], &normalized = saved[3];
    const auto& g = grads[0];
    const bool want_x = ctx->needs_input_grad(0), want_r = ctx->needs_input_grad(1), want_w = ctx->needs_input_grad(2);
    torch::Tensor dx, dr, dw;
    // Another layout of the gradient, or a backward that builds a graph (create_graph): the
    // composite's own operators (x * rstd recomputed by ATen: the same values, with a graph).
    if (!g.is_contiguous() || g.sizes() != x.sizes() || torch::GradMode::is_enabled()) {
      if (want_w) dw = at::sum_to(g * (torch::GradMode::is_enabled() ? x * rstd : normalized), weight.sizes());
      const auto gw = g * weight;
      if (want_x) dx = gw * rstd;
      if (want_r) dr = at::sum_to(gw * x, rstd.sizes());
      return {dx, dr, dw};
    }
    // The weight's: MulBackward's `grad * (x * rstd)`, reduced over the rows by sum_to.
    if (want_w) dw = at::sum_to(g * normalized, weight.sizes());
    if (!want_x && !want_r) return {dx, dr, dw};
    // One pass: gw = grad * weight (rounded, as the composite materialises it), then gw * rstd for
    // x and gw * x for rstd's row sums, which ATen's own reduction then sums.
    const int64_t N = x.size(-1), rows = x.numel() / N;
    torch::Tensor gwx;
    if (want_x) dx = torch::empty_like(x, torch::MemoryFormat::Contiguous);
    if (want_r) gwx = torch::empty_like(x, torch::MemoryFormat::Contiguous);
    const float *gp = g.data_ptr<float>(), *xp = x.data_ptr<float>(), *rp = rstd.data_ptr<float>(),
                *wp = weight.data_ptr<float>();
    float* dxp = want_x ? dx.data_ptr<float>() : nullptr;
    float* pp = want_r ? gwx.data_ptr<float>() : nullptr;
    forRows(rows, N, [&](int64_t r) {
      const float rr = rp[r];
      const int64_t o = r * N;
      for (int64_t j = 0; j < N; ++j) {
        const float gw = gp[o + j] * wp[j];
        if (dxp) dxp[o + j] = gw * rr;
        if (pp) pp[o + j] = gw * xp[o + j];
      }
    });
    if (want_r) dr = at::sum_to(gwx, rstd.sizes());
    return {dx, dr, dw};
  }
};

}  // namespace

torch::Tensor meanOfSquares(const torch::Tensor& x) {
  if (!floatCpu(x) || x.dim() < 1 || x.numel() == 0) return meanOfSquaresComposite(x);
  if (torch::GradMode::is_enabled() && x.requires_grad()) return MeanOfSquares::apply(x);
  return meanOfSquaresComposite(x);
}

torch::Tensor scaleNormalized(const torch::Tensor& x, const torch::Tensor& rstd, const torch::Tensor& weight) {
  if (!scaleApplies(x, rstd, weight)) return scaleComposite(x, rstd, weight);
  if (torch::GradMode::is_enabled() && (x.requires_grad() || rstd.requires_grad() || weight.requires_grad()))
    return ScaleNormalized::apply(x, rstd, weight);
  return scaleForward(x, rstd, weight, nullptr);
}

}  // namespace adamix
