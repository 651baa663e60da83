// kernel_bench: the fused CPU attention kernel (model/fused_ops.h) against ATen's composite of the
// same formula, in the same run, without gradients: median milliseconds of a decoding step (one
// query row per sequence over T keys: where scaledDotProductAttention uses the kernel) and of a
// full causal sequence (T query rows: where it keeps the composite), at a model's shapes
// (default stories260K's: batch 32, 64 tokens, 8 heads over 4 key/value heads of size 8).
// Then RMSNorm and SwiGLU forward + backward at the same rows: ATen's composite, the default bit-exact
// nodes and the fused kernels. Prints composite / kernel as the speed-up.
// Usage: kernel_bench [--threads N] [--batch B] [--seq T] [--heads H] [--kv-heads KV] [--head-dim D] [--ffn F] [--reps N]
#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "median_time.h"
#include "model/attention.h"
#include "model/fused_ops.h"
#include "model/kv_cache.h"
#include "model/llama.h"
#include "model/swiglu.h"
#include "runtime/cpu_runtime.h"

using namespace adamix;

namespace {

/// Median milliseconds per call of `fn` after 3 warm-up calls.
template <class Fn>
double medianMs(int reps, Fn&& fn) {
  return 1e3 * bench::medianSeconds(reps, fn, 3);
}

void row(const char* what, double composite, double fused) {
  std::printf("%-44s %10.3f %10.3f %8.2fx\n", what, composite, fused, composite / fused);
}

}  // namespace

int main(int argc, char** argv) {
  int64_t threads = 1, B = 32, T = 64, H = 8, KV = 4, D = 8, ffn = 0;
  int reps = 20;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string k = argv[i];
    const int64_t v = std::stoll(argv[i + 1]);
    if (k == "--threads") threads = v;
    else if (k == "--batch") B = v;
    else if (k == "--seq") T = v;
    else if (k == "--heads") H = v;
    else if (k == "--kv-heads") KV = v;
    else if (k == "--head-dim") D = v;
    else if (k == "--reps") reps = static_cast<int>(v);
    else if (k == "--ffn") ffn = v;
    else {
      std::fprintf(stderr, "unknown option %s\n", k.c_str());
      return 2;
    }
  }
  setComputeThreads(static_cast<int>(threads));
  if (!fusedCpuKernelsAvailable()) {
    std::printf("fused CPU kernels not available (build without SLEEF or CPU without AVX2/FMA)\n");
    return 0;
  }
  torch::manual_seed(0);
  std::printf("B=%lld T=%lld H=%lld KV=%lld D=%lld, %lld thread(s), median of %d\n", (long long)B, (long long)T,
              (long long)H, (long long)KV, (long long)D, (long long)threads, reps);
  std::printf("%-44s %10s %10s %9s\n", "operation", "ATen ms", "fused ms", "speed-up");
  // Projections as the models make them: [B, T, heads * D] viewed as [B, heads, T, D].
  auto heads = [&](int64_t rows, int64_t n) { return torch::randn({B, rows, n * D}).view({B, rows, n, D}).transpose(1, 2); };
  auto k = heads(T, KV), v = heads(T, KV);
  const auto mask = torch::ones({B, T}, torch::kInt64);
  auto timeBoth = [&](const char* what, const torch::Tensor& q, const torch::Tensor& bias) {
    torch::NoGradGuard ng;
    setFusedCpuKernels(false);
    const double aten = medianMs(reps, [&] { scaledDotProductAttention(q, k, v, bias); });
    setFusedCpuKernels(true);
    const double fused = medianMs(reps, [&] { fusedAttention(q, k, v, bias); });
    row(what, aten, fused);
  };
  timeBoth("decoding step (1 query row over T keys)", heads(1, H), attentionBias(causalDecodeMask(T - 1, 1, mask, torch::kCPU)));
  timeBoth("full causal sequence (T query rows)", heads(T, H), attentionBias(causalDecodeMask(0, T, mask, torch::kCPU)));
  // RMSNorm and SwiGLU of a Llama block at B x T rows (hidden N = H * D, FFN width F), forward +
  // backward with every gradient (full fine-tuning): ATen's composite (HF's formula), the engine's
  // default bit-exact nodes (model/rms_norm.h, model/swiglu.h) and the opt-in fused kernels.
  const int64_t rows = B * T, N = H * D, F = ffn > 0 ? ffn : (N * 8 / 3 + 7) / 8 * 8;
  auto x = torch::randn({rows, N}).requires_grad_(true), w = torch::randn({N}).requires_grad_(true);
  auto g = torch::randn({rows, F}).requires_grad_(true), u = torch::randn({rows, F}).requires_grad_(true);
  auto dyN = torch::randn({rows, N}), dyF = torch::randn({rows, F});
  auto timeRows = [&](const char* what, auto&& composite, auto&& exact, auto&& fused) {
    auto once = [&](auto&& fn) {
      x.mutable_grad() = w.mutable_grad() = g.mutable_grad() = u.mutable_grad() = torch::Tensor();
      fn();
    };
    const double a = medianMs(reps, [&] { once(composite); });
    const double e = medianMs(reps, [&] { once(exact); });
    const double f = medianMs(reps, [&] { once(fused); });
    std::printf("%-44s %10.3f %10.3f %10.3f %8.2fx %8.2fx\n", what, a, e, f, a / e, a / f);
  };
  std::printf("rows %lld, hidden %lld, FFN %lld:\n", (long long)rows, (long long)N, (long long)F);
  std::printf("%-44s %10s %10s %10s %9s %9s\n", "operation", "ATen ms", "exact ms", "fused ms", "exact", "fused");
  setFusedCpuKernels(false);  // rmsNorm: the default (bit-exact) path
  timeRows("RMSNorm forward + backward",
           [&] { ((w * (x * torch::rsqrt(x.pow(2).mean(-1, true) + 1e-5))) * dyN).sum().backward(); },
           [&] { (rmsNorm(x, w, 1e-5) * dyN).sum().backward(); },
           [&] { (fusedRmsNorm(x, w, 1e-5) * dyN).sum().backward(); });
  timeRows("SwiGLU forward + backward", [&] { (torch::silu(g) * u * dyF).sum().backward(); },
           [&] { (siluMul(g, u) * dyF).sum().backward(); }, [&] { (fusedSwiGlu(g, u) * dyF).sum().backward(); });
  return 0;
}
