#include "model/swiglu.h"

#include <ATen/ATen.h>
#include <ATen/Parallel.h>

#include "model/aten_chunks.h"
#include "model/fused_ops.h"
#include "runtime/cpu_runtime.h"

#ifdef ADAMIX_HAVE_FUSED_CPU
#include "model/cpu/aten_silu.h"
#endif

namespace adamix {

namespace {

torch::Tensor composite(const torch::Tensor& gate, const torch::Tensor& up) { return torch::silu(gate) * up; }

#ifdef ADAMIX_HAVE_FUSED_CPU

torch::Tensor forwardKernel(const torch::Tensor& gate, const torch::Tensor& up) {
  auto y = torch::empty_like(gate, torch::MemoryFormat::Contiguous);
  const float *g = gate.data_ptr<float>(), *u = up.data_ptr<float>();
  float* yp = y.data_ptr<float>();
  atenChunks(gate.numel(), [&](int64_t b, int64_t e) { cpu::atenSiluMulForward(g + b, u + b, yp + b, e - b); });
  return y;
}

/// {dgate, dup}, either undefined where not wanted.
std::pair<torch::Tensor, torch::Tensor> backwardKernel(const torch::Tensor& dy, const torch::Tensor& gate,
                                                       const torch::Tensor& up, bool want_gate, bool want_up) {
  torch::Tensor dg, du;
  if (want_gate) dg = torch::empty_like(gate, torch::MemoryFormat::Contiguous);
  if (want_up) du = torch::empty_like(up, torch::MemoryFormat::Contiguous);
  const float *d = dy.data_ptr<float>(), *g = gate.data_ptr<float>(), *u = up.data_ptr<float>();
  float* dgp = want_gate ? dg.data_ptr<float>() : nullptr;
  float* dup = want_up ? du.data_ptr<float>() : nullptr;
  atenChunks(gate.numel(), [&](int64_t b, int64_t e) {
    cpu::atenSiluMulBackward(d + b, g + b, u + b, dgp ? dgp + b : nullptr, dup ? dup + b : nullptr, e - b);
  });
  return {dg, du};
}

/// The composite's gradients through ATen's own operators (MulBackward's products, SiluBackward).
std::pair<torch::Tensor, torch::Tensor> compositeBackward(const torch::Tensor& dy, const torch::Tensor& gate,
                                                          const torch::Tensor& up) {
  return {at::silu_backward(dy * up, gate), dy * torch::silu(gate)};
}

/// The composite's gradients when the backward builds a graph: SiluBackward then uses
/// `infinitely_differentiable_silu_backward` (autograd's FunctionsManual), sigmoid-based ATen
/// operators that record the graph.
std::pair<torch::Tensor, torch::Tensor> compositeBackwardWithGraph(const torch::Tensor& dy, const torch::Tensor& gate,
                                                                   const torch::Tensor& up) {
  const auto sigmoid = gate.sigmoid();
  return {(dy * up) * sigmoid * (1.0 + gate * (1.0 - sigmoid)), dy * torch::silu(gate)};
}

/// The one-time check that this process's ATen computes silu and its backward as the kernel
/// does: deterministic values over ±30 (both exp tails), lengths with every tail size.
bool probeAgrees() {
  torch::NoGradGuard no_grad;
  for (int64_t n : {1, 15, 16, 17, 31, 100, 4111}) {
    const auto g = torch::arange(n, torch::kFloat32).mul(0.731).sin().mul(30.0);
    const auto u = torch::arange(n, torch::kFloat32).mul(0.377).cos();
    const auto dy = torch::arange(n, torch::kFloat32).mul(0.173).sin();
    if (!torch::equal(forwardKernel(g, u), composite(g, u))) return false;
    const auto [dg, du] = backwardKernel(dy, g, u, true, true);
    const auto [rg, ru] = compositeBackward(dy, g, u);
    if (!torch::equal(dg, rg) || !torch::equal(du, ru)) return false;
  }
  return true;
}

#endif

bool kernelApplies(const torch::Tensor& gate, const torch::Tensor& up) {
  if (!gate.device().is_cpu() || !up.device().is_cpu() || gate.scalar_type() != torch::kFloat32 ||
      up.scalar_type() != torch::kFloat32 || gate.sizes() != up.sizes() || gate.numel() == 0 ||
      !gate.is_contiguous() || !up.is_contiguous())
    return false;
  // One tensor (or storage) as both operands: the composite hands its two gradients to it from
  // two nodes, in an order one node cannot reproduce.
  if (gate.is_alias_of(up)) return false;
  return atenSiluKernelActive();
}

#ifdef ADAMIX_HAVE_FUSED_CPU
struct SiluMul : torch::autograd::Function<SiluMul> {
  static torch::Tensor forward(torch::autograd::AutogradContext* ctx, const torch::Tensor& gate,
                               const torch::Tensor& up) {
    ctx->save_for_backward({gate, up});
    return forwardKernel(gate, up);
  }
  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                 torch::autograd::variable_list grads) {
    const auto saved = ctx->get_saved_variables();
    const auto& dy = grads[0];
    // ATen's split of an elementwise loop follows the memory order of its operands, so a gradient
    // of another layout goes through the composite's own operators; so does a backward that
    // builds a graph (create_graph), which the kernel's raw loop would not record.
    if (!dy.is_contiguous() || dy.sizes() != saved[0].sizes() || dy.scalar_type() != torch::kFloat32 ||
        torch::GradMode::is_enabled()) {
      auto [dg, du] = torch::GradMode::is_enabled() ? compositeBackwardWithGraph(dy, saved[0], saved[1])
                                                    : compositeBackward(dy, saved[0], saved[1]);
      return {ctx->needs_input_grad(0) ? dg : torch::Tensor(), ctx->needs_input_grad(1) ? du : torch::Tensor()};
    }
    auto [dg, du] = backwardKernel(dy, saved[0], saved[1], ctx->needs_input_grad(0), ctx->needs_input_grad(1));
    return {dg, du};
  }
};
#endif

}  // namespace

bool atenSiluKernelActive() {
#ifdef ADAMIX_HAVE_FUSED_CPU
  static const bool agrees = atenAvx2KernelAgrees(probeAgrees);
  return agrees;
#else
  return false;
#endif
}

torch::Tensor siluMul(const torch::Tensor& gate, const torch::Tensor& up) {
  if (!kernelApplies(gate, up)) return composite(gate, up);
#ifdef ADAMIX_HAVE_FUSED_CPU
  if (torch::GradMode::is_enabled() && (gate.requires_grad() || up.requires_grad())) return SiluMul::apply(gate, up);
  return forwardKernel(gate, up);
#else
  return composite(gate, up);
#endif
}

}  // namespace adamix
