#include "config/run_config.h"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "artifacts/official_adamix_config.h"
#include "artifacts/peft_adapter_config.h"
#include "data/field_text.h"
#include "io/errors.h"
#include "io/untrusted_input.h"
#include "io/json_util.h"

namespace adamix {

using nlohmann::json;
namespace ju = json_util;

namespace {

void requirePositive(int64_t v, const std::string& path) {
  if (v <= 0) throw EngineError(ErrorKind::Config, "must be > 0, got " + std::to_string(v), path);
}
void requireNonNegative(double v, const std::string& path) {
  if (v < 0) throw EngineError(ErrorKind::Config, "must be >= 0", path);
}

const char* badRowsName(BadRowsPolicy p) { return p == BadRowsPolicy::Skip ? "skip" : "fail"; }

BadRowsPolicy parseBadRows(const std::string& text, const std::string& path) {
  if (text == "fail") return BadRowsPolicy::Fail;
  if (text == "skip") return BadRowsPolicy::Skip;
  throw EngineError(ErrorKind::Config, "expected \"fail\" or \"skip\", got \"" + text + "\"", path);
}

const char* adapterInitName(const AdapterOptions& a) { return a.zero_init_up ? "zero_up" : "normal"; }

/// Checks /task/name: a built-in task, or an own task's identifier (letters, digits, `_ - .`).
void checkTaskName(const std::string& name) {
  if (isBuiltinTask(name)) return;
  const bool ok = !name.empty() && name.size() <= 64 && name.front() != '.' &&
                  std::all_of(name.begin(), name.end(), [](unsigned char ch) {
                    return std::isalnum(ch) || ch == '_' || ch == '-' || ch == '.';
                  });
  if (!ok)
    throw EngineError(ErrorKind::Config,
                      "task name \"" + name +
                          "\" is neither a built-in task (" + joinNames(glueTaskNames()) +
                          ", e2e, webnlg, dart) nor an own task identifier (1-64 letters, digits, _ - .)",
                      "/task/name");
}

const std::vector<std::string> kOwnTypes = {"classification", "regression", "generation"};
const std::vector<std::string> kOwnFormats = {"csv", "tsv", "jsonl"};

std::vector<std::string> metricsOfType(const std::string& type) {
  if (type == "regression") return {"pearson", "spearmanr"};
  if (type == "generation") return {"bleu", "nist", "meteor", "rouge_l", "cider"};
  return {"accuracy", "macro_f1", "micro_f1", "matthews_correlation", "f1"};
}

std::string oneOf(const std::vector<std::string>& v) { return "expected one of: " + joinNames(v); }

/// The own-dataset keys of the "task" object (`t.name` is not built in); fills their defaults.
void parseOwnTask(const json& j, TaskConfig& t) {
  const std::string p = "/task";
  t.type = ju::get<std::string>(j, "type", p, "");
  if (t.type.empty()) t.type = "classification";
  if (std::find(kOwnTypes.begin(), kOwnTypes.end(), t.type) == kOwnTypes.end())
    throw EngineError(ErrorKind::Config, "unknown task type \"" + t.type + "\" (" + oneOf(kOwnTypes) + ")",
                      "/task/type");
  for (const char* key : {"train_file", "dev_file"})
    if (ju::get<std::string>(j, key, p, "").empty())
      throw EngineError(ErrorKind::Config,
                        "own task \"" + t.name +
                            "\" needs its data files (train_file, dev_file; relative to data_dir). Built-in "
                            "tasks: " +
                            joinNames(glueTaskNames()) + ", e2e, webnlg, dart",
                        std::string("/task/") + key);
  t.test_file = ju::get<std::string>(j, "test_file", p, "");
  t.format = ju::get<std::string>(j, "format", p, "");
  if (t.format.empty()) {
    const std::string ext = std::filesystem::path(t.train_file).extension().string();
    t.format = ext == ".csv" ? "csv" : ext == ".tsv" ? "tsv" : (ext == ".jsonl" || ext == ".json") ? "jsonl" : "";
    if (t.format.empty())
      throw EngineError(ErrorKind::Config,
                        "cannot tell the format of \"" + t.train_file + "\" from its extension: set task.format (" +
                            oneOf(kOwnFormats) + ")",
                        "/task/format");
  }
  if (std::find(kOwnFormats.begin(), kOwnFormats.end(), t.format) == kOwnFormats.end())
    throw EngineError(ErrorKind::Config, "unknown format \"" + t.format + "\" (" + oneOf(kOwnFormats) + ")",
                      "/task/format");
  const bool gen = t.type == "generation";
  if (gen && !t.test_file.empty())
    throw EngineError(ErrorKind::Config,
                      "generation tasks evaluate their dev split; decode other inputs with `eval --data FILE`",
                      "/task/test_file");
  if (gen && t.format != "jsonl")
    throw EngineError(ErrorKind::Config, "generation tasks read JSONL files (one JSON object per line)",
                      "/task/format");
  auto column = [&](const char* key, const char* dflt) {
    std::string v = ju::get<std::string>(j, key, p, "");
    return v.empty() ? std::string(dflt) : v;
  };
  // A key of the other kind is an error when set; resolved configs write every key, empty.
  auto misplaced = [&](const char* key, bool allowed) {
    const bool set = j.contains(key) && !j.at(key).is_null() &&
                     !(j.at(key).is_string() && j.at(key).get_ref<const std::string&>().empty()) &&
                     !(j.at(key).is_array() && j.at(key).empty()) &&
                     !(j.at(key).is_number_integer() && j.at(key).get<int64_t>() == 0);
    if (!allowed && set)
      throw EngineError(ErrorKind::Config,
                        std::string(gen ? "generation tasks name input_column and reference_columns instead"
                                        : "only generation tasks read this field"),
                        std::string("/task/") + key);
  };
  for (const char* key : {"text_column", "text_pair_column", "label_column", "labels"}) misplaced(key, !gen);
  for (const char* key : {"input_column", "reference_columns", "dev_items"}) misplaced(key, gen);
  if (gen) {
    t.input_column = column("input_column", "input");
    t.reference_columns = ju::get<std::vector<std::string>>(j, "reference_columns", p, {"reference"});
    if (t.reference_columns.empty())
      throw EngineError(ErrorKind::Config, "name at least one reference column", "/task/reference_columns");
  } else {
    t.text_column = column("text_column", "text");
    t.text_pair_column = ju::get<std::string>(j, "text_pair_column", p, "");
    t.label_column = column("label_column", "label");
    t.labels = ju::get<std::vector<std::string>>(j, "labels", p, {});
    if (t.type == "regression" && !t.labels.empty())
      throw EngineError(ErrorKind::Config, "a regression task has no label set", "/task/labels");
    for (size_t i = 0; i < t.labels.size(); ++i) {
      const std::string where = "/task/labels/" + std::to_string(i);
      if (t.labels[i].empty()) throw EngineError(ErrorKind::Config, "empty label name", where);
      if (std::find(t.labels.begin(), t.labels.begin() + static_cast<std::ptrdiff_t>(i), t.labels[i]) !=
          t.labels.begin() + static_cast<std::ptrdiff_t>(i))
        throw EngineError(ErrorKind::Config, "duplicate label \"" + t.labels[i] + "\"", where);
    }
    if (t.labels.size() == 1)
      throw EngineError(ErrorKind::Config, "a classification task needs at least two labels", "/task/labels");
  }
  const auto allowed = metricsOfType(t.type);
  t.metric = ju::get<std::string>(j, "metric", p, "");
  if (t.metric.empty()) t.metric = allowed.front();
  if (std::find(allowed.begin(), allowed.end(), t.metric) == allowed.end())
    throw EngineError(ErrorKind::Config,
                      "metric \"" + t.metric + "\" does not apply to a " + t.type + " task (" + oneOf(allowed) + ")",
                      "/task/metric");
  if (t.metric == "f1" && t.labels.size() > 2)
    throw EngineError(ErrorKind::Config, "f1 is the binary F1 of the second label; this task has " +
                                             std::to_string(t.labels.size()) + " labels (use macro_f1 or micro_f1)",
                      "/task/metric");
}

/// The "task" object; `d` holds the defaults (defaultRunConfig(name).task).
TaskConfig parseTask(const json& j, const TaskConfig& d) {
  const std::string p = "/task";
  ju::rejectUnknownKeys(j,
                        {"name", "data_dir", "display_name", "max_seq_length", "max_train_examples",
                         "max_dev_examples", "few_shot_k", "bad_rows", "train_file", "dev_file", "dev_items",
                         "split_seed", "type", "format", "test_file", "text_column", "text_pair_column",
                         "label_column", "labels", "metric", "input_column", "reference_columns"},
                        p);
  TaskConfig t = d;
  const bool own = !isBuiltinTask(t.name);
  const bool nlg = isNlgTask(t.name);
  t.display_name = ju::get<std::string>(j, "display_name", p, d.display_name);
  t.train_file = ju::get<std::string>(j, "train_file", p, d.train_file);
  t.dev_file = ju::get<std::string>(j, "dev_file", p, d.dev_file);
  t.dev_items = ju::get<int64_t>(j, "dev_items", p, d.dev_items);
  requireNonNegative(static_cast<double>(t.dev_items), "/task/dev_items");
  t.split_seed = ju::get<uint64_t>(j, "split_seed", p, d.split_seed);
  if (own) {
    parseOwnTask(j, t);
  } else {
    // Own-dataset keys on a built-in task: rejected unless they hold their (empty) default, as
    // resolved configs of built-in tasks write them.
    auto rejectOwnKey = [&](const char* key) {
      throw EngineError(ErrorKind::Config,
                        "only own datasets (a task name that is not built in) read this field; task " + t.name +
                            " has a fixed layout",
                        std::string("/task/") + key);
    };
    for (const char* key : {"type", "format", "test_file", "text_column", "text_pair_column", "label_column",
                            "metric", "input_column"})
      if (!ju::get<std::string>(j, key, p, "").empty()) rejectOwnKey(key);
    for (const char* key : {"labels", "reference_columns"})
      if (!ju::get<std::vector<std::string>>(j, key, p, {}).empty()) rejectOwnKey(key);
  }
  if (!nlg && !own) {
    const char* misplaced = !t.train_file.empty() ? "train_file"
                            : !t.dev_file.empty() ? "dev_file"
                            : t.dev_items > 0     ? "dev_items"
                                                  : nullptr;
    if (misplaced)
      throw EngineError(ErrorKind::Config, "only generation tasks (e2e, webnlg, dart) and own datasets read this field",
                        std::string("/task/") + misplaced);
  } else if (nlg) {
    // An empty file name means the dataset's own file, as when the key is absent.
    if (t.dev_file.empty()) t.dev_file = d.dev_file;
    if (t.train_file.empty()) t.train_file = d.train_file;
  }
  t.data_dir = ju::require<std::string>(j, "data_dir", p);
  t.max_seq_length = ju::get<int64_t>(j, "max_seq_length", p, d.max_seq_length);
  requirePositive(t.max_seq_length, "/task/max_seq_length");
  t.max_train_examples = ju::get<int64_t>(j, "max_train_examples", p, d.max_train_examples);
  t.max_dev_examples = ju::get<int64_t>(j, "max_dev_examples", p, d.max_dev_examples);
  t.few_shot_k = ju::get<int64_t>(j, "few_shot_k", p, d.few_shot_k);
  requireNonNegative(static_cast<double>(t.max_train_examples), "/task/max_train_examples");
  requireNonNegative(static_cast<double>(t.max_dev_examples), "/task/max_dev_examples");
  requireNonNegative(static_cast<double>(t.few_shot_k), "/task/few_shot_k");
  t.bad_rows = parseBadRows(ju::get<std::string>(j, "bad_rows", p, badRowsName(d.bad_rows)), "/task/bad_rows");
  return t;
}

/// The "peft" object; `d` holds the defaults.
PeftConfig parsePeftImpl(const json& j, const PeftConfig& d) {
  const std::string p = "/peft";
  ju::rejectUnknownKeys(j, {"method", "adapter", "lora", "adamix"}, p);
  PeftConfig c = d;
  c.method = parsePeftMethod(ju::get<std::string>(j, "method", p, peftMethodName(d.method)), "/peft/method");

  const auto& a = ju::getObject(j, "adapter", p);
  const std::string pa = "/peft/adapter";
  ju::rejectUnknownKeys(a, {"bottleneck", "attention_adapter", "init", "init_std"}, pa);
  c.adapter.bottleneck = ju::get<int64_t>(a, "bottleneck", pa, c.adapter.bottleneck);
  requirePositive(c.adapter.bottleneck, pa + "/bottleneck");
  c.adapter.attention_adapter = ju::get<bool>(a, "attention_adapter", pa, d.adapter.attention_adapter);
  const auto init = ju::get<std::string>(a, "init", pa, adapterInitName(d.adapter));
  if (init != "normal" && init != "zero_up")
    throw EngineError(ErrorKind::Config, "expected \"normal\" or \"zero_up\", got \"" + init + "\"", pa + "/init");
  c.adapter.zero_init_up = init == "zero_up";
  c.adapter.init_std = ju::get<double>(a, "init_std", pa, c.adapter.init_std);
  requireNonNegative(c.adapter.init_std, pa + "/init_std");

  const auto& l = ju::getObject(j, "lora", p);
  const std::string pl = "/peft/lora";
  ju::rejectUnknownKeys(l, {"rank", "alpha", "dropout", "targets"}, pl);
  c.lora.rank = ju::get<int64_t>(l, "rank", pl, c.lora.rank);
  requirePositive(c.lora.rank, pl + "/rank");
  c.lora.alpha = ju::get<double>(l, "alpha", pl, c.lora.alpha);
  checkLoraAlpha(c.lora.alpha, pl + "/alpha");
  c.lora.dropout = ju::get<double>(l, "dropout", pl, c.lora.dropout);
  if (c.lora.dropout < 0 || c.lora.dropout >= 1)
    throw EngineError(ErrorKind::Config, "dropout must be in [0, 1)", pl + "/dropout");
  c.lora.targets = ju::get<std::vector<std::string>>(l, "targets", pl, c.lora.targets);
  if (c.method == PeftMethod::Lora && c.lora.targets.empty())
    throw EngineError(ErrorKind::Config, "LoRA needs at least one target projection", pl + "/targets");

  const auto& m = ju::getObject(j, "adamix", p);
  const std::string pm = "/peft/adamix";
  ju::rejectUnknownKeys(m, {"num_modules", "sharing", "routing", "consistency_weight", "distinct_routes", "inference"},
                        pm);
  c.adamix.num_modules = ju::get<int64_t>(m, "num_modules", pm, d.adamix.num_modules);
  requirePositive(c.adamix.num_modules, pm + "/num_modules");
  c.adamix.sharing =
      parseSharing(ju::get<std::string>(m, "sharing", pm, sharingName(d.adamix.sharing)), pm + "/sharing");
  c.adamix.routing =
      parseRoutingMode(ju::get<std::string>(m, "routing", pm, routingName(d.adamix.routing)), pm + "/routing");
  c.adamix.consistency_weight = ju::get<double>(m, "consistency_weight", pm, d.adamix.consistency_weight);
  requireNonNegative(c.adamix.consistency_weight, pm + "/consistency_weight");
  c.adamix.distinct_routes = ju::get<bool>(m, "distinct_routes", pm, d.adamix.distinct_routes);
  c.adamix.inference = parseInferenceMode(
      ju::get<std::string>(m, "inference", pm, inferenceName(d.adamix.inference, d.adamix.inference_module)),
      c.adamix.inference_module, pm + "/inference");
  // Impossible combinations.
  const bool mixture = c.method == PeftMethod::Adapter || c.method == PeftMethod::Lora;
  if (!mixture && c.adamix.num_modules > 1)
    throw EngineError(
        ErrorKind::Config,
        std::string("AdaMix needs adapter or lora modules; method '") + peftMethodName(c.method) + "' has none",
        pm + "/num_modules");
  if (c.adamix.inference == InferenceMode::Module && c.adamix.inference_module >= c.adamix.num_modules)
    throw EngineError(ErrorKind::Config, "module index must be < num_modules", pm + "/inference");
  // Fixed routing trains module 0 only; merging would average it with M − 1 untrained modules.
  if (c.adamix.routing == RoutingMode::Fixed && c.adamix.inference == InferenceMode::Merged && c.adamix.num_modules > 1)
    throw EngineError(ErrorKind::Config,
                      "routing \"fixed\" trains module 0 only; merged inference would average it with " +
                          std::to_string(c.adamix.num_modules - 1) +
                          " untrained modules: use inference \"module:0\" (or num_modules 1)",
                      pm + "/inference");
  if (c.adamix.distinct_routes && c.adamix.num_modules < 2)
    throw EngineError(ErrorKind::Config, "distinct routes need num_modules >= 2", pm + "/distinct_routes");
  if (c.adamix.distinct_routes && c.adamix.routing != RoutingMode::Batch)
    throw EngineError(ErrorKind::Config, "distinct routes are defined for per-batch routing only",
                      pm + "/distinct_routes");
  return c;
}

/// The "train" object; `d` holds the defaults.
TrainConfig parseTrain(const json& j, const TrainConfig& d) {
  const std::string p = "/train";
  ju::rejectUnknownKeys(j,
                        {"learning_rate",
                         "epochs",
                         "max_steps",
                         "batch_size",
                         "grad_accum",
                         "warmup_ratio",
                         "warmup_steps",
                         "weight_decay",
                         "adam_beta1",
                         "adam_beta2",
                         "adam_eps",
                         "max_grad_norm",
                         "eval_every_steps",
                         "eval_batch_size",
                         "checkpoint_every_steps",
                         "log_every_steps",
                         "threads",
                         "device",
                         "bf16",
                         "label_smoothing",
                         "keep",
                         "eval_inference_modes"},
                        p);
  TrainConfig t = d;
  t.learning_rate = ju::get<double>(j, "learning_rate", p, t.learning_rate);
  checkLearningRate(t.learning_rate, ErrorKind::Config, p + "/learning_rate");
  t.epochs = ju::get<int64_t>(j, "epochs", p, t.epochs);
  t.max_steps = ju::get<int64_t>(j, "max_steps", p, t.max_steps);
  requireNonNegative(static_cast<double>(t.max_steps), p + "/max_steps");
  if (t.max_steps == 0) requirePositive(t.epochs, p + "/epochs");
  t.batch_size = ju::get<int64_t>(j, "batch_size", p, t.batch_size);
  requirePositive(t.batch_size, p + "/batch_size");
  t.grad_accum = ju::get<int64_t>(j, "grad_accum", p, t.grad_accum);
  requirePositive(t.grad_accum, p + "/grad_accum");
  t.warmup_ratio = ju::get<double>(j, "warmup_ratio", p, t.warmup_ratio);
  if (t.warmup_ratio < 0 || t.warmup_ratio > 1)
    throw EngineError(ErrorKind::Config, "must be in [0, 1]", p + "/warmup_ratio");
  t.warmup_steps = ju::get<int64_t>(j, "warmup_steps", p, t.warmup_steps);
  requireNonNegative(static_cast<double>(t.warmup_steps), p + "/warmup_steps");
  t.weight_decay = ju::get<double>(j, "weight_decay", p, t.weight_decay);
  requireNonNegative(t.weight_decay, p + "/weight_decay");
  t.adam_beta1 = ju::get<double>(j, "adam_beta1", p, t.adam_beta1);
  t.adam_beta2 = ju::get<double>(j, "adam_beta2", p, t.adam_beta2);
  for (auto [name, v] : {std::pair{"adam_beta1", t.adam_beta1}, std::pair{"adam_beta2", t.adam_beta2}})
    if (v < 0 || v >= 1) throw EngineError(ErrorKind::Config, "must be in [0, 1)", p + "/" + name);
  t.adam_eps = ju::get<double>(j, "adam_eps", p, t.adam_eps);
  t.max_grad_norm = ju::get<double>(j, "max_grad_norm", p, t.max_grad_norm);
  requireNonNegative(t.max_grad_norm, p + "/max_grad_norm");
  t.eval_every_steps = ju::get<int64_t>(j, "eval_every_steps", p, t.eval_every_steps);
  requireNonNegative(static_cast<double>(t.eval_every_steps), p + "/eval_every_steps");
  t.eval_batch_size = ju::get<int64_t>(j, "eval_batch_size", p, t.eval_batch_size);
  requirePositive(t.eval_batch_size, p + "/eval_batch_size");
  t.checkpoint_every_steps = ju::get<int64_t>(j, "checkpoint_every_steps", p, t.checkpoint_every_steps);
  requireNonNegative(static_cast<double>(t.checkpoint_every_steps), p + "/checkpoint_every_steps");
  t.log_every_steps = ju::get<int64_t>(j, "log_every_steps", p, t.log_every_steps);
  requirePositive(t.log_every_steps, p + "/log_every_steps");
  t.threads = ju::get<int64_t>(j, "threads", p, t.threads);
  if (t.threads < 0 || t.threads > kMaxComputeThreads)
    throw EngineError(ErrorKind::Config, "must be in [0, " + std::to_string(kMaxComputeThreads) + "] (0: the default)",
                      p + "/threads");
  t.device = ju::get<std::string>(j, "device", p, t.device);
  if (t.device != "auto" && t.device != "cpu" && t.device != "cuda")
    throw EngineError(ErrorKind::Config, "expected auto, cpu or cuda, got \"" + t.device + "\"", p + "/device");
  t.bf16 = ju::get<bool>(j, "bf16", p, d.bf16);
  t.label_smoothing = ju::get<double>(j, "label_smoothing", p, d.label_smoothing);
  if (t.label_smoothing < 0 || t.label_smoothing >= 1)
    throw EngineError(ErrorKind::Config, "must be in [0, 1)", p + "/label_smoothing");
  const auto keep = ju::get<std::string>(j, "keep", p, keepWeightsName(d.keep));
  if (keep != "best" && keep != "last")
    throw EngineError(ErrorKind::Config, "expected best or last, got \"" + keep + "\"", p + "/keep");
  t.keep = keep == "best" ? KeepWeights::Best : KeepWeights::Last;
  t.eval_inference_modes = ju::getOptional<bool>(j, "eval_inference_modes", p);
  if (t.bf16 && t.device == "cpu")
    throw EngineError(ErrorKind::Config, "bf16 autocast is supported on CUDA only", p + "/bf16");
  return t;
}

/// The "model.dropout" object: each kind a probability in [0, 1) or null/absent (`d`'s value).
DropoutOverrides parseDropout(const json& j, const DropoutOverrides& d) {
  const std::string p = "/model/dropout";
  ju::rejectUnknownKeys(j, {"embedding", "attention", "hidden", "classifier"}, p);
  DropoutOverrides o = d;
  for (auto [name, field] : {std::pair{"embedding", &o.embedding}, std::pair{"attention", &o.attention},
                             std::pair{"hidden", &o.hidden}, std::pair{"classifier", &o.classifier}}) {
    if (auto v = ju::getOptional<double>(j, name, p)) {
      if (!(*v >= 0 && *v < 1)) throw EngineError(ErrorKind::Config, "must be in [0, 1)", p + "/" + name);
      *field = *v;
    }
  }
  return o;
}

/// The "generation" object; `d` holds the defaults.
GenerationConfig parseGeneration(const json& j, const GenerationConfig& d) {
  const std::string p = "/generation";
  ju::rejectUnknownKeys(j,
                        {"strategy", "beam_size", "length_penalty", "no_repeat_ngram_size", "max_new_tokens",
                         "temperature", "top_p", "use_cache", "batch_size"},
                        p);
  GenerationConfig g = d;
  g.strategy = ju::get<std::string>(j, "strategy", p, g.strategy);
  if (g.strategy != "greedy" && g.strategy != "beam" && g.strategy != "sample")
    throw EngineError(ErrorKind::Config, "expected greedy, beam or sample, got \"" + g.strategy + "\"",
                      p + "/strategy");
  g.beam_size = ju::get<int64_t>(j, "beam_size", p, g.beam_size);
  requirePositive(g.beam_size, p + "/beam_size");
  g.length_penalty = ju::get<double>(j, "length_penalty", p, g.length_penalty);
  g.no_repeat_ngram_size = ju::get<int64_t>(j, "no_repeat_ngram_size", p, g.no_repeat_ngram_size);
  requireNonNegative(static_cast<double>(g.no_repeat_ngram_size), p + "/no_repeat_ngram_size");
  g.max_new_tokens = ju::get<int64_t>(j, "max_new_tokens", p, g.max_new_tokens);
  requirePositive(g.max_new_tokens, p + "/max_new_tokens");
  g.temperature = ju::get<double>(j, "temperature", p, g.temperature);
  if (!(g.temperature > 0)) throw EngineError(ErrorKind::Config, "must be > 0", p + "/temperature");
  g.top_p = ju::get<double>(j, "top_p", p, g.top_p);
  if (!(g.top_p > 0 && g.top_p <= 1)) throw EngineError(ErrorKind::Config, "must be in (0, 1]", p + "/top_p");
  g.use_cache = ju::get<bool>(j, "use_cache", p, g.use_cache);
  g.batch_size = ju::get<int64_t>(j, "batch_size", p, g.batch_size);
  requirePositive(g.batch_size, p + "/batch_size");
  return g;
}

/// Official AdaMix checkpoint at model.path: its modules are the run's. A setting of the "peft"
/// object that differs from the checkpoint (only an explicit one can: the checkpoint supplies the
/// defaults) is an error at /model/path; the inference mode stays the run config's choice.
void checkAgainstOfficial(const PeftConfig& c, const PeftConfig& official, const OfficialAdaMixConfig& o,
                          bool inference_explicit) {
  auto conflict = [&](const std::string& what) {
    throw EngineError(ErrorKind::Config,
                      "an official AdaMix checkpoint (" + o.config_file + ": num_experts " +
                          std::to_string(o.num_experts) + ", adapter_size " + std::to_string(o.adapter_size) +
                          ", sharing_up " + std::to_string(o.sharing_up) + ", sharing_down " +
                          std::to_string(o.sharing_down) + ") sets the PEFT modules; " + what +
                          " conflicts with it (leave it out of the run config)",
                      "/model/path");
  };
  if (c.method != PeftMethod::Adapter) conflict(std::string("/peft/method \"") + peftMethodName(c.method) + "\"");
  if (c.adapter.bottleneck != official.adapter.bottleneck)
    conflict("/peft/adapter/bottleneck " + std::to_string(c.adapter.bottleneck));
  if (c.adapter.attention_adapter) conflict("/peft/adapter/attention_adapter true");
  if (c.adamix.num_modules != official.adamix.num_modules)
    conflict("/peft/adamix/num_modules " + std::to_string(c.adamix.num_modules));
  if (c.adamix.num_modules > 1 && c.adamix.sharing != official.adamix.sharing)
    conflict(std::string("/peft/adamix/sharing \"") + sharingName(c.adamix.sharing) + "\"");
  if (!inference_explicit && !officialInferenceMode(o.inference_level))
    throw EngineError(ErrorKind::Config,
                      o.config_file + ": inference_level " + std::to_string(o.inference_level) +
                          " has no engine inference mode (3 = merged, 1 = random per example; level 0 draws an "
                          "expert per token): set /peft/adamix/inference",
                      "/model/path");
}

/// PEFT LoRA adapter at model.adapter: its LoRA settings are the run's (error at /model/adapter
/// when the "peft" object sets others).
void checkAgainstAdapter(const PeftConfig& c, const PeftConfig& adapter, const PeftAdapterConfig& a) {
  auto conflict = [&](const std::string& what) {
    throw EngineError(ErrorKind::Config,
                      "the PEFT adapter (" + a.config_file + ") sets the LoRA modules; " + what +
                          " conflicts with it (leave it out of the run config)",
                      "/model/adapter");
  };
  if (c.method != PeftMethod::Lora) conflict(std::string("/peft/method \"") + peftMethodName(c.method) + "\"");
  if (c.lora.rank != adapter.lora.rank) conflict("/peft/lora/rank " + std::to_string(c.lora.rank));
  if (c.lora.alpha != adapter.lora.alpha) conflict("/peft/lora/alpha");
  if (c.lora.dropout != adapter.lora.dropout) conflict("/peft/lora/dropout");
  if (c.lora.targets != adapter.lora.targets) conflict("/peft/lora/targets");
  if (c.adamix.num_modules != 1) conflict("/peft/adamix/num_modules " + std::to_string(c.adamix.num_modules));
}

/// The "peft" object of a run whose model.path / model.adapter may bring its own modules.
PeftConfig parsePeftOfModel(const json& j, const RunConfig& c, const PeftConfig& d) {
  const json& peft = ju::getObject(j, "peft", "");
  const auto official = readOfficialAdaMixConfig(c.model_path);
  if (official && !c.model_adapter.empty())
    throw EngineError(ErrorKind::Config,
                      "model.path is an official AdaMix checkpoint (apply_expert_soup); it takes no PEFT adapter",
                      "/model/adapter");
  if (official) {
    const PeftConfig from_checkpoint = officialPeftConfig(*official, d);
    PeftConfig p = parsePeftImpl(peft, from_checkpoint);
    const json::json_pointer inference("/adamix/inference");
    checkAgainstOfficial(p, from_checkpoint, *official, peft.contains(inference));
    p.weights_source = PeftWeightsSource::OfficialAdaMix;
    p.weights_dir = c.model_path;
    return p;
  }
  if (!c.model_adapter.empty()) {
    const auto adapter = readPeftAdapterConfig(c.model_adapter);
    const PeftConfig from_adapter = peftAdapterPeftConfig(adapter, d);
    PeftConfig p = parsePeftImpl(peft, from_adapter);
    checkAgainstAdapter(p, from_adapter, adapter);
    p.weights_source = PeftWeightsSource::PeftAdapter;
    p.weights_dir = c.model_adapter;
    return p;
  }
  return parsePeftImpl(peft, d);
}

}  // namespace

void checkLearningRate(double lr, ErrorKind kind, const std::string& location) {
  static_assert(kMaxLearningRate == 3.0e38, "the message below names the limit");
  if (!(lr > 0 && lr <= kMaxLearningRate)) throw EngineError(kind, "must be > 0 and at most 3e38 (float32)", location);
}

const char* keepWeightsName(KeepWeights k) { return k == KeepWeights::Best ? "best" : "last"; }

PeftConfig parsePeftConfig(const json& j) { return parsePeftImpl(j, PeftConfig{}); }

bool isNlgTask(const std::string& name) { return name == "e2e" || name == "webnlg" || name == "dart"; }

bool isBuiltinTask(const std::string& name) {
  const auto& glue = glueTaskNames();
  return isNlgTask(name) || std::find(glue.begin(), glue.end(), name) != glue.end();
}

bool isOwnTask(const TaskConfig& t) { return !isBuiltinTask(t.name); }

bool isGenerationTask(const TaskConfig& t) { return isNlgTask(t.name) || (isOwnTask(t) && t.type == "generation"); }

std::string primaryMetricOf(const TaskConfig& t) {
  if (isOwnTask(t)) return t.metric.empty() ? metricsOfType(t.type).front() : t.metric;
  if (isNlgTask(t.name)) return "bleu";
  return taskSpec(t.name).primary_metric;
}

std::string taskDisplayName(const TaskConfig& t) {
  if (!t.display_name.empty()) return t.display_name;
  static const std::map<std::string, std::string> names = {
      {"cola", "CoLA"}, {"sst2", "SST-2"}, {"mrpc", "MRPC"}, {"stsb", "STS-B"},  {"qqp", "QQP"},   {"mnli", "MNLI"},
      {"qnli", "QNLI"}, {"rte", "RTE"},    {"wnli", "WNLI"}, {"e2e", "E2E"},     {"webnlg", "WebNLG"}, {"dart", "DART"}};
  auto it = names.find(t.name);
  return it != names.end() ? it->second : t.name;
}

RunConfig defaultRunConfig(const std::string& task_name) {
  RunConfig c;
  c.task.name = task_name;
  if (!isNlgTask(task_name)) return c;
  // Generation tasks (docs/adamix.md § Consistency regularisation): the dataset's own files, and λ = 100, the paper's
  // NLG setting (official NLG code: the consistency term weighted 100).
  c.task.train_file = task_name == "e2e"    ? "train.txt"
                      : task_name == "dart" ? "dart-v1.1.1-full-train.json"
                                            : "train.json";
  c.task.dev_file = task_name == "e2e" ? "valid.txt" : task_name == "dart" ? "dart-v1.1.1-full-dev.json" : "dev.json";
  c.peft.adamix.consistency_weight = 100.0;
  return c;
}

json runConfigDefaultsJson(const std::string& task_name) { return toJson(defaultRunConfig(task_name)); }

RunConfig parseRunConfig(const json& j) {
  ju::rejectUnknownKeys(j, {"run_id", "seed", "model", "task", "peft", "train", "generation"}, "");
  if (!j.contains("task")) throw EngineError(ErrorKind::Config, "missing required field", "/task");
  const json& task = j.at("task");
  if (!task.is_object()) throw EngineError(ErrorKind::Config, "expected an object", "/task");
  const std::string name = ju::require<std::string>(task, "name", "/task");
  checkTaskName(name);
  const RunConfig d = defaultRunConfig(name);
  RunConfig c = d;
  c.run_id = ju::get<std::string>(j, "run_id", "", d.run_id);
  c.seed = ju::get<uint64_t>(j, "seed", "", d.seed);
  const auto& model = ju::getObject(j, "model", "");
  ju::rejectUnknownKeys(model, {"path", "adapter", "dropout", "dtype"}, "/model");
  c.model_path = ju::require<std::string>(model, "path", "/model");
  c.model_adapter = ju::get<std::string>(model, "adapter", "/model", d.model_adapter);
  c.model_dropout = parseDropout(ju::getObject(model, "dropout", "/model"), d.model_dropout);
  c.model_dtype = ju::get<std::string>(model, "dtype", "/model", d.model_dtype);
  if (c.model_dtype != "float32" && c.model_dtype != "bfloat16")
    throw EngineError(ErrorKind::Config,
                      "expected \"float32\" or \"bfloat16\", got \"" + c.model_dtype +
                          "\" (F16 checkpoints are converted to float32: LibTorch's CPU matmul has no F16)",
                      "/model/dtype");
  c.task = parseTask(task, d.task);
  c.peft = parsePeftOfModel(j, c, d.peft);
  if (c.model_dtype == "bfloat16" && c.peft.method == PeftMethod::Full)
    throw EngineError(ErrorKind::Config,
                      "full fine-tuning trains the backbone, whose weights stay float32; bfloat16 keeps frozen "
                      "projections only",
                      "/model/dtype");
  c.train = parseTrain(ju::getObject(j, "train", ""), d.train);
  if (c.train.eval_inference_modes.value_or(false) && !hasMixture(c))
    throw EngineError(ErrorKind::Config,
                      "evaluating every inference mode needs a mixture (peft.method adapter or lora with "
                      "peft.adamix.num_modules > 1); this run has none",
                      "/train/eval_inference_modes");
  c.generation = parseGeneration(ju::getObject(j, "generation", ""), d.generation);
  return c;
}

bool hasMixture(const RunConfig& c) {
  return (c.peft.method == PeftMethod::Adapter || c.peft.method == PeftMethod::Lora) && c.peft.adamix.num_modules > 1;
}

bool evalsInferenceModes(const RunConfig& c) { return c.train.eval_inference_modes.value_or(hasMixture(c)); }

json resolveRunConfig(const json& j) { return toJson(parseRunConfig(j)); }

RunConfig loadRunConfig(const std::string& path) {
  // A person writes run configs: a repeated key (two learning rates) is an error, not the last one.
  return parseRunConfig(
      parseJsonStrict(readFileBounded(path, kMaxConfigFileBytes, ErrorKind::Config, "run config"), path, ErrorKind::Config));
}

namespace {
json optionalJson(const std::optional<double>& v) { return v ? json(*v) : json(nullptr); }
}  // namespace

json toJson(const RunConfig& c) {
  const auto& p = c.peft;
  const auto& t = c.train;
  return json{
      {"run_id", c.run_id},
      {"seed", c.seed},
      {"model",
       {{"path", c.model_path},
        {"adapter", c.model_adapter},
        {"dtype", c.model_dtype},
        {"dropout",
         {{"embedding", optionalJson(c.model_dropout.embedding)},
          {"attention", optionalJson(c.model_dropout.attention)},
          {"hidden", optionalJson(c.model_dropout.hidden)},
          {"classifier", optionalJson(c.model_dropout.classifier)}}}}},
      {"task",
       {{"name", c.task.name},
        {"data_dir", c.task.data_dir},
        {"max_seq_length", c.task.max_seq_length},
        {"max_train_examples", c.task.max_train_examples},
        {"max_dev_examples", c.task.max_dev_examples},
        {"few_shot_k", c.task.few_shot_k},
        {"bad_rows", badRowsName(c.task.bad_rows)},
        {"train_file", c.task.train_file},
        {"dev_file", c.task.dev_file},
        {"dev_items", c.task.dev_items},
        {"split_seed", c.task.split_seed},
        {"display_name", c.task.display_name},
        {"type", c.task.type},
        {"format", c.task.format},
        {"test_file", c.task.test_file},
        {"text_column", c.task.text_column},
        {"text_pair_column", c.task.text_pair_column},
        {"label_column", c.task.label_column},
        {"labels", c.task.labels},
        {"metric", c.task.metric},
        {"input_column", c.task.input_column},
        {"reference_columns", c.task.reference_columns}}},
      {"peft",
       {{"method", peftMethodName(p.method)},
        {"adapter",
         {{"bottleneck", p.adapter.bottleneck},
          {"attention_adapter", p.adapter.attention_adapter},
          {"init", adapterInitName(p.adapter)},
          {"init_std", p.adapter.init_std}}},
        {"lora",
         {{"rank", p.lora.rank}, {"alpha", p.lora.alpha}, {"dropout", p.lora.dropout}, {"targets", p.lora.targets}}},
        {"adamix",
         {{"num_modules", p.adamix.num_modules},
          {"sharing", sharingName(p.adamix.sharing)},
          {"routing", routingName(p.adamix.routing)},
          {"consistency_weight", p.adamix.consistency_weight},
          {"distinct_routes", p.adamix.distinct_routes},
          {"inference", inferenceName(p.adamix.inference, p.adamix.inference_module)}}}}},
      {"train",
       {{"learning_rate", t.learning_rate},
        {"epochs", t.epochs},
        {"max_steps", t.max_steps},
        {"batch_size", t.batch_size},
        {"grad_accum", t.grad_accum},
        {"warmup_ratio", t.warmup_ratio},
        {"warmup_steps", t.warmup_steps},
        {"weight_decay", t.weight_decay},
        {"adam_beta1", t.adam_beta1},
        {"adam_beta2", t.adam_beta2},
        {"adam_eps", t.adam_eps},
        {"max_grad_norm", t.max_grad_norm},
        {"eval_every_steps", t.eval_every_steps},
        {"eval_batch_size", t.eval_batch_size},
        {"checkpoint_every_steps", t.checkpoint_every_steps},
        {"log_every_steps", t.log_every_steps},
        {"threads", t.threads},
        {"device", t.device},
        {"bf16", t.bf16},
        {"label_smoothing", t.label_smoothing},
        {"keep", keepWeightsName(t.keep)},
        {"eval_inference_modes", t.eval_inference_modes ? json(*t.eval_inference_modes) : json(nullptr)}}},
      {"generation",
       {{"strategy", c.generation.strategy},
        {"beam_size", c.generation.beam_size},
        {"length_penalty", c.generation.length_penalty},
        {"no_repeat_ngram_size", c.generation.no_repeat_ngram_size},
        {"max_new_tokens", c.generation.max_new_tokens},
        {"temperature", c.generation.temperature},
        {"top_p", c.generation.top_p},
        {"use_cache", c.generation.use_cache},
        {"batch_size", c.generation.batch_size}}}};
}

}  // namespace adamix
