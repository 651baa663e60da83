// CPU execution settings of an engine process: one thread count for every pool that computes, and
// a heap that keeps tensor buffers between training steps. Measured causes (docs/performance.md):
// Debian's LibTorch calls OpenBLAS (libopenblas0-pthread), whose own thread pool ignores
// at::set_num_threads and spins in sched_yield between GEMMs; glibc returned every large freed
// tensor buffer to the kernel (mmap / heap trim), so each step page-faulted its activations in again.
#pragma once
#include <string>

namespace adamix {

/// Sets ATen's intra-op thread count (when `threads` > 0) and makes OpenBLAS use the same number
/// (ATen's, also when `threads` <= 0 leaves ATen's default). OpenBLAS is reached through the
/// process's symbol table (openblas_set_num_threads), so a LibTorch built on MKL or another BLAS
/// is left alone. Returns the thread count in effect.
int setComputeThreads(int threads);

/// Makes glibc's malloc keep freed memory in the process (no mmap for large blocks, no trimming
/// of the heap top), so the same activation buffers are reused every step instead of being
/// unmapped and page-faulted in again. Call once at process start, before tensors exist; results
/// are unchanged (only where memory comes from). No-op on other C libraries.
void keepFreedMemoryInProcess();

/// libgomp (ATen's OpenMP pool) spins its idle threads between parallel regions, and OpenBLAS's
/// own pool spins too: with 2 threads on 2 cores the four spinning threads made a training step
/// 1.7x slower than with 1 thread (docs/performance.md). When OMP_WAIT_POLICY is not in `envp`
/// this re-executes the program at once (`argv`, the environment plus OMP_WAIT_POLICY=PASSIVE);
/// returns when it is set already (the user's choice, e.g. ACTIVE, or the re-executed process) or
/// exec fails. libgomp reads the variable once, in its own initializer, and glibc's initializer
/// resets the environment to the one the process started with, so setenv() cannot do it: call
/// this from the executable's `.preinit_array` (ADAMIX_BEFORE_LIBRARIES), where the libraries are
/// mapped but not yet initialized: the exec costs about 0.15 s (the libraries mapped and relocated
/// again) where engines 0.5-0.6, which re-executed from main() after LibTorch's static
/// initialization, paid about 0.3 s. SIGINT, SIGTERM and SIGUSR1 are blocked across the exec (the
/// mask is inherited), so a stop sent meanwhile stays pending: the caller unblocks them
/// (unblockStopSignals) once it has installed its handlers.
void waitPassivelyBetweenParallelRegions(char** argv, char** envp);

/// Unblocks SIGINT, SIGTERM and SIGUSR1 (async-signal-safe).
void unblockStopSignals();

/// Registers `fn(argc, argv, envp)` to run before any shared library's initializers (LibTorch's,
/// libgomp's): an entry of the executable's `.preinit_array`, which glibc calls first. Only in an
/// executable's own source file; `fn` must not use what those libraries initialize.
#define ADAMIX_BEFORE_LIBRARIES(fn)                                                          \
  __attribute__((section(".preinit_array"), used)) static void (*const adamix_preinit_##fn)( \
      int, char**, char**) = fn

/// The OpenBLAS kernel set in use ("Haswell", "Cooperlake", ...: OpenBLAS's choice for the CPU, or
/// the OPENBLAS_CORETYPE environment variable's), or "" when OpenBLAS is not loaded.
const char* blasCoreName();

/// ATen's CPU capability in this process, as at::show_config() reports it ("AVX2", "AVX512",
/// "DEFAULT", ...; "" when not reported): which of LibTorch's compiled kernel sets runs, and so
/// which roundings the engine's bit-exact kernels (model/swiglu.h, model/attention_scores.h) must
/// match. Read once. Throws nothing.
const std::string& atenCpuCapability();

}  // namespace adamix
