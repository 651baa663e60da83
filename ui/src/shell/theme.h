// Application look: Fusion style with a light or dark palette that follows the system (or the
// "ui/theme" setting / ADAMIX_THEME=light|dark), and defaults for missing settings.
// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QColor>
#include <QString>

class QApplication;
class QLabel;

namespace adamix::ui {

/// Registers the GUI's compiled-in resources (icons, default settings); safe to call twice.
void initResources();
/// True when the system (platform palette, GTK_THEME, or ADAMIX_THEME / the setting) asks for dark.
bool systemPrefersDark();
/// Applies Fusion and the light or dark palette; `theme` is "system", "light" or "dark".
void applyTheme(QApplication& app, const QString& theme = QStringLiteral("system"));
/// Copies resources/default-settings.ini values into QSettings for keys not set yet.
void installDefaultSettings();

/// The warning tint (pale yellow) and its text colour, readable in the light and dark palettes:
/// for notes and table cells that say results must be read with care.
QColor warningBackground();
QColor warningText();
/// A hidden, word-wrapped note in the warning colours (e.g. "these runs differ in settings…").
QLabel* newWarningNote(const QString& objectName);

}  // namespace adamix::ui
