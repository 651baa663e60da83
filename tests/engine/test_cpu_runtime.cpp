// CPU runtime settings of an engine process (engine/src/runtime/cpu_runtime.h): one thread count
// for ATen and OpenBLAS's own pool, and a heap that keeps freed tensor buffers (docs/performance.md).
#include <QtTest/QtTest>
#include <dlfcn.h>
#include <malloc.h>
#include <torch/torch.h>

#include "runtime/cpu_runtime.h"

using namespace adamix;

class TestCpuRuntime : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void openBlasPoolFollowsTheThreadCount();
  void largeTensorBuffersStayInTheHeap();
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

QTEST_APPLESS_MAIN(TestCpuRuntime)
#include "test_cpu_runtime.moc"
