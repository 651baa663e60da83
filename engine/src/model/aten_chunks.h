// The chunks in which ATen's TensorIterator runs a contiguous elementwise operator, for the
// engine's kernels that reproduce ATen's roundings (model/swiglu, train/hf_adamw): which elements
// take ATen's scalar tail instead of its vector steps depends on those chunks.
#pragma once
#include <ATen/Parallel.h>

#include <algorithm>
#include <cstdint>

#include "model/row_parallel.h"

namespace adamix {

/// Runs `loop(begin, end)` over [0, n) in exactly the chunks ATen's TensorIterator::for_each gives
/// a contiguous elementwise operator: one chunk when n <= GRAIN_SIZE, with one thread or inside a
/// parallel region; otherwise T = min(threads, ceil(n / GRAIN_SIZE)) chunks of ceil(n / T)
/// (at::parallel_for's invoke_parallel in LibTorch's OpenMP build). The boundaries are computed
/// here, not left to at::parallel_for, whose split depends on how the calling file was compiled
/// (one chunk without OpenMP); the chunks then run across ATen's threads when the calling file is
/// compiled with OpenMP (engine/CMakeLists.txt, ADAMIX_ROW_KERNEL_SOURCES) and the work pays for
/// waking them (row_parallel.h), else one after another on this thread.
template <class Loop>
void atenChunks(int64_t n, const Loop& loop) {
  const int64_t threads = at::get_num_threads(), grain = at::internal::GRAIN_SIZE;
  if (n <= grain || threads == 1 || at::in_parallel_region()) return loop(int64_t{0}, n);
  const int64_t tasks = std::min(threads, (n + grain - 1) / grain), chunk = (n + tasks - 1) / tasks;
  forRowChunks(tasks, chunk, [&](int64_t first, int64_t last) {
    for (int64_t t = first; t < last; ++t)
      if (t * chunk < n) loop(t * chunk, std::min(n, (t + 1) * chunk));
  });
}

}  // namespace adamix
