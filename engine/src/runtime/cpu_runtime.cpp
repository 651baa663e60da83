#include "runtime/cpu_runtime.h"

#include <ATen/Parallel.h>
#include <ATen/Version.h>
#include <dlfcn.h>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

#include <unistd.h>

#include <climits>
#include <cstdlib>

namespace adamix {

int setComputeThreads(int threads) {
  if (threads > 0) at::set_num_threads(threads);
  const int n = at::get_num_threads();
  // OpenBLAS's pool: without this, a 1-thread run still had a second BLAS thread spinning.
  using SetThreads = void (*)(int);
  if (auto* set = reinterpret_cast<SetThreads>(dlsym(RTLD_DEFAULT, "openblas_set_num_threads"))) set(n);
  return n;
}

void keepFreedMemoryInProcess() {
#if defined(__GLIBC__)
  mallopt(M_MMAP_MAX, 0);                // large blocks from the heap, reused after free
  mallopt(M_TRIM_THRESHOLD, INT_MAX);    // never give the heap top back between steps
  mallopt(M_TOP_PAD, 64 * 1024 * 1024);  // grow the heap in 64 MiB steps
#endif
}

const char* blasCoreName() {
  using CoreName = char* (*)();
  auto* name = reinterpret_cast<CoreName>(dlsym(RTLD_DEFAULT, "openblas_get_corename"));
  return name ? name() : "";
}

const std::string& atenCpuCapability() {
  static const std::string capability = [] {
    try {
      const std::string config = at::show_config(), key = "CPU capability usage: ";
      const auto at = config.find(key);
      if (at == std::string::npos) return std::string();
      const auto begin = at + key.size();
      return config.substr(begin, config.find_first_of("\r\n", begin) - begin);
    } catch (...) {
      return std::string();
    }
  }();
  return capability;
}

void waitPassivelyBetweenParallelRegions(char** argv) {
  if (std::getenv("OMP_WAIT_POLICY")) return;  // the user's choice, or already re-executed
  if (setenv("OMP_WAIT_POLICY", "PASSIVE", 1) != 0) return;
  execv("/proc/self/exe", argv);
  unsetenv("OMP_WAIT_POLICY");  // exec failed: go on spinning
}

}  // namespace adamix
