// engine_bench: training throughput and AdaMix cost ratios (issue "Engine", item 10).
// For stories260K and a wider random Llama (hidden 256, 4 layers) it times, in one run:
//   AdaMix M=4 step / single adapter step (no consistency)     target <= 1.05
//   AdaMix with consistency / without                          target <= 2.05
//   merged inference / single-adapter inference                target <= 1.03
//   adapter PEFT step / full fine-tuning step                  target <= 0.75
// and beam-search decoding (K beams, KV cache) of the merged AdaMix model in tokens/s.
// Usage: engine_bench [--model DIR [--label NAME]] [--steps N] [--batch B] [--seq T] [--threads N] [--json]
//                     [--variant TEXT]   (only the variants whose name contains TEXT, or "decode": profiling)
//                     [--fused]           (the fused CPU kernels of model/fused_ops.h, off by default)
//                     [--aten-bmm]        (attention's batched products through torch::bmm: model/batched_matmul.h)
//                     [--runtime legacy|threads|all] (CPU runtime settings, one fix at a time: legacy =
//                                         as engines <= 0.4.0; all = as adamix-engine runs; see main)
//                     [--profile PREFIX] (LibTorch profiler traces PREFIX.{train,infer,decode}.json of the
//                                         timed calls of --variant; summarised by bench/profile_summary.py)
//   --model DIR: only that model (default: stories260K from the asset mirror and the wide random Llama)
//   --json: one JSON object per variant (the keys bench/pytorch_reference.py prints), for
//           bench/engine_vs_pytorch.py, which alternates this program with the PyTorch reference.
#include <torch/csrc/autograd/profiler_legacy.h>
#include <torch/torch.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "median_time.h"
#include "model/batched_matmul.h"
#include "model/beam_search.h"
#include "model/checkpoint.h"
#include "model/fused_ops.h"
#include "model/init_model.h"
#include "peft/peft.h"
#include "runtime/cpu_runtime.h"

#include <string_view>
#include "train/train_step.h"

using namespace adamix;
namespace fs = std::filesystem;

namespace {

struct Options {
  std::string model, label;
  int steps = 12, batch = 32, seq = 64, threads = 0;
  int beams = 4, prompts = 8, prompt_len = 16, new_tokens = 32;
  bool json = false;
  std::string runtime = "all";  ///< --runtime legacy|threads|all (see main)
  std::string only;     ///< --variant: time only the variants whose name contains this (profiling)
  std::string profile;  ///< --profile PREFIX: LibTorch profiler traces PREFIX.{train,infer,decode}.json of timed calls
};

struct Variant {
  std::string name;
  PeftConfig peft;
  double lambda = 0;
};

PeftConfig adapterPeft(int64_t m) {
  PeftConfig c;
  c.method = PeftMethod::Adapter;
  c.adapter.bottleneck = 16;
  c.adamix.num_modules = m;
  c.adamix.sharing = Sharing::Up;
  return c;
}

using bench::medianSeconds;

struct Timing {
  double train_s, infer_s;
};

Timing timeVariant(const std::string& model_dir, const Variant& v, const Options& o) {
  auto model = loadTaskModel(model_dir, HeadType::Classification, 2, 0);
  auto handle = applyPeft(*model, v.peft, model->headPrefixes(), 0);
  TrainConfig train;
  train.learning_rate = 1e-4;
  auto opt = makeOptimizer(trainableParameters(*model), train);
  const int64_t vocab = model->config().vocab_size;
  torch::manual_seed(0);
  auto ids = torch::randint(3, vocab, {o.batch, o.seq});
  auto mask = torch::ones({o.batch, o.seq}, torch::kInt64);
  auto labels = torch::randint(0, 2, {o.batch});
  model->train();
  int64_t step = 0;
  const bool second = v.lambda > 0;
  std::unique_ptr<torch::autograd::profiler::RecordProfile> trace;
  if (!o.profile.empty()) trace = std::make_unique<torch::autograd::profiler::RecordProfile>(o.profile + ".train.json");
  const double train_s = medianSeconds(o.steps, [&] {
    forwardBackward(*model, *handle.routes, ids, mask, labels, v.lambda, second, 1.0, step++);
    optimizerStep(opt, train.max_grad_norm);
  });
  trace.reset();
  model->eval();
  torch::NoGradGuard no_grad;
  if (!o.profile.empty()) trace = std::make_unique<torch::autograd::profiler::RecordProfile>(o.profile + ".infer.json");
  const double infer_s = medianSeconds(o.steps, [&] { model->forward(ids, mask); });
  return {train_s, infer_s};
}

/// Seconds per beam-search decode (median) of `prompts` random prompts with the merged AdaMix
/// M = 4 adapter model and a KV cache, no end token (every prompt decodes `new_tokens`).
double timeDecoding(const std::string& model_dir, const Options& o) {
  auto model = loadTaskModel(model_dir, HeadType::CausalLM, 0, 0);
  applyPeft(*model, adapterPeft(4), model->headPrefixes(), 0);
  model->eval();
  torch::NoGradGuard no_grad;
  torch::manual_seed(1);
  auto ids = torch::randint(3, model->config().vocab_size, {o.prompts, o.prompt_len});
  std::vector<std::vector<int64_t>> prompts;
  for (int64_t i = 0; i < o.prompts; ++i) {
    auto row = ids[i].contiguous();
    prompts.emplace_back(row.data_ptr<int64_t>(), row.data_ptr<int64_t>() + row.numel());
  }
  DecodeOptions d;
  d.strategy = DecodeStrategy::Beam;
  d.beam_size = o.beams;
  d.max_new_tokens = o.new_tokens;
  std::unique_ptr<torch::autograd::profiler::RecordProfile> trace;
  if (!o.profile.empty()) trace = std::make_unique<torch::autograd::profiler::RecordProfile>(o.profile + ".decode.json");
  return medianSeconds(std::max(3, o.steps / 4), [&] {
    auto scorer = makeModelScorer(*model, true);  // the cache belongs to one decodeBatch call
    decodeBatch(*scorer, prompts, d, 0);
  });
}

void benchModel(const std::string& label, const std::string& dir, const Options& o) {
  Variant single{"adapter (M=1)", adapterPeft(1)};
  Variant mix{"AdaMix M=4", adapterPeft(4)};
  Variant mix_c{"AdaMix M=4, lambda=1", adapterPeft(4), 1.0};
  PeftConfig full_cfg;
  full_cfg.method = PeftMethod::Full;
  Variant full{"full fine-tuning", full_cfg};
  if (!o.json) {
    std::printf("\n== %s (%s), batch %d x %d tokens, %d timed steps, %d threads ==\n", label.c_str(), dir.c_str(),
                o.batch, o.seq, o.steps, at::get_num_threads());
    std::printf("%-32s %12s %14s %12s\n", "variant", "step ms", "train tok/s", "infer ms");
  }
  std::vector<std::pair<Variant, Timing>> rows;
  for (const auto& v : {single, mix, mix_c, full}) {
    if (!o.only.empty()) {
      if (v.name.find(o.only) == std::string::npos) continue;
      const auto t = timeVariant(dir, v, o);
      std::printf("%s: %.2f ms per step, %.2f ms per inference\n", v.name.c_str(), t.train_s * 1e3, t.infer_s * 1e3);
      continue;
    }
    auto t = timeVariant(dir, v, o);
    rows.emplace_back(v, t);
    if (o.json)
      std::printf("%s\n", nlohmann::json{{"model", label}, {"variant", v.name}, {"train_s", t.train_s},
                                          {"infer_s", t.infer_s}, {"blas_core", blasCoreName()}}
                              .dump()
                              .c_str());
    else
      std::printf("%-32s %12.2f %14.0f %12.2f\n", v.name.c_str(), t.train_s * 1e3, o.batch * o.seq / t.train_s,
                  t.infer_s * 1e3);
    std::fflush(stdout);
  }
  if (!o.only.empty()) {
    if (std::string("decode").find(o.only) != std::string::npos)
      std::printf("decode: %.2f ms\n", timeDecoding(dir, o) * 1e3);
    return;
  }
  const double decode_s = timeDecoding(dir, o);
  const int tokens = o.prompts * o.new_tokens;
  if (o.json) {
    std::printf("%s\n", nlohmann::json{{"model", label}, {"variant", "decode"}, {"decode_s", decode_s}, {"tokens", tokens}}
                            .dump()
                            .c_str());
    return;
  }
  std::printf("beam search (%d beams, KV cache), %d prompts x %d new tokens: %.1f ms, %.0f tokens/s\n", o.beams,
              o.prompts, o.new_tokens, decode_s * 1e3, tokens / decode_s);
  const auto& ts = rows[0].second;
  const auto& tm = rows[1].second;
  const auto& tc = rows[2].second;
  const auto& tf = rows[3].second;
  std::printf("ratio AdaMix M=4 step / single adapter step      %.3f  (target <= 1.05)\n", tm.train_s / ts.train_s);
  std::printf("ratio with consistency / without                 %.3f  (target <= 2.05)\n", tc.train_s / tm.train_s);
  std::printf("ratio merged inference / single-adapter inference %.3f  (target <= 1.03)\n", tm.infer_s / ts.infer_s);
  std::printf("ratio adapter PEFT step / full fine-tuning step   %.3f  (target <= 0.75)\n", ts.train_s / tf.train_s);
}

/// Before the libraries' initializers (libgomp reads OMP_WAIT_POLICY there): --runtime all (the
/// default) runs as adamix-engine does, idle OpenMP threads sleeping.
void beforeLibraries(int argc, char** argv, char** envp) {
  for (int i = 1; i + 1 < argc; ++i)
    if (std::string_view(argv[i]) == "--runtime" && std::string_view(argv[i + 1]) != "all") return;
  waitPassivelyBetweenParallelRegions(argv, envp);
  unblockStopSignals();  // blocked across its exec; Ctrl-C and timeout(1) end the benchmark
}
ADAMIX_BEFORE_LIBRARIES(beforeLibraries);

}  // namespace

int main(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string k = argv[i];
    if (k == "--json") {
      o.json = true;
      continue;
    }
    if (k == "--aten-bmm") {  // attention's batched products through torch::bmm, as before item 11
      setDirectBlasBatchedMatmul(false);
      continue;
    }
    if (k == "--fused") {  // the fused CPU kernels (model/fused_ops.h; off by default) for before/after
      setFusedCpuKernels(true);
      continue;
    }
    if (i + 1 >= argc) {
      std::fprintf(stderr, "option %s needs a value\n", k.c_str());
      return 2;
    }
    const std::string v = argv[++i];
    if (k == "--model")
      o.model = v;
    else if (k == "--steps")
      o.steps = std::stoi(v);
    else if (k == "--batch")
      o.batch = std::stoi(v);
    else if (k == "--seq")
      o.seq = std::stoi(v);
    else if (k == "--threads")
      o.threads = std::stoi(v);
    else if (k == "--label")
      o.label = v;
    else if (k == "--variant")
      o.only = v;
    else if (k == "--profile")
      o.profile = v;
    else if (k == "--runtime" && (v == "all" || v == "threads" || v == "legacy"))
      o.runtime = v;
    else {
      std::fprintf(stderr, "unknown option %s\n", k.c_str());
      return 2;
    }
  }
  // --runtime (before/after tables): "legacy" as engines up to 0.4.0 ran (OpenBLAS pool at its
  // default size, glibc's default heap); "threads": one thread count for ATen and OpenBLAS;
  // "all": also freed buffers kept in the heap and idle OpenMP threads sleeping, as adamix-engine runs.
  if (o.runtime == "all") keepFreedMemoryInProcess();  // and OMP_WAIT_POLICY: beforeLibraries
  if (o.runtime == "legacy") {
    if (o.threads > 0) at::set_num_threads(o.threads);
  } else {
    setComputeThreads(o.threads);
  }
  if (!o.model.empty()) {
    benchModel(o.label.empty() ? fs::path(o.model).filename().string() : o.label, o.model, o);
    return 0;
  }
  const std::string stories = std::string(ADAMIX_SHARED_DIR) + "/models/stories260K";
  if (fs::exists(stories + "/model.safetensors"))
    benchModel("stories260K", stories, o);
  else
    std::printf("stories260K not found at %s: skipped\n", stories.c_str());

  const auto wide = (fs::temp_directory_path() / "adamix-bench-wide-llama").string();
  RandomLlamaSpec spec;
  spec.hidden_size = 256;
  spec.num_hidden_layers = 4;
  spec.num_attention_heads = 8;
  spec.num_key_value_heads = 4;
  spec.intermediate_size = 688;
  spec.vocab_size = 512;
  writeRandomModel(wide, llamaConfigJson(spec), 1, fs::exists(stories) ? stories : "");
  benchModel("random Llama hidden 256, 4 layers", wide, o);
  return 0;
}
