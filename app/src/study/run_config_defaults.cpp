// Built-in copy of the run-config defaults from docs/run-config.md.
#include "study/study.h"

namespace adamix::app {

const json& runConfigDefaults() {
  static const json defaults = json::parse(R"({
    "run_id": "",
    "seed": 1,
    "model": { "path": "" },
    "task": {
      "name": "", "data_dir": "", "max_seq_length": 128, "max_train_examples": 0,
      "max_dev_examples": 0, "few_shot_k": 0, "bad_rows": "fail",
      "train_file": "", "dev_file": "", "dev_items": 0, "split_seed": 1
    },
    "peft": {
      "method": "adapter",
      "adapter": { "bottleneck": 16, "attention_adapter": false, "init": "normal", "init_std": 0.02 },
      "lora": { "rank": 8, "alpha": 16, "dropout": 0.0, "targets": ["q_proj", "v_proj"] },
      "adamix": {
        "num_modules": 1, "sharing": "up", "routing": "batch", "consistency_weight": 0.0,
        "distinct_routes": false, "inference": "merged"
      }
    },
    "train": {
      "learning_rate": 4e-4, "epochs": 1, "max_steps": 0, "batch_size": 32, "grad_accum": 1,
      "warmup_ratio": 0.06, "warmup_steps": 0, "weight_decay": 0.1,
      "adam_beta1": 0.9, "adam_beta2": 0.999, "adam_eps": 1e-8, "max_grad_norm": 1.0,
      "eval_every_steps": 0, "eval_batch_size": 64, "checkpoint_every_steps": 0,
      "log_every_steps": 10, "threads": 0, "device": "auto", "bf16": false, "label_smoothing": 0.0
    },
    "generation": {
      "strategy": "beam", "beam_size": 4, "length_penalty": 1.0, "no_repeat_ngram_size": 0,
      "max_new_tokens": 64, "temperature": 1.0, "top_p": 1.0, "use_cache": true, "batch_size": 16
    }
  })");
  return defaults;
}

}  // namespace adamix::app
