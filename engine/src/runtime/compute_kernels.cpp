#include "runtime/compute_kernels.h"

#include "model/fused_ops.h"
#include "runtime/cpu_runtime.h"

namespace adamix {

nlohmann::json computeKernelsJson() {
  // fusedCpuKernelsApply with no tensors: turned on and available on this CPU.
  return {{"blas_core", blasCoreName()}, {"fused_cpu_kernels", fusedCpuKernelsApply({})}};
}

}  // namespace adamix
