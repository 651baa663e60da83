// adamix-engine: trains and evaluates one AdaMix/PEFT run per process (docs/protocol.md).
// Subcommands: train, eval, merge, validate, inspect, generate, init-model, export. Command-line parsing: CLI11.
#include <CLI/CLI.hpp>
#include <torch/torch.h>

#include <csignal>
#include <string_view>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>

#include "adamix_version.h"
#include "artifacts/export_run.h"
#include "artifacts/run_artifact.h"
#include "artifacts/run_eval.h"
#include "artifacts/run_generate.h"
#include "artifacts/run_merge.h"
#include "io/errors.h"
#include "io/interrupt.h"
#include "io/untrusted_input.h"
#include "io/run_dir_lock.h"
#include "model/checkpoint.h"
#include "model/generation.h"
#include "model/init_model.h"
#include "peft/peft.h"
#include "protocol/events.h"
#include "runtime/cpu_runtime.h"
#include "tokenizer/tokenizer.h"
#include "config/run_config.h"
#include "train/trainer.h"

using namespace adamix;
using nlohmann::json;

namespace {

// Engine versions (the project version, set in the top-level CMakeLists.txt since 0.6.0):
// 0.6.0: a sequence-level head's last layer computes only the pooled row, grouped-query
// attention without repeat_kv copies (both equal to float rounding); version from CMake.
// 0.5.0: CPU runtime (OpenBLAS thread count, heap kept, OMP_WAIT_POLICY=PASSIVE), additive
// attention bias, cached merged AdaMix weights (issue 19).
// 0.4.0: every epoch trains on its own shuffled order (0.3.0 reused the first epoch's order in
// an uninterrupted run, so a run resumed after an epoch boundary differed from it).
// 0.3.0: the finished run writes the best dev evaluation's weights (train.keep, issue 12).
// 0.2.0: training as the official AdaMix code (issue 11: AdamW and zero-grad semantics,
// consistency gradient, GPT-2 c_attn mixture, NLG format, Houlsby placement).

void onSignal(int) { g_interrupt_requested = true; }
void onPreemptSignal(int) { g_preempt_requested = true; }

/// The stop signals of `command` (argv[1]): SIGINT/SIGTERM set the interrupt flag for the
/// commands that poll it (train, eval, merge, generate, export, validate), SIGUSR1 the preemption
/// flag for train (the others keep its default action); inspect and init-model keep the default
/// actions. For those six commands SIGINT, SIGTERM and SIGUSR1 are then unblocked: the signal mask
/// is inherited across exec (an engine started with them blocked could not be stopped, and one
/// sent before exec stays pending until now), and waitPassivelyBetweenParallelRegions blocks them
/// across its own exec. SA_RESTART as std::signal: a write to the events pipe is not cut short by
/// EINTR. A SIGINT the engine was started with ignored stays ignored (a background job of a shell
/// script, which the terminal's Ctrl-C must not stop; SIGTERM still does): before this entry runs
/// the inherited disposition discards it, so handling it afterwards made an early SIGINT vanish and
/// a later one stop the command. Async-signal-safe calls only.
void installStopSignals(const char* command) {
  if (command == nullptr) return;
  const std::string_view c(command);
  if (c != "train" && c != "eval" && c != "merge" && c != "generate" && c != "export" && c != "validate") return;
  const auto handle = [](int sig, void (*handler)(int)) {
    struct sigaction inherited = {};
    if (sig == SIGINT && sigaction(sig, nullptr, &inherited) == 0 && inherited.sa_handler == SIG_IGN) return;
    struct sigaction action = {};
    action.sa_handler = handler;
    action.sa_flags = SA_RESTART;
    sigemptyset(&action.sa_mask);
    sigaction(sig, &action, nullptr);
  };
  handle(SIGINT, onSignal);
  handle(SIGTERM, onSignal);
  if (c == "train") handle(SIGUSR1, onPreemptSignal);
  unblockStopSignals();
}

/// Runs before any shared library's initializers (ADAMIX_BEFORE_LIBRARIES): the commands that
/// compute (train, eval, merge) get OMP_WAIT_POLICY=PASSIVE before libgomp reads it, and the stop
/// signals their handlers — LibTorch's static initialization takes 0.3-0.7 s, during which a
/// SIGTERM (the app's Cancel) killed the engine by the default action, without its `interrupted`
/// error; now the flag is set and the command stops at its first poll.
void beforeLibraries(int argc, char** argv, char** envp) {
  if (argc <= 1 || argv[1] == nullptr) return;
  const std::string_view command(argv[1]);
  if (command == "train" || command == "eval" || command == "merge") waitPassivelyBetweenParallelRegions(argv, envp);
  installStopSignals(argv[1]);
}
ADAMIX_BEFORE_LIBRARIES(beforeLibraries);

/// Emits an `error` event (when a stream exists) and returns the kind's exit code.
int reportError(EventStream* events, ErrorKind kind, const std::string& message, const std::string& location) {
  if (events) events->emit("error", {{"kind", errorKindName(kind)}, {"message", message}, {"location", location}});
  std::cerr << "adamix-engine: " << errorKindName(kind) << " error: " << (location.empty() ? "" : location + ": ")
            << message << "\n";
  return errorKindExitCode(kind);
}

int cmdTrain(const std::string& config_path, TrainOptions opts) {
  // Events go to stdout from the first moment, so even a config error is a protocol event.
  std::string run_id = std::filesystem::path(opts.run_dir).filename().string();
  std::unique_ptr<EventStream> events;
  std::unique_ptr<RunDirLock> lock;  // held until the last event (errors included) is written
  try {
    std::filesystem::create_directories(opts.run_dir);
    // One engine per run directory: a second one is refused before it writes anything there
    // (its `error` event goes to stdout only, never into the holder's events.jsonl).
    lock = std::make_unique<RunDirLock>(opts.run_dir);
    if (!lock->held()) {
      EventStream refusal(run_id, "");
      const auto holder = lock->holderPid();
      return reportError(&refusal, ErrorKind::Busy,
                         "run directory " + opts.run_dir + " is held by another adamix-engine (pid " +
                             (holder ? std::to_string(*holder) : std::string("unknown")) + ")",
                         lock->path().string());
    }
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

/// Runs one function that may throw, reporting errors as `train` does (error event, exit code).
template <class F>
int reportingErrors(EventStream* events, F&& f) {
  try {
    f();
    return 0;
  } catch (const EngineError& e) {
    return reportError(events, e.kind(), e.message(), e.location());
  } catch (const c10::Error& e) {
    return reportError(events, ErrorKind::Internal, e.what_without_backtrace(), "");
  } catch (const std::filesystem::filesystem_error& e) {
    return reportError(events, ErrorKind::Io, e.what(), e.path1().string());
  } catch (const std::exception& e) {
    return reportError(events, ErrorKind::Internal, e.what(), "");
  }
}

int cmdEval(const EvalRequest& request) {
  EventStream events(evalRunId(request), "");  // stdout only: the output directory is not known yet
  return reportingErrors(&events, [&] { runEval(request, events); });
}

int cmdMerge(const MergeRequest& request) {
  EventStream events(std::filesystem::path(request.run_dir).lexically_normal().filename().string(), "");  // stdout only
  return reportingErrors(&events, [&] { runMerge(request, events); });
}

int cmdValidate(const std::string& config_path) {
  try {
    std::cout << toJson(loadRunConfig(config_path)).dump(2) << "\n";
    return 0;
  } catch (const EngineError& e) {
    return reportError(nullptr, e.kind(), e.message(), e.location());
  }
}

/// One line per parameter tensor of the embeddings, the first layer and everything after the
/// layers (later layers repeat layer 0): "name [shape]".
json modelStructure(TaskModelImpl& model) {
  json lines = json::array();
  for (const auto& p : model.named_parameters()) {
    const auto& name = p.key();
    const auto layer_pos = name.find(".layer.") != std::string::npos    ? name.find(".layer.") + 7
                           : name.find(".layers.") != std::string::npos ? name.find(".layers.") + 8
                           : name.find(".h.") != std::string::npos      ? name.find(".h.") + 3
                           : name.rfind("h.", 0) == 0                   ? 2
                                                                        : std::string::npos;
    if (layer_pos != std::string::npos && name.compare(layer_pos, 2, "0.") != 0) continue;
    std::string shape;
    for (auto d : p.value().sizes()) shape += (shape.empty() ? "" : ", ") + std::to_string(d);
    lines.push_back(name + " [" + shape + "]");
  }
  return lines;
}

/// The PEFT settings to count: the "peft" object of a run config (`--config`) or a JSON file
/// holding either {"peft": {...}} or the peft object itself (`--peft`).
std::optional<PeftConfig> inspectPeft(const std::string& config_path, const std::string& peft_path) {
  if (!config_path.empty()) return loadRunConfig(config_path).peft;
  if (peft_path.empty()) return std::nullopt;
  const json j = readJsonFileBounded(peft_path, kMaxConfigFileBytes, ErrorKind::Config, "PEFT config");
  return parsePeftConfig(j.contains("peft") ? j["peft"] : j);
}

json inspectModel(const std::string& model_dir, const std::string& config_path, const std::string& peft_path) {
  auto mc = loadModelConfig(model_dir);
  checkModelFitsMemory(mc);
  const bool decoder = mc.architecture == Architecture::Llama || mc.architecture == Architecture::Gpt2;
  auto model = buildTaskModel(mc, HeadType::Classification, 2);
  json out = {{"model_dir", model_dir},
              {"model_type", mc.model_type},
              {"hidden_size", mc.hidden_size},
              {"num_hidden_layers", mc.num_hidden_layers},
              {"num_attention_heads", mc.num_attention_heads},
              {"num_key_value_heads", mc.num_key_value_heads},
              {"intermediate_size", mc.intermediate_size},
              {"head_dim", mc.head_dim},
              {"vocab_size", mc.vocab_size},
              {"head", decoder ? "score (last token)" : "classifier"},
              {"structure", modelStructure(*model)}};
  int64_t backbone = 0;
  for (const auto& p : model->named_parameters()) {
    if (!isHeadParameter(p.key(), model->headPrefixes())) backbone += p.value().numel();
  }
  out["backbone_parameters"] = backbone;
  if (mc.architecture == Architecture::Llama) {  // Llama family: rotary scaling, mistral's window
    out["rope_scaling"] = mc.rope_scaling.type;
    if (mc.sliding_window > 0) out["sliding_window"] = mc.sliding_window;
  }
  if (auto peft_cfg = inspectPeft(config_path, peft_path)) {
    auto peft = applyPeft(*model, *peft_cfg, model->headPrefixes(), 0);
    out["peft"] = {{"method", peftMethodName(peft_cfg->method)},
                   {"num_modules", peft_cfg->adamix.num_modules},
                   {"sharing", sharingName(peft_cfg->adamix.sharing)},
                   {"trainable_peft", peft.counts.trainable_peft},
                   {"inference_peft", peft.counts.inference_peft},
                   {"head", peft.counts.head},
                   {"trainable", peft.counts.trainable}};
  }
  return out;
}

int cmdInspect(const std::string& model_dir, const std::string& config_path, const std::string& peft_path,
               bool as_json) {
  try {
    auto info = inspectModel(model_dir, config_path, peft_path);
    if (as_json) {
      std::cout << info.dump(2) << "\n";
      return 0;
    }
    std::cout << "model        " << info["model_dir"].get<std::string>() << " ("
              << info["model_type"].get<std::string>() << ")\nlayers       " << info["num_hidden_layers"] << ", hidden "
              << info["hidden_size"] << ", heads " << info["num_attention_heads"] << " (kv "
              << info["num_key_value_heads"] << "), ffn " << info["intermediate_size"] << ", vocab "
              << info["vocab_size"] << "\nbackbone     " << info["backbone_parameters"]
              << " parameters\nstructure    (layer 0 shown; the others repeat it)\n";
    for (const auto& line : info["structure"]) std::cout << "  " << line.get<std::string>() << "\n";
    if (info.contains("peft")) {
      const auto& p = info["peft"];
      std::cout << "peft         " << p["method"].get<std::string>() << ", M = " << p["num_modules"] << ", share "
                << p["sharing"].get<std::string>() << "\ntraining     " << p["trainable_peft"]
                << " trainable parameters (heads excluded)"
                << "\ninference    " << p["inference_peft"] << " parameters after merging (heads excluded)"
                << "\nhead         " << p["head"] << " parameters\n";
    }
    return 0;
  } catch (const EngineError& e) {
    return reportError(nullptr, e.kind(), e.message(), e.location());
  }
}

int cmdGenerate(const std::string& model_dir, const std::string& run_dir, const std::string& prompt,
                int64_t max_new_tokens, bool max_new_given) {
  return reportingErrors(nullptr, [&] {
    if (!run_dir.empty()) {
      auto run = loadRun(run_dir);
      std::cout << generateWithRun(run, prompt, max_new_given ? max_new_tokens : 0) << "\n";
      return;
    }
    auto model = loadTaskModel(model_dir, HeadType::CausalLM, 0, 0);
    auto tok = loadTokenizer(model_dir, model->config().vocab_size);
    std::vector<int64_t> ids;
    if (tok->bosId() >= 0) ids.push_back(tok->bosId());
    for (auto t : tok->encode(prompt)) ids.push_back(t);
    std::set<int64_t> stop;
    if (tok->eosId() >= 0) stop.insert(tok->eosId());
    auto out = greedyGenerate(*model, ids, max_new_tokens, stop, /*use_cache=*/true,
                              [] { throwIfInterrupted("generating", ""); });  // SIGINT/SIGTERM: per step
    std::cout << prompt << tok->decode(out) << "\n";
  });
}

int cmdInitModel(RandomModelSpec spec, bool vocab_given, const std::string& out_dir, const std::string& tokenizer_dir,
                 uint64_t seed) {
  try {
    if (!tokenizer_dir.empty()) {
      // Vocabulary size and special ids from the tokenizer that is copied along.
      auto tok = loadTokenizer(tokenizer_dir, vocab_given ? spec.vocab_size : 0);
      spec.vocab_size = tok->vocabSize();
      spec.pad_token_id = tok->padId();
      spec.bos_token_id = tok->bosId();
      spec.eos_token_id = tok->eosId();
      const auto tmpl = tok->pairTemplate();
      if (spec.arch == "bert" && !tmpl.middle.empty()) spec.sep_token_id = tmpl.middle.front();
      if (spec.arch != "bert" && spec.arch != "roberta") spec.pad_token_id = -1;  // decoders: no padding token
    }
    writeRandomModel(out_dir, modelConfigJson(spec), seed, tokenizer_dir);
    std::cout << out_dir << "\n";
    return 0;
  } catch (const EngineError& e) {
    return reportError(nullptr, e.kind(), e.message(), e.location());
  }
}

/// `export`: one `exported` JSON line on stdout (docs/protocol.md); errors on stderr with the kind's exit code.
int cmdExport(const std::string& run_dir, const std::string& format, const std::string& out_dir) {
  try {
    const auto r = exportRun(run_dir, format, out_dir);
    const json line = {{"event", "exported"},
                       {"schema", kProtocolSchema},
                       {"format", format},
                       {"out", std::filesystem::absolute(out_dir).lexically_normal().string()},
                       {"files", r.files},
                       {"notes", r.notes}};
    std::cout << line.dump() << std::endl;
    return 0;
  } catch (const EngineError& e) {
    return reportError(nullptr, e.kind(), e.message(), e.location());
  } catch (const c10::Error& e) {
    return reportError(nullptr, ErrorKind::Internal, e.what_without_backtrace(), "");
  } catch (const std::filesystem::filesystem_error& e) {
    return reportError(nullptr, ErrorKind::Io, e.what(), e.path1().string());
  }
}

/// --threads of a subcommand that computes (train, eval, merge): one validator, so each refuses a
/// count outside [0, kMaxComputeThreads] (train.threads' bound) with the same usage error
/// ("--threads: Value 1025 not in range 0 to 1024", exit 2).
CLI::Option* addThreadsOption(CLI::App* command, int64_t& threads, const std::string& help) {
  return command->add_option("--threads", threads, help)->check(CLI::Range(int64_t{0}, kMaxComputeThreads));
}

/// --device of a subcommand that computes (train, eval, merge): auto, cpu or cuda, as train.device.
CLI::Option* addDeviceOption(CLI::App* command, std::string& device, const std::string& help) {
  return command->add_option("--device", device, help)->check(CLI::IsMember({"auto", "cpu", "cuda"}));
}

}  // namespace

int main(int argc, char** argv) {
  keepFreedMemoryInProcess();  // before any tensor: activations reused across steps
  CLI::App app{"adamix-engine: AdaMix / PEFT training engine (one run per process, JSON-lines events on stdout)"};
  app.set_version_flag("--version", std::string("adamix-engine ") + ADAMIX_VERSION);
  app.require_subcommand(1);

  std::string config_path, run_dir, device;
  int64_t threads = 0;
  bool resume = false;
  auto* train = app.add_subcommand("train", "train and evaluate one run; events on stdout (docs/protocol.md)");
  train->add_option("--config", config_path, "run config JSON (docs/run-config.md)")->required();
  train->add_option("--run-dir", run_dir, "run directory (created)")->required();
  train->add_flag("--resume", resume, "continue from the run directory's last checkpoint");
  addThreadsOption(train, threads, "CPU threads (overrides train.threads)");
  int64_t stop_after = 0;
  train->add_option("--stop-after-steps", stop_after, "checkpoint and stop (exit 8) after N steps")->group("");
  addDeviceOption(train, device, "auto|cpu|cuda (overrides train.device)");

  auto* validate = app.add_subcommand("validate", "check a run config and print it resolved");
  validate->add_option("--config", config_path, "run config JSON")->required();

  std::string model_dir;
  bool as_json = false;
  auto* inspect = app.add_subcommand("inspect", "print a model's structure and parameter counts");
  inspect->add_option("model_dir", model_dir, "Hugging Face model directory")->required();
  inspect->add_option("--config", config_path, "run config whose PEFT settings to count");
  std::string peft_path;
  inspect->add_option("--peft", peft_path, "JSON file with a \"peft\" object (run-config schema) to count")
      ->excludes("--config");
  inspect->add_flag("--json", as_json, "print JSON");

  std::string prompt = "Once upon a time";
  int64_t max_new = 32;
  auto* generate = app.add_subcommand(
      "generate", "greedy continuation of a prompt with a causal LM, or a generation run's output for an input");
  auto* gen_model = generate->add_option("--model", model_dir, "Hugging Face model directory");
  std::string gen_run;
  generate->add_option("--run-dir", gen_run, "run directory of a generation task (its adapters, merged)")
      ->excludes(gen_model);
  generate->add_option("--prompt", prompt, "prompt text (with --run-dir: the input, e.g. an E2E MR)");
  auto* max_new_opt = generate->add_option("--max-new-tokens", max_new, "tokens to generate")
      ->check(CLI::Range(int64_t{1}, int64_t{1} << 20));

  EvalRequest eval_req;
  auto* eval = app.add_subcommand("eval", "evaluate a run's adapters (or a model) on a split or file (docs/protocol.md)");
  auto* eval_run = eval->add_option("--run-dir", eval_req.run_dir, "run directory (config.json, adapters.safetensors)");
  eval->add_option("--model", eval_req.model_dir, "model directory, evaluated as is (with --task)")->excludes(eval_run);
  eval->add_option("--task", eval_req.task, "task of --model");
  eval->add_option("--adapter", eval_req.adapter_dir, "PEFT LoRA adapter directory loaded onto --model")
      ->excludes(eval_run);
  eval->add_option("--max-seq-length", eval_req.max_seq_length,
                   "with --model: the task's max_seq_length (default 128, or the model's positions when fewer; use the "
                   "length the weights were trained with)")
      ->excludes(eval_run);
  auto* eval_split = eval->add_option(
      "--split", eval_req.split, "dev|test|dev_matched|dev_mismatched|test_matched|test_mismatched|ax (default dev)");
  eval->add_option("--data", eval_req.data_file, "a data file in the task's layout")->excludes(eval_split);
  eval->add_option("--inference", eval_req.inference, "merged|random|module:K|ensemble (default: the run's)");
  auto* eval_out = eval->add_option("--out", eval_req.out_dir, "output directory (default ROOT/eval/<split>-<inference>)");
  eval->add_option("--out-root", eval_req.out_root,
                   "ROOT of the default output directory (default: the run directory; the app gives its own "
                   "workspace's folder for a run of another workspace)")
      ->excludes(eval_out);
  eval->add_option("--batch-size", eval_req.batch_size, "examples per batch (default: the run's eval batch size)");
  addThreadsOption(eval, eval_req.threads, "CPU threads (default: the run's)");
  addDeviceOption(eval, eval_req.device, "auto|cpu|cuda (default: the run's)");
  eval->add_option("--data-dir", eval_req.data_dir, "task data directory (default: the run's task.data_dir)");

  MergeRequest merge_req;
  int64_t merge_heldout = 0;
  uint64_t merge_seed = 0;
  auto* merge = app.add_subcommand(
      "merge", "merge a finished AdaMix run's modules another way (uniform, greedy soup, learned weights) and "
               "evaluate it on the dev set (docs/protocol.md)");
  merge->add_option("--run-dir", merge_req.run_dir, "run directory (config.json, adapters.safetensors)")->required();
  merge->add_option("--strategy", merge_req.strategy, "uniform | greedy-soup | learned")->required();
  auto* merge_heldout_opt = merge->add_option(
      "--heldout-examples", merge_heldout, "held-out examples sampled from the run's train split (default min(1000, all))");
  auto* merge_seed_opt = merge->add_option("--seed", merge_seed, "seed of the held-out sample and the fit (default: the run's)");
  merge->add_option("--epochs", merge_req.epochs, "epochs of the learned weights' fit (default 3)");
  merge->add_option("--lr", merge_req.lr, "Adam learning rate of the learned weights (default 0.05)");
  merge->add_option("--batch-size", merge_req.batch_size, "batch size of the fit (default: the run's train batch size)");
  auto* merge_out = merge->add_option("--out", merge_req.out_dir, "output directory (default ROOT/merges/<strategy>)");
  merge->add_option("--out-root", merge_req.out_root, "ROOT of the default output directory (default: the run directory)")
      ->excludes(merge_out);
  addThreadsOption(merge, merge_req.threads, "CPU threads (default: the run's)");
  addDeviceOption(merge, merge_req.device, "auto|cpu|cuda (default: the run's)");

  std::string out_dir, tokenizer_from;
  RandomModelSpec spec;
  uint64_t init_seed = 0;
  auto* init = app.add_subcommand("init-model", "write a random-initialised HF model directory");
  init->add_option("--arch", spec.arch, "architecture: llama, mistral, qwen2, qwen3, bert, roberta, gpt2")
      ->check(CLI::IsMember(randomModelArchitectures()));
  init->add_option("--out", out_dir, "output directory")->required();
  init->add_option("--hidden", spec.hidden_size, "hidden size");
  init->add_option("--layers", spec.num_hidden_layers, "number of layers");
  init->add_option("--heads", spec.num_attention_heads, "attention heads");
  init->add_option("--kv-heads", spec.num_key_value_heads, "key/value heads (llama family)");
  init->add_option("--head-dim", spec.head_dim,
                   "head dimension when not hidden / heads (llama family; qwen3 always writes one)");
  init->add_option("--max-positions", spec.max_position_embeddings, "position embeddings / context length");
  init->add_option("--dropout", spec.dropout, "dropout probabilities of bert/roberta/gpt2 (HF default 0.1)");
  init->add_option("--ffn", spec.intermediate_size, "FFN (intermediate) size");
  auto* vocab_opt =
      init->add_option("--vocab", spec.vocab_size, "vocabulary size (default: the tokenizer's; must match it)");
  init->add_option("--tokenizer-from", tokenizer_from,
                   "copy tokenizer files from this directory; vocabulary size and special ids follow it");
  init->add_option("--seed", init_seed, "initialisation seed");

  std::string export_run_dir, export_format, export_out;
  auto* exp = app.add_subcommand("export", "write a finished run as a PEFT adapter, merged HF model or official AdaMix "
                                           "checkpoint (docs/artifacts.md)");
  exp->add_option("--run-dir", export_run_dir, "run directory")->required();
  exp->add_option("--format", export_format, "peft | merged-model | adamix")->required();
  exp->add_option("--out", export_out, "output directory (created)")->required();

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int rc = app.exit(e);
    return rc == 0 ? 0 : errorKindExitCode(ErrorKind::Usage);
  }

  // SIGINT/SIGTERM set the interrupt flag (installed before the libraries' initializers:
  // beforeLibraries), which every command below polls where it spends time (data loading,
  // training steps, evaluation batches, merge steps, decoding steps, exported tensors): it stops
  // with an `interrupted` error (exit 8) and leaves no partial output (docs/protocol.md, "Signals").
  if (*train) {
    TrainOptions opts;
    opts.run_dir = run_dir;
    opts.resume = resume;
    opts.threads_override = threads;
    opts.device_override = device;
    opts.stop_after_steps = stop_after;
    return cmdTrain(config_path, opts);
  }
  if (*validate) return cmdValidate(config_path);
  if (*inspect) return cmdInspect(model_dir, config_path, peft_path, as_json);
  if (*init) return cmdInitModel(spec, vocab_opt->count() > 0, out_dir, tokenizer_from, init_seed);
  if (*generate) {
    if (model_dir.empty() == gen_run.empty())
      return reportError(nullptr, ErrorKind::Usage, "give either --model or --run-dir", "generate");
    return cmdGenerate(model_dir, gen_run, prompt, max_new, max_new_opt->count() > 0);
  }
  if (*eval) return cmdEval(eval_req);
  if (*merge) {
    if (merge_heldout_opt->count() > 0) merge_req.heldout_examples = merge_heldout;
    if (merge_seed_opt->count() > 0) merge_req.seed = merge_seed;
    return cmdMerge(merge_req);
  }
  if (*exp) return cmdExport(export_run_dir, export_format, export_out);
  return errorKindExitCode(ErrorKind::Usage);
}
