#include "model/attention_scores.h"

#include <ATen/ExpandUtils.h>
#include <ATen/TensorIterator.h>

#include <cmath>
#include <vector>

#include "model/fused_ops.h"
#include "model/row_parallel.h"
#include "runtime/cpu_runtime.h"

#ifdef ADAMIX_HAVE_FUSED_CPU
#include "model/cpu/aten_softmax.h"
#endif

namespace adamix {

namespace {

/// The shapes and dtypes the kernels read: float32 CPU scores, contiguous, and a bias that
/// broadcasts to them without a gradient.
bool shapesApply(const torch::Tensor& scores, const torch::Tensor& bias) {
  if (!scores.device().is_cpu() || scores.scalar_type() != torch::kFloat32 || !scores.is_contiguous() ||
      scores.numel() == 0 || scores.dim() < 1)
    return false;
  if (!bias.device().is_cpu() || bias.scalar_type() != torch::kFloat32 || bias.requires_grad() ||
      bias.dim() > scores.dim())
    return false;
  return at::infer_size(scores.sizes(), bias.sizes()) == scores.sizes();
}

bool kernelApplies(const torch::Tensor& scores, const torch::Tensor& bias) {
  // Built without OpenMP this file's loop is serial, while ATen's two passes split a large tensor
  // across its threads.
  return shapesApply(scores, bias) && (scaleAndAddBiasIsParallel() || at::get_num_threads() == 1 ||
                                       scores.numel() < at::internal::GRAIN_SIZE);
}

/// Runs `row(r, score_row, bias_row, bias_stride)` for every row of the last dimension of
/// scores, with the bias row it broadcasts to (read through its strides: 0 where it repeats),
/// through forRowChunks (model/row_parallel.h): rows are independent, so any split gives the same
/// bits.
template <class Row>
void forEachRow(const torch::Tensor& scores, const torch::Tensor& b, const Row& row) {
  const int64_t dims = scores.dim(), S = scores.size(dims - 1), rows = scores.numel() / S;
  const float* sp = scores.data_ptr<float>();
  const float* bp = b.data_ptr<float>();
  auto chunk = [&](int64_t begin, int64_t end) {
    // The bias row of the first score row from its outer index, then counted like an odometer.
    std::vector<int64_t> index(static_cast<size_t>(dims - 1), 0);
    const float* brow = bp;
    for (int64_t k = dims - 2, rest = begin; k >= 0; --k) {
      index[static_cast<size_t>(k)] = rest % scores.size(k);
      brow += index[static_cast<size_t>(k)] * b.stride(k);
      rest /= scores.size(k);
    }
    for (int64_t r = begin; r < end; ++r) {
      row(r, sp + r * S, brow, b.stride(dims - 1));
      for (int64_t k = dims - 2; k >= 0; --k) {
        brow += b.stride(k);
        if (++index[static_cast<size_t>(k)] < scores.size(k)) break;
        brow -= b.stride(k) * scores.size(k);
        index[static_cast<size_t>(k)] = 0;
      }
    }
  };
  forRowChunks(rows, S, chunk);
}

/// out = scores / d + bias over rows of the last dimension. Each element: one division, one
/// addition, as the composite.
torch::Tensor forwardKernel(const torch::Tensor& scores, double divisor, const torch::Tensor& bias) {
  const auto b = bias.expand(scores.sizes());
  auto out = torch::empty(scores.sizes(), scores.options().requires_grad(false));
  const float d = static_cast<float>(divisor);  // the wrapped scalar, cast to the float32 operation
  const int64_t S = scores.size(-1);
  float* op = out.data_ptr<float>();
  forEachRow(scores, b, [&](int64_t r, const float* srow, const float* brow, int64_t bs) {
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
  });
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

torch::Tensor softmaxComposite(const torch::Tensor& scores, double divisor, const torch::Tensor& bias) {
  return torch::softmax(scaleAndAddBias(scores, divisor, bias), -1, torch::kFloat32);
}

#ifdef ADAMIX_HAVE_FUSED_CPU
torch::Tensor softmaxKernel(const torch::Tensor& scores, double divisor, const torch::Tensor& bias) {
  const auto b = bias.expand(scores.sizes());
  auto out = torch::empty(scores.sizes(), scores.options().requires_grad(false));
  const float d = static_cast<float>(divisor);
  const int64_t S = scores.size(-1);
  float* op = out.data_ptr<float>();
  forEachRow(scores, b, [&](int64_t r, const float* srow, const float* brow, int64_t bs) {
    cpu::atenSoftmaxOfScaledRow(srow, brow, bs, d, op + r * S, S);
  });
  return out;
}

struct SoftmaxOfScores : torch::autograd::Function<SoftmaxOfScores> {
  static torch::Tensor forward(torch::autograd::AutogradContext* ctx, const torch::Tensor& scores, double divisor,
                               const torch::Tensor& bias) {
    ctx->saved_data["divisor"] = divisor;
    auto out = softmaxKernel(scores, divisor, bias);
    ctx->save_for_backward({out});
    return out;
  }
  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                 torch::autograd::variable_list grads) {
    // SoftmaxBackward0, then DivBackward1 of `scores / divisor` (AddBackward passes grad through).
    const auto out = ctx->get_saved_variables()[0];
    const auto g = at::_softmax_backward_data(grads[0], out, -1, torch::kFloat32);
    return {g / ctx->saved_data["divisor"].toDouble(), torch::Tensor(), torch::Tensor()};
  }
};

/// The one-time check that this process's ATen computes the composite as the kernel does:
/// deterministic scores, a causal bias (rows with masked tails, whole masked vectors), a fully
/// masked row, row lengths below, at and past the vector width.
bool softmaxProbeAgrees() {
  torch::NoGradGuard no_grad;
  const double divisor = std::sqrt(8.0);
  for (int64_t S : {1, 5, 8, 13, 64, 100}) {
    const auto scores = torch::arange(3 * 2 * S * S, torch::kFloat32).mul(0.917).sin().mul(9.0).view({3, 2, S, S});
    auto bias = torch::zeros({3, 1, S, S}).masked_fill(torch::ones({S, S}, torch::kBool).triu(1), -1e30);
    bias.index_put_({1, 0, 0}, -1e30);  // a row with every key masked
    if (!torch::equal(softmaxKernel(scores, divisor, bias), softmaxComposite(scores, divisor, bias))) return false;
  }
  return true;
}
#endif

}  // namespace

bool atenSoftmaxKernelActive() {
#ifdef ADAMIX_HAVE_FUSED_CPU
  static const bool agrees = atenAvx2KernelAgrees(softmaxProbeAgrees);
  return agrees;
#else
  return false;
#endif
}

torch::Tensor softmaxOfScores(const torch::Tensor& scores, double divisor, const torch::Tensor& bias) {
#ifdef ADAMIX_HAVE_FUSED_CPU
  if (shapesApply(scores, bias) && atenSoftmaxKernelActive()) {
    if (torch::GradMode::is_enabled() && scores.requires_grad()) return SoftmaxOfScores::apply(scores, divisor, bias);
    return softmaxKernel(scores, divisor, bias);
  }
#endif
  return softmaxComposite(scores, divisor, bias);
}

bool scaleAndAddBiasIsParallel() {
#ifdef _OPENMP
  return true;
#else
  return false;
#endif
}

torch::Tensor scaleAndAddBias(const torch::Tensor& scores, double divisor, const torch::Tensor& bias) {
  if (!kernelApplies(scores, bias)) return scores / divisor + bias;
  if (torch::GradMode::is_enabled() && scores.requires_grad()) return ScaleAndAddBias::apply(scores, divisor, bias);
  return forwardKernel(scores, divisor, bias);
}

}  // namespace adamix
