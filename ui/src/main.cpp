// adamix-studio: the AdaMix Studio desktop GUI.
// SPDX-License-Identifier: GPL-3.0-or-later
#include "adamix_version.h"
#include "shell/main_window.h"
#include "shell/screenshots.h"
#include "shell/theme.h"
#include "workspace/workspace.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QFileInfo>
#include <QSettings>
#include <QTemporaryDir>
#include <QTextStream>

namespace {

/// The one command-line definition of adamix-studio (used before and after the GUI exists).
void defineOptions(QCommandLineParser& p) {
  p.setApplicationDescription(
      QStringLiteral("AdaMix Studio: design, train, compare and export AdaMix ablation studies."));
  p.addHelpOption();
  p.addVersionOption();
  p.addPositionalArgument(QStringLiteral("study"), QStringLiteral("A study file to open in the designer."),
                          QStringLiteral("[study.json]"));
  p.addOption({QStringLiteral("workspace"), QStringLiteral("Open this workspace database (created if missing)."),
               QStringLiteral("DB")});
  p.addOption({QStringLiteral("screenshot"), QStringLiteral("Render each main screen to PNG files in DIR and exit."),
               QStringLiteral("DIR")});
  p.addOption({QStringLiteral("launch"),
               QStringLiteral("With --screenshot: launch this study, cancel and resume one run and capture "
                              "the monitor with the resumed run training."),
               QStringLiteral("STUDY")});
  p.addOption({QStringLiteral("run-actions"),
               QStringLiteral("With --screenshot: evaluate, export and (AdaMix) merge a finished run through its "
                              "context menu and capture the menu, dialogs and results (adds to the workspace).")});
  p.addOption({QStringLiteral("theme"), QStringLiteral("system (default), light or dark."), QStringLiteral("THEME")});
}

void setApplicationNames() {
  QCoreApplication::setOrganizationName(QStringLiteral("AdaMix"));
  QCoreApplication::setApplicationName(QStringLiteral("AdaMix Studio"));
  QCoreApplication::setApplicationVersion(QStringLiteral(ADAMIX_VERSION));
}

/// --help, --help-all and --version answered by a QCoreApplication, so they work without a display (exits
/// when either is given; otherwise the GUI parses the same options after Qt took its own).
void answerHelpWithoutDisplay(int argc, char** argv) {
  QCoreApplication core(argc, argv);
  setApplicationNames();
  QCommandLineParser p;
  defineOptions(p);
  p.parse(QCoreApplication::arguments());  // unknown (e.g. Qt's -platform) options: reported later
  if (p.isSet(QStringLiteral("help"))) p.showHelp(0);
  if (p.isSet(QStringLiteral("version"))) p.showVersion();
  if (p.isSet(QStringLiteral("help-all"))) p.process(core);  // Qt's own options too
}

}  // namespace

int main(int argc, char** argv) {
  answerHelpWithoutDisplay(argc, argv);
  QApplication app(argc, argv);
  setApplicationNames();
  adamix::ui::initResources();
  QApplication::setWindowIcon(QIcon(QStringLiteral(":/adamix/icon.png")));

  QCommandLineParser p;
  defineOptions(p);
  p.process(app);

  // Screenshots neither read nor write the user's settings (last study, folders, window layout):
  // they are reproducible and leave the user's next start as it was.
  QTemporaryDir screenshotSettings;
  if (p.isSet("screenshot")) {
    QSettings::setPath(QSettings::NativeFormat, QSettings::UserScope, screenshotSettings.path());
    QSettings::setPath(QSettings::IniFormat, QSettings::UserScope, screenshotSettings.path());
  } else {
    adamix::ui::installDefaultSettings();
  }
  const QString theme = p.isSet("theme") ? p.value("theme") : QSettings().value("ui/theme", "system").toString();
  adamix::ui::applyTheme(app, theme);

  adamix::ui::MainWindow window;
  if (p.isSet("screenshot")) {
    if (p.isSet("workspace")) window.openWorkspace(p.value("workspace"), true);
    adamix::ui::ScreenshotOptions o;
    o.dir = p.value("screenshot");
    o.launchStudy = p.value("launch");
    o.runActions = p.isSet("run-actions");
    if (!p.positionalArguments().isEmpty()) o.studyFile = p.positionalArguments().first();
    const QStringList files = adamix::ui::renderScreenshots(window, o);
    QTextStream out(stdout);
    for (const QString& f : files) out << f << "\n";
    window.workspace()->close();
    return files.isEmpty() ? 1 : 0;
  }

  // Shown before the workspace opens: the screens not on display then read it when first shown.
  window.show();
  const bool opened =
      p.isSet("workspace") ? window.openWorkspace(p.value("workspace"), false) : window.restoreLastWorkspace();
  if (!p.positionalArguments().isEmpty())
    window.openStudyFile(p.positionalArguments().first());
  else if (opened)
    window.showScreen(adamix::ui::MainWindow::Designer);
  return app.exec();
}
