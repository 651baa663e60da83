// How the engine's own row kernels (RoPE, RMSNorm, attention scores and softmax, silu(gate) * up)
// split their rows across ATen's threads (issue 19). Their files are compiled with OpenMP
// (engine/CMakeLists.txt), so at::parallel_for runs chunks on ATen's pool; every kernel computes
// each row (or, for silu, each of ATen's own chunks) on its own, so any split gives the same bits.
#pragma once
#include <ATen/Parallel.h>

#include <algorithm>
#include <cstdint>

namespace adamix {

/// Work (elements) below which a row kernel runs on the calling thread. Waking ATen's sleeping
/// threads (the engine runs them with OMP_WAIT_POLICY=PASSIVE) costs more than a pass over fewer
/// elements: split at ATen's grain size, stories260K's [2,048 x 64] rows made a 2-thread step
/// 4-12 % slower (bench: engine_bench old/new A/B, docs/performance.md), the wider model's faster.
constexpr int64_t kMinParallelElements = 8 * at::internal::GRAIN_SIZE;  // 262,144

/// Runs `chunk(begin, end)` over the rows [0, rows) of `row_elements` elements each: on the calling
/// thread below kMinParallelElements, else through at::parallel_for in chunks of about ATen's grain
/// size (32,768 elements).
template <class Chunk>
void forRowChunks(int64_t rows, int64_t row_elements, const Chunk& chunk) {
  if (rows <= 0) return;
  if (rows * row_elements < kMinParallelElements) return chunk(int64_t{0}, rows);
  at::parallel_for(0, rows, std::max<int64_t>(1, at::internal::GRAIN_SIZE / std::max<int64_t>(1, row_elements)), chunk);
}

}  // namespace adamix
