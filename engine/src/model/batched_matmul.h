// Batched matrix products of attention (q k^T and probs v, forward and backward) without ATen's
// per-matrix dispatch. LibTorch 1.13 without MKL computes torch::bmm as a loop over the batch
// that, per matrix, creates three tensor views (select), resolves conjugation, checks strides and
// then calls the BLAS sgemm (ATen/native/LinearAlgebra.cpp, bmm_out_or_baddbmm_ ->
// addmm_impl_cpu_ -> cpublas::gemm). Attention has many small matrices (stories260K: 128 of
// 128 x 8 x 64 per product, 6 products per layer and step), so that bookkeeping cost about a
// third of each product (docs/performance.md, item 11). Here the loop calls the same sgemm with
// the arguments ATen would pass — the same kernel on the same operands, so the same bits.
#pragma once
#include <torch/torch.h>

namespace adamix {

/// a @ b for a [..., M, K] and b [..., K, N] with the same batch dimensions (no broadcasting)
/// -> [..., M, N], with autograd (the gradients are torch::bmm's: grad b^T and a^T grad).
/// Equal bit for bit to torch::matmul, values and gradients: where direct BLAS calls apply
/// (CPU float32, the process's BLAS exports sgemm_, ATen itself would call it — no MKL, at
/// least 400 multiply-adds per matrix — and a one-time probe against torch::bmm agrees) it
/// makes ATen's sgemm calls itself; everywhere else it is torch::matmul. Throws c10::Error for
/// mismatched shapes (as torch::matmul).
torch::Tensor batchedMatmul(const torch::Tensor& a, const torch::Tensor& b);

/// Whether batchedMatmul calls the BLAS directly in this process (the probe ran and agreed).
bool directBlasBatchedMatmul();

/// Turns the direct BLAS calls off (false) or back on where they apply (true): for benchmarks'
/// before/after runs (engine_bench --runtime legacy). Results are the same either way.
void setDirectBlasBatchedMatmul(bool enabled);

}  // namespace adamix
