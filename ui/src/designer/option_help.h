// One-sentence explanations of the run-config options shown in the designer's tooltips.
// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QString>
#include <QStringList>

namespace adamix::ui {

/// The tooltip of a run-config field given as a JSON pointer ("/peft/adamix/num_modules");
/// empty for fields without one.
QString optionHelp(const QString& pointer);
/// The config pointers offered in the axes editor, most useful first.
QStringList axisPaths();

}  // namespace adamix::ui
