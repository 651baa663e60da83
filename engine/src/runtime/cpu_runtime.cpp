#include "runtime/cpu_runtime.h"

#include <ATen/Parallel.h>
#include <ATen/Version.h>
#include <dlfcn.h>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

#include <alloca.h>
#include <unistd.h>

#include <climits>
#include <csignal>
#include <cstdlib>
#include <cstring>

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

namespace {

/// SIGINT, SIGTERM, SIGUSR1: built on first use (no constructor runs before .preinit_array).
const sigset_t& stopSignals() {
  static sigset_t set;
  sigemptyset(&set);
  for (const int sig : {SIGINT, SIGTERM, SIGUSR1}) sigaddset(&set, sig);
  return set;
}

}  // namespace

void waitPassivelyBetweenParallelRegions(char** argv, char** envp) {
  static const char kName[] = "OMP_WAIT_POLICY=";
  static char kPassive[] = "OMP_WAIT_POLICY=PASSIVE";
  std::size_t n = 0;
  for (; envp != nullptr && envp[n] != nullptr; ++n)
    if (std::strncmp(envp[n], kName, sizeof(kName) - 1) == 0) return;  // set: the user's choice, or done
  if (n > 100000) return;  // not a real environment: leave it
  // no allocation before the C library is initialized: the new environment on the stack
  char** env = static_cast<char**>(alloca((n + 2) * sizeof(char*)));
  for (std::size_t i = 0; i < n; ++i) env[i] = envp[i];
  env[n] = kPassive;
  env[n + 1] = nullptr;
  sigset_t before;
  sigprocmask(SIG_BLOCK, &stopSignals(), &before);
  execve("/proc/self/exe", argv, env);
  sigprocmask(SIG_SETMASK, &before, nullptr);  // exec failed: go on, idle threads spinning
}

void unblockStopSignals() { sigprocmask(SIG_UNBLOCK, &stopSignals(), nullptr); }

}  // namespace adamix
