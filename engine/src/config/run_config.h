// The run config: input of `adamix-engine train --config` (docs/run-config.md), and the one
// definition of its schema for the whole project: the engine, the app's study expansion and
// hashing, and the GUI designer all read defaults and validation from here (torch-free, in
// adamix_core). Defaults are the member initialisers below, plus the task-dependent ones of
// defaultRunConfig(). Parsing is strict: unknown keys, wrong types and impossible combinations are
// rejected before any work, with the JSON path of the field at fault.
#pragma once
#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "data/glue.h"
#include "config/peft_config.h"
#include "io/errors.h"
#include "model/model_config.h"

namespace adamix {

/// The "task" section. `name` is a GLUE task (data/glue.h), a generation task (e2e | webnlg | dart)
/// or, for any other name, an own dataset read from train_file / dev_file / test_file in data_dir
/// by the columns named below (data/own_task.h; docs/run-config.md § Own datasets).
struct TaskConfig {
  std::string name;  ///< required: GLUE / generation task name, or an own task's identifier
  std::string data_dir;
  std::string display_name;  ///< label in tables and plots ("" = the task's canonical name); every task
  int64_t max_seq_length = 128;
  int64_t max_train_examples = 0;  ///< 0 = all; else a seeded subsample of N
  int64_t max_dev_examples = 0;
  int64_t few_shot_k = 0;
  BadRowsPolicy bad_rows = BadRowsPolicy::Fail;
  // Generation tasks (e2e, webnlg, dart) and own datasets:
  std::string train_file;   ///< relative to data_dir; default per dataset (train.txt / train.json); own: required
  std::string dev_file;     ///< relative to data_dir; default per dataset (valid.txt / dev.json); own: required
  // Generation tasks (built-in or own) only:
  int64_t dev_items = 0;    ///< > 0: split dev_file by distinct input, this many inputs for dev, the rest train
  uint64_t split_seed = 1;  ///< seed of that split (independent of the run seed: same split for every seed)
  // Own datasets only ("" / [] for GLUE and built-in generation tasks; the parser fills the
  // own-task defaults noted here):
  std::string type;              ///< classification (default) | regression | generation
  std::string format;            ///< csv | tsv | jsonl; default from train_file's extension
  std::string test_file;         ///< optional third split ("test"), labelled or not
  std::string text_column;       ///< default "text"
  std::string text_pair_column;  ///< "" = single-text task
  std::string label_column;      ///< default "label" (class name / id, or the regression target)
  /// Class names in id order; [] = inferred from train: its distinct labels sorted, as HF
  /// run_glue.py sorts a custom dataset's label list (resolved before the run starts, written to
  /// the run's config.json, so eval / export use the same ids).
  std::vector<std::string> labels;
  /// Primary metric: accuracy | macro_f1 | micro_f1 | matthews_correlation (+ f1 for two classes),
  /// pearson | spearmanr (regression), bleu | nist | meteor | rouge_l | cider (generation).
  /// Default accuracy / pearson / bleu by type.
  std::string metric;
  std::string input_column;                    ///< generation: default "input"
  std::vector<std::string> reference_columns;  ///< generation: default {"reference"}; a cell may be a JSON array
};

/// Decoding of generation tasks at evaluation (model/beam_search.h).
struct GenerationConfig {
  std::string strategy = "beam";  ///< greedy | beam | sample
  int64_t beam_size = 4;
  double length_penalty = 1.0;
  int64_t no_repeat_ngram_size = 0;
  int64_t max_new_tokens = 64;
  double temperature = 1.0;
  double top_p = 1.0;
  bool use_cache = true;
  int64_t batch_size = 16;  ///< prompts decoded together
};

/// Most CPU threads a run may ask for (train.threads, --threads of train, eval and merge): past
/// the cores of any machine the engine runs on, and low enough that creating the pools cannot
/// exhaust the process (100,000 threads hung the engine before it could emit `started`).
constexpr int64_t kMaxComputeThreads = 1024;

/// Largest learning rate (train.learning_rate, merge --lr): optimizers compute in float32, and
/// a larger double does not convert (a rate this large diverges at once anyway).
constexpr double kMaxLearningRate = 3.0e38;

/// The one check of a learning rate (train.learning_rate, merge --lr): throws EngineError(kind,
/// "must be > 0 and at most 3e38 (float32)", location) unless 0 < lr <= kMaxLearningRate (NaN too).
void checkLearningRate(double lr, ErrorKind kind, const std::string& location);

/// Optimisation schedule (paper scripts: AdamW, linear warmup then linear decay, clip 1.0).
/// Which weights a finished run keeps (train.keep).
enum class KeepWeights { Best, Last };

struct TrainConfig {
  double learning_rate = 4e-4;
  int64_t epochs = 1;
  int64_t max_steps = 0;    ///< > 0 overrides epochs (optimizer steps)
  int64_t batch_size = 32;  ///< examples per micro-batch; effective batch = batch_size * grad_accum
  int64_t grad_accum = 1;
  double warmup_ratio = 0.06;
  int64_t warmup_steps = 0;  ///< > 0 overrides warmup_ratio
  double weight_decay = 0.1;
  double adam_beta1 = 0.9, adam_beta2 = 0.999, adam_eps = 1e-8;
  double max_grad_norm = 1.0;    ///< 0 disables clipping
  int64_t eval_every_steps = 0;  ///< 0 = only at each epoch end
  int64_t eval_batch_size = 64;
  int64_t checkpoint_every_steps = 0;  ///< 0 = at each epoch end
  int64_t log_every_steps = 10;
  int64_t threads = 0;           ///< 0 = LibTorch default
  std::string device = "auto";   ///< auto | cpu | cuda
  bool bf16 = false;             ///< bf16 autocast (CUDA only)
  double label_smoothing = 0.0;  ///< causal-LM loss only (generation tasks)
  /// train.keep: the weights a finished run writes (adapters.safetensors, merged.safetensors):
  /// those of the best dev evaluation (as the paper's scripts, `load_best_model_at_end`) or the last step.
  KeepWeights keep = KeepWeights::Best;
  /// train.eval_inference_modes: at the end of `train`, evaluate the dev set under every inference
  /// mode (module:0 … module:M-1, random, ensemble; the paper's Fig. 5/6 per-module vs merged).
  /// nullopt (JSON null, the default) = on exactly when the run has a mixture with M > 1
  /// (evalsInferenceModes); true on a run without one is a config error.
  std::optional<bool> eval_inference_modes;
};

/// Name of a KeepWeights value as written in run configs: "best" | "last".
const char* keepWeightsName(KeepWeights k);

struct RunConfig {
  std::string run_id;
  uint64_t seed = 1;
  /// model.path: a Hugging Face model directory; an official AdaMix checkpoint (config.json with
  /// apply_expert_soup) sets the peft defaults and starting weights (artifacts/official_adamix_config.h).
  std::string model_path;
  /// model.adapter: a PEFT LoRA adapter directory loaded onto model.path ("" = none); sets the LoRA
  /// settings and starting weights (artifacts/peft_adapter_config.h).
  std::string model_adapter;
  /// model.dropout: per-kind overrides of the model config's dropout (unset = the model's value;
  /// the official GPT-2 NLG code runs without dropout: embedding, attention, hidden = 0).
  DropoutOverrides model_dropout;
  /// model.dtype: the dtype of the frozen backbone projections in memory. "float32" (default:
  /// BF16/F16 checkpoints are converted, every number as the float32 parity tests pin) or
  /// "bfloat16" (BF16 checkpoints keep their weights bit for bit, half the memory; the frozen
  /// q/k/v/o, MLP and other PEFT-site projections compute in BF16, PEFT modules, embeddings, norms
  /// and heads stay float32; peft/peft.h storeFrozenProjections). Not with full fine-tuning.
  std::string model_dtype = "float32";
  TaskConfig task;
  PeftConfig peft;
  TrainConfig train;
  GenerationConfig generation;
};

/// Parses and validates the "peft" object alone (paths reported as /peft/...).
/// Throws EngineError(Config, msg, "/peft/...").
PeftConfig parsePeftConfig(const nlohmann::json& peft);

/// True for the generation tasks "e2e", "webnlg", "dart" (causal-LM head, data/nlg_data.h).
bool isNlgTask(const std::string& name);
/// True for a built-in task name: the nine GLUE tasks and the three generation tasks.
bool isBuiltinTask(const std::string& name);
/// True for a task read from the user's own files (a name that is not built in).
bool isOwnTask(const TaskConfig& t);
/// True when the task is trained as a causal LM and scored by decoding: e2e | webnlg | dart, or an
/// own task of type generation. The one predicate every part (trainer, eval, merge, app) uses.
bool isGenerationTask(const TaskConfig& t);
/// The primary metric of a task as the engine reports it (`primary_metric` of its events):
/// GLUE's per task (data/glue.h), "bleu" for generation tasks, task.metric for own datasets.
std::string primaryMetricOf(const TaskConfig& t);
/// The task's display name: task.display_name, else the canonical name of a built-in task
/// ("SST-2", "E2E", ...), else task.name.
std::string taskDisplayName(const TaskConfig& t);

/// Every default of a run of task `task_name` ("" for none): the member initialisers, and for a
/// generation task its dataset's train_file/dev_file and consistency_weight λ = 100 (docs/adamix.md;
/// the official NLG code weights the consistency loss 100). model.path and task.data_dir stay "".
RunConfig defaultRunConfig(const std::string& task_name = "");
/// toJson(defaultRunConfig(task_name)): every key of the run config with its default value.
nlohmann::json runConfigDefaultsJson(const std::string& task_name = "");

/// Parses and validates a run config; keys left out take defaultRunConfig(task.name)'s values.
/// Throws EngineError(Config, msg, "/json/path").
RunConfig parseRunConfig(const nlohmann::json& j);
/// toJson(parseRunConfig(j)): the config as the engine runs it (what `adamix-engine validate`
/// prints). Throws EngineError(Config) like parseRunConfig.
nlohmann::json resolveRunConfig(const nlohmann::json& j);
/// Reads a JSON file and parses it; unreadable file, malformed JSON or an object that repeats a
/// key ("duplicate key: /train/learning_rate appears twice …") -> EngineError(Config) naming the
/// file (and the byte offset for a syntax error).
RunConfig loadRunConfig(const std::string& path);
/// True when the run has a mixture with M > 1 modules (adapter or LoRA, peft.adamix.num_modules > 1):
/// the runs whose inference modes differ.
bool hasMixture(const RunConfig& c);
/// Whether `train` evaluates every inference mode at its end: train.eval_inference_modes, or
/// hasMixture(c) when it is null.
bool evalsInferenceModes(const RunConfig& c);
/// The fully resolved config (every field, defaults filled in); parseRunConfig(toJson(c)) == c.
nlohmann::json toJson(const RunConfig& c);

}  // namespace adamix
