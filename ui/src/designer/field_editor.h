// Creates the editor widget of a form field (FieldSpec) and converts between it and JSON.
// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "designer/form_fields.h"

#include <nlohmann/json.hpp>

#include <functional>

class QLineEdit;
class QWidget;

namespace adamix::ui {

/// One field's editor: `widget` goes into the form (a row for Directory fields, whose line edit
/// is `input`); get()/set() read and write its value as JSON.
struct FieldEditor {
  FieldSpec spec;
  QWidget* widget = nullptr;  ///< the form row's widget
  QWidget* input = nullptr;   ///< the widget holding the value (what DesignerView::fieldWidget returns)
  std::function<nlohmann::json()> get;
  std::function<void(const nlohmann::json&)> set;
  /// Connects `onChange` to every edit of the value.
  std::function<void(std::function<void()>)> onChanged;
};

/// Builds the editor of `spec`: tooltip from optionHelp(), fallback value (for a JSON value of
/// the wrong type) from runConfigDefaults(). Numbers are written with the default's JSON type
/// (integral values of an integer default stay integers).
FieldEditor makeFieldEditor(const FieldSpec& spec);

/// Keeps the mouse wheel from changing `editor` (a spin box or combo box) while it has no focus:
/// sets Qt::StrongFocus (the wheel gives no focus) and hands a wheel over the unfocused editor to
/// the nearest enclosing scroll area (the form, a table), which scrolls instead. A focused editor
/// still takes the wheel. Every spin box and combo box of the designer goes through this.
void scrollPastUnfocused(QWidget* editor);

}  // namespace adamix::ui
