// The designer's base-config form as data: one descriptor per field (JSON pointer, label, group,
// editor kind, range or choices). The tooltip of each field is optionHelp(pointer); defaults come
// from runConfigDefaults().
// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QString>
#include <QStringList>

#include <vector>

namespace adamix::ui {

/// The group box a field is shown in, in display order.
enum class FormGroup { Model, Peft, Train };

/// How a field is edited.
enum class FieldKind {
  Int,        ///< spin box over [min, max]
  Double,     ///< double spin box over [min, max] with `decimals`
  Choice,     ///< combo box of `choices` (typing allowed when `editable`)
  Number,     ///< line edit for a number in any notation ("4e-4"); other text is kept as a string
  Directory,  ///< line edit with a browse button
};

/// One field of the form.
struct FieldSpec {
  QString pointer;  ///< run-config JSON pointer (under the study's "base")
  QString label;    ///< translated row label
  FormGroup group;
  FieldKind kind;
  double min = 0, max = 0;
  int decimals = 0;
  QStringList choices;
  bool editable = false;     ///< Choice: other values may be typed
  QString specialValueText;  ///< Int: text shown at `min` (e.g. "all" for 0)
  QString suffix;            ///< Int: unit shown after the number (" steps")
};

/// The form's fields in display order.
const std::vector<FieldSpec>& formFields();
/// The translated title of a group box.
QString formGroupTitle(FormGroup group);

/// The consistency weight λ the paper uses for a task's kind, which a new study starts with (the
/// engine's schema default is 0 = off for NLU, so an M ablation would silently run "AdaMix
/// without consistency"): 1 for the NLU tasks (GLUE; the paper's setting and
/// experiments/paper-roberta-large-glue.json), 100 for the generation tasks e2e, webnlg, dart
/// (the official NLG code; also the engine's default there). docs/adamix.md, DESIGN.md.
double paperConsistencyWeight(const QString& taskName);

}  // namespace adamix::ui
