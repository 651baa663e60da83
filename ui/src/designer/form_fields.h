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
};

/// The form's fields in display order.
const std::vector<FieldSpec>& formFields();
/// The translated title of a group box.
QString formGroupTitle(FormGroup group);

}  // namespace adamix::ui
