// SPDX-License-Identifier: GPL-3.0-or-later
#include "designer/form_fields.h"

#include "config/run_config.h"

#include <QCoreApplication>

namespace adamix::ui {

namespace {

QString tr(const char* text) { return QCoreApplication::translate("adamix::ui::DesignerView", text); }

FieldSpec intField(const char* pointer, const char* label, FormGroup group, int min, int max,
                   const char* specialValueText = nullptr) {
  FieldSpec f{pointer, tr(label), group, FieldKind::Int, double(min), double(max)};
  if (specialValueText) f.specialValueText = tr(specialValueText);
  return f;
}

/// `f` with a unit shown after the number (" steps").
FieldSpec withSuffix(FieldSpec f, const char* suffix) {
  f.suffix = tr(suffix);
  return f;
}

FieldSpec doubleField(const char* pointer, const char* label, FormGroup group, double min, double max, int decimals) {
  FieldSpec f{pointer, tr(label), group, FieldKind::Double, min, max};
  f.decimals = decimals;
  return f;
}

FieldSpec choiceField(const char* pointer, const char* label, FormGroup group, const QStringList& choices,
                      bool editable = false) {
  FieldSpec f{pointer, tr(label), group, FieldKind::Choice};
  f.choices = choices;
  f.editable = editable;
  return f;
}

FieldSpec plainField(const char* pointer, const char* label, FormGroup group, FieldKind kind) {
  return {pointer, tr(label), group, kind};
}

}  // namespace

const std::vector<FieldSpec>& formFields() {
  using G = FormGroup;
  static const std::vector<FieldSpec> fields = {
      plainField("/model/path", "Model", G::Model, FieldKind::Directory),
      intField("/task/max_seq_length", "Max length", G::Model, 8, 8192),
      intField("/task/max_train_examples", "Train examples", G::Model, 0, 100000000, "all"),
      choiceField("/peft/method", "Method", G::Peft, {"adapter", "lora", "bitfit", "head", "full"}),
      intField("/peft/adamix/num_modules", "Modules M", G::Peft, 1, 64),
      intField("/peft/adapter/bottleneck", "Adapter bottleneck r", G::Peft, 1, 8192),
      intField("/peft/lora/rank", "LoRA rank", G::Peft, 1, 4096),
      doubleField("/peft/lora/alpha", "LoRA alpha", G::Peft, 0.01, 100000, 2),
      choiceField("/peft/adamix/sharing", "Sharing", G::Peft, {"up", "down", "none"}),
      choiceField("/peft/adamix/routing", "Routing", G::Peft, {"batch", "example", "token", "fixed"}),
      doubleField("/peft/adamix/consistency_weight", "Consistency λ", G::Peft, 0, 10000, 3),
      choiceField("/peft/adamix/inference", "Inference", G::Peft, {"merged", "random", "ensemble", "module:0"}, true),
      plainField("/train/learning_rate", "Learning rate", G::Train, FieldKind::Number),
      intField("/train/epochs", "Epochs", G::Train, 1, 10000),
      intField("/train/batch_size", "Batch size", G::Train, 1, 65536),
      intField("/train/grad_accum", "Gradient accumulation", G::Train, 1, 65536),
      withSuffix(intField("/train/max_steps", "Max steps", G::Train, 0, 100000000, "all epochs"), " steps"),
      doubleField("/train/warmup_ratio", "Warm-up ratio", G::Train, 0, 1, 3),
      withSuffix(intField("/train/warmup_steps", "Warm-up steps", G::Train, 0, 100000000, "from the ratio"), " steps"),
      doubleField("/train/weight_decay", "Weight decay", G::Train, 0, 1000, 4),
      withSuffix(intField("/train/eval_every_steps", "Evaluate every", G::Train, 0, 100000000, "epoch end"), " steps"),
      withSuffix(intField("/train/log_every_steps", "Log every", G::Train, 1, 100000000), " steps"),
      withSuffix(intField("/train/checkpoint_every_steps", "Checkpoint every", G::Train, 0, 100000000, "epoch end"), " steps"),
  };
  return fields;
}

double paperConsistencyWeight(const QString& taskName) {
  return adamix::isNlgTask(taskName.toStdString()) ? 100.0 : 1.0;
}

QString formGroupTitle(FormGroup group) {
  switch (group) {
    case FormGroup::Model: return tr("Model and tasks");
    case FormGroup::Peft: return tr("PEFT method and AdaMix");
    case FormGroup::Train: break;
  }
  return tr("Training");
}

}  // namespace adamix::ui
