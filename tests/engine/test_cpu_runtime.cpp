// CPU runtime settings of an engine process (engine/src/runtime/cpu_runtime.h): one thread count
// for ATen and OpenBLAS's own pool, and a heap that keeps freed tensor buffers (docs/performance.md).
#include <QtTest/QtTest>
#include <dlfcn.h>
#include <malloc.h>
#include <torch/torch.h>

#include "model/fused_ops.h"
#include "runtime/compute_kernels.h"
#include "runtime/cpu_runtime.h"
#include "test_support.h"

#include <cstdlib>

using namespace adamix;

class TestCpuRuntime : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void openBlasPoolFollowsTheThreadCount();
  void largeTensorBuffersStayInTheHeap();
  void startedEventRecordsTheKernels();
  void forcedBlasCoreIsRecorded();
};

void TestCpuRuntime::openBlasPoolFollowsTheThreadCount() {
  using GetThreads = int (*)();
  auto* openblas_threads = reinterpret_cast<GetThreads>(dlsym(RTLD_DEFAULT, "openblas_get_num_threads"));
  if (!openblas_threads) QSKIP("LibTorch here does not call OpenBLAS");
  // Without setComputeThreads, OpenBLAS kept one thread per core whatever ATen was told: a
  // 1-thread run had a second BLAS thread spinning in sched_yield.
  QCOMPARE(setComputeThreads(1), 1);
  QCOMPARE(at::get_num_threads(), 1);
  QCOMPARE(openblas_threads(), 1);
  QCOMPARE(setComputeThreads(2), 2);
  QCOMPARE(openblas_threads(), 2);
  // 0 keeps ATen's count and still aligns OpenBLAS with it.
  at::set_num_threads(1);
  QCOMPARE(setComputeThreads(0), 1);
  QCOMPARE(openblas_threads(), 1);
}

void TestCpuRuntime::largeTensorBuffersStayInTheHeap() {
  keepFreedMemoryInProcess();
  const size_t bytes = 64u << 20;  // glibc's default would mmap this (threshold at most 32 MiB)
  const auto mmapped_before = mallinfo2().hblkhd;
  {
    auto t = torch::ones({static_cast<int64_t>(bytes / sizeof(float))});
    QCOMPARE(t.sum().item<double>(), static_cast<double>(bytes / sizeof(float)));
    QCOMPARE(mallinfo2().hblkhd, mmapped_before);  // not a separate mapping
  }
  // Freed, the buffer stays in the process for the next step instead of going back to the kernel.
  QVERIFY2(mallinfo2().fordblks >= bytes, qPrintable(QString::number(mallinfo2().fordblks)));
}

void TestCpuRuntime::startedEventRecordsTheKernels() {
  const auto off = computeKernelsJson();
  QCOMPARE(off.size(), size_t(2));
  QCOMPARE(off.at("blas_core").get<std::string>(), std::string(blasCoreName()));
  QCOMPARE(off.at("fused_cpu_kernels").get<bool>(), false);  // the default (ADAMIX_FUSED_CPU_KERNELS unset)
  setFusedCpuKernels(true);
  QCOMPARE(computeKernelsJson().at("fused_cpu_kernels").get<bool>(), fusedCpuKernelsAvailable());
  setFusedCpuKernels(false);
  QCOMPARE(computeKernelsJson().at("fused_cpu_kernels").get<bool>(), false);
}

void TestCpuRuntime::forcedBlasCoreIsRecorded() {
  // ctest runs this suite a second time with OPENBLAS_CORETYPE=Sandybridge (an AVX set every
  // x86-64 CPU with AVX2 runs): OpenBLAS reads it when it loads, and the record says so.
  const char* forced = std::getenv("OPENBLAS_CORETYPE");
  if (!forced) QSKIP("run by ctest as engine.test_cpu_runtime_forced_blas_core");
  if (!test::openBlasHasRuntimeKernelChoice()) QSKIP("no OpenBLAS here that picks its kernels at load time");
  QCOMPARE(std::string(blasCoreName()), std::string(forced));
  QCOMPARE(computeKernelsJson().at("blas_core").get<std::string>(), std::string(forced));
  // The forced kernels compute: a product checked by hand.
  const auto a = torch::tensor({{1.0f, 2.0f}, {3.0f, 4.0f}});
  const auto b = torch::tensor({{5.0f, 6.0f}, {7.0f, 8.0f}});
  QVERIFY(torch::equal(torch::mm(a, b), torch::tensor({{19.0f, 22.0f}, {43.0f, 50.0f}})));
}

QTEST_APPLESS_MAIN(TestCpuRuntime)
#include "test_cpu_runtime.moc"
