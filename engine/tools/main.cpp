// adamix-engine: trains and evaluates one AdaMix/PEFT run per process (docs/protocol.md).
// Subcommands: train, validate, inspect, generate. Command-line parsing: CLI11.
#include <CLI/CLI.hpp>
#include <torch/torch.h>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "io/errors.h"
#include "model/checkpoint.h"
#include "model/generation.h"
#include "model/init_model.h"
#include "peft/peft.h"
#include "protocol/events.h"
#include "tokenizer/tokenizer.h"
#include "train/run_config.h"
#include "train/trainer.h"

using namespace adamix;
using nlohmann::json;

namespace {

constexpr const char* kEngineVersion = "0.1.0";

void onSignal(int) { g_interrupt_requested = true; }

/// Emits an `error` event (when a stream exists) and returns the kind's exit code.
int reportError(EventStream* events, ErrorKind kind, const std::string& message, const std::string& location) {
  if (events) events->emit("error", {{"kind", errorKindName(kind)}, {"message", message}, {"location", location}});
  std::cerr << "adamix-engine: " << errorKindName(kind) << " error: "
            << (location.empty() ? "" : location + ": ") << message << "\n";
  return errorKindExitCode(kind);
}

int cmdTrain(const std::string& config_path, TrainOptions opts) {
  // Events go to stdout from the first moment, so even a config error is a protocol event.
  std::string run_id = std::filesystem::path(opts.run_dir).filename().string();
  std::unique_ptr<EventStream> events;
  try {
    std::filesystem::create_directories(opts.run_dir);
    RunConfig cfg;
    try {
      cfg = loadRunConfig(config_path);
    } catch (...) {
      events = std::make_unique<EventStream>(run_id, (std::filesystem::path(opts.run_dir) / "events.jsonl").string());
      throw;
    }
    if (!cfg.run_id.empty()) run_id = cfg.run_id;
    if (cfg.run_id.empty()) cfg.run_id = run_id;
    events = std::make_unique<EventStream>(run_id, (std::filesystem::path(opts.run_dir) / "events.jsonl").string());
    trainRun(cfg, opts, *events);
    return 0;
  } catch (const EngineError& e) {
    return reportError(events.get(), e.kind(), e.message(), e.location());
  } catch (const c10::Error& e) {
    return reportError(events.get(), ErrorKind::Internal, e.what_without_backtrace(), "");
  } catch (const std::filesystem::filesystem_error& e) {
    return reportError(events.get(), ErrorKind::Io, e.what(), e.path1().string());
  } catch (const std::exception& e) {
    return reportError(events.get(), ErrorKind::Internal, e.what(), "");
  }
}

int cmdValidate(const std::string& config_path) {
  try {
    std::cout << toJson(loadRunConfig(config_path)).dump(2) << "\n";
    return 0;
  } catch (const EngineError& e) {
    return reportError(nullptr, e.kind(), e.message(), e.location());
  }
}

json inspectModel(const std::string& model_dir, const std::string& config_path) {
  auto mc = loadModelConfig(model_dir);
  auto model = buildTaskModel(mc, HeadType::Classification, 2);
  json out = {{"model_dir", model_dir},
              {"model_type", mc.model_type},
              {"hidden_size", mc.hidden_size},
              {"num_hidden_layers", mc.num_hidden_layers},
              {"num_attention_heads", mc.num_attention_heads},
              {"num_key_value_heads", mc.num_key_value_heads},
              {"intermediate_size", mc.intermediate_size},
              {"vocab_size", mc.vocab_size}};
  int64_t backbone = 0;
  for (const auto& p : model->named_parameters()) {
    bool head = false;
    for (const auto& h : model->headPrefixes()) head |= p.key().rfind(h, 0) == 0;
    if (!head) backbone += p.value().numel();
  }
  out["backbone_parameters"] = backbone;
  if (!config_path.empty()) {
    auto cfg = loadRunConfig(config_path);
    auto peft = applyPeft(*model, cfg.peft, model->headPrefixes(), cfg.seed);
    out["peft"] = {{"method", peftMethodName(cfg.peft.method)},
                   {"num_modules", cfg.peft.adamix.num_modules},
                   {"trainable_peft", peft.counts.trainable_peft},
                   {"inference_peft", peft.counts.inference_peft},
                   {"head", peft.counts.head},
                   {"trainable", peft.counts.trainable}};
  }
  return out;
}

int cmdInspect(const std::string& model_dir, const std::string& config_path, bool as_json) {
  try {
    auto info = inspectModel(model_dir, config_path);
    if (as_json) {
      std::cout << info.dump(2) << "\n";
      return 0;
    }
    std::cout << "model        " << info["model_dir"].get<std::string>() << " (" << info["model_type"].get<std::string>()
              << ")\nlayers       " << info["num_hidden_layers"] << ", hidden " << info["hidden_size"] << ", heads "
              << info["num_attention_heads"] << " (kv " << info["num_key_value_heads"] << "), ffn "
              << info["intermediate_size"] << ", vocab " << info["vocab_size"] << "\nbackbone     "
              << info["backbone_parameters"] << " parameters\n";
    if (info.contains("peft")) {
      const auto& p = info["peft"];
      std::cout << "peft         " << p["method"].get<std::string>() << ", M = " << p["num_modules"]
                << "\ntraining     " << p["trainable_peft"] << " trainable parameters (heads excluded)"
                << "\ninference    " << p["inference_peft"] << " parameters after merging (heads excluded)"
                << "\nhead         " << p["head"] << " parameters\n";
    }
    return 0;
  } catch (const EngineError& e) {
    return reportError(nullptr, e.kind(), e.message(), e.location());
  }
}

int cmdGenerate(const std::string& model_dir, const std::string& prompt, int64_t max_new_tokens) {
  try {
    auto model = loadTaskModel(model_dir, HeadType::CausalLM, 0, 0);
    auto tok = loadTokenizer(model_dir, model->config().vocab_size);
    std::vector<int64_t> ids;
    if (tok->bosId() >= 0) ids.push_back(tok->bosId());
    for (auto t : tok->encode(prompt)) ids.push_back(t);
    std::set<int64_t> stop;
    if (tok->eosId() >= 0) stop.insert(tok->eosId());
    auto out = greedyGenerate(*model, ids, max_new_tokens, stop);
    std::cout << prompt << tok->decode(out) << "\n";
    return 0;
  } catch (const EngineError& e) {
    return reportError(nullptr, e.kind(), e.message(), e.location());
  }
}

int cmdInitModel(const std::string& arch, const RandomLlamaSpec& spec, const std::string& out_dir,
                 const std::string& tokenizer_dir, uint64_t seed) {
  try {
    if (arch != "llama")
      throw EngineError(ErrorKind::Usage, "unsupported architecture '" + arch + "' (supported: llama)", "--arch");
    writeRandomModel(out_dir, llamaConfigJson(spec), seed, tokenizer_dir);
    std::cout << out_dir << "\n";
    return 0;
  } catch (const EngineError& e) {
    return reportError(nullptr, e.kind(), e.message(), e.location());
  }
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"adamix-engine: AdaMix / PEFT training engine (one run per process, JSON-lines events on stdout)"};
  app.set_version_flag("--version", kEngineVersion);
  app.require_subcommand(1);

  std::string config_path, run_dir, device;
  int64_t threads = 0;
  bool resume = false;
  auto* train = app.add_subcommand("train", "train and evaluate one run; events on stdout (docs/protocol.md)");
  train->add_option("--config", config_path, "run config JSON (docs/run-config.md)")->required();
  train->add_option("--run-dir", run_dir, "run directory (created)")->required();
  train->add_flag("--resume", resume, "continue from the run directory's last checkpoint");
  train->add_option("--threads", threads, "CPU threads (overrides train.threads)");
  int64_t stop_after = 0;
  train->add_option("--stop-after-steps", stop_after, "checkpoint and stop (exit 8) after N steps")->group("");
  train->add_option("--device", device, "auto|cpu|cuda (overrides train.device)")
      ->check(CLI::IsMember({"auto", "cpu", "cuda"}));

  auto* validate = app.add_subcommand("validate", "check a run config and print it resolved");
  validate->add_option("--config", config_path, "run config JSON")->required();

  std::string model_dir;
  bool as_json = false;
  auto* inspect = app.add_subcommand("inspect", "print a model's structure and parameter counts");
  inspect->add_option("model_dir", model_dir, "Hugging Face model directory")->required();
  inspect->add_option("--config", config_path, "run config whose PEFT settings to count");
  inspect->add_flag("--json", as_json, "print JSON");

  std::string prompt = "Once upon a time";
  int64_t max_new = 32;
  auto* generate = app.add_subcommand("generate", "greedy continuation of a prompt with a causal LM");
  generate->add_option("--model", model_dir, "Hugging Face model directory")->required();
  generate->add_option("--prompt", prompt, "prompt text");
  generate->add_option("--max-new-tokens", max_new, "tokens to generate");

  std::string arch = "llama", out_dir, tokenizer_from;
  RandomLlamaSpec spec;
  uint64_t init_seed = 0;
  auto* init = app.add_subcommand("init-model", "write a random-initialised HF model directory");
  init->add_option("--arch", arch, "architecture (llama)");
  init->add_option("--out", out_dir, "output directory")->required();
  init->add_option("--hidden", spec.hidden_size, "hidden size");
  init->add_option("--layers", spec.num_hidden_layers, "number of layers");
  init->add_option("--heads", spec.num_attention_heads, "attention heads");
  init->add_option("--kv-heads", spec.num_key_value_heads, "key/value heads");
  init->add_option("--ffn", spec.intermediate_size, "FFN (intermediate) size");
  init->add_option("--vocab", spec.vocab_size, "vocabulary size (must match the tokenizer)");
  init->add_option("--tokenizer-from", tokenizer_from, "copy tokenizer files from this model directory");
  init->add_option("--seed", init_seed, "initialisation seed");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int rc = app.exit(e);
    return rc == 0 ? 0 : errorKindExitCode(ErrorKind::Usage);
  }

  if (*train) {
    std::signal(SIGINT, onSignal);
    std::signal(SIGTERM, onSignal);
    TrainOptions opts;
    opts.run_dir = run_dir;
    opts.resume = resume;
    opts.threads_override = threads;
    opts.device_override = device;
    opts.stop_after_steps = stop_after;
    return cmdTrain(config_path, opts);
  }
  if (*validate) return cmdValidate(config_path);
  if (*inspect) return cmdInspect(model_dir, config_path, as_json);
  if (*init) return cmdInitModel(arch, spec, out_dir, tokenizer_from, init_seed);
  if (*generate) return cmdGenerate(model_dir, prompt, max_new);
  return errorKindExitCode(ErrorKind::Usage);
}
