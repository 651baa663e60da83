// SPDX-License-Identifier: GPL-3.0-or-later
#include "shell/theme.h"

#include <QApplication>
#include <QLabel>
#include <QPalette>
#include <QSettings>
#include <QStyle>
#include <QStyleFactory>

static void initUiResources() { Q_INIT_RESOURCE(adamix_studio); }

namespace adamix::ui {

void initResources() {
  static bool done = false;
  if (!done) initUiResources();
  done = true;
}

bool systemPrefersDark() {
  const QByteArray forced = qgetenv("ADAMIX_THEME").toLower();
  if (forced == "dark") return true;
  if (forced == "light") return false;
  const QByteArray gtk = qgetenv("GTK_THEME").toLower();
  if (gtk.contains(":dark") || gtk.endsWith("-dark")) return true;
  // the platform theme's palette (KDE, GNOME via the platform plugin) tells what the system uses
  const QPalette p = QGuiApplication::palette();
  return p.color(QPalette::Window).lightness() < 128;
}

void applyTheme(QApplication& app, const QString& themeIn) {
  QString theme = themeIn;
  if (theme.isEmpty() || theme == QLatin1String("system")) theme = systemPrefersDark() ? "dark" : "light";
  app.setStyle(QStyleFactory::create(QStringLiteral("Fusion")));
  if (theme == QLatin1String("dark")) {
    QPalette p;
    const QColor window(0x2b, 0x2d, 0x31), base(0x1e, 0x1f, 0x22), text(0xe6, 0xe6, 0xe6);
    const QColor highlight(0x3d, 0x8e, 0xd6);
    p.setColor(QPalette::Window, window);
    p.setColor(QPalette::WindowText, text);
    p.setColor(QPalette::Base, base);
    p.setColor(QPalette::AlternateBase, QColor(0x26, 0x28, 0x2b));
    p.setColor(QPalette::ToolTipBase, QColor(0x36, 0x38, 0x3d));
    p.setColor(QPalette::ToolTipText, text);
    p.setColor(QPalette::PlaceholderText, QColor(0x8a, 0x8d, 0x93));
    p.setColor(QPalette::Text, text);
    p.setColor(QPalette::Button, QColor(0x35, 0x37, 0x3c));
    p.setColor(QPalette::ButtonText, text);
    p.setColor(QPalette::BrightText, Qt::red);
    p.setColor(QPalette::Link, highlight.lighter(120));
    p.setColor(QPalette::Highlight, highlight);
    p.setColor(QPalette::HighlightedText, Qt::white);
    p.setColor(QPalette::Disabled, QPalette::Text, QColor(0x70, 0x72, 0x77));
    p.setColor(QPalette::Disabled, QPalette::ButtonText, QColor(0x70, 0x72, 0x77));
    p.setColor(QPalette::Disabled, QPalette::WindowText, QColor(0x70, 0x72, 0x77));
    app.setPalette(p);
  } else {
    app.setPalette(app.style()->standardPalette());
  }
}

void installDefaultSettings() {
  QSettings defaults(QStringLiteral(":/adamix/default-settings.ini"), QSettings::IniFormat);
  QSettings user;
  for (const QString& key : defaults.allKeys())
    if (!user.contains(key)) user.setValue(key, defaults.value(key));
}

QColor warningBackground() { return QColor(0xff, 0xf4, 0xce); }

QColor warningText() { return QColor(0x5c, 0x44, 0x00); }

QLabel* newWarningNote(const QString& objectName) {
  auto* note = new QLabel;
  note->setObjectName(objectName);
  note->setWordWrap(true);
  note->setStyleSheet(QStringLiteral("QLabel { background: %1; color: %2; border: 1px solid #e0c060; "
                                     "border-radius: 3px; padding: 5px; }")
                          .arg(warningBackground().name(), warningText().name()));
  note->hide();
  return note;
}

}  // namespace adamix::ui
