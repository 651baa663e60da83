// SPDX-License-Identifier: GPL-3.0-or-later
#include "shell/welcome_page.h"

#include <QFileInfo>
#include <QLabel>
#include <QListWidget>
#include <QPushButton>
#include <QVBoxLayout>

namespace adamix::ui {

WelcomePage::WelcomePage(QWidget* parent) : QWidget(parent) {
  auto* outer = new QHBoxLayout(this);
  outer->addStretch(1);
  auto* col = new QVBoxLayout;
  col->addStretch(1);
  auto* icon = new QLabel;
  icon->setPixmap(
      QPixmap(QStringLiteral(":/adamix/icon.png")).scaled(96, 96, Qt::KeepAspectRatio, Qt::SmoothTransformation));
  col->addWidget(icon, 0, Qt::AlignHCenter);
  auto* title = new QLabel(tr("<h1>AdaMix Studio</h1>"));
  title->setAlignment(Qt::AlignHCenter);
  col->addWidget(title);
  auto* text =
      new QLabel(tr("Design ablation studies of AdaMix and the PEFT methods it builds on, watch them "
                    "train, compare runs and export paper-ready tables.<br><br>"
                    "New here? Open the demo study: it creates a workspace, loads "
                    "<i>experiments/demo.json</i> in the designer, and Launch (Ctrl+R) trains it."));
  text->setWordWrap(true);
  text->setAlignment(Qt::AlignHCenter);
  text->setMaximumWidth(560);
  col->addWidget(text, 0, Qt::AlignHCenter);
  col->addSpacing(16);
  demo_ = new QPushButton(QIcon::fromTheme("media-playback-start"), tr("Open the demo study"));
  demo_->setMinimumHeight(40);
  demo_->setDefault(true);
  auto* create = new QPushButton(QIcon::fromTheme("document-new"), tr("Create a workspace…"));
  auto* open = new QPushButton(QIcon::fromTheme("document-open"), tr("Open a workspace…"));
  for (QPushButton* b : {demo_, create, open}) {
    b->setMinimumWidth(320);
    col->addWidget(b, 0, Qt::AlignHCenter);
  }
  col->addSpacing(12);
  auto* recentLabel = new QLabel(tr("Recent workspaces:"));
  col->addWidget(recentLabel, 0, Qt::AlignHCenter);
  recent_ = new QListWidget;
  recent_->setMaximumWidth(560);
  recent_->setMaximumHeight(120);
  col->addWidget(recent_, 0, Qt::AlignHCenter);
  col->addStretch(2);
  outer->addLayout(col, 2);
  outer->addStretch(1);
  connect(demo_, &QPushButton::clicked, this, &WelcomePage::demoRequested);
  connect(create, &QPushButton::clicked, this, &WelcomePage::createRequested);
  connect(open, &QPushButton::clicked, this, &WelcomePage::openRequested);
  connect(recent_, &QListWidget::itemActivated, this,
          [this](QListWidgetItem* it) { emit recentRequested(it->data(Qt::UserRole).toString()); });
}

void WelcomePage::setRecent(const QStringList& paths) {
  recent_->clear();
  for (const QString& p : paths) {
    auto* it = new QListWidgetItem(QStringLiteral("%1 — %2").arg(QFileInfo(p).fileName(), QFileInfo(p).absolutePath()),
                                   recent_);
    it->setData(Qt::UserRole, p);
  }
  recent_->setVisible(!paths.isEmpty());
}

void WelcomePage::setDemoAvailable(bool available, const QString& path) {
  demo_->setEnabled(available);
  demo_->setToolTip(available ? tr("Loads %1 into the designer in a demo workspace.").arg(path)
                              : tr("The demo study (experiments/demo.json) was not found."));
}

}  // namespace adamix::ui
