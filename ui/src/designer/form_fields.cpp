// SPDX-License-Identifier: GPL-3.0-or-later
#include "designer/form_fields.h"

#include <QCoreApplication>

namespace adamix::ui {

namespace {

QString tr(const char* text) { return QCoreApplication::translate("adamix::ui::DesignerView", text); }

}  // namespace

const std::vector<FieldSpec>& formFields() {
  using G = FormGroup;
  using K = FieldKind;
  static const std::vector<FieldSpec> fields = {
      {"/model/path", tr("Model"), G::Model, K::Directory},
      {"/task/max_seq_length", tr("Max length"), G::Model, K::Int, 8, 8192},
      {"/task/max_train_examples", tr("Train examples"), G::Model, K::Int, 0, 100000000, 0, {}, false, tr("all")},
      {"/peft/method", tr("Method"), G::Peft, K::Choice, 0, 0, 0, {"adapter", "lora", "bitfit", "head", "full"}},
      {"/peft/adamix/num_modules", tr("Modules M"), G::Peft, K::Int, 1, 64},
      {"/peft/adapter/bottleneck", tr("Adapter bottleneck r"), G::Peft, K::Int, 1, 8192},
      {"/peft/lora/rank", tr("LoRA rank"), G::Peft, K::Int, 1, 4096},
      {"/peft/lora/alpha", tr("LoRA alpha"), G::Peft, K::Double, 0.01, 100000, 2},
      {"/peft/adamix/sharing", tr("Sharing"), G::Peft, K::Choice, 0, 0, 0, {"up", "down", "none"}},
      {"/peft/adamix/routing", tr("Routing"), G::Peft, K::Choice, 0, 0, 0, {"batch", "example", "token", "fixed"}},
      {"/peft/adamix/consistency_weight", tr("Consistency λ"), G::Peft, K::Double, 0, 10000, 3},
      {"/peft/adamix/inference", tr("Inference"), G::Peft, K::Choice, 0, 0, 0,
       {"merged", "random", "ensemble", "module:0"}, true},
      {"/train/learning_rate", tr("Learning rate"), G::Train, K::Number},
      {"/train/epochs", tr("Epochs"), G::Train, K::Int, 1, 10000},
      {"/train/batch_size", tr("Batch size"), G::Train, K::Int, 1, 65536},
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
