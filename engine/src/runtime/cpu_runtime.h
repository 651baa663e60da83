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
/// 1.7x slower than with 1 thread (docs/performance.md). When OMP_WAIT_POLICY is unset this sets
/// it to PASSIVE and re-executes the program with the same arguments (libgomp reads it only when
/// it is loaded; the re-execution costs the library loading again, about 0.7 s). Setting
/// OMP_WAIT_POLICY (e.g. to ACTIVE) turns this off. Returns normally when it is set already or
/// exec fails.
void waitPassivelyBetweenParallelRegions(char** argv);

/// The OpenBLAS kernel set in use ("Haswell", "Cooperlake", ...: OpenBLAS's choice for the CPU, or
/// the OPENBLAS_CORETYPE environment variable's), or "" when OpenBLAS is not loaded.
const char* blasCoreName();

/// ATen's CPU capability in this process, as at::show_config() reports it ("AVX2", "AVX512",
/// "DEFAULT", ...; "" when not reported): which of LibTorch's compiled kernel sets runs, and so
/// which roundings the engine's bit-exact kernels (model/swiglu.h, model/attention_scores.h) must
/// match. Read once. Throws nothing.
const std::string& atenCpuCapability();

}  // namespace adamix
