// First-run page: offers the demo study, creating a workspace or opening one (with recents).
// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QWidget>

class QListWidget;
class QPushButton;

namespace adamix::ui {

/// The page shown when no workspace is open.
class WelcomePage : public QWidget {
  Q_OBJECT
 public:
  explicit WelcomePage(QWidget* parent = nullptr);
  /// Shows these recently used workspaces.
  void setRecent(const QStringList& paths);
  /// Enables the demo button when the demo study file exists.
  void setDemoAvailable(bool available, const QString& path);
  QPushButton* demoButton() const { return demo_; }

 signals:
  void demoRequested();
  void createRequested();
  void openRequested();
  void recentRequested(const QString& path);

 private:
  QPushButton* demo_;
  QListWidget* recent_;
};

}  // namespace adamix::ui
