// PEFT method and AdaMix options of a run (the "peft" object of the run config,
// docs/run-config.md). Names follow the paper and the reference implementation
// (microsoft/AdaMix): bottleneck r, LoRA rank/alpha, sharing, routing, consistency weight λ.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "config/routing_mode.h"

namespace adamix {

enum class PeftMethod { Full, Head, BitFit, Adapter, Lora };
/// Which projection of each module pair is shared across the M modules.
enum class Sharing { Up, Down, None };

struct AdapterOptions {
  int64_t bottleneck = 16;         ///< r: down d -> r, up r -> d
  bool attention_adapter = false;  ///< second adapter after the attention output (Houlsby)
  bool zero_init_up = false;       ///< "zero_up" init: up = 0, so the adapter starts as identity
  double init_std = 0.02;          ///< N(0, std) for weights (reference code), biases 0
};

struct LoraOptions {
  int64_t rank = 8;
  double alpha = 16.0;  ///< scaling = alpha / rank
  double dropout = 0.0;
  std::vector<std::string> targets{"q_proj", "v_proj"};
};

struct AdaMixOptions {
  int64_t num_modules = 1;  ///< M; 1 = the plain method
  Sharing sharing = Sharing::Up;
  RoutingMode routing = RoutingMode::Batch;
  double consistency_weight = 0.0;  ///< λ
  bool distinct_routes = false;
  InferenceMode inference = InferenceMode::Merged;
  int64_t inference_module = 0;
};

/// Where the PEFT modules' starting weights come from. Not a key of the "peft" object:
/// parseRunConfig sets it from model.path (an official AdaMix checkpoint, artifacts/official_adamix.h)
/// or model.adapter (a PEFT LoRA adapter directory, artifacts/peft_adapter.h); applyPeft loads them.
enum class PeftWeightsSource {
  Seed,            ///< initialised from the run's seed (docs/adamix.md)
  OfficialAdaMix,  ///< ExpertSoup experts of weights_dir/model.safetensors
  PeftAdapter      ///< lora_A / lora_B (+ modules_to_save head) of weights_dir/adapter_model.safetensors
};

struct PeftConfig {
  PeftMethod method = PeftMethod::Adapter;
  AdapterOptions adapter;
  LoraOptions lora;
  AdaMixOptions adamix;
  PeftWeightsSource weights_source = PeftWeightsSource::Seed;
  std::string weights_dir;  ///< directory of the weights for OfficialAdaMix / PeftAdapter
};

const char* peftMethodName(PeftMethod m);
const char* sharingName(Sharing s);
/// Parsers; each throws EngineError(Config) naming `path` for an unknown value.
PeftMethod parsePeftMethod(const std::string& text, const std::string& path);
Sharing parseSharing(const std::string& text, const std::string& path);
/// Largest LoRA alpha: the scaling alpha / r multiplies float32 tensors, and float32 ends at
/// 3.4e38 — the bound of kMaxLearningRate (config/run_config.h) for the same reason.
constexpr double kMaxLoraAlpha = 3.0e38;

/// Throws EngineError(Config, "must be > 0 and at most 3e38 (float32), got -1", location) unless
/// `alpha` is in (0, kMaxLoraAlpha]: zero switches LoRA off while it still trains, a negative
/// alpha flips its sign, NaN or infinity (a config built in memory; JSON text cannot hold them)
/// poison the first forward pass. The one check of a LoRA
/// alpha wherever one comes from: the run config's /peft/lora/alpha (parsePeftConfig /
/// parseRunConfig — and through them study files and their axes, `inspect --peft`, and the run
/// directories eval, merge and export read) and a PEFT adapter's lora_alpha (readPeftAdapterConfig).
void checkLoraAlpha(double alpha, const std::string& location);

/// Modules of the (down, up) projections for M and a sharing choice: share up -> (M, 1).
std::pair<int64_t, int64_t> modulesPerProjection(const AdaMixOptions& o);

}  // namespace adamix
