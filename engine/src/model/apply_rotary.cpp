#include "model/apply_rotary.h"

#include <ATen/ExpandUtils.h>
#include "model/row_parallel.h"

namespace adamix {

namespace {

/// The rows of an [B, H, T, D] tensor: the pointer of row (b, h, t) from its first three strides.
template <class T>
struct Rows {
  T* data;
  int64_t sb, sh, st;
  T* row(int64_t b, int64_t h, int64_t t) const { return data + b * sb + h * sh + t * st; }
};

template <class T>
Rows<T> rowsOf(T* data, const torch::Tensor& t) {
  return {data, t.stride(0), t.stride(1), t.stride(2)};
}

bool kernelApplies(const torch::Tensor& x, const torch::Tensor& cos, const torch::Tensor& sin) {
  if (x.dim() != 4 || x.size(3) % 2 != 0 || x.numel() == 0 || !x.device().is_cpu() ||
      x.scalar_type() != torch::kFloat32 || x.stride(3) != 1 || !x.is_non_overlapping_and_dense())
    return false;
  for (const auto& t : {cos, sin}) {
    if (!t.device().is_cpu() || t.scalar_type() != torch::kFloat32 || t.requires_grad() || t.dim() < 1 || t.dim() > 4)
      return false;
    // A full last dimension read with stride 1 (not a size-1 one broadcast over D), and x's shape
    // the broadcast one.
    if (t.size(-1) != x.size(3) || t.stride(-1) != 1 || at::infer_size(x.sizes(), t.sizes()) != x.sizes()) return false;
  }
  return true;
}

/// Runs `row(x_row, cos_row, sin_row, out_row, D / 2, D)` for every row (b, h, t) of x [B, H, T, D]
/// with cos/sin broadcast to x, into a new tensor with x's strides: the layout the composite's
/// output has (TensorIterator lays `x * cos` out as x, and the sum as that product), so every
/// operator after it reads the same layout as before (the same BLAS operand transposes).
/// One row call computes each element: the result does not depend on how rows are split.
template <class Row>
torch::Tensor mapRows(const torch::Tensor& x, const torch::Tensor& cos, const torch::Tensor& sin, const Row& row) {
  const auto c = cos.expand(x.sizes()), s = sin.expand(x.sizes());
  const int64_t D = x.size(3), half = D / 2, rows = x.numel() / D;
  auto out = torch::empty_strided(x.sizes(), x.strides(), x.options().requires_grad(false));
  const auto xr = rowsOf(x.data_ptr<float>(), x), cr = rowsOf(c.data_ptr<float>(), c),
             sr = rowsOf(s.data_ptr<float>(), s);
  const auto outr = rowsOf(out.data_ptr<float>(), out);
  const int64_t H = x.size(1), Tn = x.size(2);
  forRowChunks(rows, D, [&](int64_t begin, int64_t end) {
    // (b, h, t) of the first row by division, then counted: three divisions per row per tensor
    // had cost more than the row's arithmetic (D = 8 for stories260K).
    int64_t t = begin % Tn, h = (begin / Tn) % H, b = begin / (Tn * H);
    for (int64_t r = begin; r < end; ++r) {
      row(xr.row(b, h, t), cr.row(b, h, t), sr.row(b, h, t), outr.row(b, h, t), half, D);
      if (++t == Tn) {
        t = 0;
        if (++h == H) h = 0, ++b;
      }
    }
  });
  return out;
}

/// out[j] = x[j] c[j] + (-x[j + D/2]) s[j] (j < D/2), x[j] c[j] + x[j - D/2] s[j] (j >= D/2): the
/// composite's products and sum, each rounded once.
torch::Tensor forwardKernel(const torch::Tensor& x, const torch::Tensor& cos, const torch::Tensor& sin) {
  return mapRows(x, cos, sin, [](const float* xv, const float* cv, const float* sv, float* o, int64_t half, int64_t D) {
    for (int64_t j = 0; j < half; ++j) {
      const float a = xv[j] * cv[j];
      const float rotated = -xv[j + half];
      const float b = rotated * sv[j];
      o[j] = a + b;
    }
    for (int64_t j = half; j < D; ++j) {
      const float a = xv[j] * cv[j];
      const float b = xv[j - half] * sv[j];
      o[j] = a + b;
    }
  });
}

/// The composite's gradient of x: g c (through x * cos) plus, through rotate_half's cat, neg and
/// narrows, g[j + D/2] s[j + D/2] (j < D/2) or -(g[j - D/2] s[j - D/2]) (j >= D/2); autograd adds
/// the narrows' zero halves too, which turns a -0 sum into +0 (the trailing + 0.0f).
torch::Tensor backwardKernel(const torch::Tensor& grad, const torch::Tensor& cos, const torch::Tensor& sin) {
  const auto g = grad.stride(3) == 1 && grad.is_non_overlapping_and_dense() ? grad : grad.contiguous();
  return mapRows(g, cos, sin, [](const float* gv, const float* cv, const float* sv, float* o, int64_t half, int64_t D) {
    for (int64_t j = 0; j < half; ++j) {
      const float a = gv[j] * cv[j];
      const float b = gv[j + half] * sv[j + half];
      o[j] = (a + b) + 0.0f;
    }
    for (int64_t j = half; j < D; ++j) {
      const float a = gv[j] * cv[j];
      const float b = -(gv[j - half] * sv[j - half]);
      o[j] = (a + b) + 0.0f;
    }
  });
}

struct RotaryFunction : torch::autograd::Function<RotaryFunction> {
  static torch::Tensor forward(torch::autograd::AutogradContext* ctx, const torch::Tensor& x, const torch::Tensor& cos,
                               const torch::Tensor& sin) {
    ctx->save_for_backward({cos, sin});
    return forwardKernel(x, cos, sin);
  }
  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                 torch::autograd::variable_list grads) {
    const auto saved = ctx->get_saved_variables();
    return {backwardKernel(grads[0], saved[0], saved[1]), torch::Tensor(), torch::Tensor()};
  }
};

}  // namespace

torch::Tensor rotateHalf(const torch::Tensor& x) {
  const int64_t half = x.size(-1) / 2;
  auto x1 = x.narrow(-1, 0, half);
  auto x2 = x.narrow(-1, half, x.size(-1) - half);
  return torch::cat({-x2, x1}, -1);
}

torch::Tensor applyRotaryComposite(const torch::Tensor& x, const torch::Tensor& cos, const torch::Tensor& sin) {
  return x * cos + rotateHalf(x) * sin;
}

torch::Tensor applyRotaryEmbedding(const torch::Tensor& x, const torch::Tensor& cos, const torch::Tensor& sin) {
  if (!kernelApplies(x, cos, sin)) return applyRotaryComposite(x, cos, sin);
  if (torch::GradMode::is_enabled() && x.requires_grad()) return RotaryFunction::apply(x, cos, sin);
  return forwardKernel(x, cos, sin);
}

}  // namespace adamix
