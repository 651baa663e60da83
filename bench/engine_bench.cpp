// engine_bench: training throughput and AdaMix cost ratios (issue "Engine", item 10).
// For stories260K and a wider random Llama (hidden 256, 4 layers) it times, in one run:
//   AdaMix M=4 step / single adapter step (no consistency)     target <= 1.05
//   AdaMix with consistency / without                          target <= 2.05
//   merged inference / single-adapter inference                target <= 1.03
//   adapter PEFT step / full fine-tuning step                  target <= 0.75
// Usage: engine_bench [--model DIR] [--steps N] [--batch B] [--seq T] [--threads N]
#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "model/checkpoint.h"
#include "model/init_model.h"
#include "peft/peft.h"
#include "train/train_step.h"

using namespace adamix;
namespace fs = std::filesystem;

namespace {

struct Options {
  std::string model;
  int steps = 12, batch = 32, seq = 64, threads = 0;
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

/// Median seconds per call of `fn` after 2 warm-up calls.
template <class Fn>
double medianSeconds(int reps, Fn&& fn) {
  for (int i = 0; i < 2; ++i) fn();
  std::vector<double> t;
  for (int i = 0; i < reps; ++i) {
    const auto a = std::chrono::steady_clock::now();
    fn();
    t.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - a).count());
  }
  std::sort(t.begin(), t.end());
  return t[t.size() / 2];
}

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
  const double train_s = medianSeconds(o.steps, [&] {
    forwardBackward(*model, *handle.routes, ids, mask, labels, v.lambda, second, 1.0, step++);
    optimizerStep(opt, train.max_grad_norm);
  });
  model->eval();
  torch::NoGradGuard no_grad;
  const double infer_s = medianSeconds(o.steps, [&] { model->forward(ids, mask); });
  return {train_s, infer_s};
}

void benchModel(const std::string& label, const std::string& dir, const Options& o) {
  Variant single{"adapter r=16 (M=1)", adapterPeft(1)};
  Variant mix{"AdaMix adapter M=4", adapterPeft(4)};
  Variant mix_c{"AdaMix adapter M=4, lambda=1", adapterPeft(4), 1.0};
  PeftConfig full_cfg;
  full_cfg.method = PeftMethod::Full;
  Variant full{"full fine-tuning", full_cfg};
  std::printf("\n== %s (%s), batch %d x %d tokens, %d timed steps, %d threads ==\n", label.c_str(), dir.c_str(),
              o.batch, o.seq, o.steps, at::get_num_threads());
  std::printf("%-32s %12s %14s %12s\n", "variant", "step ms", "train tok/s", "infer ms");
  std::vector<std::pair<Variant, Timing>> rows;
  for (const auto& v : {single, mix, mix_c, full}) {
    auto t = timeVariant(dir, v, o);
    rows.emplace_back(v, t);
    std::printf("%-32s %12.2f %14.0f %12.2f\n", v.name.c_str(), t.train_s * 1e3, o.batch * o.seq / t.train_s,
                t.infer_s * 1e3);
  }
  const auto& ts = rows[0].second;
  const auto& tm = rows[1].second;
  const auto& tc = rows[2].second;
  const auto& tf = rows[3].second;
  std::printf("ratio AdaMix M=4 step / single adapter step      %.3f  (target <= 1.05)\n", tm.train_s / ts.train_s);
  std::printf("ratio with consistency / without                 %.3f  (target <= 2.05)\n", tc.train_s / tm.train_s);
  std::printf("ratio merged inference / single-adapter inference %.3f  (target <= 1.03)\n", tm.infer_s / ts.infer_s);
  std::printf("ratio adapter PEFT step / full fine-tuning step   %.3f  (target <= 0.75)\n", ts.train_s / tf.train_s);
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string k = argv[i], v = argv[i + 1];
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
    else {
      std::fprintf(stderr, "unknown option %s\n", k.c_str());
      return 2;
    }
  }
  if (o.threads > 0) at::set_num_threads(o.threads);
  const std::string stories = o.model.empty() ? std::string(ADAMIX_SHARED_DIR) + "/models/stories260K" : o.model;
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
