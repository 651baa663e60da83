// SPDX-License-Identifier: GPL-3.0-or-later
#include "designer/option_help.h"

#include <QHash>
#include <QObject>

namespace adamix::ui {

QString optionHelp(const QString& pointer) {
  static const QHash<QString, QString> help = {
      {"/model/path",
       QObject::tr(
           "Directory of the frozen backbone in Hugging Face layout (config.json, model.safetensors, tokenizer).")},
      {"/peft/method",
       QObject::tr("What is trained: adapters, LoRA, BitFit (biases), the head only, or the full model.")},
      {"/peft/adamix/num_modules",
       QObject::tr("M, the number of adaptation modules per layer that AdaMix mixes; 1 is the plain method.")},
      {"/peft/adapter/bottleneck",
       QObject::tr("Adapter bottleneck size r: the down projection maps the hidden size d to r.")},
      {"/peft/adapter/attention_adapter",
       QObject::tr("Also insert an adapter after the attention output (Houlsby placement).")},
      {"/peft/lora/rank", QObject::tr("LoRA rank r of the low-rank update B·A added to each target projection.")},
      {"/peft/lora/alpha", QObject::tr("LoRA scaling: the update is multiplied by alpha / r.")},
      {"/peft/lora/dropout", QObject::tr("Dropout applied to the input of the LoRA update during training.")},
      {"/peft/adamix/sharing",
       QObject::tr("Which projection all M modules share: 'up' (the paper's choice), 'down', or none.")},
      {"/peft/adamix/routing", QObject::tr("How a module is picked in training: one random route per batch (paper), "
                                           "per example, per token, or always module 0.")},
      {"/peft/adamix/consistency_weight", QObject::tr("λ: weight of the symmetric KL between two stochastic routes' "
                                                      "predictions (1 for NLU in the paper, 0 = off).")},
      {"/peft/adamix/distinct_routes",
       QObject::tr("Force the consistency pass to take a different route than the first pass.")},
      {"/peft/adamix/inference", QObject::tr("How the M modules are used at inference: averaged weights (merged, "
                                             "paper), a random module, one module, or an ensemble.")},
      {"/train/learning_rate", QObject::tr("Peak AdamW learning rate after warm-up (linear decay to 0).")},
      {"/train/epochs", QObject::tr("Passes over the training set; the best dev evaluation is kept.")},
      {"/train/batch_size", QObject::tr("Training examples per micro-batch (per optimiser step without gradient accumulation).")},
      {"/train/max_steps", QObject::tr("Stop after this many steps (0 = train all epochs).")},
      {"/train/warmup_ratio", QObject::tr("Fraction of the steps used to warm the learning rate up from 0.")},
      {"/train/weight_decay", QObject::tr("AdamW weight decay (not applied to biases and norms).")},
      {"/train/grad_accum", QObject::tr("Micro-batches per optimiser step: the effective batch is batch size × this.")},
      {"/train/warmup_steps", QObject::tr("Warm-up length in steps; > 0 overrides the warm-up ratio.")},
      {"/train/log_every_steps", QObject::tr("Log the training loss and learning rate every N steps (the Monitor's curve points).")},
      {"/train/checkpoint_every_steps",
       QObject::tr("Write a resumable checkpoint every N steps as well as at each epoch end (0 = epoch ends only).")},
      {"/train/eval_every_steps",
       QObject::tr("Evaluate on dev every N steps as well as at each epoch end (0 = epoch ends only).")},
      {"/task/max_seq_length", QObject::tr("Inputs are truncated to this many tokens.")},
      {"/task/max_train_examples",
       QObject::tr("Use only the first N training examples after a seeded shuffle (0 = all).")},
      {"/task/max_dev_examples", QObject::tr("Evaluate on at most N dev examples (0 = all).")},
      {"/task/few_shot_k",
       QObject::tr("Few-shot: sample K training examples per class with the run's seed (0 = off).")},
  };
  return help.value(pointer);
}

QStringList axisPaths() {
  return {"/peft/adamix/num_modules",
          "/peft/adamix/consistency_weight",
          "/peft/adamix/sharing",
          "/peft/adamix/routing",
          "/peft/adamix/inference",
          "/peft/method",
          "/peft/adapter/bottleneck",
          "/peft/lora/rank",
          "/peft/lora/alpha",
          "/train/learning_rate",
          "/train/epochs",
          "/train/batch_size",
          "/task/max_seq_length",
          "/task/max_train_examples",
          "/task/few_shot_k"};
}

}  // namespace adamix::ui
