// SPDX-License-Identifier: GPL-3.0-or-later
#include "designer/form_fields.h"

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
  };
  return fields;
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
