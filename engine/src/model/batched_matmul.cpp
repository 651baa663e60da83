#include "model/batched_matmul.h"

#include <dlfcn.h>

#include <algorithm>
#include <atomic>
#include <climits>
#include <optional>

namespace adamix {

namespace {

/// The Fortran BLAS sgemm (column-major): C = alpha op(A) op(B) + beta C, C m x n.
using Sgemm = void (*)(const char* transa, const char* transb, const int* m, const int* n, const int* k,
                       const float* alpha, const float* a, const int* lda, const float* b, const int* ldb,
                       const float* beta, float* c, const int* ldc);

Sgemm processSgemm() {
  static const Sgemm sgemm = reinterpret_cast<Sgemm>(dlsym(RTLD_DEFAULT, "sgemm_"));
  return sgemm;
}

std::atomic<bool> g_enabled{true};

/// One operand of ATen's sgemm call: transposed or not, leading dimension, and the tensor it
/// reads (the input, or ATen's contiguous copy when neither layout fits).
struct Operand {
  char trans = 'n';
  int64_t ld = 0;
  torch::Tensor data;
};

/// addmm_impl_cpu_'s choice for an operand whose matrices are rows x cols with strides
/// (s_rows, s_cols), read by BLAS as the column-major cols x rows matrix (the result is row-major,
/// so ATen computes C^T = B^T A^T): as is when its rows are contiguous, transposed when its
/// columns are, else a contiguous copy.
Operand operandOf(const torch::Tensor& x) {
  const int64_t rows = x.size(1), cols = x.size(2), s_rows = x.stride(1), s_cols = x.stride(2);
  if (s_cols == 1 && s_rows >= std::max<int64_t>(1, cols)) return {'n', s_rows, x};
  if (s_rows == 1 && s_cols >= std::max<int64_t>(1, rows)) return {'t', s_cols, x};
  return {'n', cols, x.contiguous()};
}

/// Whether ATen would compute a [batch, M, K] @ [batch, K, N] product with sgemm calls whose
/// result is row-major (not its naive kernel below 400 multiply-adds, not an N = 1 result).
bool sgemmSizes(int64_t M, int64_t N, int64_t K) {
  return M > 0 && N > 1 && K > 0 && K * M * N >= 400 && std::max({M, N, K}) <= INT_MAX;
}

/// a [batch, M, K] @ b [batch, K, N] with ATen 1.13's sgemm calls (bmm_out_or_baddbmm_ ->
/// addmm_impl_cpu_ -> cpublas::gemm, beta 0, alpha 1), or nullopt where ATen would not call
/// sgemm that way (its naive kernel below 400 multiply-adds per matrix, an N = 1 result, leading
/// dimensions cpublas would not hand to BLAS, sizes beyond int).
std::optional<torch::Tensor> sgemmLoop(const torch::Tensor& a, const torch::Tensor& b) {
  const int64_t batch = a.size(0), M = a.size(1), K = a.size(2), N = b.size(2);
  if (!sgemmSizes(M, N, K) || b.size(0) != batch || b.size(1) != K) return std::nullopt;
  // C^T (N x M, column-major) = op(B) (N x K) op(A) (K x M): BLAS's m = N, n = M, k = K.
  Operand opa = operandOf(b), opb = operandOf(a);
  const int64_t m = N, n = M, k = K;
  int64_t lda = opa.ld, ldb = opb.ld, ldc = N;
  // cpublas's normalize_last_dims: leading dimensions of degenerate matrices.
  if (opa.trans != 'n') {
    if (m == 1) lda = k;
  } else if (k == 1) {
    lda = m;
  }
  if (opb.trans != 'n') {
    if (k == 1) ldb = n;
  } else if (n == 1) {
    ldb = k;
  }
  if (n == 1) ldc = m;
  if (lda > INT_MAX || ldb > INT_MAX || lda < std::max<int64_t>(1, opa.trans != 'n' ? k : m) ||
      ldb < std::max<int64_t>(1, opb.trans != 'n' ? n : k) || ldc < std::max<int64_t>(1, m))
    return std::nullopt;
  auto out = torch::empty({batch, M, N}, a.options().requires_grad(false));
  const int mi = static_cast<int>(m), ni = static_cast<int>(n), ki = static_cast<int>(k);
  const int ldai = static_cast<int>(lda), ldbi = static_cast<int>(ldb), ldci = static_cast<int>(ldc);
  const float alpha = 1.0f, beta = 0.0f;
  const float* pa = opa.data.data_ptr<float>();
  const float* pb = opb.data.data_ptr<float>();
  float* pc = out.data_ptr<float>();
  const int64_t sa = opa.data.stride(0), sb = opb.data.stride(0);
  const Sgemm sgemm = processSgemm();
  for (int64_t i = 0; i < batch; ++i)
    sgemm(&opa.trans, &opb.trans, &mi, &ni, &ki, &alpha, pa + i * sa, &ldai, pb + i * sb, &ldbi, &beta, pc + i * M * N,
          &ldci);
  return out;
}

/// Direct sgemm calls for these operands where they are ATen's, else torch::bmm.
torch::Tensor bmm3(const torch::Tensor& a, const torch::Tensor& b) {
  if (auto out = sgemmLoop(a, b)) return *out;
  return torch::bmm(a, b);
}

/// torch::bmm with the gradients of ATen's BmmBackward0 (derivatives.yaml: self: grad.bmm(mat2^T),
/// mat2: self^T.bmm(grad)), computed by bmm3.
struct DirectBmm : torch::autograd::Function<DirectBmm> {
  static torch::Tensor forward(torch::autograd::AutogradContext* ctx, const torch::Tensor& a, const torch::Tensor& b) {
    ctx->save_for_backward({a, b});
    return bmm3(a, b);
  }
  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                 torch::autograd::variable_list grads) {
    const auto saved = ctx->get_saved_variables();
    const auto& g = grads[0];
    torch::Tensor ga, gb;
    if (ctx->needs_input_grad(0)) ga = bmm3(g, saved[1].transpose(1, 2));
    if (ctx->needs_input_grad(1)) gb = bmm3(saved[0].transpose(1, 2), g);
    return {ga, gb};
  }
};

/// The one-time check that this process's sgemm_ is the one ATen calls: the loop must equal
/// torch::bmm bit for bit on products of every operand layout (deterministic values, no RNG).
bool probeAgrees() {
  if (processSgemm() == nullptr || at::hasMKL()) return false;
  torch::NoGradGuard no_grad;
  auto values = [](int64_t n, double f) { return torch::arange(n, torch::kFloat32).mul(f).sin(); };
  const auto a = values(3 * 24 * 20, 0.37).view({3, 24, 20});
  const auto b = values(3 * 20 * 16, 0.53).view({3, 20, 16});
  const auto at = a.transpose(1, 2).contiguous().transpose(1, 2);
  const auto bt = b.transpose(1, 2).contiguous().transpose(1, 2);
  for (const auto& x : {a, at})
    for (const auto& y : {b, bt}) {
      auto mine = sgemmLoop(x, y);
      if (!mine || !torch::equal(*mine, torch::bmm(x, y))) return false;
    }
  return true;
}

bool applies(const torch::Tensor& a, const torch::Tensor& b) {
  if (!g_enabled.load(std::memory_order_relaxed)) return false;
  if (a.dim() < 3 || a.dim() != b.dim() || !a.device().is_cpu() || !b.device().is_cpu() ||
      a.scalar_type() != torch::kFloat32 || b.scalar_type() != torch::kFloat32 || a.is_conj() || b.is_conj() ||
      a.numel() == 0 || b.numel() == 0)  // empty operands: torch::matmul's shapes and zeros
    return false;
  for (int64_t d = 0; d + 2 < a.dim(); ++d)
    if (a.size(d) != b.size(d)) return false;
  if (a.size(-1) != b.size(-2) || !sgemmSizes(a.size(-2), b.size(-1), a.size(-1))) return false;
  return directBlasBatchedMatmul();
}

}  // namespace

bool directBlasBatchedMatmul() {
  static const bool agrees = probeAgrees();
  return agrees && g_enabled.load(std::memory_order_relaxed);
}

void setDirectBlasBatchedMatmul(bool enabled) { g_enabled.store(enabled, std::memory_order_relaxed); }

torch::Tensor batchedMatmul(const torch::Tensor& a, const torch::Tensor& b) {
  if (!applies(a, b)) return torch::matmul(a, b);
  const int64_t M = a.size(-2), K = a.size(-1), N = b.size(-1);
  auto out_shape = a.sizes().vec();
  out_shape.back() = N;
  // torch::matmul's 3-d view of the batch (a copy where a view is impossible, as its reshape).
  const auto a3 = a.reshape({-1, M, K}), b3 = b.reshape({-1, K, N});
  const bool grad = torch::GradMode::is_enabled() && (a.requires_grad() || b.requires_grad());
  return (grad ? DirectBmm::apply(a3, b3) : bmm3(a3, b3)).view(out_shape);
}

}  // namespace adamix
