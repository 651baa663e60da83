// Which kernels compute a run's numbers, for its `started` event. Two runs of the same config on
// the same data give the same bits only with the same kernels: OpenBLAS's kernel set (chosen per
// CPU, or by OPENBLAS_CORETYPE) and the opt-in fused CPU kernels (ADAMIX_FUSED_CPU_KERNELS=1) each
// change results in the last bits (docs/performance.md), so the run records both.
#pragma once
#include <nlohmann/json.hpp>

namespace adamix {

/// {"blas_core": OpenBLAS's kernel set in use ("Haswell", "SkylakeX", ...; "" when the process's
/// LibTorch does not call OpenBLAS), "fused_cpu_kernels": whether model/fused_ops' kernels run}.
/// Throws nothing.
nlohmann::json computeKernelsJson();

}  // namespace adamix
